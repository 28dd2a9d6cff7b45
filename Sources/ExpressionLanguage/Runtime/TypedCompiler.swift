/// Closures that return a Swift `Bool` or a `Num` (an int or decimal without a heap payload)
/// directly instead of a `Value`.
///
/// Rules are mostly conditions over typed dossier fields (`employees <= 20 && industry in [...]`)
/// and exact-decimal arithmetic (`activity.diesel_l * tables.fuel_factors.diesel_l.factor_kg`).
/// When the checker has proved a node's type, these closures skip wrapping each intermediate result
/// in a `Value` and unwrapping it again, read record fields in place without touching reference
/// counts, and look constant tables up without hashing. Every kernel keeps the general closures'
/// semantics: the same results, the same kind of number (an int stays an int), the same errors,
/// and missing data named with full field paths. Everything else falls back to the general `Value`
/// closures.
typealias BoolEvaluator = @Sendable (Activation) throws(EvalError) -> Bool
typealias NumEvaluator = @Sendable (Activation) throws(EvalError) -> Num
/// A number closure held in a struct: an optional closure would be stored in the most general
/// calling convention and every call would go through two conversion thunks.
struct NumBox: Sendable {
    let run: NumEvaluator
    init(_ run: @escaping NumEvaluator) { self.run = run }
}

/// For int-typed nodes, whose values are always ints: the number in a register.
typealias IntEvaluator = @Sendable (Activation) throws(EvalError) -> Int64

/// A number as the general closures would produce it, with no reference-counted payload: copying
/// one costs nothing. Arithmetic follows `Operators` exactly (ints stay ints and overflow is an
/// error; an int beside a decimal is converted exactly).
enum Num: Sendable {
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case decimal(ExactDecimal)

    @inline(__always)
    init?(_ value: Value) {
        switch value {
        case .int(let i): self = .int(i)
        case .decimal(let d): self = .decimal(d)
        case .uint(let u): self = .uint(u)
        case .double(let d): self = .double(d)
        default: return nil
        }
    }

    var value: Value {
        switch self {
        case .int(let i): .int(i)
        case .decimal(let d): .decimal(d)
        case .uint(let u): .uint(u)
        case .double(let d): .double(d)
        }
    }

    /// The result of a general operator on numbers, which is always a number.
    private static func general(_ value: Value) -> Num {
        guard let number = Num(value) else { preconditionFailure("arithmetic on numbers gave \(value.type.displayName)") }
        return number
    }

    @inline(__always)
    static func add(_ x: Num, _ y: Num) throws(EvalError) -> Num {
        switch (x, y) {
        case (.int(let a), .int(let b)):
            let (r, o) = a.addingReportingOverflow(b)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let a), .decimal(let b)): return .decimal(try Operators.decimal { () throws(DecimalError) in try a.adding(b) })
        case (.decimal(let a), .int(let b)): return .decimal(try Operators.decimal { () throws(DecimalError) in try a.adding(ExactDecimal(b)) })
        case (.int(let a), .decimal(let b)): return .decimal(try Operators.decimal { () throws(DecimalError) in try ExactDecimal(a).adding(b) })
        default: return general(try Operators.add(x.value, y.value))
        }
    }

    @inline(__always)
    static func subtract(_ x: Num, _ y: Num) throws(EvalError) -> Num {
        switch (x, y) {
        case (.int(let a), .int(let b)):
            let (r, o) = a.subtractingReportingOverflow(b)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let a), .decimal(let b)): return .decimal(try Operators.decimal { () throws(DecimalError) in try a.subtracting(b) })
        case (.decimal(let a), .int(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try a.subtracting(ExactDecimal(b)) })
        case (.int(let a), .decimal(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try ExactDecimal(a).subtracting(b) })
        default: return general(try Operators.subtract(x.value, y.value))
        }
    }

    @inline(__always)
    static func multiply(_ x: Num, _ y: Num) throws(EvalError) -> Num {
        switch (x, y) {
        case (.int(let a), .int(let b)):
            let (r, o) = a.multipliedReportingOverflow(by: b)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let a), .decimal(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try a.multiplying(by: b) })
        case (.decimal(let a), .int(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try a.multiplying(by: ExactDecimal(b)) })
        case (.int(let a), .decimal(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try ExactDecimal(a).multiplying(by: b) })
        default: return general(try Operators.multiply(x.value, y.value))
        }
    }

    @inline(__always)
    static func divide(_ x: Num, _ y: Num) throws(EvalError) -> Num {
        switch (x, y) {
        case (.int(let a), .int(let b)):
            if b == 0 { throw .divisionByZero }
            let (r, o) = a.dividedReportingOverflow(by: b)
            if o { throw .intOverflow }
            return .int(r)
        case (.decimal(let a), .decimal(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try a.dividing(by: b) })
        case (.decimal(let a), .int(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try a.dividing(by: ExactDecimal(b)) })
        case (.int(let a), .decimal(let b)):
            return .decimal(try Operators.decimal { () throws(DecimalError) in try ExactDecimal(a).dividing(by: b) })
        default: return general(try Operators.divide(x.value, y.value))
        }
    }

    /// -1, 0 or 1 by numeric value across kinds; nil when unordered (NaN), as `Operators.compare`.
    @inline(__always)
    static func order(_ x: Num, _ y: Num) -> Int? {
        switch (x, y) {
        case (.int(let a), .int(let b)): return a < b ? -1 : (a == b ? 0 : 1)
        case (.decimal(let a), .decimal(let b)): return decimalOrder(a, b)
        case (.decimal(let a), .int(let b)): return decimalOrder(a, ExactDecimal(b))
        case (.int(let a), .decimal(let b)): return decimalOrder(ExactDecimal(a), b)
        default: return Operators.numericOrder(x.value, y.value)
        }
    }

    var isDecimal: Bool {
        if case .decimal = self { return true }
        return false
    }
}

/// `variable.f1.f2…` over record types: read in place through the activation's unretained record
/// reference and each record's unretained references to the records it holds.
///
/// Up to three steps are kept in plain fields (no array to retain on every read); longer paths use
/// the general reader.
struct FieldPath: Sendable {
    let rootSlot: Int
    let rootName: String
    let first: Int
    let second: Int
    let third: Int
    let steps: Int
    /// The index of the last step's field.
    let last: Int
    /// The whole path (`dossier.base_year.total_t`), what a missing step is reported as.
    let fullPath: String
    let offset: Int
    /// Thrown when a step is absent: built once, so that missing data allocates nothing.
    let missing: EvalError

    init?(_ node: CheckedNode) {
        var indexes: [Int] = []
        var current = node
        var path: String?
        while case .recordField(let operand, let index, _, let fieldPath) = current.kind {
            indexes.append(index)
            if path == nil { path = fieldPath }
            current = operand
        }
        guard (1...3).contains(indexes.count), case .variable(let slot, let name) = current.kind, let path else { return nil }
        indexes.reverse()
        rootSlot = slot
        rootName = name
        first = indexes[0]
        second = indexes.count > 1 ? indexes[1] : -1
        third = indexes.count > 2 ? indexes[2] : -1
        steps = indexes.count
        last = indexes[indexes.count - 1]
        fullPath = path
        offset = node.offset
        missing = EvalError(missing: [path], offset: node.offset)
    }

