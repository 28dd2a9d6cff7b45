/// Why a mail could not be built: the message is refused rather than rendered with a bad header.
public enum MailError: Error, Sendable, Equatable, CustomStringConvertible {
    /// An address that is not a plain `local@domain` (display-name tricks, `<`, `>`, `,`, spaces,
    /// CR/LF, non-ASCII, quoted local parts, IP literals, …).
    case invalidAddress(String, reason: String)
    /// A Message-ID that is not `<id-left@id-right>` in dot-atom form.
    case invalidMessageID(String, reason: String)
    /// An extra header name that is empty, too long, or contains characters outside `!`…`~` or a colon.
    case invalidHeaderName(String)
    /// An extra header whose name DiaCert sets itself (`From`, `Subject`, `Content-Type`, `Bcc`, …).
    case reservedHeaderName(String)
    /// A character the message's charset cannot carry, after the documented substitutions.
    ///
    /// The daemon falls back to UTF-8 for this message (or reports it).
    case unencodableCharacter(Character, scalar: Unicode.Scalar, charset: MailCharset, field: String)
    /// Rendered bytes handed to a sender that are not a valid message (a bare CR or LF).
    case invalidMessageBytes(String)

    public var description: String {
        switch self {
        case .invalidAddress(let text, let reason):
            "invalid mail address \(MailError.quoted(text)): \(reason)"
        case .invalidMessageID(let text, let reason):
            "invalid Message-ID \(MailError.quoted(text)): \(reason)"
        case .invalidHeaderName(let name):
            "invalid header name \(MailError.quoted(name)); use letters, digits and '-'"
        case .reservedHeaderName(let name):
            "header '\(name)' is set by the message itself and cannot be given as an extra header"
        case .unencodableCharacter(let character, let scalar, let charset, let field):
            "character '\(character)' (\(MailError.codePoint(scalar))) in the \(field) cannot be encoded in "
                + "\(charset.mimeName); send this message as UTF-8"
        case .invalidMessageBytes(let reason):
            "invalid message bytes: \(reason)"
        }
    }

    /// `U+9AD9`.
    static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    /// The text in single quotes with control characters made visible, so an error message never
    /// carries a raw CR/LF into a log line.
    static func quoted(_ text: String) -> String {
        var out = "'"
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "'"
    }
}
