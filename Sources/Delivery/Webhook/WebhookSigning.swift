import Hashing

/// Why a webhook value was refused.
public struct WebhookError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// A Standard Webhooks symmetric secret: `whsec_` followed by the base64 of 24 to 64 random bytes.
///
/// The description and mirror are redacted; ``serialized`` gives the `whsec_…` text to hand to the
/// receiver once.
public struct WebhookSecret: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
    /// The HMAC key: the decoded bytes after `whsec_`.
    let key: [UInt8]

    /// Parses `whsec_<base64>` (padding optional).
    ///
    /// - Throws: ``WebhookError`` without the `whsec_` prefix, for text that is not base64, or for a key
    ///   shorter than 24 or longer than 64 bytes (the reason never echoes the secret).
    public init(_ text: String) throws(WebhookError) {
        guard text.hasPrefix("whsec_") else { throw WebhookError(reason: "webhook secret must start with 'whsec_'") }
        guard let key = Base64.decode(text.dropFirst("whsec_".count)) else {
            throw WebhookError(reason: "webhook secret is not base64 after 'whsec_'")
        }
        guard (24...64).contains(key.count) else {
            throw WebhookError(reason: "webhook secret must decode to 24 to 64 bytes, not \(key.count)")
        }
        self.key = key
    }

    /// A fresh random secret of `byteCount` bytes (24…64; default 32).
    public static func generate(byteCount: Int = 32) -> WebhookSecret {
        precondition((24...64).contains(byteCount), "a webhook secret has 24 to 64 bytes")
        return WebhookSecret(key: Digest.randomBytes(byteCount))
    }

    private init(key: [UInt8]) { self.key = key }

    /// `whsec_<base64>`: the form receivers are given and `standardwebhooks` libraries take.
    public var serialized: String { "whsec_" + Base64.encode(key) }

    public var description: String { "whsec_<redacted>" }
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// A `webhook-id`: fixed when the outbox row is written, identical on every attempt, the receiver's
/// idempotency key. 1 to 128 characters of `A-Z a-z 0-9 _ -` (never `.`, which delimits the signed
/// content, and nothing that could break a header).
public struct WebhookMessageID: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) throws(WebhookError) {
        let isValid =
            (1...128).contains(value.utf8.count)
            && value.utf8.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
            }
        guard isValid else { throw WebhookError(reason: "webhook id must be 1 to 128 letters, digits, '_' or '-'") }
        self.value = value
    }

    public var description: String { value }
}

/// Signs (and verifies) Standard Webhooks v1 signatures: base64 HMAC-SHA256 of `id.timestamp.body`.
public struct WebhookSigner: Sendable, Hashable {
    /// Every secret signs; during a key rotation the header carries one signature per secret.
    public let secrets: [WebhookSecret]

    public init(secrets: [WebhookSecret]) {
        precondition(!secrets.isEmpty, "a webhook signer needs at least one secret")
        self.secrets = secrets
    }

    public init(secret: WebhookSecret) { self.init(secrets: [secret]) }

    /// The `webhook-signature` value: `v1,<base64>` per secret, space-separated.
    public func signatureHeader(id: WebhookMessageID, timestamp: Int64, body: [UInt8]) -> String {
        let content = WebhookSigner.signedContent(id: id, timestamp: timestamp, body: body)
        return secrets.map { "v1," + Base64.encode(Digest.hmacSHA256(key: $0.key, message: content)) }.joined(separator: " ")
    }

    /// Whether any `v1` signature in `header` matches under any secret (constant-time comparison).
    public func verify(id: WebhookMessageID, timestamp: Int64, body: [UInt8], signatureHeader header: String) -> Bool {
        let content = WebhookSigner.signedContent(id: id, timestamp: timestamp, body: body)
        let expected = secrets.map { Digest.hmacSHA256(key: $0.key, message: content) }
        var matched = false
        for entry in header.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let signature = Base64.decode(parts[1]) else { continue }
            for mac in expected where WebhookSigner.constantTimeEqual(mac, signature) { matched = true }
        }
        return matched
    }

    static func signedContent(id: WebhookMessageID, timestamp: Int64, body: [UInt8]) -> [UInt8] {
        Array("\(id.value).\(timestamp).".utf8) + body
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
