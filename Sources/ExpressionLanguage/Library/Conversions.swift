/// Type conversions: `int()`, `uint()`, `double()`, `decimal()`, `string()`, `bytes()`, `bool()`,
/// `timestamp()`, `duration()`, `dyn()`, `type()`.
enum Conversions {
    static func toInt(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .int: return v
        case .uint(let u):
            guard u <= UInt64(Int64.max) else { throw EvalError("int overflow: \(u) does not fit in int") }
            return .int(Int64(u))
        case .double(let d):
            // The range check is strict at both ends: 2^63 and -2^63 themselves are refused, as in cel-go.
            guard d.isFinite, d > -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 else {
                throw EvalError("int overflow: \(Format.double(d)) does not fit in int")
            }
            return .int(Int64(d.rounded(.towardZero)))
        case .decimal(let d):
            guard let i = try? d.int64Value() else { throw EvalError("int overflow: \(d) does not fit in int") }
            return .int(i)
        case .string(let s):
            guard let i = Int64(s) else { throw EvalError("cannot convert '\(s)' to int") }
            return .int(i)
        case .timestamp(let t): return .int(t.seconds)
        default: throw .noOverload("int", [v])
        }
    }

    static func toUInt(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .uint: return v
        case .int(let i):
            guard i >= 0 else { throw EvalError("uint overflow: \(i) is negative") }
            return .uint(UInt64(i))
        case .double(let d):
            guard d.isFinite, d > -1, d < 18_446_744_073_709_551_616.0 else {
                throw EvalError("uint overflow: \(Format.double(d)) does not fit in uint")
            }
            return .uint(UInt64(d.rounded(.towardZero)))
        case .decimal(let d):
            guard let i = try? d.uint64Value() else { throw EvalError("uint overflow: \(d) does not fit in uint") }
            return .uint(i)
        case .string(let s):
            guard let u = UInt64(s) else { throw EvalError("cannot convert '\(s)' to uint") }
            return .uint(u)
        default: throw .noOverload("uint", [v])
        }
    }

    static func toDouble(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .double: return v
        case .int(let i): return .double(Double(i))
        case .uint(let u): return .double(Double(u))
        case .decimal(let d): return .double(d.doubleValue)
        case .string(let s):
            switch s {
            case "NaN": return .double(.nan)
            case "Infinity", "+Infinity", "inf", "+inf": return .double(.infinity)
            case "-Infinity", "-inf": return .double(-.infinity)
            default:
                guard let d = Double(s) else { throw EvalError("cannot convert '\(s)' to double") }
                return .double(d)
            }
        default: throw .noOverload("double", [v])
        }
    }

    static func toDecimal(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .decimal: return v
        case .string(let s):
            guard let d = ExactDecimal(s.trimmingASCIISpaces) else { throw EvalError("cannot convert '\(s)' to decimal") }
            return .decimal(d)
        default:
            guard let d = try Operators.exactDecimal(v) else { throw .noOverload("decimal", [v]) }
            return .decimal(d)
        }
    }

    static func toString(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .string: return v
        case .bytes(let b):
            guard let s = String(validating: b, as: UTF8.self) else { throw EvalError("bytes are not valid UTF-8") }
            return .string(s)
        case .int, .uint, .double, .decimal, .bool, .timestamp, .duration: return .string(Format.display(v))
        default: throw .noOverload("string", [v])
        }
    }

    static func toBytes(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .bytes: return v
        case .string(let s): return .bytes(Array(s.utf8))
        default: throw .noOverload("bytes", [v])
        }
    }

    static func toBool(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .bool: return v
        case .string(let s):
            switch s {
            case "1", "t", "true", "TRUE", "True": return .bool(true)
            case "0", "f", "false", "FALSE", "False": return .bool(false)
            default: throw EvalError("cannot convert '\(s)' to bool")
            }
        default: throw .noOverload("bool", [v])
        }
    }

    static func toTimestamp(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .timestamp: return v
        case .string(let s): return .timestamp(try Operators.time { () throws(TimeError) in try Timestamp(rfc3339: s) })
        case .int(let seconds):
            return .timestamp(try Operators.time { () throws(TimeError) in try Timestamp(seconds: seconds) })
        default: throw .noOverload("timestamp", [v])
        }
    }

    static func toDuration(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .duration: return v
        case .string(let s): return .duration(try Operators.time { () throws(TimeError) in try TimeSpan(celText: s) })
        case .int(let seconds):
            return .duration(try Operators.time { () throws(TimeError) in try TimeSpan(seconds: seconds) })
        default: throw .noOverload("duration", [v])
        }
    }

    static func typeOf(_ v: Value) -> Value { .type(v.type) }
}

extension String {
    var trimmingASCIISpaces: String {
        var scalars = Substring(self)
        while scalars.first == " " { scalars.removeFirst() }
        while scalars.last == " " { scalars.removeLast() }
        return String(scalars)
    }
}
