#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Arithmetic, equality, ordering, membership and indexing, with CEL's semantics plus exact decimals.
enum Operators {
    // MARK: Arithmetic

    static func add(_ a: Value, _ b: Value) throws(EvalError) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let x), .decimal(let y)): return .decimal(try decimal { () throws(DecimalError) in try x.adding(y) })
        case (.uint(let x), .uint(let y)):
            let (r, o) = x.addingReportingOverflow(y)
            if o { throw .uintOverflow }
            return .uint(r)
        case (.double(let x), .double(let y)): return .double(x + y)
        case (.string(let x), .string(let y)): return .string(x + y)
        case (.bytes(let x), .bytes(let y)): return .bytes(x + y)
        case (.list(let x), .list(let y)): return .list(x + y)
        case (.timestamp(let t), .duration(let d)), (.duration(let d), .timestamp(let t)):
            return .timestamp(try time { () throws(TimeError) in try t.adding(d) })
        case (.duration(let x), .duration(let y)):
            return .duration(try time { () throws(TimeError) in try x.adding(y) })
        default:
            if let (x, y) = try decimalOperands(a, b) {
                return .decimal(try decimal { () throws(DecimalError) in try x.adding(y) })
            }
            throw .noOverload("_+_", [a, b])
        }
    }

    static func subtract(_ a: Value, _ b: Value) throws(EvalError) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let x), .decimal(let y)): return .decimal(try decimal { () throws(DecimalError) in try x.subtracting(y) })
        case (.uint(let x), .uint(let y)):
            let (r, o) = x.subtractingReportingOverflow(y)
            if o { throw .uintOverflow }
            return .uint(r)
        case (.double(let x), .double(let y)): return .double(x - y)
        case (.timestamp(let x), .timestamp(let y)):
            return .duration(try time { () throws(TimeError) in try x.difference(y) })
        case (.timestamp(let t), .duration(let d)):
            return .timestamp(try time { () throws(TimeError) in try t.subtracting(d) })
        case (.duration(let x), .duration(let y)):
            return .duration(try time { () throws(TimeError) in try x.subtracting(y) })
        default:
            if let (x, y) = try decimalOperands(a, b) {
                return .decimal(try decimal { () throws(DecimalError) in try x.subtracting(y) })
            }
            throw .noOverload("_-_", [a, b])
        }
    }

    static func multiply(_ a: Value, _ b: Value) throws(EvalError) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let x), .decimal(let y)): return .decimal(try decimal { () throws(DecimalError) in try x.multiplying(by: y) })
        case (.uint(let x), .uint(let y)):
            let (r, o) = x.multipliedReportingOverflow(by: y)
            if o { throw .uintOverflow }
            return .uint(r)
        case (.double(let x), .double(let y)): return .double(x * y)
        default:
            if let (x, y) = try decimalOperands(a, b) {
                return .decimal(try decimal { () throws(DecimalError) in try x.multiplying(by: y) })
            }
            throw .noOverload("_*_", [a, b])
        }
    }

    static func divide(_ a: Value, _ b: Value) throws(EvalError) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw .divisionByZero }
            let (r, o) = x.dividedReportingOverflow(by: y)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let x), .decimal(let y)): return .decimal(try decimal { () throws(DecimalError) in try x.dividing(by: y) })
        case (.uint(let x), .uint(let y)):
            if y == 0 { throw .divisionByZero }
            return .uint(x / y)
        case (.double(let x), .double(let y)): return .double(x / y)
        default:
            if let (x, y) = try decimalOperands(a, b) {
                return .decimal(try decimal { () throws(DecimalError) in try x.dividing(by: y) })
            }
            throw .noOverload("_/_", [a, b])
        }
    }

    static func remainder(_ a: Value, _ b: Value) throws(EvalError) -> Value {
        switch (a, b) {
        case (.int(let x), .int(let y)):
            if y == 0 { throw .moduloByZero }
            let (r, o) = x.remainderReportingOverflow(dividingBy: y)
            if o { throw .intOverflow }
            return .int(r)
        case (.uint(let x), .uint(let y)):
            if y == 0 { throw .moduloByZero }
            return .uint(x % y)
        case (.decimal(let x), .decimal(let y)):
            return .decimal(try decimal { () throws(DecimalError) in try x.remainder(dividingBy: y) })
        default:
            if let (x, y) = try decimalOperands(a, b) {
                return .decimal(try decimal { () throws(DecimalError) in try x.remainder(dividingBy: y) })
            }
            throw .noOverload("_%_", [a, b])
        }
    }

    static func negate(_ a: Value) throws(EvalError) -> Value {
        switch a {
        case .int(let x):
            if x == .min { throw .intOverflow }
            return .int(-x)
        case .double(let x): return .double(-x)
        case .decimal(let x): return .decimal(x.negated())
        case .duration(let x): return .duration(try time { () throws(TimeError) in try x.negated() })
        default: throw .noOverload("-_", [a])
        }
    }

    static func not(_ a: Value) throws(EvalError) -> Value {
        guard case .bool(let x) = a else { throw .noOverload("!_", [a]) }
        return .bool(!x)
    }

    /// Decimal arithmetic with an int, uint or double on the other side: the other operand is
    /// converted exactly (a double by its shortest decimal form).
    private static func decimalOperands(_ a: Value, _ b: Value) throws(EvalError) -> (ExactDecimal, ExactDecimal)? {
        switch (a, b) {
        case (.decimal(let x), _):
            guard let y = try exactDecimal(b) else { return nil }
            return (x, y)
        case (_, .decimal(let y)):
            guard let x = try exactDecimal(a) else { return nil }
            return (x, y)
        default:
            return nil
        }
    }

    static func exactDecimal(_ value: Value) throws(EvalError) -> ExactDecimal? {
        switch value {
        case .decimal(let d): return d
        case .int(let i): return ExactDecimal(i)
        case .uint(let u): return ExactDecimal(u)
        case .double(let d):
            guard let exact = ExactDecimal(exactly: d) else {
                throw EvalError("cannot use \(d) in decimal arithmetic")
            }
            return exact
        default: return nil
        }
    }

    static func decimal(_ body: () throws(DecimalError) -> ExactDecimal) throws(EvalError) -> ExactDecimal {
        do throws(DecimalError) {
            return try body()
        } catch {
            throw EvalError(error.description)
        }
    }

    static func time<T>(_ body: () throws(TimeError) -> T) throws(EvalError) -> T {
        do throws(TimeError) {
            return try body()
        } catch {
            throw EvalError(error.description)
        }
    }

    // MARK: Equality

    /// CEL equality: never an error; values of different kinds are unequal, except numbers, which
    /// compare by numeric value across int, uint, double and decimal.
    static func equals(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.uint(let x), .uint(let y)): return x == y
        case (.double(let x), .double(let y)): return x == y
        case (.decimal(let x), .decimal(let y)): return x == y
        case (.string(let x), .string(let y)): return sameCodePoints(x, y)
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.list(let x), .list(let y)):
            guard x.count == y.count else { return false }
            for (u, v) in zip(x, y) where !equals(u, v) { return false }
            return true
        case (.map(let x), .map(let y)):
            guard x.count == y.count else { return false }
            for entry in x.entries {
                guard let other = y.value(for: entry.key), equals(entry.value, other) else { return false }
            }
            return true
        case (.timestamp(let x), .timestamp(let y)): return x == y
        case (.duration(let x), .duration(let y)): return x == y
        case (.type(let x), .type(let y)): return x.runtimeTypeName == y.runtimeTypeName
        case (.record(let x), .record(let y)):
            guard x.type == y.type else { return false }
            for (u, v) in zip(x.fields, y.fields) {
                switch (u, v) {
                case (nil, nil): continue
                case (let u?, let v?) where equals(u, v): continue
                default: return false
                }
            }
            return true
        default:
            guard let order = numericOrder(a, b) else { return false }
            return order == 0
        }
    }

    /// String equality by code points (CEL), not by Swift's canonical equivalence: `é` written as
    /// one code point differs from `e` + combining accent. Compares the UTF-8 bytes directly.
    @inline(__always)
    static func sameCodePoints(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        var a = a
        var b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in x.count == 0 || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0 }
        }
    }

    // MARK: Ordering

    /// -1, 0 or 1; nil when unordered (NaN). Throws for values that have no order.
    static func compare(_ a: Value, _ b: Value, function: String = "_<_") throws(EvalError) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.decimal(let x), .decimal(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.uint(let x), .uint(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.string(let x), .string(let y)):
            // UTF-8 byte order is code point order.
            return x.utf8.lexicographicallyPrecedes(y.utf8) ? -1 : (x.utf8.elementsEqual(y.utf8) ? 0 : 1)
        case (.bytes(let x), .bytes(let y)): return x.lexicographicallyPrecedes(y) ? -1 : (x == y ? 0 : 1)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.duration(let x), .duration(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        default:
            if isNumber(a), isNumber(b) { return numericOrder(a, b) }
            throw .noOverload(function, [a, b])
        }
    }

    static func isNumber(_ value: Value) -> Bool {
        switch value {
        case .int, .uint, .double, .decimal: true
        default: false
        }
    }

    /// Exact order of two numbers of possibly different kinds; nil if either is not a number or NaN.
    static func numericOrder(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.uint(let x), .uint(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.double(let x), .double(let y)):
            if x.isNaN || y.isNaN { return nil }
            return x < y ? -1 : (x == y ? 0 : 1)
        case (.int(let x), .uint(let y)):
            if x < 0 { return -1 }
            let ux = UInt64(x)
            return ux < y ? -1 : (ux == y ? 0 : 1)
        case (.uint, .int): return numericOrder(b, a).map { -$0 }
        case (.int(let x), .double(let y)): return compareInt(x, y)
        case (.double, .int): return numericOrder(b, a).map { -$0 }
        case (.uint(let x), .double(let y)): return compareUInt(x, y)
        case (.double, .uint): return numericOrder(b, a).map { -$0 }
        case (.decimal(let x), .decimal(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.decimal(let x), .int(let y)):
            let yd = ExactDecimal(y)
            return x < yd ? -1 : (x == yd ? 0 : 1)
        case (.decimal(let x), .uint(let y)):
            let yd = ExactDecimal(y)
            return x < yd ? -1 : (x == yd ? 0 : 1)
        case (.decimal(let x), .double(let y)):
            switch x.compare(toDouble: y) {
            case .less: return -1
            case .equal: return 0
            case .greater: return 1
            case nil: return nil
            }
        case (.int, .decimal), (.uint, .decimal), (.double, .decimal): return numericOrder(b, a).map { -$0 }
        default: return nil
        }
    }

    /// An int64 against a double: the int is converted to double first, as cel-go does (the
    /// conformance suite expects `9223372036854775807 < 9223372036854775808.0` to be false).
    private static func compareInt(_ x: Int64, _ y: Double) -> Int? {
        compareDoubles(Double(x), y)
    }

    private static func compareUInt(_ x: UInt64, _ y: Double) -> Int? {
        compareDoubles(Double(x), y)
    }

    private static func compareDoubles(_ x: Double, _ y: Double) -> Int? {
        if x.isNaN || y.isNaN { return nil }
        return x < y ? -1 : (x == y ? 0 : 1)
    }

    // MARK: Membership and indexing

    static func contains(_ element: Value, in collection: Value) throws(EvalError) -> Bool {
        switch collection {
        case .list(let items):
            for item in items where equals(item, element) { return true }
            return false
        case .map(let map):
            return map.value(for: element) != nil
        default:
            throw .noOverload("@in", [element, collection])
        }
    }

    static func index(_ collection: Value, _ key: Value) throws(EvalError) -> Value {
        switch collection {
        case .list(let items):
            let position: Int64
            switch key {
            case .int(let i): position = i
            case .uint(let u):
                guard u <= UInt64(Int64.max) else { throw EvalError("index out of range: \(u)") }
                position = Int64(u)
            case .double(let d):
                guard let i = Int64(exactly: d) else { throw EvalError("list index must be an integer, got \(d)") }
                position = i
            case .decimal(let d):
                guard let i = d.exactInt64 else { throw EvalError("list index must be an integer, got \(d)") }
                position = i
            default:
                throw .noOverload("_[_]", [collection, key])
            }
            guard position >= 0, position < Int64(items.count) else {
                throw EvalError("index out of range: \(position) (list has \(items.count) elements)")
            }
            return items[Int(position)]
        case .map(let map):
            guard MapValue.isValidKeyType(key) else { throw .noOverload("_[_]", [collection, key]) }
            guard let value = map.value(for: key) else { throw EvalError("no such key: \(Format.display(key))") }
            return value
        case .record(let record):
            guard case .string(let name) = key else { throw .noOverload("_[_]", [collection, key]) }
            guard let index = record.type.index(of: name) else { throw EvalError("no such field: \(name)") }
            guard let value = record.field(index) else { throw EvalError(missing: [name]) }
            return value
        default:
            throw .noOverload("_[_]", [collection, key])
        }
    }
}
