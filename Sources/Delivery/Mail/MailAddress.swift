/// A plain mail address `local@domain`, validated so that it can go into a header and an SMTP
/// envelope as is.
///
/// Only the dot-atom form is accepted: no display name, no angle brackets, no comments, no quoted
/// local part, no IP literal, no whitespace, no control characters and no non-ASCII (an
/// internationalised domain must be given in its `xn--` form). The domain needs at least two
/// labels of letters, digits and inner hyphens. These rules reject every header-injection and
/// display-name trick (`a@b.jp\r\nBcc: x@evil.example`, `"Boss" <x@evil.example>`, `a@b.jp, c@d.jp`).
public struct MailAddress: Sendable, Hashable, CustomStringConvertible {
    /// The part before `@`.
    public let localPart: String
    /// The part after `@`.
    public let domain: String

    /// Validates `text` as `local@domain`.
    ///
    /// - Throws: ``MailError/invalidAddress(_:reason:)`` naming the rule that failed.
    public init(_ text: String) throws(MailError) {
        func fail(_ reason: String) -> MailError { .invalidAddress(text, reason: reason) }
        guard !text.isEmpty else { throw fail("empty") }
        guard text.utf8.count <= 254 else { throw fail("longer than 254 characters") }
        for scalar in text.unicodeScalars {
            if scalar == "\r" || scalar == "\n" { throw fail("contains a line break") }
            if scalar.value < 0x20 || scalar.value == 0x7F { throw fail("contains a control character") }
            if scalar == " " || scalar == "\t" { throw fail("contains whitespace") }
            if !scalar.isASCII { throw fail("contains a non-ASCII character; use the xn-- form of the domain") }
            if "<>,;:\"()[]\\".unicodeScalars.contains(scalar) {
                throw fail("contains '\(scalar)'; give the plain address local@domain without a display name")
            }
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw fail("needs exactly one '@'") }
        let local = String(parts[0])
        let domain = String(parts[1])
        guard !local.isEmpty, local.utf8.count <= 64 else { throw fail("local part must have 1 to 64 characters") }
        guard MailAddress.isDotAtom(local) else { throw fail("local part is not a dot-atom (no leading, trailing or double dots)") }
        guard MailAddress.isHostName(domain) else {
            throw fail("domain must be a host name with at least two labels of letters, digits and hyphens")
        }
        self.localPart = local
        self.domain = domain
    }

    /// `local@domain`.
    public var description: String { localPart + "@" + domain }

    /// RFC 5322 `atext`.
    static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-/=?^_`{|}~".utf8).contains(byte)
        }
    }

    /// RFC 5322 `dot-atom-text`: atext runs separated by single dots.
    static func isDotAtom(_ text: String) -> Bool {
        let atoms = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        return atoms.allSatisfy { !$0.isEmpty && $0.allSatisfy(isAtext) }
    }

    /// A DNS host name of at least two LDH labels whose last label is not all digits.
    static func isHostName(_ text: String) -> Bool {
        guard text.utf8.count <= 253 else { return false }
        let labels = text.utf8.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard labels.count >= 2 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                return false
            }
            let isLDH = label.allSatisfy {
                ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z"))
                    || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || $0 == UInt8(ascii: "-")
            }
            guard isLDH else { return false }
        }
        return !labels.last!.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }
}

/// An address with an optional display name (`株式会社サンプル 総務部 <soumu@sample.co.jp>`).
///
/// The display name is free text: line breaks and other control characters are replaced by spaces
/// or dropped when the header is rendered, and anything that is not a plain ASCII word is sent as
/// RFC 2047 encoded words, so it can never add a header or a second address.
public struct Mailbox: Sendable, Hashable {
    public var address: MailAddress
    public var displayName: String?

    public init(_ address: MailAddress, displayName: String? = nil) {
        self.address = address
        self.displayName = displayName
    }

    /// Validates `address` (see ``MailAddress``).
    public init(address: String, displayName: String? = nil) throws(MailError) {
        self.init(try MailAddress(address), displayName: displayName)
    }
}

/// A Message-ID, fixed when the outbox row is written and sent unchanged on every attempt, so that
/// a duplicate caused by an ambiguous failure carries the same identity.
///
/// Accepts `<left@right>` or `left@right`, both sides RFC 5322 `dot-atom-text`, at most 200
/// characters between the brackets.
public struct MessageID: Sendable, Hashable, CustomStringConvertible {
    /// `left@right`, without angle brackets.
    public let value: String

    /// Validates `text`; angle brackets around it are optional.
    public init(_ text: String) throws(MailError) {
        func fail(_ reason: String) -> MailError { .invalidMessageID(text, reason: reason) }
        var inner = Substring(text)
        if inner.hasPrefix("<") && inner.hasSuffix(">") && inner.count >= 2 { inner = inner.dropFirst().dropLast() }
        guard inner.allSatisfy(\.isASCII) else { throw fail("contains a non-ASCII character") }
        guard (3...200).contains(inner.utf8.count) else { throw fail("must have 3 to 200 characters") }
        let parts = inner.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, MailAddress.isDotAtom(String(parts[0])), MailAddress.isDotAtom(String(parts[1])) else {
            throw fail("must be left@right, each side letters, digits, dots and !#$%&'*+-/=?^_`{|}~")
        }
        value = String(inner)
    }

    /// `<left@right>`, as it appears in the header.
    public var bracketed: String { "<" + value + ">" }

    public var description: String { bracketed }
}
