import YAMLLoader

/// A JSON value from the suite's expectations, with numbers kept as text so they compare exactly.
enum YAMLSuiteJSON: Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([YAMLSuiteJSON])
    case object([(key: String, value: YAMLSuiteJSON)])

    /// Equality as the suite defines it: numbers by value, object keys in any order.
    func matches(_ other: YAMLSuiteJSON) -> Bool {
        switch (self, other) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)):
            return YAMLValue.float(text: a).canonicalNumber == YAMLValue.float(text: b).canonicalNumber
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a.count == b.count && zip(a, b).allSatisfy { $0.matches($1) }
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            return a.allSatisfy { entry in b.contains { $0.key == entry.key && $0.value.matches(entry.value) } }
        default: return false
        }
    }

    /// Compact JSON text, for reports.
    var rendered: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .number(let text): return text
        case .string(let text): return Self.quote(text)
        case .array(let items): return "[" + items.map(\.rendered).joined(separator: ", ") + "]"
        case .object(let entries):
            return "{" + entries.map { Self.quote($0.key) + ": " + $0.value.rendered }.joined(separator: ", ") + "}"
        }
    }

    private static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}

/// A strict JSON reader (RFC 8259) over UTF-8, enough for the suite's file.
struct YAMLSuiteJSONParser {
    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "invalid JSON at byte \(offset)" }
    }

    private let bytes: [UInt8]
    private var index = 0

    static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> YAMLSuiteJSON {
        var parser = YAMLSuiteJSONParser(bytes: bytes)
        let value = try parser.value()
        parser.skipSpace()
        guard parser.index == bytes.count else { throw SyntaxError(offset: parser.index) }
        return value
    }

    private init(bytes: [UInt8]) { self.bytes = bytes }

    private mutating func value() throws(SyntaxError) -> YAMLSuiteJSON {
        skipSpace()
        guard index < bytes.count else { throw SyntaxError(offset: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        default: return try number()
        }
    }

    private mutating func object() throws(SyntaxError) -> YAMLSuiteJSON {
        index += 1
        var entries: [(key: String, value: YAMLSuiteJSON)] = []
        skipSpace()
        if consume("}") { return .object(entries) }
        repeat {
            skipSpace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw SyntaxError(offset: index) }
            let key = try string()
            skipSpace()
            guard consume(":") else { throw SyntaxError(offset: index) }
            entries.append((key, try value()))
            skipSpace()
        } while consume(",")
        guard consume("}") else { throw SyntaxError(offset: index) }
        return .object(entries)
    }

    private mutating func array() throws(SyntaxError) -> YAMLSuiteJSON {
        index += 1
        var items: [YAMLSuiteJSON] = []
        skipSpace()
        if consume("]") { return .array(items) }
        repeat {
            items.append(try value())
            skipSpace()
        } while consume(",")
        guard consume("]") else { throw SyntaxError(offset: index) }
        return .array(items)
    }

    private mutating func string() throws(SyntaxError) -> String {
        index += 1
        var utf16: [UInt16] = []
        var run: [UInt8] = []
        var out = ""
        func flush() {
            if !run.isEmpty { out += String(decoding: run, as: UTF8.self) }
            if !utf16.isEmpty { out += String(decoding: utf16, as: UTF16.self) }
            run = []
            utf16 = []
        }
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                flush()
                return out
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw SyntaxError(offset: index) }
                let escape = bytes[index]
                index += 1
                if escape == UInt8(ascii: "u") {
                    guard index + 4 <= bytes.count,
                        let unit = UInt16(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
                    else { throw SyntaxError(offset: index) }
                    index += 4
                    if !run.isEmpty { flush() }
                    utf16.append(unit)  // surrogate pairs join when flushed
                    continue
                }
                let simple: [UInt8: String] = [
                    UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\", UInt8(ascii: "/"): "/",
                    UInt8(ascii: "b"): "\u{8}",
                    UInt8(ascii: "f"): "\u{C}", UInt8(ascii: "n"): "\n", UInt8(ascii: "r"): "\r",
                    UInt8(ascii: "t"): "\t",
                ]
                guard let text = simple[escape] else { throw SyntaxError(offset: index - 1) }
                flush()
                out += text
            case 0..<0x20:
                throw SyntaxError(offset: index - 1)
            default:
                if !utf16.isEmpty { flush() }
                run.append(byte)
            }
        }
        throw SyntaxError(offset: index)
    }

    private mutating func number() throws(SyntaxError) -> YAMLSuiteJSON {
        let start = index
        let allowed = Set("+-0123456789.eE".utf8)
        while index < bytes.count, allowed.contains(bytes[index]) { index += 1 }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !text.isEmpty, YAMLValue.float(text: text).canonicalNumber != nil, !text.hasPrefix("+"),
            !text.hasPrefix(".")
        else { throw SyntaxError(offset: start) }
        return .number(text)
    }

    private mutating func literal(_ word: String, _ value: YAMLSuiteJSON) throws(SyntaxError) -> YAMLSuiteJSON {
        let utf8 = Array(word.utf8)
        guard bytes[index...].starts(with: utf8) else { throw SyntaxError(offset: index) }
        index += utf8.count
        return value
    }

    private mutating func consume(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(ascii: character) else { return false }
        index += 1
        return true
    }

    private mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }
}