    /// The record holding the last field, unretained; nil when an intermediate step is absent.
    @inline(__always)
    func parent(_ a: Activation) throws(EvalError) -> Unmanaged<RecordValue>? {
        guard let root = a.records[rootSlot] else { throw rootFailure(a) }
        if steps == 1 { return root }
        let (first, second, steps) = (self.first, self.second, self.steps)
        return root._withUnsafeGuaranteedRef { record in
            guard let inner = record.recordField(first) else { return nil }
            if steps == 2 { return inner }
            return inner._withUnsafeGuaranteedRef { $0.recordField(second) }
        }
    }

    /// Where the value at the end of the path is stored (valid while the root stays bound);
    /// missing data when an intermediate step is absent.
    @inline(__always)
    func pointer(_ a: Activation) throws(EvalError) -> UnsafePointer<Value?> {
        guard let parent = try parent(a) else { throw missing }
        let last = self.last
        return parent._withUnsafeGuaranteedRef { $0.fieldPointer(last) }
    }

    /// The records of the list at the end of the path, unretained (nil when the list is empty or
    /// not all records); missing data when the list or a step to it is absent.
    @inline(__always)
    func elementRecords(_ a: Activation) throws(EvalError) -> UnsafeMutableBufferPointer<Unmanaged<RecordValue>>? {
        guard let parent = try parent(a) else { throw missing }
        let last = self.last
        let (present, elements) = parent._withUnsafeGuaranteedRef { ($0.hasField(last), $0.elementRecordsOfField(last)) }
        guard present else { throw missing }
        return elements
    }

    /// The record at the end of the path (for record-typed paths), unretained.
    @inline(__always)
    func record(_ a: Activation) throws(EvalError) -> Unmanaged<RecordValue>? {
        guard let parent = try parent(a) else { throw missing }
        let last = self.last
        return parent._withUnsafeGuaranteedRef { $0.recordField(last) }
    }

    /// Why the root slot holds no record: a failed let, an unbound name, or a value of another type.
    private func rootFailure(_ a: Activation) -> EvalError {
        switch a.slots[rootSlot] {
        case .failed(let error): return error
        case .unbound: return EvalError("no such attribute: '\(rootName)'")
        case .value: return EvalError("'\(rootName)' has no field here", offset: offset)
        }
    }

    /// The value at the end of the path; missing data when any step is absent.
    @inline(__always)
    func read(_ a: Activation) throws(EvalError) -> Value {
        guard let value = try pointer(a).pointee else { throw missing }
        return value
    }

    @inline(__always)
    func readBool(_ a: Activation) throws(EvalError) -> Bool {
        let p = try pointer(a)
        switch p.pointee {
        case .some(.bool(let b)): return b
        case .none: throw missing
        case .some(let value): throw notBool(value, offset)
        }
    }

    @inline(__always)
    func readInt(_ a: Activation) throws(EvalError) -> Int64 {
        let p = try pointer(a)
        switch p.pointee {
        case .some(.int(let i)): return i
        case .none: throw missing
        case .some(let value): throw EvalError("expected an int, got \(value.type.displayName)", offset: offset)
        }
    }

    @inline(__always)
    func readNum(_ a: Activation) throws(EvalError) -> Num {
        let p = try pointer(a)
        switch p.pointee {
        case .some(.int(let i)): return .int(i)
        case .some(.decimal(let d)): return .decimal(d)
        case .none: throw missing
        case .some(let value):
            guard let number = Num(value) else { throw notNumber(value, offset) }
            return number
        }
    }
}

private func notBool(_ value: Value, _ offset: Int) -> EvalError {
    EvalError("expected true or false, got \(Format.literal(value))", offset: offset)
}

private func notNumber(_ value: Value, _ offset: Int) -> EvalError {
    EvalError("expected a number, got \(value.type.displayName)", offset: offset)
}

/// A string constant compared with CEL string equality (code points). When the constant is ASCII,
/// Swift's `==` between strings of the same UTF-8 length is byte equality (no other text is
/// canonically equivalent to ASCII text of its own length), and it compares small strings in
/// registers without reading their storage.
struct ConstantString: Sendable {
    let text: String
    let length: Int
    let ascii: Bool

    init(_ text: String) {
        self.text = text
        length = text.utf8.count
        ascii = text.utf8.allSatisfy { $0 < 0x80 }
    }

    @inline(__always)
    func matches(_ s: String) -> Bool {
        if ascii { return s.utf8.count == length && s == text }
        return Operators.sameCodePoints(s, text)
    }
}

/// `x.f1.f2…` where `x` is a comprehension's variable: read straight from the element, so the
/// variable need not be bound at all.
struct ElementPath: Sendable {
    let first: Int
    let second: Int
    let third: Int
    let steps: Int
    let missing: EvalError

    init?(_ node: CheckedNode, slot: Int) {
        var indexes: [Int] = []
        var current = node
        var path: String?
        while case .recordField(let operand, let index, _, let fieldPath) = current.kind {
            indexes.append(index)
            if path == nil { path = fieldPath }
            current = operand
        }
        guard (1...3).contains(indexes.count), case .variable(let root, _) = current.kind, root == slot, let path else { return nil }
        indexes.reverse()
        first = indexes[0]
        second = indexes.count > 1 ? indexes[1] : -1
        third = indexes.count > 2 ? indexes[2] : -1
        steps = indexes.count
        missing = EvalError(missing: [path], offset: node.offset)
    }

    /// Where the value at the end of the path is stored, starting from an element record; nil when
    /// a step is absent.
    @inline(__always)
    func pointer(in record: RecordValue) -> UnsafePointer<Value?>? {
        if steps == 1 { return record.fieldPointer(first) }
        let (first, second, third, steps) = (self.first, self.second, self.third, self.steps)
        return record.recordField(first).flatMap { inner in
            inner._withUnsafeGuaranteedRef { inner in
                if steps == 2 { return inner.fieldPointer(second) }
                return inner.recordField(second).map { $0._withUnsafeGuaranteedRef { $0.fieldPointer(third) } }
            }
        }
    }

    /// Where the value at the end of the path is stored; nil when the element is not a record
    /// (the caller then takes the general route); missing data when a step is absent.
    @inline(__always)
    func pointer(_ element: UnsafePointer<Value>) throws(EvalError) -> UnsafePointer<Value?>? {
        guard case .record(let record) = element.pointee else { return nil }
        if steps == 1 { return record.fieldPointer(first) }
        let (first, second, third, steps) = (self.first, self.second, self.third, self.steps)
        let found: UnsafePointer<Value?>? = record.recordField(first).flatMap { inner in
            inner._withUnsafeGuaranteedRef { inner in
                if steps == 2 { return inner.fieldPointer(second) }
                return inner.recordField(second).map { $0._withUnsafeGuaranteedRef { $0.fieldPointer(third) } }
            }
        }
        guard let found else { throw missing }
        return found
    }
}

