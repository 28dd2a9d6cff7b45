/// Why an attempt did not deliver: the peer's answer (if any), curl's code (if the transfer failed) and
/// a short reason for logs and the outbox row. Never holds a password, secret or message content.
public struct DeliveryFailure: Sendable, Hashable, CustomStringConvertible {
    /// The HTTP status or SMTP reply code, if the peer answered.
    public var code: Int?
    /// The libcurl error code, if the transfer itself failed (`7` refused, `28` timeout, …).
    public var curlCode: Int32?
    /// `HTTP 503`, `SMTP 451 after DATA`, `timed out after 15 s (curl 28)`, ….
    public var reason: String

    public init(code: Int? = nil, curlCode: Int32? = nil, reason: String) {
        self.code = code
        self.curlCode = curlCode
        self.reason = reason
    }

    public var description: String { reason }
}

/// The channel-independent meaning of one attempt's result, as ``RetryPolicy`` consumes it.
public enum DeliveryOutcome: Sendable, Hashable {
    /// Accepted by the peer (SMTP 250, HTTP 2xx).
    case delivered
    /// Not delivered, may succeed later; `retryAfterSeconds` is the peer's `Retry-After`, if any.
    case retryable(retryAfterSeconds: Int?)
    /// Refused for good (SMTP 5xx on MAIL, RCPT or after DATA).
    case permanent
    /// The endpoint is gone (HTTP 410): stop sending to it.
    case gone
}
