/// An extra header such as `X-DiaCert-Dossier: D-2027-0042`.
///
/// The name is validated when the header is made; the value is free text, sanitised and encoded
/// like a subject when the message is rendered.
public struct MailHeader: Sendable, Hashable {
    public let name: String
    public var value: String

    /// Headers the message writes itself; giving one of them as an extra header is an error.
    public static let reservedNames: Set<String> = [
        "date", "from", "sender", "reply-to", "to", "cc", "bcc", "subject", "message-id", "mime-version",
        "content-type", "content-transfer-encoding", "content-disposition", "auto-submitted", "return-path",
        "received",
    ]

    /// - Throws: ``MailError/invalidHeaderName(_:)`` unless `name` is 1 to 60 printable ASCII characters
    ///   without `:`; ``MailError/reservedHeaderName(_:)`` for a name in ``reservedNames`` or starting
    ///   with `Content-`.
    public init(_ name: String, _ value: String) throws(MailError) {
        guard (1...60).contains(name.utf8.count), name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }) else {
            throw .invalidHeaderName(name)
        }
        let lowered = name.lowercased()
        guard !MailHeader.reservedNames.contains(lowered), !lowered.hasPrefix("content-") else {
            throw .reservedHeaderName(name)
        }
        self.name = name
        self.value = value
    }
}

/// A plain-text notification mail, rendered to RFC 5322 bytes.
///
/// Rendering guarantees, whatever the inputs:
/// - CRLF line ends only (no bare CR or LF), 7-bit bytes only, header lines of at most 78 characters
///   (an over-long Message-ID or address is the only exception, and both are bounded far below 998);
/// - `MIME-Version: 1.0`, `Content-Type: text/plain; charset=…`, `Auto-Submitted: auto-generated`
///   (RFC 3834, so auto-responders stay quiet), `Date` with a numeric zone, the caller's Message-ID;
/// - no header injection: addresses are validated ``MailAddress`` values, and in subjects, display names
///   and extra header values line breaks become spaces and other control characters are dropped;
/// - non-ASCII header text as RFC 2047 B-encoded words of at most 75 characters that never split a
///   character (ISO-2022-JP words each return to ASCII);
/// - the body as base64 lines of 76 characters (UTF-8) or 7bit ISO-2022-JP whose every line returns to
///   ASCII before CRLF; its line breaks (CRLF, LF, CR, U+2028/2029, NEL) become CRLF, control characters
///   other than TAB are dropped, lines longer than 998 bytes are wrapped, and the body ends with CRLF.
///   A line holding only `.` is sent as is: the SMTP client dot-stuffs it (libcurl does so for CRLF text).
public struct MailMessage: Sendable, Hashable {
    public var from: Mailbox
    public var to: Mailbox
    public var replyTo: Mailbox?
    public var subject: String
    /// Plain text; line breaks in any convention.
    public var body: String
    public var charset: MailCharset
    /// Fixed when the outbox row is written; identical on every attempt.
    public var messageID: MessageID
    /// Given by the caller (when the outbox row was written, or of this attempt).
    public var date: MailDate
    /// Written after the standard headers, in order.
    public var extraHeaders: [MailHeader]

    public init(
        from: Mailbox, to: Mailbox, replyTo: Mailbox? = nil, subject: String, body: String,
        charset: MailCharset = .utf8, messageID: MessageID, date: MailDate, extraHeaders: [MailHeader] = []
    ) {
        self.from = from
        self.to = to
        self.replyTo = replyTo
        self.subject = subject
        self.body = body
        self.charset = charset
        self.messageID = messageID
        self.date = date
        self.extraHeaders = extraHeaders
    }

    /// The message as RFC 5322 bytes, ready for SMTP `DATA` or an `.eml` file.
    ///
    /// - Throws: ``MailError/unencodableCharacter(_:scalar:charset:field:)`` when the charset is
    ///   ISO-2022-JP and a character has no JIS X 0208 code after ``ISO2022JP/substitutions``.
    public func render() throws(MailError) -> [UInt8] {
        var head = ""
        head += MailMessage.simpleField("Date", date.description)
        head += try addressField("From", from)
        head += try addressField("To", to)
        if let replyTo { head += try addressField("Reply-To", replyTo) }
        head += try unstructuredField("Subject", subject, field: "subject")
        head += MailMessage.simpleField("Message-ID", messageID.bracketed)
        head += "MIME-Version: 1.0\r\n"
        head += "Content-Type: text/plain; charset=\(charset.mimeName)\r\n"
        head += "Content-Transfer-Encoding: \(charset == .utf8 ? "base64" : "7bit")\r\n"
        head += "Auto-Submitted: auto-generated\r\n"
        for header in extraHeaders {
            head += try unstructuredField(header.name, header.value, field: "\(header.name) header")
        }
        var bytes = Array(head.utf8)
        bytes += [0x0D, 0x0A]
        bytes += try renderedBody()
        assert(MailMessage.firstBareLineEnd(in: bytes) == nil && bytes.allSatisfy { $0 < 0x80 }, "rendered mail must be 7-bit with CRLF line ends")
        return bytes
    }

    // MARK: - Headers

