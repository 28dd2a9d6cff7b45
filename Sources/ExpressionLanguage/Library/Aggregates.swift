/// Functions beyond standard CEL that scoring rules need: `sum`, `min`, `max` over lists of
/// numbers, `round(x, digits)` (half-up), `abs`, and `decimal()`.
enum Aggregates {
    /// `sum(list)`: 0 for an empty list; ints stay ints, a decimal makes the sum a decimal.
    static func sum(_ v: Value) throws(EvalError) -> Value {
        guard case .list(let items) = v else { throw .noOverload("sum", [v]) }
        var total = Value.int(0)
        for item in items {
            guard Operators.isNumber(item) else {
                throw EvalError("sum() needs a list of numbers, found \(item.type.displayName)")
            }
            total = try Operators.add(total, item)
        }
        return total
    }

    /// `min(list)` / `max(list)`, or `min(a, b, …)` with several arguments. Ties keep the first.
    static func extreme(_ args: [Value], name: String, wantSmaller: Bool) throws(EvalError) -> Value {
        let items: [Value]
        if args.count == 1, case .list(let list) = args[0] { items = list } else { items = args }
        guard var best = items.first else { throw EvalError("\(name)() of an empty list") }
        for item in items {
            guard Operators.isNumber(item) || item.isOrderedNonNumber else {
                throw EvalError("\(name)() cannot compare \(item.type.displayName) values")
            }
        }
        for item in items.dropFirst() {
            guard let order = try Operators.compare(item, best, function: name) else {
                throw EvalError("\(name)() of a list with NaN")
            }
            if wantSmaller ? order < 0 : order > 0 { best = item }
        }
        // With a decimal among the numbers the result is a decimal, whichever number won.
        if items.contains(where: { if case .decimal = $0 { true } else { false } }), let exact = try Operators.exactDecimal(best) {
            return .decimal(exact)
        }
        return best
    }

    /// `round(x, digits)`: half-up (a half rounds away from zero), to `digits` places after the
    /// point; negative digits round to tens, hundreds, …
    static func round(_ args: [Value]) throws(EvalError) -> Value {
        var digits: Int64 = 0
        if args.count == 2 {
            guard case .int(let d) = args[1] else { throw .noOverload("round", args) }
            guard d >= -30, d <= 30 else { throw EvalError("round(): digits must be between -30 and 30, got \(d)") }
            digits = d
        }
        switch args[0] {
        case .int(let i):
            guard digits < 0 else { return .int(i) }
            let rounded = try Operators.decimal { () throws(DecimalError) in try ExactDecimal(i).rounded(places: Int(digits), .halfUp) }
            guard let result = rounded.exactInt64 else { throw .intOverflow }
            return .int(result)
        case .uint(let u):
            guard digits < 0 else { return .uint(u) }
            let rounded = try Operators.decimal { () throws(DecimalError) in try ExactDecimal(u).rounded(places: Int(digits), .halfUp) }
            guard let result = rounded.exactUInt64 else { throw .uintOverflow }
            return .uint(result)
        case .decimal(let d):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try d.rounded(places: Int(digits), .halfUp) })
        case .double(let d):
            guard d.isFinite, let exact = ExactDecimal(exactly: d) else { return .double(d) }
            return .double(try Operators.decimal { () throws(DecimalError) in try exact.rounded(places: Int(digits), .halfUp) }.doubleValue)
        default:
            throw .noOverload("round", args)
        }
    }

    /// `distinct(list)`: the list without repeated values (by CEL equality), first occurrences kept.
    static func distinct(_ v: Value) throws(EvalError) -> Value {
        guard case .list(let items) = v else { throw .noOverload("distinct", [v]) }
        var kept: [Value] = []
        for item in items where !kept.contains(where: { Operators.equals($0, item) }) { kept.append(item) }
        return .list(kept)
    }

    static func abs(_ v: Value) throws(EvalError) -> Value {
        switch v {
        case .int(let i):
            if i == .min { throw .intOverflow }
            return .int(Swift.abs(i))
        case .uint: return v
        case .double(let d): return .double(Swift.abs(d))
        case .decimal(let d): return .decimal(d.magnitude)
        default: throw .noOverload("abs", [v])
        }
    }
}

extension Value {
    fileprivate var isOrderedNonNumber: Bool {
        switch self {
        case .string, .timestamp, .duration: true
        default: false
        }
    }
}
