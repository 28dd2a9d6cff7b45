/// Text forms of values: `string(x)`, `"%s".format([x])`, and values quoted in messages.
public enum Format {
    /// The text `string(x)` gives, also used by `%s`: lists and maps in brackets, strings bare.
    public static func display(_ value: Value) -> String {
        switch value {
        case .null: "null"
        case .bool(let b): b ? "true" : "false"
        case .int(let i): String(i)
        case .uint(let u): String(u)
        case .double(let d): double(d)
        case .decimal(let d): d.description
        case .string(let s): s
        case .bytes(let b): String(decoding: b, as: UTF8.self)
        case .list(let items): "[" + items.map(display).joined(separator: ", ") + "]"
        case .map(let map):
            // Sorted by key text, so the same map always prints the same way (cel-go does this too).
            "{" + map.entries.map { (display($0.key), display($0.value)) }.sorted { $0.0 < $1.0 }
                .map { "\($0): \($1)" }.joined(separator: ", ") + "}"
        case .timestamp(let t): t.rfc3339
        case .duration(let d): d.celText
        case .type(let t): t.runtimeTypeName
        case .record(let r):
            "{" + zip(r.type.fields, r.fields).compactMap { field, value in
                value.map { "\(field.name): \(display($0))" }
            }.joined(separator: ", ") + "}"
        }
    }

    /// A value as it would be written in an expression (strings quoted), for messages.
    public static func literal(_ value: Value) -> String {
        switch value {
        case .string(let s): quote(s)
        case .uint(let u): "\(u)u"
        case .list(let items): "[" + items.map(literal).joined(separator: ", ") + "]"
        case .map(let map):
            "{" + map.entries.map { "\(literal($0.key)): \(literal($0.value))" }.joined(separator: ", ") + "}"
        case .timestamp(let t): "timestamp('\(t.rfc3339)')"
        case .duration(let d): "duration('\(d.celText)')"
        default: display(value)
        }
    }

    /// A double the way Go's `strconv.FormatFloat(x, 'g', -1, 64)` writes it (what cel-go's
    /// `string(double)` gives): shortest round-trip digits, exponent form below 1e-4 and from 1e21.
    public static func double(_ x: Double) -> String {
        if x.isNaN { return "NaN" }
        if x.isInfinite { return x < 0 ? "-Infinity" : "Infinity" }
        if x == 0 { return x.sign == .minus ? "-0" : "0" }
        let (negative, digits, pointPosition) = shortestDigits(x)
        let exponent = pointPosition - 1
        var out = negative ? "-" : ""
        if exponent < -4 || exponent >= 21 {
            out += String(digits.first!)
            if digits.count > 1 { out += "." + digits.dropFirst() }
            out += "e" + (exponent < 0 ? "-" : "+")
            let magnitude = String(abs(exponent))
            out += magnitude.count < 2 ? "0" + magnitude : magnitude
            return out
        }
        if pointPosition <= 0 {
            out += "0." + String(repeating: "0", count: -pointPosition) + digits
        } else if pointPosition >= digits.count {
            out += digits + String(repeating: "0", count: pointPosition - digits.count)
        } else {
            let index = digits.index(digits.startIndex, offsetBy: pointPosition)
            out += digits[..<index] + "." + digits[index...]
        }
        return out
    }

    /// The shortest decimal digits that round-trip `x`, and where the decimal point goes
    /// (digits "123", point 1 means 1.23).
    static func shortestDigits(_ x: Double) -> (negative: Bool, digits: String, pointPosition: Int) {
        // Swift's description is the shortest round-trip form, as "1.23e-05" or "123.45".
        var text = "\(abs(x))"
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(text[text.index(after: e)...])!
            text = String(text[..<e])
        }
        var integerPart = text
        var fractionPart = ""
        if let dot = text.firstIndex(of: ".") {
            integerPart = String(text[..<dot])
            fractionPart = String(text[text.index(after: dot)...])
        }
        var digits = integerPart + fractionPart
        var point = integerPart.count + exponent
        while digits.hasPrefix("0"), digits.count > 1 {
            digits.removeFirst()
            point -= 1
        }
        while digits.hasSuffix("0"), digits.count > 1 { digits.removeLast() }
        return (x < 0, digits, point)
    }

    /// A string in double quotes with escapes, as `strings.quote` gives it.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\x" + (hex.count < 2 ? "0" + hex : hex)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
