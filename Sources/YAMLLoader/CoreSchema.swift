/// A scalar's value under the YAML 1.2 core schema.
///
/// Numbers keep their exact text: later code parses them into exact decimals, and nothing here
/// goes through `Double`. YAML 1.1 forms (`yes`, `on`, `1_000`, `12:30`) are plain strings here.
public enum YAMLValue: Sendable, Hashable {
    case null
    case bool(Bool)
    /// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`, as written.
    case int(text: String)
    /// The core float forms, as written: `1.5`, `-2e3`, `.5`, `.inf`, `-.Inf`, `.nan`.
    case float(text: String)
    case string(String)

    /// The number in a canonical exact form, equal for equal values: `0x1F`, `31`, `+031`,
    /// `31.0` and `3.1e1` all give `31`; `0.25` gives `25e-2`; infinities and NaN give
    /// `inf`, `-inf` and `nan`. Nil for non-numbers.
    ///
    /// - Complexity: O(n²) for hexadecimal and octal text of n digits, O(n) otherwise.
    public var canonicalNumber: String? {
        switch self {
        case .int(let text), .float(let text): CoreSchema.canonicalNumber(text)
        default: nil
        }
    }
}

extension YAMLNode {
    /// The scalar's value under the YAML 1.2 core schema; nil for mappings and sequences.
    ///
    /// Only plain scalars without a tag are resolved. Quoted and block scalars, and scalars
    /// tagged `!` or with a tag we do not know, are strings. `!!str`, `!!int`, `!!float`,
    /// `!!bool` and `!!null` force the type (the loader has already checked that the text fits).
    public var coreValue: YAMLValue? {
        guard let scalar else { return nil }
        let text = scalar.text
        switch tag {
        case nil: return scalar.style == .plain ? CoreSchema.resolvePlain(text) : .string(text)
        case CoreSchema.Tag.null where CoreSchema.isNull(text): return .null
        case CoreSchema.Tag.bool: return CoreSchema.bool(text).map { .bool($0) } ?? .string(text)
        case CoreSchema.Tag.int where CoreSchema.isInt(text): return .int(text: text)
        case CoreSchema.Tag.float where CoreSchema.isFloat(text): return .float(text: text)
        default: return .string(text)
        }
    }

    /// Whether the node is a null: an empty or `null`/`Null`/`NULL`/`~` plain scalar, or `!!null`.
    public var isNull: Bool { coreValue == .null }
}

/// The YAML 1.2 core schema's resolution rules, matched by hand over UTF-8.
enum CoreSchema {
    enum Tag {
        static let str = "tag:yaml.org,2002:str"
        static let int = "tag:yaml.org,2002:int"
        static let float = "tag:yaml.org,2002:float"
        static let bool = "tag:yaml.org,2002:bool"
        static let null = "tag:yaml.org,2002:null"
        static let map = "tag:yaml.org,2002:map"
        static let seq = "tag:yaml.org,2002:seq"

        /// `!!int` for a core tag, the tag itself otherwise.
        static func short(_ tag: String) -> String {
            tag.hasPrefix("tag:yaml.org,2002:") ? "!!" + tag.dropFirst("tag:yaml.org,2002:".count) : tag
        }
    }

    static func resolvePlain(_ text: String) -> YAMLValue {
        // Most plain scalars are words: only these first characters can start a non-string.
        switch text.utf8.first ?? UInt8(ascii: "~") {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "~"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
            UInt8(ascii: "f"), UInt8(ascii: "F"):
            break
        default:
            return .string(text)
        }
        if isNull(text) { return .null }
        if let value = bool(text) { return .bool(value) }
        if isInt(text) { return .int(text: text) }
        if isFloat(text) { return .float(text: text) }
        return .string(text)
    }

    static func isNull(_ text: String) -> Bool {
        text.isEmpty || text == "~" || text == "null" || text == "Null" || text == "NULL"
    }

    static func bool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    /// `[-+]?[0-9]+`, `0o[0-7]+` or `0x[0-9a-fA-F]+`.
    static func isInt(_ text: String) -> Bool {
        isDecimalInteger(text) || radixDigits(text) != nil
    }

    static func isDecimalInteger(_ text: String) -> Bool {
        var bytes = Substring(text).utf8
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") { bytes.removeFirst() }
        return !bytes.isEmpty && bytes.allSatisfy(isDigit)
    }

