internal import Diagnostics

/// One token of an expression.
struct Token: Sendable {
    enum Kind: Sendable, Equatable {
        case end
        case identifier(String)
        /// A back-quoted field name: ``a.`content-type` ``.
        case quotedIdentifier(String)
        case int(Int64)
        /// An integer literal too large for int64; only valid right after a unary minus
        /// (`-9223372036854775808`).
        case intMagnitude(UInt64)
        case uint(UInt64)
        case double(Double, text: String)
        case string(String)
        case bytes([UInt8])
        case `true`, `false`, null, `in`
        case punctuation(Punctuation)
        case invalid(LocalizedText)
    }

    enum Punctuation: String, Sendable {
        case question = "?", colon = ":", orOr = "||", andAnd = "&&", bang = "!"
        case equal = "==", notEqual = "!=", less = "<", lessEqual = "<=", greater = ">", greaterEqual = ">="
        case plus = "+", minus = "-", star = "*", slash = "/", percent = "%"
        case dot = ".", comma = ",", leftParen = "(", rightParen = ")"
        case leftBracket = "[", rightBracket = "]", leftBrace = "{", rightBrace = "}"
    }

    var kind: Kind
    /// UTF-8 byte offset of the token's first byte.
    var offset: Int
}

/// Words CEL reserves: they cannot name a variable or function, but may follow a `.`.
let reservedWords: Set<String> = [
    "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop",
    "package", "namespace", "return", "var", "void", "while",
]

/// Splits expression text into tokens, working on UTF-8 bytes.
struct Lexer {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    var sourceBytes: [UInt8] { bytes }

