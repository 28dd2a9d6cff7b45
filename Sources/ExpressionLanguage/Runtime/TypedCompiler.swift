/// Closures that return a Swift `Bool`, `Int64` or `ExactDecimal` directly instead of a `Value`.
///
/// Rules are mostly conditions over typed dossier fields (`employees <= 20 && industry in [...]`).
/// When the checker has proved a node's type, these closures skip wrapping each intermediate result
/// in a `Value` and unwrapping it again, and read record fields without touching reference counts.
/// Everything else falls back to the general `Value` closures, with the same semantics and errors.
typealias BoolEvaluator = @Sendable (Activation) throws(EvalError) -> Bool
typealias IntEvaluator = @Sendable (Activation) throws(EvalError) -> Int64
typealias DecimalEvaluator = @Sendable (Activation) throws(EvalError) -> ExactDecimal

/// `variable.f1.f2…` over record types: read through the activation's unretained record reference.
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
    /// The whole path (`dossier.base_year.total_t`), what a missing step is reported as.
    let fullPath: String
    let offset: Int

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
        fullPath = path
        offset = node.offset
    }

    /// The value at the end of the path; missing data when any step is absent.
    @inline(__always)
    func read(_ a: Activation) throws(EvalError) -> Value {
        if let root = a.records[rootSlot] {
            let (first, second, third) = (self.first, self.second, self.third)
            let found: Value? = root._withUnsafeGuaranteedRef { record in
                guard let value = record.field(first) else { return nil }
                guard second >= 0 else { return value }
                guard case .record(let inner) = value, let next = inner.field(second) else { return nil }
                guard third >= 0 else { return next }
                guard case .record(let innermost) = next else { return nil }
                return innermost.field(third)
            }
            guard let found else { throw EvalError(missing: [fullPath], offset: offset) }
            return found
        }
        // Not a record in the slot: a failed let, an unbound name, or a wrong type.
        var value = try readSlot(a, rootSlot, rootName)
        for index in [first, second, third].prefix(steps) {
            guard case .record(let record) = value else { throw EvalError("'\(rootName)' has no field here", offset: offset) }
            guard let next = record.field(index) else { throw EvalError(missing: [fullPath], offset: offset) }
            value = next
        }
        return value
    }
}

extension Compiler {
    // MARK: Bool