/// A comprehension body evaluated on one element in place (nil: not possible for this element,
/// bind the variable and take the general route).
typealias ElementBool = @Sendable (UnsafePointer<Value>, Activation) throws(EvalError) -> Bool?
typealias ElementNum = @Sendable (UnsafePointer<Value>, Activation) throws(EvalError) -> Num?

/// Reads a variable's slot as a number.
@inline(__always)
private func readNumSlot(_ a: Activation, _ slot: Int, _ name: String, _ offset: Int) throws(EvalError) -> Num {
    switch a.slots[slot] {
    case .value(.int(let i)): return .int(i)
    case .value(.decimal(let d)): return .decimal(d)
    case .value(let value):
        guard let number = Num(value) else { throw notNumber(value, offset) }
        return number
    case .failed(let error): throw error
    case .unbound: throw EvalError("no such attribute: '\(name)'")
    }
}

/// A constant table with string keys (`tables.sme_limits`), searched without hashing: keys are
/// compared one by one with Swift string equality, as the map's own index does (tables have a
/// handful of rows).
struct ConstantKeys: Sendable {
    let keys: [String]
    let values: [Value]

    init?(_ map: MapValue) {
        guard map.count <= 32 else { return nil }
        var keys: [String] = []
        var values: [Value] = []
        for entry in map.entries {
            guard case .string(let key) = entry.key else { return nil }
            keys.append(key)
            values.append(entry.value)
        }
        self.keys = keys
        self.values = values
    }

    /// The position of `key`, as `MapValue` finds it.
    @inline(__always)
    func position(of key: String) -> Int? {
        for index in keys.indices where keys[index] == key { return index }
        return nil
    }
}

extension Compiler {
    // MARK: Bool

    /// A closure giving the node's value as a Bool; a non-bool value is an evaluation error.
    func compileBool(_ node: CheckedNode) -> BoolEvaluator {
        if kernels, let kernel = boolKernel(node) { return kernel }
        if !kernels {
            // `&&` and `||` are always evaluated as conditions (error absorption).
            switch node.kind {
            case .and(let l, let r): return logical(compileBool(l), compileBool(r), isAnd: true)
            case .or(let l, let r): return logical(compileBool(l), compileBool(r), isAnd: false)
            default: break
            }
        }
        let offset = node.offset
        let general = compileGeneral(node)
        return { a throws(EvalError) in
            let value = try general(a)
            guard case .bool(let b) = value else { throw notBool(value, offset) }
            return b
        }
    }

    /// A typed closure for the node kinds that have one (with the general closures' semantics), nil otherwise.
    func boolKernel(_ node: CheckedNode) -> BoolEvaluator? {
        let offset = node.offset
        switch node.kind {
        case .constant(.bool(let b)):
            return { _ in b }
        case .recordField where node.type == .bool:
            if let path = FieldPath(node) {
                return { a throws(EvalError) in try path.readBool(a) }
            }
        case .variable(let slot, let name) where node.type == .bool:
            return { a throws(EvalError) in
                switch a.slots[slot] {
                case .value(.bool(let b)): return b
                case .value(let value): throw notBool(value, offset)
                case .failed(let error): throw error
                case .unbound: throw EvalError("no such attribute: '\(name)'")
                }
            }
        case .and(let l, let r):
            return logical(compileBool(l), compileBool(r), isAnd: true)
        case .or(let l, let r):
            return logical(compileBool(l), compileBool(r), isAnd: false)
        case .not(let operand):
            let x = compileBool(operand)
            return { a throws(EvalError) in try !x(a) }
        case .compare(let op, let l, let r):
            return typedComparison(op, l, r)
        case .equals(let l, let r, let negated):
            return typedEquality(l, r, negated: negated)
        case .call("@in", _, let args) where args.count == 2:
            return typedMembership(args[0], args[1], offset: offset)
        case .presence(let operand, let name):
            return typedPresence(operand, name, offset: offset)
        case .comprehension(let c) where (c.kind == .all || c.kind == .exists) && c.predicate != nil:
            return typedQuantifier(c, offset: offset)
        default:
            break
        }
        return nil
    }

    /// `&&`/`||` with CEL's error absorption: the deciding side wins over an error on the other.
    private func logical(_ left: @escaping BoolEvaluator, _ right: @escaping BoolEvaluator, isAnd: Bool) -> BoolEvaluator {
        let decisive = !isAnd
        return { a throws(EvalError) in
            let leftValue: Bool
            do throws(EvalError) {
                leftValue = try left(a)
            } catch {
                return try absorbing(error, right, a, decisive: decisive)
            }
            if leftValue == decisive { return decisive }
            // The left side decided nothing: the right side's value or error is the result.
            return try right(a)
        }
    }

    /// Numbers compared by value across kinds, as `Operators.compare` (NaN compares false).
    private func typedComparison(_ op: ComparisonOperator, _ l: CheckedNode, _ r: CheckedNode) -> BoolEvaluator? {
        if l.type == .int, r.type == .int, let x = intKernel(l) {
            if case .int(let c)? = r.constantValue {
                // A field against a constant: one closure, the field read in place.
                if let path = FieldPath(l) {
                    switch op {
                    case .less: return { a throws(EvalError) in try path.readInt(a) < c }
                    case .lessOrEqual: return { a throws(EvalError) in try path.readInt(a) <= c }
                    case .greater: return { a throws(EvalError) in try path.readInt(a) > c }
                    case .greaterOrEqual: return { a throws(EvalError) in try path.readInt(a) >= c }
                    }
                }
                switch op {
                case .less: return { a throws(EvalError) in try x(a) < c }
                case .lessOrEqual: return { a throws(EvalError) in try x(a) <= c }
                case .greater: return { a throws(EvalError) in try x(a) > c }
                case .greaterOrEqual: return { a throws(EvalError) in try x(a) >= c }
                }
            }
            if let y = intKernel(r) {
                return { a throws(EvalError) in
                    let (u, v) = try bothInts(x, y, a)
                    return op.holds(u < v ? -1 : (u == v ? 0 : 1))
                }
            }
        }
        guard let x = compileNum(l)?.run else { return nil }
        if let constant = r.constantValue {
            guard let c = Num(constant) else { return nil }
            // A decimal field or let against an int or decimal constant: compared as decimals in
            // one closure (as `Num.order` does), anything else through `Num.order`.
            let exact: ExactDecimal? =
                switch c {
                case .int(let i): ExactDecimal(i)
                case .decimal(let d): d
                default: nil
                }
            if let exact, l.type == .decimal {
                if let path = FieldPath(l) {
                    return { a throws(EvalError) in
                        let v = try path.readNum(a)
                        if case .decimal(let d) = v { return op.holds(decimalOrder(d, exact)) }
                        guard let order = Num.order(v, c) else { return false }
                        return op.holds(order)
                    }
                }
                if case .variable(let slot, let name) = l.kind {
                    let offset = l.offset
                    return { a throws(EvalError) in
                        let v = try readNumSlot(a, slot, name, offset)
                        if case .decimal(let d) = v { return op.holds(decimalOrder(d, exact)) }
                        guard let order = Num.order(v, c) else { return false }
                        return op.holds(order)
                    }
                }
            }
            if case .int(let ci) = c {
                return { a throws(EvalError) in
                    let v = try x(a)
                    if case .int(let vi) = v { return op.holds(vi < ci ? -1 : (vi == ci ? 0 : 1)) }
                    guard let order = Num.order(v, c) else { return false }
                    return op.holds(order)
                }
            }
            return { a throws(EvalError) in
                guard let order = Num.order(try x(a), c) else { return false }
                return op.holds(order)
            }
        }
        guard let y = compileNum(r)?.run else { return nil }
        return { a throws(EvalError) in
            let (u, v) = try bothNums(x, y, a)
            guard let order = Num.order(u, v) else { return false }
            return op.holds(order)
        }
    }