    /// The digits and radix of `0o…` or `0x…` text.
    static func radixDigits(_ text: String) -> (digits: Substring, radix: Int)? {
        let digits = text.dropFirst(2)
        guard !digits.isEmpty else { return nil }
        if text.hasPrefix("0o"), digits.utf8.allSatisfy({ (0x30...0x37).contains($0) }) { return (digits, 8) }
        if text.hasPrefix("0x"), digits.allSatisfy(\.isHexDigit), digits.utf8.allSatisfy({ $0 < 0x80 }) {
            return (digits, 16)
        }
        return nil
    }

    /// The core float forms, which include the decimal integers.
    static func isFloat(_ text: String) -> Bool {
        DecimalLiteral(text) != nil || isInfinity(text) || isNaN(text)
    }

    /// `[-+]?\.(inf|Inf|INF)`.
    static func isInfinity(_ text: String) -> Bool {
        let body = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        return body == ".inf" || body == ".Inf" || body == ".INF"
    }

    static func isNaN(_ text: String) -> Bool { text == ".nan" || text == ".NaN" || text == ".NAN" }

    static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    static func canonicalNumber(_ text: String) -> String? {
        if let (digits, radix) = radixDigits(text) {
            return canonical(negative: false, digits: decimalDigits(digits, radix: radix), exponent: 0)
        }
        if let literal = DecimalLiteral(text) {
            guard let exponent = Int(literal.exponent) else { return text }  // absurdly large: compare as written
            return canonical(
                negative: literal.isNegative,
                digits: Array((literal.integer + literal.fraction).utf8),
                exponent: exponent - literal.fraction.count
            )
        }
        if isInfinity(text) { return text.hasPrefix("-") ? "-inf" : "inf" }
        if isNaN(text) { return "nan" }
        return nil
    }

    /// `[-]digits[e±n]` with no leading or trailing zeros in `digits`; zero is `0`.
    private static func canonical(negative: Bool, digits: [UInt8], exponent: Int) -> String {
        var digits = digits.drop { $0 == UInt8(ascii: "0") }
        guard !digits.isEmpty else { return "0" }
        var exponent = exponent
        while digits.last == UInt8(ascii: "0") {
            digits.removeLast()
            exponent += 1
        }
        return (negative ? "-" : "") + String(decoding: digits, as: UTF8.self) + (exponent == 0 ? "" : "e\(exponent)")
    }

    /// Decimal digits (ASCII, most significant first) of a number written in another radix.
    private static func decimalDigits(_ digits: Substring, radix: Int) -> [UInt8] {
        var result: [Int] = [0]  // least significant first
        for character in digits {
            var carry = character.hexDigitValue ?? 0
            for index in result.indices {
                let value = result[index] * radix + carry
                result[index] = value % 10
                carry = value / 10
            }
            while carry > 0 {
                result.append(carry % 10)
                carry /= 10
            }
        }
        return result.reversed().map { UInt8(ascii: "0") + UInt8($0) }
    }
}

/// A finite number in the core float pattern `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
struct DecimalLiteral {
    var isNegative: Bool
    /// The digits before the point, as written (may be empty for `.5`).
    var integer: Substring
    /// The digits after the point (may be empty).
    var fraction: Substring
    /// The exponent with its sign, `0` when none is written.
    var exponent: Substring

    init?(_ text: String) {
        let utf8 = text.utf8
        var index = utf8.startIndex
        func skip(_ byte: Unicode.Scalar) -> Bool {
            guard index < utf8.endIndex, utf8[index] == UInt8(ascii: byte) else { return false }
            index = utf8.index(after: index)
            return true
        }
        func digits() -> Substring {
            let start = index
            while index < utf8.endIndex, CoreSchema.isDigit(utf8[index]) { index = utf8.index(after: index) }
            return text[start..<index]
        }
        isNegative = skip("-")
        if !isNegative { _ = skip("+") }
        integer = digits()
        fraction = skip(".") ? digits() : ""
        guard !integer.isEmpty || !fraction.isEmpty else { return nil }
        exponent = "0"
        if skip("e") || skip("E") {
            let signed = index
            if !skip("-") { _ = skip("+") }
            guard !digits().isEmpty else { return nil }
            exponent = text[signed..<index]
        }
        guard index == utf8.endIndex else { return nil }
    }
}