    /// A closure giving the node's value as a Bool; a non-bool value is an evaluation error.
    func compileBool(_ node: CheckedNode) -> BoolEvaluator {
        let offset = node.offset
        switch node.kind {
        case .constant(.bool(let b)):
            return { _ in b }
        case .recordField where node.type == .bool:
            if let path = FieldPath(node) {
                return { a throws(EvalError) in
                    let value = try path.read(a)
                    guard case .bool(let b) = value else { throw notBool(value, offset) }
                    return b
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
            if let typed = typedComparison(op, l, r) { return typed }
        case .equals(let l, let r, let negated):
            if let typed = typedEquality(l, r, negated: negated) { return typed }
        case .call("@in", _, let args) where args.count == 2:
            if let typed = typedMembership(args[0], args[1]) { return typed }
        case .comprehension(let c) where (c.kind == .all || c.kind == .exists) && c.predicate != nil:
            return typedQuantifier(c, offset: offset)
        default:
            break
        }
        let general = compile(node)
        return { a throws(EvalError) in
            let value = try general(a)
            guard case .bool(let b) = value else { throw notBool(value, offset) }
            return b
        }
    }

    /// `&&`/`||` with CEL's error absorption: the deciding side wins over an error on the other.
    private func logical(_ left: @escaping BoolEvaluator, _ right: @escaping BoolEvaluator, isAnd: Bool) -> BoolEvaluator {
        let decisive = !isAnd
        return { a throws(EvalError) in
            var leftError: EvalError?
            do throws(EvalError) {
                if try left(a) == decisive { return decisive }
            } catch {
                leftError = error
            }
            let rightValue: Bool
            do throws(EvalError) {
                rightValue = try right(a)
            } catch {
                throw leftError.map { $0.merged(with: error) } ?? error
            }
            if rightValue == decisive { return decisive }
            if let leftError { throw leftError }
            return !decisive
        }
    }

    private func typedComparison(_ op: ComparisonOperator, _ l: CheckedNode, _ r: CheckedNode) -> BoolEvaluator? {
        if l.type == .int, r.type == .int, let x = compileInt(l) {
            if case .int(let c)? = r.constantValue {
                return { a throws(EvalError) in
                    let v = try x(a)
                    return op.holds(v < c ? -1 : (v == c ? 0 : 1))
                }
            }
            guard let y = compileInt(r) else { return nil }
            return { a throws(EvalError) in
                let (u, v) = try bothInts(x, y, a)
                return op.holds(u < v ? -1 : (u == v ? 0 : 1))
            }
        }
        let decimalish: Set<CELType> = [.decimal, .int]
        if decimalish.contains(l.type), decimalish.contains(r.type), l.type == .decimal || r.type == .decimal,
            let x = compileDecimal(l)
        {
            if let constant = r.constantValue, let c = try? Operators.exactDecimal(constant) {
                return { a throws(EvalError) in
                    let v = try x(a)
                    return op.holds(v < c ? -1 : (v == c ? 0 : 1))
                }
            }
            guard let y = compileDecimal(r) else { return nil }
            return { a throws(EvalError) in
                let (u, v) = try bothDecimals(x, y, a)
                return op.holds(u < v ? -1 : (u == v ? 0 : 1))
            }
        }
        return nil
    }

    private func typedEquality(_ l: CheckedNode, _ r: CheckedNode, negated: Bool) -> BoolEvaluator? {
        if l.type == .string, case .string(let constant)? = r.constantValue {
            let x = compile(l)
            return { a throws(EvalError) in
                let value = try x(a)
                guard case .string(let s) = value else { return Operators.equals(value, .string(constant)) != negated }
                return Operators.sameCodePoints(s, constant) != negated
            }
        }
        if l.type == .int, r.type == .int, let x = compileInt(l), let y = compileInt(r) {
            return { a throws(EvalError) in
                let (u, v) = try bothInts(x, y, a)
                return (u == v) != negated
            }
        }
        if l.type == .bool, r.type == .bool {
            let x = compileBool(l)
            let y = compileBool(r)
            return { a throws(EvalError) in (try x(a) == (try y(a))) != negated }
        }
        return nil
    }

    /// `x in [constants]`: compared one by one with CEL equality, no list built per evaluation.
    private func typedMembership(_ element: CheckedNode, _ collection: CheckedNode) -> BoolEvaluator? {
        guard case .list(let items)? = collection.constantValue, items.count <= 16 else { return nil }
        let x = compile(element)
        if items.allSatisfy({ if case .string = $0 { true } else { false } }) {
            let strings = items.compactMap { item -> String? in if case .string(let s) = item { s } else { nil } }
            return { a throws(EvalError) in
                let value = try x(a)
                guard case .string(let s) = value else { return items.contains { Operators.equals($0, value) } }
                for candidate in strings where Operators.sameCodePoints(s, candidate) { return true }
                return false
            }
        }
        return { a throws(EvalError) in
            let value = try x(a)
            return items.contains { Operators.equals($0, value) }
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
        return { a throws(EvalError) in
            let source = try range(a)
            defer {
                a.set(slot, .unbound)
                if slot2 >= 0 { a.set(slot2, .unbound) }
            }
            var pending: EvalError?
            switch source {
            case .list(let items):
                for (index, item) in items.enumerated() {
                    if slot2 >= 0 {
                        a.set(slot, .value(.int(Int64(index))))
                        a.set(slot2, .value(item))
                    } else {
                        a.set(slot, .value(item))
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

    // MARK: Int

    /// A closure giving an int-typed node's value as `Int64`; nil when the node is not int-typed.
    func compileInt(_ node: CheckedNode) -> IntEvaluator? {
        guard node.type == .int else { return nil }
        let offset = node.offset
        switch node.kind {
        case .constant(.int(let i)):
            return { _ in i }
        case .recordField:
            if let path = FieldPath(node) {
                return { a throws(EvalError) in
                    let value = try path.read(a)
                    guard case .int(let i) = value else { throw EvalError("expected an int, got \(value.type.displayName)", offset: offset) }
                    return i
                }
            }
        case .call(let function, _, let args) where args.count == 2 && ["_+_", "_-_", "_*_"].contains(function):
            if let x = compileInt(args[0]), let y = compileInt(args[1]) {
                return { a throws(EvalError) in
                    let (u, v) = try bothInts(x, y, a)
                    let (result, overflow) =
                        switch function {
                        case "_+_": u.addingReportingOverflow(v)
                        case "_-_": u.subtractingReportingOverflow(v)
                        default: u.multipliedReportingOverflow(by: v)
                        }
                    if overflow { throw EvalError.intOverflow.at(offset) }
                    return result
                }
            }
        case .call("size", _, let args) where args.count == 1:
            let x = compile(args[0])
            return { a throws(EvalError) in
                let value = try x(a)
                switch value {
                case .list(let items): return Int64(items.count)
                case .map(let map): return Int64(map.count)
                default:
                    guard case .int(let n) = try Strings.size(value) else { return 0 }
                    return n
                }
            }
        default:
            break
        }
        let general = compile(node)
        return { a throws(EvalError) in
            let value = try general(a)
            guard case .int(let i) = value else { throw EvalError("expected an int, got \(value.type.displayName)", offset: offset) }
            return i
        }
    }

    // MARK: Decimal

    /// A closure giving a decimal- or int-typed node's value as an exact decimal; nil otherwise.
    func compileDecimal(_ node: CheckedNode) -> DecimalEvaluator? {
        let offset = node.offset
        if node.type == .int, let x = compileInt(node) {
            return { a throws(EvalError) in ExactDecimal(try x(a)) }
        }
        guard node.type == .decimal else { return nil }
        switch node.kind {
        case .constant(.decimal(let d)):
            return { _ in d }
        case .recordField:
            if let path = FieldPath(node) {
                return { a throws(EvalError) in
                    let value = try path.read(a)
                    guard let d = try Operators.exactDecimal(value) else {
                        throw EvalError("expected a number, got \(value.type.displayName)", offset: offset)
                    }
                    return d
                }
            }
        case .call(let function, _, let args) where args.count == 2 && ["_+_", "_-_", "_*_", "_/_"].contains(function):
            if let x = compileDecimal(args[0]), let y = compileDecimal(args[1]) {
                return { a throws(EvalError) in
                    let (u, v) = try bothDecimals(x, y, a)
                    do throws(DecimalError) {
                        switch function {
                        case "_+_": return try u.adding(v)
                        case "_-_": return try u.subtracting(v)
                        case "_*_": return try u.multiplying(by: v)
                        default: return try u.dividing(by: v)
                        }
                    } catch {
                        throw EvalError(error.description, offset: offset)
                    }
                }
            }
        default:
            break
        }
        let general = compile(node)
        return { a throws(EvalError) in
            let value = try general(a)
            guard let d = try Operators.exactDecimal(value) else {
                throw EvalError("expected a number, got \(value.type.displayName)", offset: offset)
            }
            return d
        }
    }
}

private func notBool(_ value: Value, _ offset: Int) -> EvalError {
    EvalError("expected true or false, got \(Format.literal(value))", offset: offset)
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

@inline(__always)
private func bothDecimals(_ x: DecimalEvaluator, _ y: DecimalEvaluator, _ a: Activation) throws(EvalError) -> (ExactDecimal, ExactDecimal) {
    let left: ExactDecimal
    do throws(EvalError) {
        left = try x(a)
    } catch {
        guard error.isMissing else { throw error }
        do throws(EvalError) { _ = try y(a) } catch let second { throw error.merged(with: second) }
        throw error
    }
    return (left, try y(a))
}