    private func typedEquality(_ l: CheckedNode, _ r: CheckedNode, negated: Bool) -> BoolEvaluator? {
        if l.type == .string, case .string(let constant)? = r.constantValue {
            let c = ConstantString(constant)
            if let path = FieldPath(l) {
                let missing = path.missing
                return { a throws(EvalError) in
                    let p = try path.pointer(a)
                    switch p.pointee {
                    case .some(.string(let s)): return c.matches(s) != negated
                    case .none: throw missing
                    case .some(let value): return Operators.equals(value, .string(constant)) != negated
                    }
                }
            }
            let x = compile(l)
            return { a throws(EvalError) in
                let value = try x(a)
                guard case .string(let s) = value else { return Operators.equals(value, .string(constant)) != negated }
                return c.matches(s) != negated
            }
        }
        if l.type.isNumeric, r.type.isNumeric, let x = compileNum(l)?.run, let y = compileNum(r)?.run {
            return { a throws(EvalError) in
                let (u, v) = try bothNums(x, y, a)
                return (Num.order(u, v) == 0) != negated
            }
        }
        if l.type == .bool, r.type == .bool {
            let x = compileBool(l)
            let y = compileBool(r)
            return { a throws(EvalError) in (try x(a) == (try y(a))) != negated }
        }
        return nil
    }

    /// `x in [constants]` and `x in constant_table`: compared one by one, nothing built per evaluation.
    private func typedMembership(_ element: CheckedNode, _ collection: CheckedNode, offset: Int) -> BoolEvaluator? {
        switch collection.constantValue {
        case .list(let items)? where items.count <= 16:
            let x = compile(element)
            if items.allSatisfy({ if case .string = $0 { true } else { false } }) {
                let strings = items.compactMap { item -> ConstantString? in if case .string(let s) = item { ConstantString(s) } else { nil } }
                if let path = FieldPath(element) {
                    let missing = path.missing
                    return { a throws(EvalError) in
                        let p = try path.pointer(a)
                        switch p.pointee {
                        case .some(.string(let s)):
                            for candidate in strings where candidate.matches(s) { return true }
                            return false
                        case .none: throw missing
                        case .some(let value): return items.contains { Operators.equals($0, value) }
                        }
                    }
                }
                return { a throws(EvalError) in
                    let value = try x(a)
                    guard case .string(let s) = value else { return items.contains { Operators.equals($0, value) } }
                    for candidate in strings where candidate.matches(s) { return true }
                    return false
                }
            }
            return { a throws(EvalError) in
                let value = try x(a)
                return items.contains { Operators.equals($0, value) }
            }
        case .map(let map)?:
            guard let table = ConstantKeys(map) else { return nil }
            let x = compile(element)
            return { a throws(EvalError) in
                let value = try x(a)
                if case .string(let s) = value { return table.position(of: s) != nil }
                return map.value(for: value) != nil
            }
        default:
            break
        }
        // A constant in a list field (`'step1' in dossier.management.study_sessions`).
        if case .string(let constant)? = element.constantValue, let path = FieldPath(collection) {
            let missing = path.missing
            let needle = Value.string(constant)
            let c = ConstantString(constant)
            return { a throws(EvalError) in
                let p = try path.pointer(a)
                switch p.pointee {
                case .some(.list(let items)):
                    for item in items {
                        if case .string(let s) = item {
                            if c.matches(s) { return true }
                        } else if Operators.equals(item, needle) {
                            return true
                        }
                    }
                    return false
                case .none: throw missing
                case .some(let value):
                    do throws(EvalError) { return try Operators.contains(needle, in: value) } catch { throw error.at(offset) }
                }
            }
        }
        return nil
    }

    /// `has(x.f)` on a record: a look at the field, no value copied.
    private func typedPresence(_ operand: CheckedNode, _ name: String, offset: Int) -> BoolEvaluator? {
        guard case .record(let recordType) = operand.type, let index = recordType.index(of: name) else { return nil }
        // The general closure, for anything unusual at run time (a value of another type).
        let general = compileGeneral(CheckedNode(offset: offset, type: .bool, kind: .presence(operand, name: name)))
        let generalBool: BoolEvaluator = { a throws(EvalError) in
            guard case .bool(let b) = try general(a) else { return false }
            return b
        }
        switch operand.kind {
        case .variable(let slot, _):
            // An absent parent is reported as the variable's own error (it has no path of its own).
            return { a throws(EvalError) in
                guard let record = a.records[slot],
                    let present = record._withUnsafeGuaranteedRef({ $0.type === recordType ? $0.hasField(index) : nil })
                else { return try generalBool(a) }
                return present
            }
        case .recordField(_, _, _, let operandPath):
            guard let path = FieldPath(operand) else { return nil }
            // Name the field asked about, not only the absent parent.
            let missing = EvalError(missing: ["\(operandPath).\(name)"], offset: offset)
            return { a throws(EvalError) in
                let parent: Unmanaged<RecordValue>?
                do throws(EvalError) {
                    parent = try path.record(a)
                } catch {
                    if error.isMissing { throw missing }
                    throw error
                }
                // Absent, not a record, or a record of another type: the general closure says what.
                guard let parent, let present = parent._withUnsafeGuaranteedRef({ $0.type === recordType ? $0.hasField(index) : nil }) else {
                    return try generalBool(a)
                }
                return present
            }
        default:
            return nil
        }
    }

