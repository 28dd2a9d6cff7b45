internal import CCurl
internal import CCurlShim

/// Where and how to submit mail.
public struct SMTPConfiguration: Sendable, Hashable {
    /// How STARTTLS is used on an `smtp://` URL (`smtps://` is always TLS from the first byte).
    public enum STARTTLS: Sendable, Hashable {
        /// Upgrade with STARTTLS or fail before `MAIL FROM` (`CURLUSESSL_ALL`). The default.
        case required
        /// Upgrade if the server offers STARTTLS, else continue in clear text (`CURLUSESSL_TRY`).
        case optional
        /// Clear text (a relay on localhost).
        case off
    }

    /// A configuration error, found when the configuration is made.
    public struct Error: Swift.Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "SMTP configuration: \(reason)" }
    }

    /// `smtp://host:port` or `smtps://host:port`, optionally with `/<EHLO name>` as the path.
    public let url: String
    public var starttls: STARTTLS
    /// SASL login (PLAIN/LOGIN/…, whatever both sides support); `nil` for no AUTH.
    public let username: String?
    public let password: SecretString?
    /// A PEM CA bundle to verify the server with instead of the system's (a private CA, or a test's
    /// self-signed certificate). Verification itself is never turned off.
    public var caFile: String?
    /// Bound on connecting (TCP and TLS). Default 10 s.
    public var connectTimeout: Duration
    /// Bound on the whole submission. Default 60 s.
    public var timeout: Duration

    /// - Throws: ``Error`` for a URL that is not `smtp://` or `smtps://`, carries credentials (give them
    ///   as `username`/`password`), or contains whitespace or control characters; a username without a
    ///   password or the reverse; a non-positive timeout.
    public init(
        url: String, starttls: STARTTLS = .required, username: String? = nil, password: SecretString? = nil,
        caFile: String? = nil, connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(60)
    ) throws(Error) {
        let lowered = url.lowercased()
        guard lowered.hasPrefix("smtp://") || lowered.hasPrefix("smtps://") else {
            throw Error(reason: "URL must start with smtp:// or smtps://")
        }
        guard url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) else {
            throw Error(reason: "URL must be printable ASCII without spaces")
        }
        let authority = url.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2).first ?? ""
        guard !authority.contains("@") else {
            throw Error(reason: "URL must not carry credentials; give username and password separately")
        }
        guard (username == nil) == (password == nil) else { throw Error(reason: "give both username and password, or neither") }
        if let username, username.isEmpty || username.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            throw Error(reason: "username must be non-empty without control characters")
        }
        guard connectTimeout > .zero, timeout > .zero else { throw Error(reason: "timeouts must be positive") }
        self.url = url
        self.starttls = starttls
        self.username = username
        self.password = password
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    var isImplicitTLS: Bool { url.lowercased().hasPrefix("smtps://") }
}

/// The result of one SMTP submission.
public enum SMTPResult: Sendable, Hashable {
    /// The server accepted the message (`250` after DATA).
    case delivered(reply: Int)
    /// Try again later: a 4xx reply, no connection, a timeout, a dropped connection, a TLS or login
    /// problem (a configuration fault, not the message's — retried until an operator fixes it or the
    /// attempts run out). A timeout after DATA is an unknown outcome: the retry may duplicate the mail,
    /// under the same Message-ID.
    case transient(DeliveryFailure)
    /// The server refused this message for good: a 5xx reply to `MAIL FROM`, `RCPT TO`, `DATA` or the
    /// end of data. ``RetryPolicy`` does not retry it by default (``RetryPolicy/permanentFailureAttempts``).
    case permanent(DeliveryFailure)

    /// For ``RetryPolicy``.
    public var outcome: DeliveryOutcome {
        switch self {
        case .delivered: .delivered
        case .transient: .retryable(retryAfterSeconds: nil)
        case .permanent: .permanent
        }
    }
}

/// Submits mail through libcurl on a ``CurlWorker``.
public struct SMTPSender: Sendable {
    public let configuration: SMTPConfiguration
    public let worker: CurlWorker

    public init(configuration: SMTPConfiguration, worker: CurlWorker) {
        self.configuration = configuration
        self.worker = worker
    }