    /// A header whose value is one unbreakable ASCII token (a date, a Message-ID).
    private static func simpleField(_ name: String, _ value: String) -> String {
        var folder = HeaderFolder(name)
        folder.append(value)
        return folder.rendered
    }

    private func unstructuredField(_ name: String, _ value: String, field: String) throws(MailError) -> String {
        var folder = HeaderFolder(name)
        let text = HeaderText.sanitized(value)
        if text.isEmpty { return folder.rendered }
        if HeaderText.isPlainASCII(text), let tokens = HeaderText.foldableTokens(text) {
            for token in tokens { folder.append(token) }
        } else {
            for word in try HeaderText.encodedWords(text, charset: charset, firstRoom: folder.firstWordRoom, field: field) {
                folder.append(word)
            }
        }
        return folder.rendered
    }

    private func addressField(_ name: String, _ mailbox: Mailbox) throws(MailError) -> String {
        var folder = HeaderFolder(name)
        let displayName = HeaderText.sanitized(mailbox.displayName ?? "")
        if displayName.isEmpty {
            folder.append(mailbox.address.description)
            return folder.rendered
        }
        for token in try phraseTokens(displayName, firstWordRoom: folder.firstWordRoom, field: "\(name) display name") {
            folder.append(token)
        }
        folder.append("<" + mailbox.address.description + ">")
        return folder.rendered
    }

    /// A display name as RFC 5322 phrase tokens: plain atoms, one quoted string, or encoded words.
    private func phraseTokens(_ text: String, firstWordRoom: Int, field: String) throws(MailError) -> [String] {
        if HeaderText.isPlainASCII(text) {
            let atoms = text.split(separator: " ", omittingEmptySubsequences: false)
            if atoms.allSatisfy({ !$0.isEmpty && $0.utf8.count < HeaderText.lineLimit && $0.utf8.allSatisfy(MailAddress.isAtext) }) {
                return atoms.map(String.init)
            }
            var quoted = "\""
            for character in text {
                if character == "\"" || character == "\\" { quoted += "\\" }
                quoted.append(character)
            }
            quoted += "\""
            if quoted.utf8.count < HeaderText.lineLimit { return [quoted] }
        }
        let words = try HeaderText.encodedWords(text, charset: charset, firstRoom: firstWordRoom, field: field)
        if words.count > 1 {
            // Some decoders (Python's address parser among them) keep the space between adjacent
            // encoded words of a display name, against RFC 2047 §6.2; one word on a continuation line
            // avoids the question for names up to about 15 kanji.
            let single = try HeaderText.encodedWords(text, charset: charset, firstRoom: HeaderText.encodedWordLimit, field: field)
            if single.count == 1 { return single }
        }
        return words
    }

    // MARK: - Body

    /// The body's lines: every line-break convention split, control characters except TAB dropped.
    static func bodyLines(_ text: String) -> [String] {
        var lines: [String] = []
        var current = String.UnicodeScalarView()
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            defer { previousWasCR = scalar == "\r" }
            switch scalar.value {
            case 0x0A where previousWasCR:
                continue
            case 0x0A, 0x0D, 0x85, 0x2028, 0x2029:
                lines.append(String(current))
                current = String.UnicodeScalarView()
            case 0x09:
                current.append(scalar)
            case 0x00..<0x20, 0x7F...0x9F:
                continue
            default:
                current.append(scalar)
            }
        }
        if !current.isEmpty { lines.append(String(current)) }
        return lines
    }

    private func renderedBody() throws(MailError) -> [UInt8] {
        let lines = MailMessage.bodyLines(body)
        switch charset {
        case .utf8:
            var text: [UInt8] = []
            for line in lines { text += line.utf8 + [0x0D, 0x0A] }
            var out: [UInt8] = []
            let encoded = Base64.encodedBytes(text)
            var index = 0
            while index < encoded.count {
                let end = min(index + 76, encoded.count)
                out += encoded[index..<end]
                out += [0x0D, 0x0A]
                index = end
            }
            return out
        case .iso2022jp:
            func appending(_ character: Character, to encoder: ISO2022JP.Encoder) throws(MailError) -> ISO2022JP.Encoder {
                var copy = encoder
                do { try copy.append(character) } catch { throw MailError(error, field: "body") }
                return copy
            }
            var out: [UInt8] = []
            for line in lines {
                var encoder = ISO2022JP.Encoder()
                for character in ISO2022JP.normalized(line) {
                    var next = try appending(character, to: encoder)
                    if next.finishedCount > 998 && encoder.finishedCount > 0 {
                        // RFC 5322 §2.1.1: at most 998 octets a line; continue on the next one.
                        out += encoder.finished() + [0x0D, 0x0A]
                        next = try appending(character, to: ISO2022JP.Encoder())
                    }
                    encoder = next
                }
                out += encoder.finished() + [0x0D, 0x0A]
            }
            return out
        }
    }

    /// The offset of the first CR not followed by LF or LF not preceded by CR, if any.
    static func firstBareLineEnd(in bytes: [UInt8]) -> Int? {
        for (index, byte) in bytes.enumerated() {
            if byte == 0x0D && (index + 1 == bytes.count || bytes[index + 1] != 0x0A) { return index }
            if byte == 0x0A && (index == 0 || bytes[index - 1] != 0x0D) { return index }
        }
        return nil
    }
}
