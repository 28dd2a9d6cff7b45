import Foundation

/// `"…".format([args])` from cel-go's strings extension: `%s %d %f %e %b %o %x %X %%`, with an
/// optional precision (`%.3f`).
enum StringFormat {
    static func format(_ template: Value, _ arguments: Value) throws(EvalError) -> Value {
        guard case .string(let text) = template, case .list(let args) = arguments else {
            throw .noOverload("format", [template, arguments])
        }
        var out = ""
        var scalars = Array(text.unicodeScalars)[...]
        var next = 0
        while let scalar = scalars.popFirst() {
            guard scalar == "%" else {
                out.unicodeScalars.append(scalar)
                continue
            }
            guard let first = scalars.first else { throw EvalError("format: unterminated clause at end of string") }
            if first == "%" {
                scalars.removeFirst()
                out += "%"
                continue
            }
            var precision: Int?
            if first == "." {
                scalars.removeFirst()
                var digits = ""
                while let d = scalars.first, d.properties.numericType != nil, d.isASCII {
                    digits.unicodeScalars.append(d)
                    scalars.removeFirst()
                }
                guard let p = Int(digits) else { throw EvalError("format: invalid precision") }
                precision = p
            }
            guard let verb = scalars.popFirst() else { throw EvalError("format: unterminated clause at end of string") }
            guard next < args.count else {
                throw EvalError("format: not enough arguments (clause \(next + 1), \(args.count) given)")
            }
            let arg = args[next]
            next += 1
            out += try clause(verb, precision: precision, arg)
        }
        return .string(out)
    }

    private static func clause(_ verb: Unicode.Scalar, precision: Int?, _ arg: Value) throws(EvalError) -> String {
        switch verb {
        case "s":
            return Format.display(arg)
        case "d":
            switch arg {
            case .int(let i): return String(i)
            case .uint(let u): return String(u)
            case .double(let d) where !d.isFinite: return Format.double(d)
            case .decimal(let d) where d.isInteger: return d.description
            default: throw EvalError("format: %d needs an integer, got \(arg.type.displayName)")
            }
        case "f", "e":
            let number: Double
            switch arg {
            case .double(let d): number = d
            case .int(let i): number = Double(i)
            case .uint(let u): number = Double(u)
            case .decimal(let d):
                if verb == "f" { return try fixed(d, precision ?? 6) }
                number = d.doubleValue
            default: throw EvalError("format: %\(verb) needs a number, got \(arg.type.displayName)")
            }
            if !number.isFinite { return Format.double(number) }
            return String(format: "%.\(precision ?? 6)\(verb)", number)
        case "b", "o", "x", "X":
            let radix = verb == "b" ? 2 : (verb == "o" ? 8 : 16)
            let uppercase = verb == "X"
            switch arg {
            case .int(let i):
                let digits = String(i.magnitude, radix: radix, uppercase: uppercase)
                return i < 0 ? "-" + digits : digits
            case .uint(let u): return String(u, radix: radix, uppercase: uppercase)
            case .bool(let b) where radix == 2: return b ? "1" : "0"
            case .string(let s) where radix == 16: return hex(Array(s.utf8), uppercase)
            case .bytes(let b) where radix == 16: return hex(b, uppercase)
            default: throw EvalError("format: %\(verb) cannot format \(arg.type.displayName)")
            }
        default:
            throw EvalError("format: unrecognized clause '%\(verb)'")
        }
    }

    private static func fixed(_ d: ExactDecimal, _ places: Int) throws(EvalError) -> String {
        try Operators.decimal { () throws(DecimalError) in try d.rounded(places: places, .halfEven) }
            .formatted(places: places, grouping: false)
    }

    private static func hex(_ bytes: [UInt8], _ uppercase: Bool) -> String {
        bytes.map { byte in
            let s = String(byte, radix: 16, uppercase: uppercase)
            return s.count == 1 ? "0" + s : s
        }.joined()
    }
}