    /// `list.all(x, p)` / `list.exists(x, p)` with a typed predicate and the same error absorption.
    private func typedQuantifier(_ c: CheckedComprehension, offset: Int) -> BoolEvaluator {
        let range = compile(c.range)
        let predicate = compileBool(c.predicate!)
        let decisive = c.kind == .exists
        let slot = c.slot
        let slot2 = c.slot2 ?? -1
        let name = c.kind.rawValue
        let onElement: ElementBool? = slot2 < 0 ? elementBool(c.predicate!, slot: slot) : nil
        let onRecord = slot2 < 0 ? elementBoolOnRecord(c.predicate!, slot: slot) : nil
        let rangePath = FieldPath(c.range)
        return { a throws(EvalError) in
            // A list field read in place, the predicate on each element without binding it.
            if let rangePath, let onRecord {
                if let records = try rangePath.elementRecords(a) {
                    var pending: EvalError?
                    var undecided = false
                    for record in records {
                        var failure: EvalError?
                        let holds: Bool? = record._withUnsafeGuaranteedRef { record in
                            do throws(EvalError) { return try onRecord(record) } catch {
                                failure = error
                                return false
                            }
                        }
                        if let failure {
                            pending = pending.map { $0.merged(with: failure) } ?? failure
                            continue
                        }
                        guard let holds else {
                            undecided = true
                            break
                        }
                        if holds == decisive { return decisive }
                    }
                    if !undecided {
                        if let pending { throw pending }
                        return !decisive
                    }
                }
            }
            let source = try range(a)
            defer {
                a.set(slot, .unbound)
                if slot2 >= 0 { a.set(slot2, .unbound) }
            }
            var pending: EvalError?
            switch source {
            case .list(let items):
                if let onElement {
                    // The predicate reads the element in place: no binding per element.
                    var result: Bool?
                    try items.withUnsafeBufferPointer { (buffer) throws(EvalError) in
                        for index in buffer.indices {
                            let element = buffer.baseAddress! + index
                            do throws(EvalError) {
                                let holds: Bool
                                if let direct = try onElement(element, a) {
                                    holds = direct
                                } else {
                                    a.set(slot, .value(element.pointee))
                                    holds = try predicate(a)
                                }
                                if holds == decisive {
                                    result = decisive
                                    return
                                }
                            } catch {
                                pending = pending.map { $0.merged(with: error) } ?? error
                            }
                        }
                    }
                    if let result { return result }
                    break
                }
                for index in items.indices {
                    if slot2 >= 0 {
                        a.set(slot, .value(.int(Int64(index))))
                        a.set(slot2, .value(items[index]))
                    } else {
                        a.set(slot, .value(items[index]))
                    }
                    do throws(EvalError) {
                        if try predicate(a) == decisive { return decisive }
                    } catch {
                        pending = pending.map { $0.merged(with: error) } ?? error
                    }
                }
            case .map(let map):
                for entry in map.entries {
                    a.set(slot, .value(entry.key))
                    if slot2 >= 0 { a.set(slot2, .value(entry.value)) }
                    do throws(EvalError) {
                        if try predicate(a) == decisive { return decisive }
                    } catch {
                        pending = pending.map { $0.merged(with: error) } ?? error
                    }
                }
            default:
                throw EvalError("\(name)() needs a list or a map, not \(source.type.displayName)", offset: offset)
            }
            if let pending { throw pending }
            return !decisive
        }
    }

    // MARK: Comprehension bodies on elements

    /// A predicate that reads the comprehension variable only as `x` or `x.path` in a constant
    /// string list, evaluated on the element without binding the variable.
    func elementBool(_ node: CheckedNode, slot: Int) -> ElementBool? {
        guard case .call("@in", _, let args) = node.kind, args.count == 2, case .list(let items)? = args[1].constantValue, items.count <= 16
        else { return nil }
        var strings: [ConstantString] = []
        for item in items {
            guard case .string(let s) = item else { return nil }
            strings.append(ConstantString(s))
        }
        let candidates = strings
        if case .variable(let root, _) = args[0].kind, root == slot {
            return { element, _ in
                guard case .string(let s) = element.pointee else { return nil }
                for candidate in candidates where candidate.matches(s) { return true }
                return false
            }
        }
        guard let path = ElementPath(args[0], slot: slot) else { return nil }
        let missing = path.missing
        return { element, _ throws(EvalError) in
            guard let p = try path.pointer(element) else { return nil }
            switch p.pointee {
            case .some(.string(let s)):
                for candidate in candidates where candidate.matches(s) { return true }
                return false
            case .none: throw missing
            case .some: return nil
            }
        }
    }

    /// `x.path in [constant strings]` on an element record (nil: the general route).
    func elementBoolOnRecord(_ node: CheckedNode, slot: Int) -> (@Sendable (RecordValue) throws(EvalError) -> Bool?)? {
        guard case .call("@in", _, let args) = node.kind, args.count == 2, case .list(let items)? = args[1].constantValue, items.count <= 16,
            let path = ElementPath(args[0], slot: slot)
        else { return nil }
        var strings: [ConstantString] = []
        for item in items {
            guard case .string(let s) = item else { return nil }
            strings.append(ConstantString(s))
        }
        let candidates = strings
        let missing = path.missing
        return { record throws(EvalError) in
            guard let p = path.pointer(in: record) else { throw missing }
            switch p.pointee {
            case .some(.string(let s)):
                for candidate in candidates where candidate.matches(s) { return true }
                return false
            case .none: throw missing
            case .some: return nil
            }
        }
    }

    /// A number-typed `x.path` of the comprehension variable, read from the element.
    func elementNum(_ node: CheckedNode, slot: Int) -> ElementNum? {
        guard node.type == .int || node.type == .decimal, let path = ElementPath(node, slot: slot) else { return nil }
        let missing = path.missing
        return { element, _ throws(EvalError) in
            guard let p = try path.pointer(element) else { return nil }
            switch p.pointee {
            case .some(.int(let i)): return .int(i)
            case .some(.decimal(let d)): return .decimal(d)
            case .none: throw missing
            case .some(let value): return Num(value)
            }
        }
    }

    // MARK: Ints

