import Foundation
internal import CCurl
internal import CCurlShim

/// A receiver of webhooks: its URL and the secret(s) to sign for it.
public struct WebhookEndpoint: Sendable, Hashable {
    /// `https://…` (or `http://…` where ``WebhookConfiguration/allowPlainHTTP`` is on).
    public let url: String
    public var signer: WebhookSigner

    /// - Throws: ``WebhookError`` unless `url` starts with `https://` or `http://` and is printable
    ///   ASCII without spaces.
    public init(url: String, secrets: [WebhookSecret]) throws(WebhookError) {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("https://") || lowered.hasPrefix("http://") else {
            throw WebhookError(reason: "webhook URL must start with https://")
        }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw WebhookError(reason: "webhook URL must be printable ASCII without spaces")
        }
        guard !secrets.isEmpty else { throw WebhookError(reason: "a webhook endpoint needs a secret") }
        self.url = url
        signer = WebhookSigner(secrets: secrets)
    }

    var isPlainHTTP: Bool { url.lowercased().hasPrefix("http://") }
}

/// How webhooks are sent.
public struct WebhookConfiguration: Sendable, Hashable {
    /// Bound on the whole request; Standard Webhooks recommends 15–30 s. Default 15 s.
    public var timeout: Duration = .seconds(15)
    /// Bound on connecting (TCP and TLS). Default 10 s.
    public var connectTimeout: Duration = .seconds(10)
    /// Allow `http://` endpoints (loopback tests, a local relay). Off: only `https` is spoken
    /// (`CURLOPT_PROTOCOLS_STR`), so neither the URL nor anything else can make curl use another protocol.
    public var allowPlainHTTP = false
    /// A PEM CA bundle instead of the system's; verification is never turned off.
    public var caFile: String?
    /// An egress proxy (`http://proxy:3128`, e.g. an SSRF-filtering one); `nil` uses none, ignoring
    /// `https_proxy` and friends in the environment.
    public var proxy: String?
    public var userAgent = "DiaCert-Webhooks/1"

    public init() {}
}

/// The result of one webhook attempt.
public enum WebhookResult: Sendable, Hashable {
    /// A 2xx answer.
    case delivered(status: Int)
    /// 410 Gone: the caller disables the endpoint and stops retrying.
    case gone(status: Int)
    /// Anything else; try again, no earlier than `after` seconds if the receiver sent `Retry-After`.
    ///
    /// Per status: 429, 502, 503, 504 and other 5xx — retry, honouring `Retry-After`; 3xx — redirects
    /// are never followed, so the endpoint is misconfigured: retry (it may be fixed) until the attempts
    /// run out; 4xx other than 410 (400, 401, 403, 404, 413, …) — retry as well: a rotated secret or a
    /// deployment in progress is the usual cause, and a dead letter after the last attempt is the same
    /// outcome a permanent classification would give, just later; timeouts and network errors — retry
    /// (an unknown outcome: the receiver dedupes by `webhook-id`).
    case retry(after: Int?, DeliveryFailure)

    /// For ``RetryPolicy``.
    public var outcome: DeliveryOutcome {
        switch self {
        case .delivered: .delivered
        case .gone: .gone
        case .retry(let after, _): .retryable(retryAfterSeconds: after)
        }
    }

    /// The HTTP status, if the receiver answered.
    public var status: Int? {
        switch self {
        case .delivered(let status), .gone(let status): status
        case .retry(_, let failure): failure.code
        }
    }
}

/// Sends Standard Webhooks POSTs through libcurl on a ``CurlWorker``.
///
/// Each attempt sends the caller's stored body bytes unchanged, the fixed `webhook-id`, the current
/// time as `webhook-timestamp` (integer seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of
/// "id.timestamp.body">`, with `Content-Type: application/json`. Redirects are not followed.
public struct WebhookSender: Sendable {
    public let configuration: WebhookConfiguration
    public let worker: CurlWorker

    public init(configuration: WebhookConfiguration = WebhookConfiguration(), worker: CurlWorker) {
        self.configuration = configuration
        self.worker = worker
    }

    /// One attempt.
    ///
    /// - Parameters:
    ///   - timestamp: the `webhook-timestamp`; `nil` (the default) takes the clock when the request
    ///     actually starts on the worker.
    public func send(id: WebhookMessageID, body: [UInt8], to endpoint: WebhookEndpoint, timestamp: Int64? = nil) async -> WebhookResult {
        if endpoint.isPlainHTTP && !configuration.allowPlainHTTP {
            return .retry(after: nil, DeliveryFailure(reason: "http:// endpoint refused: allowPlainHTTP is off"))
        }
        let configuration = configuration
        let report = await worker.withHandle { easy in
            let timestamp = timestamp ?? Int64(Date().timeIntervalSince1970.rounded(.down))
            let request = HTTPPostRequest(
                url: endpoint.url,
                headers: [
                    "Content-Type: application/json",
                    "webhook-id: \(id.value)",
                    "webhook-timestamp: \(timestamp)",
                    "webhook-signature: \(endpoint.signer.signatureHeader(id: id, timestamp: timestamp, body: body))",
                    "Expect:",  // no 100-continue round trip
                ],
                body: body,
                protocols: configuration.allowPlainHTTP ? "http,https" : "https",
                caFile: configuration.caFile,
                userAgent: configuration.userAgent,
                proxy: configuration.proxy,
                connectTimeoutMilliseconds: configuration.connectTimeout.curlMilliseconds,
                timeoutMilliseconds: configuration.timeout.curlMilliseconds)
            return easy.post(request)
        }
        return WebhookSender.classify(report, timeout: configuration.timeout)
    }

    /// Maps a transfer report to a result (see ``WebhookResult/retry(after:_:)`` for the per-status choice).
    static func classify(_ report: CurlTransferReport, timeout: Duration) -> WebhookResult {
        let status = report.responseCode
        let retryAfter = report.retryAfterSeconds > 0 ? Int(clamping: report.retryAfterSeconds) : nil
        guard report.succeeded else {
            let reason =
                UInt32(report.code) == CURLE_OPERATION_TIMEDOUT.rawValue
                ? "timed out after \(timeout.secondsText) s (curl \(report.code))"
                : "\(report.errorMessage) (curl \(report.code))"
            return .retry(after: nil, DeliveryFailure(code: status > 0 ? status : nil, curlCode: report.code, reason: reason))
        }
        switch status {
        case 200..<300:
            return .delivered(status: status)
        case 410:
            return .gone(status: status)
        case 300..<400:
            return .retry(after: retryAfter, DeliveryFailure(code: status, reason: "HTTP \(status): redirects are not followed"))
        default:
            let suffix = retryAfter.map { " (Retry-After \($0) s)" } ?? ""
            return .retry(after: retryAfter, DeliveryFailure(code: status, reason: "HTTP \(status)\(suffix)"))
        }
    }
}