    /// Renders `message` and submits it to its `To` address, with `envelopeFrom` (default: the `From`
    /// address) as the return path.
    ///
    /// - Throws: ``MailError`` if the message cannot be rendered (nothing was sent).
    public func send(_ message: MailMessage, envelopeFrom: MailAddress? = nil) async throws(MailError) -> SMTPResult {
        let bytes = try message.render()
        return try await send(rendered: bytes, from: envelopeFrom ?? message.from.address, to: [message.to.address])
    }

    /// Submits already rendered bytes exactly as they are.
    ///
    /// - Throws: ``MailError/invalidMessageBytes(_:)`` (nothing was sent) if the bytes have a bare CR or
    ///   LF: libcurl dot-stuffs only CRLF lines, so a bare-LF `.` line could end the message early;
    ///   ``MailError/invalidAddress(_:reason:)`` for an empty recipient list.
    public func send(rendered bytes: [UInt8], from: MailAddress, to recipients: [MailAddress]) async throws(MailError) -> SMTPResult {
        guard !recipients.isEmpty else { throw .invalidAddress("", reason: "no recipients") }
        if let offset = MailMessage.firstBareLineEnd(in: bytes) {
            throw .invalidMessageBytes("bare CR or LF at byte \(offset); lines must end in CRLF")
        }
        let configuration = configuration
        let request = SMTPTransferRequest(
            url: configuration.url,
            useSSL: Int(SMTPSender.useSSL(configuration).rawValue),
            username: configuration.username,
            password: configuration.password,
            caFile: configuration.caFile,
            connectTimeoutMilliseconds: configuration.connectTimeout.curlMilliseconds,
            timeoutMilliseconds: configuration.timeout.curlMilliseconds,
            mailFrom: "<\(from)>",
            recipients: recipients.map { "<\($0)>" },
            message: bytes)
        let report = await worker.withHandle { $0.sendMail(request) }
        return SMTPSender.classify(report, timeout: configuration.timeout)
    }

    private static func useSSL(_ configuration: SMTPConfiguration) -> curl_usessl {
        if configuration.isImplicitTLS { return CURLUSESSL_ALL }
        switch configuration.starttls {
        case .required: return CURLUSESSL_ALL
        case .optional: return CURLUSESSL_TRY
        case .off: return CURLUSESSL_NONE
        }
    }

    /// Maps a transfer report to a result.
    ///
    /// 5xx is permanent only when it answers the message itself: `MAIL`/`RCPT`/`DATA` (curl reports
    /// `CURLE_SEND_ERROR` with the reply code) or the end of data (`CURLE_WEIRD_SERVER_REPLY` after the
    /// body was uploaded). A 5xx greeting, EHLO or STARTTLS answer, a login failure and every transport
    /// error are transient.
    static func classify(_ report: CurlTransferReport, timeout: Duration) -> SMTPResult {
        let reply = report.responseCode
        if report.succeeded { return .delivered(reply: reply) }
        let code = UInt32(report.code)
        let replyNote = reply > 0 ? " (SMTP \(reply))" : ""
        let reason =
            switch code {
            case CURLE_OPERATION_TIMEDOUT.rawValue:
                "timed out after \(timeout.secondsText) s"
                    + (report.uploadedBytes > 0 ? "; outcome unknown, the message was uploaded" : "")
            case CURLE_USE_SSL_FAILED.rawValue: "server offers no STARTTLS and TLS is required"
            case CURLE_LOGIN_DENIED.rawValue: "login denied" + replyNote
            case CURLE_WEIRD_SERVER_REPLY.rawValue where reply > 0 && report.uploadedBytes > 0: "message refused after DATA" + replyNote
            default: report.errorMessage + replyNote
            }
        let failure = DeliveryFailure(code: reply > 0 ? reply : nil, curlCode: report.code, reason: reason + " (curl \(code))")
        let answersTheMessage =
            code == CURLE_SEND_ERROR.rawValue || (code == CURLE_WEIRD_SERVER_REPLY.rawValue && report.uploadedBytes > 0)
        return (500..<600).contains(reply) && answersTheMessage ? .permanent(failure) : .transient(failure)
    }
}
