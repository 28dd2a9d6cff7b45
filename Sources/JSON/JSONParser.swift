/// A JSON syntax error with its 1-based line and column (columns in Unicode scalars).
public struct JSONSyntaxError: Error, Sendable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    public var description: String { "\(line):\(column): \(message)" }
}

/// A strict RFC 8259 parser: no trailing commas, no comments, no single quotes.
///
/// Dossiers in JSON are read by the YAML loader (which keeps positions for every value), but
/// YAML accepts things JSON does not (`[1, 2,]`); a `.json` file is checked here first so that
/// a trailing comma is reported where it is rather than silently accepted.
public struct JSONParser {
    private let bytes: [UInt8]
    private var position = 0
    private var depth = 0
    public static let maxDepth = 200

    public static func parse(_ bytes: [UInt8]) -> Result<JSONValue, JSONSyntaxError> {
        var parser = JSONParser(bytes: bytes)
        do {
            parser.skipByteOrderMark()
            parser.skipSpace()
            let value = try parser.parseValue()
            parser.skipSpace()
            if parser.position < bytes.count { throw parser.error("unexpected text after the JSON value") }
            return .success(value)
        } catch let error as JSONSyntaxError {
            return .failure(error)
        } catch {
            return .failure(JSONSyntaxError(line: 1, column: 1, message: "\(error)"))
        }
    }

    public static func parse(_ text: String) -> Result<JSONValue, JSONSyntaxError> { parse(Array(text.utf8)) }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func skipByteOrderMark() {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
        let target = min(offset ?? position, bytes.count)
        var line = 1
        var lineStart = 0
        var index = 0
        while index < target {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
        let start = bytes.starts(with: [0xEF, 0xBB, 0xBF]) && lineStart == 0 ? 3 : lineStart
        let column = String(decoding: bytes[min(start, target)..<target], as: UTF8.self).unicodeScalars.count + 1
        return JSONSyntaxError(line: line, column: column, message: message)
    }

    private mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    private mutating func parseValue() throws -> JSONValue {
        guard position < bytes.count else { throw error("expected a value, found end of file") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw error("expected a value")
        }
    }

    private mutating func literal(_ word: String, _ value: JSONValue) throws -> JSONValue {
        let expected = Array(word.utf8)
        guard bytes[position...].starts(with: expected) else { throw error("expected '\(word)'") }
        position += expected.count
        return value
    }

    private mutating func nested<T>(_ body: (inout JSONParser) throws -> T) throws -> T {
        depth += 1
        defer { depth -= 1 }
        if depth > JSONParser.maxDepth { throw error("nested too deeply (more than \(JSONParser.maxDepth) levels)") }
        return try body(&self)
    }

    private mutating func parseObject() throws -> JSONValue {
        try nested { parser in
            parser.position += 1
            var members: [(key: String, value: JSONValue)] = []
            parser.skipSpace()
            if parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "}") {
                parser.position += 1
                return .object(members)
            }
            while true {
                parser.skipSpace()
                guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "\"") else {
                    throw parser.error("expected a quoted key")
                }
                let key = try parser.parseString()
                parser.skipSpace()
                guard parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: ":") else {
                    throw parser.error("expected ':' after the key")
                }
                parser.position += 1
                parser.skipSpace()
                members.append((key, try parser.parseValue()))
                parser.skipSpace()
                guard parser.position < parser.bytes.count else { throw parser.error("expected ',' or '}', found end of file") }
                if parser.bytes[parser.position] == UInt8(ascii: ",") {
                    let comma = parser.position
                    parser.position += 1
                    parser.skipSpace()
                    if parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "}") {
                        throw parser.error("trailing comma before '}' is not allowed in JSON", at: comma)
                    }
                    continue
                }
                if parser.bytes[parser.position] == UInt8(ascii: "}") {
                    parser.position += 1
                    return .object(members)
                }
                throw parser.error("expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws -> JSONValue {
        try nested { parser in
            parser.position += 1
            var items: [JSONValue] = []
            parser.skipSpace()
            if parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "]") {
                parser.position += 1
                return .array(items)
            }
            while true {
                parser.skipSpace()
                items.append(try parser.parseValue())
                parser.skipSpace()
                guard parser.position < parser.bytes.count else { throw parser.error("expected ',' or ']', found end of file") }
                if parser.bytes[parser.position] == UInt8(ascii: ",") {
                    let comma = parser.position
                    parser.position += 1
                    parser.skipSpace()
                    if parser.position < parser.bytes.count, parser.bytes[parser.position] == UInt8(ascii: "]") {
                        throw parser.error("trailing comma before ']' is not allowed in JSON", at: comma)
                    }
                    continue
                }
                if parser.bytes[parser.position] == UInt8(ascii: "]") {
                    parser.position += 1
                    return .array(items)
                }
                throw parser.error("expected ',' or ']'")
            }
        }
    }

    private mutating func parseString() throws -> String {
        let start = position
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < bytes.count else { throw error("unterminated string", at: start) }
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                position += 1
                break
            }
            if byte < 0x20 { throw error("control character in a string must be escaped") }
            if byte == UInt8(ascii: "\\") {
                position += 1
                guard position < bytes.count else { throw error("unterminated escape") }
                let code = bytes[position]
                position += 1
                switch code {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(code)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var value = try hex4()
                    if (0xD800...0xDBFF).contains(value), bytes[position...].starts(with: Array("\\u".utf8)) {
                        position += 2
                        let low = try hex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair") }
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(value) else { throw error("invalid \\u escape") }
                    out += Array(String(scalar).utf8)
                default:
                    throw error("invalid escape '\\\(Character(Unicode.Scalar(code)))'")
                }
                continue
            }
            out.append(byte)
            position += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8", at: start) }
        return text
    }

    private mutating func hex4() throws -> UInt32 {
        guard position + 4 <= bytes.count else { throw error("expected four hex digits") }
        var value: UInt32 = 0
        for byte in bytes[position..<position + 4] {
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 97...102: digit = UInt32(byte - 87)
            case 65...70: digit = UInt32(byte - 55)
            default: throw error("expected four hex digits")
            }
            value = value * 16 + digit
        }
        position += 4
        return value
    }

    private mutating func parseNumber() throws -> JSONValue {
        let start = position
        if bytes[position] == UInt8(ascii: "-") { position += 1 }
        guard position < bytes.count, (48...57).contains(bytes[position]) else { throw error("expected a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
            if position < bytes.count, (48...57).contains(bytes[position]) {
                throw error("numbers must not have leading zeros")
            }
        } else {
            while position < bytes.count, (48...57).contains(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < bytes.count, (48...57).contains(bytes[position]) else { throw error("expected a digit after '.'") }
            while position < bytes.count, (48...57).contains(bytes[position]) { position += 1 }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") {
                position += 1
            }
            guard position < bytes.count, (48...57).contains(bytes[position]) else { throw error("expected an exponent") }
            while position < bytes.count, (48...57).contains(bytes[position]) { position += 1 }
        }
        return .number(String(decoding: bytes[start..<position], as: UTF8.self))
    }
}