    /// A closure giving an int-typed node's value as an `Int64`, with the int arithmetic of
    /// `Operators` (overflow and division by zero are errors); nil for kinds without one.
    func intKernel(_ node: CheckedNode) -> IntEvaluator? {
        guard node.type == .int else { return nil }
        let offset = node.offset
        switch node.kind {
        case .constant(.int(let i)):
            return { _ in i }
        case .recordField:
            if let path = FieldPath(node) { return { a throws(EvalError) in try path.readInt(a) } }
        case .variable(let slot, let name):
            return { a throws(EvalError) in
                switch a.slots[slot] {
                case .value(.int(let i)): return i
                case .value(let value): throw EvalError("expected an int, got \(value.type.displayName)", offset: offset)
                case .failed(let error): throw error
                case .unbound: throw EvalError("no such attribute: '\(name)'")
                }
            }
        case .call(let function, _, let args) where args.count == 2 && ["_+_", "_-_", "_*_", "_/_"].contains(function):
            guard args[0].type == .int, args[1].type == .int, let x = intKernel(args[0]), let y = intKernel(args[1]) else { return nil }
            if case .int(let c)? = args[1].constantValue {
                switch function {
                case "_+_":
                    return { a throws(EvalError) in
                        let (r, o) = try x(a).addingReportingOverflow(c)
                        if o { throw EvalError.intOverflow.at(offset) }
                        return r
                    }
                case "_-_":
                    return { a throws(EvalError) in
                        let (r, o) = try x(a).subtractingReportingOverflow(c)
                        if o { throw EvalError.intOverflow.at(offset) }
                        return r
                    }
                case "_*_":
                    return { a throws(EvalError) in
                        let (r, o) = try x(a).multipliedReportingOverflow(by: c)
                        if o { throw EvalError.intOverflow.at(offset) }
                        return r
                    }
                default: break
                }
            }
            switch function {
            case "_+_":
                return { a throws(EvalError) in
                    let (u, v) = try bothInts(x, y, a)
                    let (r, o) = u.addingReportingOverflow(v)
                    if o { throw EvalError.intOverflow.at(offset) }
                    return r
                }
            case "_-_":
                return { a throws(EvalError) in
                    let (u, v) = try bothInts(x, y, a)
                    let (r, o) = u.subtractingReportingOverflow(v)
                    if o { throw EvalError.intOverflow.at(offset) }
                    return r
                }
            case "_*_":
                return { a throws(EvalError) in
                    let (u, v) = try bothInts(x, y, a)
                    let (r, o) = u.multipliedReportingOverflow(by: v)
                    if o { throw EvalError.intOverflow.at(offset) }
                    return r
                }
            default:
                return { a throws(EvalError) in
                    let (u, v) = try bothInts(x, y, a)
                    if v == 0 { throw EvalError.divisionByZero.at(offset) }
                    let (r, o) = u.dividedReportingOverflow(by: v)
                    if o { throw EvalError.intOverflow.at(offset) }
                    return r
                }
            }
        case .call("size", _, let args) where args.count == 1:
            let size = typedSize(args[0], offset: offset)
            return { a throws(EvalError) in
                guard case .int(let n) = try size(a) else { return 0 }
                return n
            }
        default:
            break
        }
        return nil
    }

    // MARK: Numbers

    /// A closure giving a number-typed node's value as a `Num`; nil when the node is not an int or
    /// decimal (or a `sum` of numbers).
    func compileNum(_ node: CheckedNode) -> NumBox? {
        if let kernel = numKernel(node) { return kernel }
        guard node.type == .int || node.type == .decimal else { return nil }
        let offset = node.offset
        let general = compileGeneral(node)
        return NumBox { a throws(EvalError) in
            let value = try general(a)
            guard let number = Num(value) else { throw notNumber(value, offset) }
            return number
        }
    }

    /// A typed closure for the number-valued node kinds that have one, nil otherwise.
    func numKernel(_ node: CheckedNode) -> NumBox? {
        let offset = node.offset
        let numeric = node.type == .int || node.type == .decimal
        switch node.kind {
        case .constant(let value) where numeric:
            guard let number = Num(value) else { return nil }
            return NumBox { _ in number }
        case .recordField(let operand, let index, _, let path) where numeric:
            if let fieldPath = FieldPath(node) {
                return NumBox { a throws(EvalError) in try fieldPath.readNum(a) }
            }
            // `tables.NAME[key].column`: the column of every row, found once.
            if let lookup = tableColumn(operand, index: index, path: path, offset: offset) {
                return NumBox { a throws(EvalError) in
                    let value = try lookup(a)
                    guard let number = Num(value) else { throw notNumber(value, offset) }
                    return number
                }
            }
        case .variable(let slot, let name) where numeric:
            return NumBox { a throws(EvalError) in try readNumSlot(a, slot, name, offset) }
        case .call(let function, _, let args) where numeric && args.count == 2 && ["_+_", "_-_", "_*_", "_/_"].contains(function):
            if node.type == .int, let int = intKernel(node) { return NumBox { a throws(EvalError) in .int(try int(a)) } }
            guard let x = compileNum(args[0])?.run, let y = compileNum(args[1])?.run else { return nil }
            // One closure per operator, each calling its operation directly (a function value would
            // cost an indirect call and a conversion thunk per evaluation).
            if let constant = args[1].constantValue.flatMap(Num.init) {
                switch function {
                case "_+_":
                    return NumBox { a throws(EvalError) in
                        let u = try x(a)
                        do throws(EvalError) { return try Num.add(u, constant) } catch { throw error.at(offset) }
                    }
                case "_-_":
                    return NumBox { a throws(EvalError) in
                        let u = try x(a)
                        do throws(EvalError) { return try Num.subtract(u, constant) } catch { throw error.at(offset) }
                    }
                case "_*_":
                    return NumBox { a throws(EvalError) in
                        let u = try x(a)
                        do throws(EvalError) { return try Num.multiply(u, constant) } catch { throw error.at(offset) }
                    }
                default:
                    return NumBox { a throws(EvalError) in
                        let u = try x(a)
                        do throws(EvalError) { return try Num.divide(u, constant) } catch { throw error.at(offset) }
                    }
                }
            }
            switch function {
            case "_+_":
                return NumBox { a throws(EvalError) in
                    let (u, v) = try bothNums(x, y, a)
                    do throws(EvalError) { return try Num.add(u, v) } catch { throw error.at(offset) }
                }
            case "_-_":
                return NumBox { a throws(EvalError) in
                    let (u, v) = try bothNums(x, y, a)
                    do throws(EvalError) { return try Num.subtract(u, v) } catch { throw error.at(offset) }
                }
            case "_*_":
                return NumBox { a throws(EvalError) in
                    let (u, v) = try bothNums(x, y, a)
                    do throws(EvalError) { return try Num.multiply(u, v) } catch { throw error.at(offset) }
                }
            default:
                return NumBox { a throws(EvalError) in
                    let (u, v) = try bothNums(x, y, a)
                    do throws(EvalError) { return try Num.divide(u, v) } catch { throw error.at(offset) }
                }
            }
        case .conditional(let c, let t, let e) where numeric && c.type == .bool:
            guard let then = compileNum(t)?.run, let otherwise = compileNum(e)?.run else { return nil }
            let condition = compileBool(c)
            return NumBox { a throws(EvalError) in try condition(a) ? try then(a) : try otherwise(a) }
        case .fallback(let primary, let fallback) where numeric:
            guard let first = compileNum(primary)?.run, let second = compileNum(fallback)?.run else { return nil }
            return NumBox { a throws(EvalError) in
                do throws(EvalError) {
                    return try first(a)
                } catch {
                    return try second(a)
                }
            }
        case .call("size", _, let args) where node.type == .int && args.count == 1:
            return NumBox(typedSize(args[0], offset: offset))
        case .call("sum", _, let args) where args.count == 1:
            return typedSum(args[0], offset: offset)
        case .call(let function, _, let args) where numeric && args.count >= 2 && (function == "min" || function == "max"):
            return typedExtreme(args, name: function, offset: offset)
        default:
            break
        }
        return nil
    }

