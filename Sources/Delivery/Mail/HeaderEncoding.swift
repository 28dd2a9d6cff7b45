/// The character set of a message's body and encoded headers.
public enum MailCharset: String, Sendable, Hashable, CaseIterable {
    /// UTF-8: headers as B-encoded UTF-8 words, body base64. The default; carries every character.
    case utf8
    /// ISO-2022-JP (RFC 1468): headers as B-encoded ISO-2022-JP words, body 7bit. For recipients whose
    /// systems need "JIS"; ``ISO2022JP/substitutions`` are applied and anything still unencodable is refused.
    case iso2022jp

    /// The MIME charset name (`UTF-8`, `ISO-2022-JP`).
    public var mimeName: String {
        switch self {
        case .utf8: "UTF-8"
        case .iso2022jp: "ISO-2022-JP"
        }
    }
}

/// Header text handling: sanitising, RFC 2047 encoded words, folding.
enum HeaderText {
    /// RFC 5322 §2.1.1: lines SHOULD be at most 78 characters (excluding CRLF).
    static let lineLimit = 78
    /// RFC 2047 §2: an encoded word is at most 75 characters.
    static let encodedWordLimit = 75
    /// The smallest first-line room in which an encoded word is started; with less, the header's first
    /// word goes to a continuation line. 32 holds any single scalar in either charset.
    static let minimumFirstWordRoom = 32

    /// `text` made safe for a header: CR, LF, TAB and the Unicode line separators become spaces; other
    /// C0/C1 control characters, DEL and bidirectional overrides are dropped; leading and trailing
    /// spaces are trimmed. A header value can therefore never end its line or add a header.
    static func sanitized(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x09, 0x0A, 0x0D, 0x85, 0x2028, 0x2029: out.append(" ")
            case 0x00..<0x20, 0x7F...0x9F, 0x202A...0x202E, 0x2066...0x2069: continue
            default: out.append(scalar)
            }
        }
        var text = String(out)
        while text.hasPrefix(" ") { text.removeFirst() }
        while text.hasSuffix(" ") { text.removeLast() }
        return text
    }

    /// Whether `text` can be written as is: printable ASCII that no decoder would mistake for an
    /// encoded word.
    static func isPlainASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && !text.contains("=?")
    }

    /// Tokens between which a sanitised ASCII text may be folded; each keeps the extra spaces of a
    /// run, so unfolding (removing CRLF) restores the text exactly. `nil` if a token cannot fit on a line.
    static func foldableTokens(_ text: String) -> [String]? {
        var tokens: [String] = []
        for piece in text.split(separator: " ", omittingEmptySubsequences: false) {
            if piece.isEmpty, !tokens.isEmpty {
                tokens[tokens.count - 1] += " "
            } else {
                tokens.append(String(piece))
            }
        }
        return tokens.allSatisfy { $0.utf8.count < lineLimit } ? tokens : nil
    }

    /// RFC 2047 B-encoded words for `text` in `charset`.
    ///
    /// Words are at most 75 characters long, the first at most `firstRoom` (unless its first character
    /// alone needs more: then the first word may use 75 and the folder starts it on a continuation
    /// line). Each word holds whole characters: a split falls between grapheme clusters, or between
    /// the scalars of a cluster too large for one word, never inside a scalar's bytes. ISO-2022-JP
    /// words each start in ASCII state and end in it (`ESC ( B`), so every word decodes on its own.
    ///
    /// - Precondition: `firstRoom` is between ``minimumFirstWordRoom`` and 75.
    static func encodedWords(
        _ text: String, charset: MailCharset, firstRoom: Int, field: String
    ) throws(MailError) -> [String] {
        precondition((minimumFirstWordRoom...encodedWordLimit).contains(firstRoom))
        let prefix = "=?\(charset.mimeName)?B?"
        let overhead = prefix.utf8.count + 2
        func capacity(room: Int) -> Int { (room - overhead) / 4 * 3 }
        let source = charset == .iso2022jp ? ISO2022JP.normalized(text) : text
        var firstRoom = firstRoom
        if let first = source.first {
            // A first character too large for the first line's room goes whole onto a continuation line.
            var probe = WordSegment(charset: charset)
            try probe.append(first, field: field)
            if probe.count > capacity(room: firstRoom) { firstRoom = encodedWordLimit }
        }
        var words: [String] = []
        var segment = WordSegment(charset: charset)

        func capacity() -> Int { capacity(room: words.isEmpty ? firstRoom : encodedWordLimit) }
        func flush() {
            words.append(prefix + Base64.encode(segment.bytes) + "?=")
            segment = WordSegment(charset: charset)
        }
        /// Adds `unit` to the current word, or to a fresh one; false if it does not fit even alone.
        func place(_ unit: Character) throws(MailError) -> Bool {
            var candidate = segment
            try candidate.append(unit, field: field)
            if candidate.count <= capacity() {
                segment = candidate
                return true
            }
            guard !segment.isEmpty else { return false }
            flush()
            return try place(unit)
        }

        for character in source {
            if try place(character) { continue }
            // A cluster too large for any word (a long emoji sequence): split between its scalars.
            for scalar in character.unicodeScalars {
                let placed = try place(Character(scalar))
                precondition(placed, "a single scalar always fits an encoded word of \(minimumFirstWordRoom) characters")
            }
        }
        if !segment.isEmpty { flush() }
        return words
    }

    /// The bytes of one encoded word under construction.
    private struct WordSegment {
        let charset: MailCharset
        private var utf8: [UInt8] = []
        private var jis = ISO2022JP.Encoder()

        init(charset: MailCharset) { self.charset = charset }

        var isEmpty: Bool { count == 0 }
        var count: Int { charset == .utf8 ? utf8.count : jis.finishedCount }
        var bytes: [UInt8] { charset == .utf8 ? utf8 : jis.finished() }

        mutating func append(_ character: Character, field: String) throws(MailError) {
            switch charset {
            case .utf8:
                utf8 += character.utf8
            case .iso2022jp:
                do {
                    try jis.append(character)
                } catch {
                    throw MailError(error, field: field)
                }
            }
        }
    }
}

extension MailError {
    /// An ISO-2022-JP encoding failure in `field`.
    init(_ error: ISO2022JP.Error, field: String) {
        switch error {
        case .unencodable(let character, let scalar):
            self = .unencodableCharacter(character, scalar: scalar, charset: .iso2022jp, field: field)
        case .shiftControl(let scalar):
            self = .unencodableCharacter(Character(scalar), scalar: scalar, charset: .iso2022jp, field: field)
        }
    }
}

/// Builds one header field folded at whitespace into lines of at most 78 characters.
struct HeaderFolder {
    private(set) var lines: [String]

    init(_ name: String) { lines = [name + ":"] }

    /// Room for a token written after a space on the current line.
    var room: Int { HeaderText.lineLimit - lines[lines.count - 1].utf8.count - 1 }

    /// The room to give the first encoded word of a header started now.
    var firstWordRoom: Int { room >= HeaderText.minimumFirstWordRoom ? min(room, HeaderText.encodedWordLimit) : HeaderText.encodedWordLimit }

    /// Writes `token` after a space, on the current line if it fits, else on a new continuation line.
    mutating func append(_ token: String) {
        if token.utf8.count <= room {
            lines[lines.count - 1] += " " + token
        } else {
            lines.append(" " + token)
        }
    }

    /// The field with CRLF line ends.
    var rendered: String { lines.joined(separator: "\r\n") + "\r\n" }
}