    mutating func next() -> Token {
        skipSpaceAndComments()
        guard position < bytes.count else { return Token(kind: .end, offset: position) }
        let start = position
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "_"):
            if let token = stringWithPrefix(start) { return token }
            while position < bytes.count, isIdentifierByte(bytes[position]) { position += 1 }
            let word = String(decoding: bytes[start..<position], as: UTF8.self)
            let kind: Token.Kind =
                switch word {
                case "true": .true
                case "false": .false
                case "null": .null
                case "in": .in
                default: .identifier(word)
                }
            return Token(kind: kind, offset: start)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return number(start)
        case UInt8(ascii: "."):
            if position + 1 < bytes.count, isDigit(bytes[position + 1]) { return number(start) }
            position += 1
            return Token(kind: .punctuation(.dot), offset: start)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            return string(start, raw: false, bytes: false)
        case UInt8(ascii: "`"):
            position += 1
            let nameStart = position
            while position < bytes.count, bytes[position] != UInt8(ascii: "`"), bytes[position] != UInt8(ascii: "\n") {
                position += 1
            }
            guard position < bytes.count, bytes[position] == UInt8(ascii: "`") else {
                return Token(kind: .invalid("unterminated back-quoted name"), offset: start)
            }
            let name = String(decoding: bytes[nameStart..<position], as: UTF8.self)
            position += 1
            return Token(kind: .quotedIdentifier(name), offset: start)
        default:
            return punctuation(start)
        }
    }

    private mutating func skipSpaceAndComments() {
        while position < bytes.count {
            let byte = bytes[position]
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
                position += 1
            } else if byte == UInt8(ascii: "/"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "/") {
                while position < bytes.count, bytes[position] != 0x0A { position += 1 }
            } else {
                return
            }
        }
    }

    private mutating func punctuation(_ start: Int) -> Token {
        let byte = bytes[position]
        let nextByte: UInt8? = position + 1 < bytes.count ? bytes[position + 1] : nil
        func two(_ second: Character, _ kind: Token.Punctuation, else single: Token.Punctuation?) -> Token {
            if nextByte == second.asciiValue {
                position += 2
                return Token(kind: .punctuation(kind), offset: start)
            }
            if let single {
                position += 1
                return Token(kind: .punctuation(single), offset: start)
            }
            position += 1
            return Token(kind: .invalid(unexpected(String(Character(Unicode.Scalar(byte))), hint: loneOperatorHint(byte))), offset: start)
        }
        switch byte {
        case UInt8(ascii: "|"): return two("|", .orOr, else: nil)
        case UInt8(ascii: "&"): return two("&", .andAnd, else: nil)
        case UInt8(ascii: "="): return two("=", .equal, else: nil)
        case UInt8(ascii: "!"): return two("=", .notEqual, else: .bang)
        case UInt8(ascii: "<"): return two("=", .lessEqual, else: .less)
        case UInt8(ascii: ">"): return two("=", .greaterEqual, else: .greater)
        default: break
        }
        let single: Token.Punctuation? =
            switch byte {
            case UInt8(ascii: "?"): .question
            case UInt8(ascii: ":"): .colon
            case UInt8(ascii: "+"): .plus
            case UInt8(ascii: "-"): .minus
            case UInt8(ascii: "*"): .star
            case UInt8(ascii: "/"): .slash
            case UInt8(ascii: "%"): .percent
            case UInt8(ascii: ","): .comma
            case UInt8(ascii: "("): .leftParen
            case UInt8(ascii: ")"): .rightParen
            case UInt8(ascii: "["): .leftBracket
            case UInt8(ascii: "]"): .rightBracket
            case UInt8(ascii: "{"): .leftBrace
            case UInt8(ascii: "}"): .rightBrace
            default: nil
            }
        if let single {
            position += 1
            return Token(kind: .punctuation(single), offset: start)
        }
        // Report the whole (possibly multi-byte) character.
        var end = position + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        let character = String(decoding: bytes[position..<end], as: UTF8.self)
        position = end
        return Token(kind: .invalid(unexpected(character, hint: fullWidthHint(character))), offset: start)
    }

    private func unexpected(_ character: String, hint: LocalizedText?) -> LocalizedText {
        guard let hint else { return LocalizedText("unexpected character '\(character)'", ja: "'\(character)' はここでは使えません") }
        return LocalizedText(
            "unexpected character '\(character)'; \(hint.en)", ja: "'\(character)' はここでは使えません。\(hint.ja ?? hint.en)")
    }

    /// `=`, `&` and `|` alone are the usual slips of people who write formulas in spreadsheets.
    private func loneOperatorHint(_ byte: UInt8) -> LocalizedText? {
        switch byte {
        case UInt8(ascii: "="):
            LocalizedText("to compare, write '==' (equal) or '!=' (not equal)", ja: "比較には '==' (等しい) か '!=' (等しくない) を使います")
        case UInt8(ascii: "&"): LocalizedText("write '&&' for \"and\"", ja: "「かつ」は '&&' と書きます")
        case UInt8(ascii: "|"): LocalizedText("write '||' for \"or\"", ja: "「または」は '||' と書きます")
        default: nil
        }
    }

    /// Japanese input methods produce full-width symbols that look like the ASCII ones.
    private func fullWidthHint(_ character: String) -> LocalizedText? {
        guard let scalar = character.unicodeScalars.first else { return nil }
        if (0xFF01...0xFF5E).contains(scalar.value), let ascii = Unicode.Scalar(scalar.value - 0xFEE0) {
            return LocalizedText(
                "this is a full-width character, use '\(Character(ascii))'", ja: "全角文字です。半角の '\(Character(ascii))' を使ってください")
        }
        if scalar == "　" { return LocalizedText("this is a full-width space, use a normal space", ja: "全角スペースです。半角スペースを使ってください") }
        if scalar == "“" || scalar == "”" || scalar == "‘" || scalar == "’" {
            return LocalizedText("use straight quotes ' or \"", ja: "引用符は半角の ' か \" を使ってください")
        }
        return nil
    }

    // MARK: Numbers

    private mutating func number(_ start: Int) -> Token {
        // Hexadecimal integers.
        if bytes[position] == UInt8(ascii: "0"), position + 1 < bytes.count,
            bytes[position + 1] == UInt8(ascii: "x") || bytes[position + 1] == UInt8(ascii: "X")
        {
            position += 2
            let digitsStart = position
            while position < bytes.count, isHexDigit(bytes[position]) { position += 1 }
            let digits = String(decoding: bytes[digitsStart..<position], as: UTF8.self)
            guard !digits.isEmpty, let magnitude = UInt64(digits, radix: 16) else {
                return Token(kind: .invalid("invalid hexadecimal literal"), offset: start)
            }
            return integerToken(magnitude, start)
        }
        var isFloat = false
        while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        if position < bytes.count, bytes[position] == UInt8(ascii: "."), position + 1 < bytes.count,
            isDigit(bytes[position + 1])
        {
            isFloat = true
            position += 1
            while position < bytes.count, isDigit(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            var look = position + 1
            if look < bytes.count, bytes[look] == UInt8(ascii: "+") || bytes[look] == UInt8(ascii: "-") { look += 1 }
            if look < bytes.count, isDigit(bytes[look]) {
                isFloat = true
                position = look
                while position < bytes.count, isDigit(bytes[position]) { position += 1 }
            }
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        if isFloat {
            guard let value = Double(text) else { return Token(kind: .invalid("invalid number '\(text)'"), offset: start) }
            return Token(kind: .double(value, text: text), offset: start)
        }
        guard let magnitude = UInt64(text) else {
            return Token(kind: .invalid("integer literal '\(text)' is too large"), offset: start)
        }
        return integerToken(magnitude, start)
    }

    private mutating func integerToken(_ magnitude: UInt64, _ start: Int) -> Token {
        if position < bytes.count, bytes[position] == UInt8(ascii: "u") || bytes[position] == UInt8(ascii: "U") {
            position += 1
            return Token(kind: .uint(magnitude), offset: start)
        }
        if magnitude <= UInt64(Int64.max) { return Token(kind: .int(Int64(magnitude)), offset: start) }
        return Token(kind: .intMagnitude(magnitude), offset: start)
    }

    // MARK: Strings and bytes

    /// `r"…"`, `b'…'`, `rb"…"`, `BR'''…'''`: a prefixed literal, or nil when the word is an identifier.
    private mutating func stringWithPrefix(_ start: Int) -> Token? {
        var look = position
        var raw = false
        var isBytes = false
        for _ in 0..<2 {
            guard look < bytes.count else { return nil }
            switch bytes[look] {
            case UInt8(ascii: "r"), UInt8(ascii: "R"):
                if raw { return nil }
                raw = true
            case UInt8(ascii: "b"), UInt8(ascii: "B"):
                if isBytes { return nil }
                isBytes = true
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if look == position { return nil }
                position = look
                return string(start, raw: raw, bytes: isBytes)
            default:
                return nil
            }
            look += 1
        }
        guard look < bytes.count, bytes[look] == UInt8(ascii: "\"") || bytes[look] == UInt8(ascii: "'") else {
            return nil
        }
        position = look
        return string(start, raw: raw, bytes: isBytes)
    }

    private mutating func string(_ start: Int, raw: Bool, bytes isBytes: Bool) -> Token {
        let quote = bytes[position]
        let triple = position + 2 < bytes.count && bytes[position + 1] == quote && bytes[position + 2] == quote
        position += triple ? 3 : 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else {
                return Token(kind: .invalid(LocalizedText("unterminated string literal", ja: "文字列の終わりの引用符がありません")), offset: start)
            }
            let byte = bytes[position]
            if byte == quote {
                if !triple {
                    position += 1
                    break
                }
                if position + 2 < bytes.count, bytes[position + 1] == quote, bytes[position + 2] == quote {
                    position += 3
                    break
                }
            }
            if !triple, byte == 0x0A || byte == 0x0D {
                return Token(kind: .invalid("line break in a single-line string; use '''…''' for several lines"), offset: start)
            }
            if byte == UInt8(ascii: "\\"), !raw {
                let escapeStart = position
                guard let problem = escape(into: &out, isBytes: isBytes) else { continue }
                return Token(kind: .invalid(LocalizedText(problem)), offset: escapeStart)
            }
            out.append(byte)
            position += 1
        }
        if isBytes { return Token(kind: .bytes(out), offset: start) }
        guard let text = String(validating: out, as: UTF8.self) else {
            return Token(kind: .invalid("string literal is not valid UTF-8"), offset: start)
        }
        return Token(kind: .string(text), offset: start)
    }

    /// Reads one escape sequence at `position` and appends its UTF-8 (or raw byte) form; returns a
    /// problem description when the escape is invalid.
    private mutating func escape(into out: inout [UInt8], isBytes: Bool) -> String? {
        position += 1
        guard position < bytes.count else { return "unterminated escape sequence" }
        let code = bytes[position]
        position += 1
        func append(scalarValue value: UInt32) -> String? {
            guard let scalar = Unicode.Scalar(value) else { return "invalid code point in escape sequence" }
            out.append(contentsOf: Array(String(scalar).utf8))
            return nil
        }
        switch code {
        case UInt8(ascii: "a"): out.append(0x07)
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "v"): out.append(0x0B)
        case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "`"), UInt8(ascii: "?"):
            out.append(code)
        case UInt8(ascii: "x"), UInt8(ascii: "X"):
            guard let value = hexValue(count: 2) else { return "invalid \\x escape: expected two hex digits" }
            if isBytes { out.append(UInt8(value)) } else { return append(scalarValue: value) }
        case UInt8(ascii: "u"):
            if isBytes { return "\\u escapes are not allowed in bytes literals" }
            guard let value = hexValue(count: 4) else { return "invalid \\u escape: expected four hex digits" }
            return append(scalarValue: value)
        case UInt8(ascii: "U"):
            if isBytes { return "\\U escapes are not allowed in bytes literals" }
            guard let value = hexValue(count: 8) else { return "invalid \\U escape: expected eight hex digits" }
            return append(scalarValue: value)
        case UInt8(ascii: "0")...UInt8(ascii: "3"):
            guard position + 1 < bytes.count, isOctalDigit(bytes[position]), isOctalDigit(bytes[position + 1]) else {
                return "invalid octal escape: expected three octal digits"
            }
            let value = UInt32(code - 48) * 64 + UInt32(bytes[position] - 48) * 8 + UInt32(bytes[position + 1] - 48)
            position += 2
            if isBytes { out.append(UInt8(value)) } else { return append(scalarValue: value) }
        default:
            return "invalid escape sequence '\\\(Character(Unicode.Scalar(code)))'"
        }
        return nil
    }

    private mutating func hexValue(count: Int) -> UInt32? {
        guard position + count <= bytes.count else { return nil }
        var value: UInt32 = 0
        for byte in bytes[position..<position + count] {
            guard let digit = hexDigitValue(byte) else { return nil }
            value = value * 16 + digit
        }
        position += count
        return value
    }
}

@inline(__always) func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
@inline(__always) private func isOctalDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 55 }
@inline(__always) private func isHexDigit(_ byte: UInt8) -> Bool { hexDigitValue(byte) != nil }
@inline(__always) func isIdentifierByte(_ byte: UInt8) -> Bool {
    (byte >= 97 && byte <= 122) || (byte >= 65 && byte <= 90) || isDigit(byte) || byte == 95
}

private func hexDigitValue(_ byte: UInt8) -> UInt32? {
    switch byte {
    case 48...57: UInt32(byte - 48)
    case 97...102: UInt32(byte - 87)
    case 65...70: UInt32(byte - 55)
    default: nil
    }
}