    /// `size(x)`: read in place for a field, nothing copied.
    private func typedSize(_ operand: CheckedNode, offset: Int) -> NumEvaluator {
        if let distinct = distinctCount(operand) { return distinct }
        if let path = FieldPath(operand) {
            let missing = path.missing
            return { a throws(EvalError) in
                let p = try path.pointer(a)
                switch p.pointee {
                case .some(.list(let items)): return .int(Int64(items.count))
                case .none: throw missing
                case .some(let value): return .int(try sizeOf(value, offset: offset))
                }
            }
        }
        let x = compile(operand)
        return { a throws(EvalError) in .int(try sizeOf(try x(a), offset: offset)) }
    }

    /// `size(distinct(list.map(x, x.path)))` with string paths: the distinct strings counted as they
    /// come (by CEL equality, as `distinct` keeps them), no list built.
    private func distinctCount(_ operand: CheckedNode) -> NumEvaluator? {
        guard case .call("distinct", _, let args) = operand.kind, args.count == 1, case .comprehension(let c) = args[0].kind,
            c.kind == .map, c.predicate == nil, c.slot2 == nil, let transformNode = c.transform, transformNode.type == .string,
            case .list = c.range.type, let path = ElementPath(transformNode, slot: c.slot)
        else { return nil }
        // Anything unusual at run time (an element that is not a record, a value that is not a
        // string): the general closures.
        let general = compileGeneral(CheckedNode(offset: operand.offset, type: .int, kind: .call(function: "size", implementation: .unary(Strings.size), args: [operand])))
        let range = compile(c.range)
        let missing = path.missing
        return { a throws(EvalError) in
            let source = try range(a)
            guard case .list(let items) = source else {
                guard case .int(let n) = try general(a) else { return .int(0) }
                return .int(n)
            }
            var unusual = false
            let count = try items.withUnsafeBufferPointer { (buffer) throws(EvalError) -> Int in
                try withUnsafeTemporaryAllocation(of: String.self, capacity: max(buffer.count, 1)) { (kept) throws(EvalError) -> Int in
                    var count = 0
                    defer { kept.baseAddress!.deinitialize(count: count) }
                    for index in buffer.indices {
                        guard let p = try path.pointer(buffer.baseAddress! + index) else {
                            unusual = true
                            return 0
                        }
                        switch p.pointee {
                        case .some(.string(let s)):
                            var seen = false
                            for k in 0..<count where Operators.sameCodePoints(kept[k], s) {
                                seen = true
                                break
                            }
                            if !seen {
                                (kept.baseAddress! + count).initialize(to: s)
                                count += 1
                            }
                        case .none: throw missing
                        case .some:
                            unusual = true
                            return 0
                        }
                    }
                    return count
                }
            }
            if unusual {
                guard case .int(let n) = try general(a) else { return .int(0) }
                return .int(n)
            }
            return .int(Int64(count))
        }
    }

    /// `sum(list)`; over `list.map(x, number)` the numbers are added as they come, no list built.
    private func typedSum(_ operand: CheckedNode, offset: Int) -> NumBox? {
        if case .comprehension(let c) = operand.kind, c.kind == .map, c.predicate == nil, c.slot2 == nil,
            let transformNode = c.transform, transformNode.type == .int || transformNode.type == .decimal,
            case .list = c.range.type, let transform = compileNum(transformNode)?.run
        {
            let range = compile(c.range)
            let slot = c.slot
            let comprehensionOffset = operand.offset
            let sumNode = CheckedNode(offset: offset, type: .dyn, kind: .call(function: "sum", implementation: .unary(Aggregates.sum), args: [operand]))
            let generalSum = compileGeneral(sumNode)
            let general: NumEvaluator = { a throws(EvalError) in
                let value = try generalSum(a)
                guard let number = Num(value) else { throw notNumber(value, offset) }
                return number
            }
            let onElement = elementNum(transformNode, slot: slot)
            let rangePath = FieldPath(c.range)
            let elementPath = ElementPath(transformNode, slot: slot)
            return NumBox { a throws(EvalError) in
                // A list of records in a field, summed field by field in place: nothing retained.
                if let rangePath, let elementPath, let records = try rangePath.elementRecords(a) {
                    var total = Num.int(0)
                    var additionError: EvalError?
                    for record in records {
                        let number: Num? = record._withUnsafeGuaranteedRef { record in
                            guard let p = elementPath.pointer(in: record) else { return nil }
                            switch p.pointee {
                            case .some(.int(let i)): return .int(i)
                            case .some(.decimal(let d)): return .decimal(d)
                            case .some(let value): return Num(value)
                            case .none: return nil
                            }
                        }
                        // Absent or not a number: the general route says what (and stops there).
                        guard let number else { return try general(a) }
                        if additionError == nil {
                            do throws(EvalError) { total = try Num.add(total, number) } catch { additionError = error }
                        }
                    }
                    if let additionError { throw additionError.at(offset) }
                    return total
                }
                let source = try range(a)
                guard case .list(let items) = source else {
                    if case .map(let map) = source {
                        // Keys of a map: rare; the same steps one by one.
                        defer { a.set(slot, .unbound) }
                        var numbers: [Num] = []
                        for entry in map.entries {
                            a.set(slot, .value(entry.key))
                            numbers.append(try transform(a))
                        }
                        return try sumNumbers(numbers, offset: offset)
                    }
                    throw EvalError("map() needs a list or a map, not \(source.type.displayName)", offset: comprehensionOffset)
                }
                defer { a.set(slot, .unbound) }
                var total = Num.int(0)
                // The general form builds the whole list before adding: a failing transform is
                // reported before an overflow in the additions.
                var additionError: EvalError?
                try items.withUnsafeBufferPointer { (buffer) throws(EvalError) in
                    for index in buffer.indices {
                        let element = buffer.baseAddress! + index
                        let number: Num
                        if let onElement, let direct = try onElement(element, a) {
                            number = direct
                        } else {
                            a.set(slot, .value(element.pointee))
                            number = try transform(a)
                        }
                        if additionError == nil {
                            do throws(EvalError) { total = try Num.add(total, number) } catch { additionError = error }
                        }
                    }
                }
                if let additionError { throw additionError.at(offset) }
                return total
            }
        }
        guard case .list(let element) = operand.type, element == .int || element == .decimal else { return nil }
        let x = compile(operand)
        return NumBox { a throws(EvalError) in
            let value = try x(a)
            do throws(EvalError) {
                guard case .list(let items) = value else { throw .noOverload("sum", [value]) }
                var total = Num.int(0)
                for item in items {
                    guard let number = Num(item) else { throw EvalError("sum() needs a list of numbers, found \(item.type.displayName)") }
                    total = try Num.add(total, number)
                }
                return total
            } catch {
                throw error.at(offset)
            }
        }
    }

    /// `min(a, b, …)` / `max(a, b, …)` over numbers: ties keep the first; with a decimal among
    /// them the result is a decimal.
    private func typedExtreme(_ args: [CheckedNode], name: String, offset: Int) -> NumBox? {
        var compiled: [NumEvaluator] = []
        for arg in args {
            guard arg.type == .int || arg.type == .decimal, let x = compileNum(arg)?.run else { return nil }
            compiled.append(x)
        }
        let wantSmaller = name == "min"
        if args.count == 2, let x = compileNum(args[0])?.run, let y = compileNum(args[1])?.run {
            // Compiled again rather than taken from `compiled`: a closure kept in an array is called
            // through conversion thunks.
            return NumBox { a throws(EvalError) in
                let u = try x(a)
                let v = try y(a)
                guard let order = Num.order(v, u) else { throw EvalError("\(name)() of a list with NaN").at(offset) }
                var best = (wantSmaller ? order < 0 : order > 0) ? v : u
                if u.isDecimal || v.isDecimal, !best.isDecimal {
                    do throws(EvalError) {
                        guard let exact = try Operators.exactDecimal(best.value) else { return best }
                        best = .decimal(exact)
                    } catch {
                        throw error.at(offset)
                    }
                }
                return best
            }
        }
        let list = compiled
        return NumBox { a throws(EvalError) in
            var numbers: [Num] = []
            numbers.reserveCapacity(list.count)
            for x in list { numbers.append(try x(a)) }
            var best = numbers[0]
            for number in numbers.dropFirst() {
                guard let order = Num.order(number, best) else { throw EvalError("\(name)() of a list with NaN").at(offset) }
                if wantSmaller ? order < 0 : order > 0 { best = number }
            }
            if numbers.contains(where: \.isDecimal), !best.isDecimal {
                do throws(EvalError) {
                    guard let exact = try Operators.exactDecimal(best.value) else { return best }
                    best = .decimal(exact)
                } catch {
                    throw error.at(offset)
                }
            }
            return best
        }
    }

    // MARK: Constant tables

    /// `tables.NAME[key]`: the row for a string key, found by comparing bytes; nil when the node
    /// is not an index of a constant table with string keys.
    func tableRow(_ node: CheckedNode) -> (@Sendable (Activation) throws(EvalError) -> Value)? {
        guard case .call("_[_]", _, let args) = node.kind, args.count == 2, case .map(let map)? = args[0].constantValue,
            let table = ConstantKeys(map)
        else { return nil }
        let key = compile(args[1])
        let offset = node.offset
        let mapValue = Value.map(map)
        return { a throws(EvalError) in
            let k = try key(a)
            if case .string(let s) = k, let position = table.position(of: s) { return table.values[position] }
            do throws(EvalError) { return try Operators.index(mapValue, k) } catch { throw error.at(offset) }
        }
    }

    /// `tables.NAME[key].column`: the column of the row, without building anything.
    func tableColumn(_ operand: CheckedNode, index: Int, path: String, offset: Int) -> (@Sendable (Activation) throws(EvalError) -> Value)? {
        guard case .call("_[_]", _, let args) = operand.kind, args.count == 2, case .map(let map)? = args[0].constantValue,
            let table = ConstantKeys(map)
        else { return nil }
        // The column of each row, when every row is a record of the same type.
        var columns: [Value?] = []
        for row in table.values {
            guard case .record(let record) = row, index < record.count else { return nil }
            columns.append(record.field(index))
        }
        guard let row = tableRow(operand) else { return nil }
        let columnValues = columns
        let key = compile(args[1])
        let missing = EvalError(missing: [path], offset: offset)
        let name: String
        if case .record(let first) = table.values.first, index < first.type.fields.count {
            name = first.type.fields[index].name
        } else {
            return nil
        }
        return { a throws(EvalError) in
            let k = try key(a)
            if case .string(let s) = k, let position = table.position(of: s) {
                guard let value = columnValues[position] else { throw missing }
                return value
            }
            // Anything else: the general steps (an error for an unknown key).
            let base = try row(a)
            guard case .record(let record) = base else { throw EvalError("cannot select field '\(name)' from \(base.type.displayName)", offset: offset) }
            guard let value = record.field(index) else { throw missing }
            return value
        }
    }
}

/// `size()` of a value, as the general closure gives it.
private func sizeOf(_ value: Value, offset: Int) throws(EvalError) -> Int64 {
    switch value {
    case .list(let items): return Int64(items.count)
    case .map(let map): return Int64(map.count)
    default:
        do throws(EvalError) {
            guard case .int(let n) = try Strings.size(value) else { return 0 }
            return n
        } catch {
            throw error.at(offset)
        }
    }
}

/// Adds numbers in order, as `sum()` does; an addition error carries the call's offset.
private func sumNumbers(_ numbers: [Num], offset: Int) throws(EvalError) -> Num {
    var total = Num.int(0)
    for number in numbers {
        do throws(EvalError) { total = try Num.add(total, number) } catch { throw error.at(offset) }
    }
    return total
}

/// `&&`/`||` after the left side failed: a deciding right side wins over the error; otherwise the
/// errors of both sides are merged (missing fields accumulate).
private func absorbing(_ leftError: EvalError, _ right: BoolEvaluator, _ a: Activation, decisive: Bool) throws(EvalError) -> Bool {
    let rightValue: Bool
    do throws(EvalError) {
        rightValue = try right(a)
    } catch {
        throw leftError.merged(with: error)
    }
    if rightValue == decisive { return decisive }
    throw leftError
}

/// Both operands, collecting the missing fields of both when the first lacks data (see `both`).
@inline(__always)
private func bothInts(_ x: IntEvaluator, _ y: IntEvaluator, _ a: Activation) throws(EvalError) -> (Int64, Int64) {
    let left: Int64
    do throws(EvalError) {
        left = try x(a)
    } catch {
        guard error.isMissing else { throw error }
        do throws(EvalError) { _ = try y(a) } catch let second { throw error.merged(with: second) }
        throw error
    }
    return (left, try y(a))
}

/// -1, 0 or 1, in one comparison (`<` then `==` could compare twice).
@inline(__always)
func decimalOrder(_ a: ExactDecimal, _ b: ExactDecimal) -> Int {
    switch a.compare(b) {
    case .less: -1
    case .equal: 0
    case .greater: 1
    }
}

/// Both operands, collecting the missing fields of both when the first lacks data (see `both`).
@inline(__always)
private func bothNums(_ x: NumEvaluator, _ y: NumEvaluator, _ a: Activation) throws(EvalError) -> (Num, Num) {
    let left: Num
    do throws(EvalError) {
        left = try x(a)
    } catch {
        guard error.isMissing else { throw error }
        do throws(EvalError) { _ = try y(a) } catch let second { throw error.merged(with: second) }
        throw error
    }
    return (left, try y(a))
}
