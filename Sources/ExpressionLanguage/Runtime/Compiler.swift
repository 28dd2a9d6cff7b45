/// A compiled expression node: reads the activation, returns a value or throws.
typealias Evaluator = @Sendable (Activation) throws(EvalError) -> Value

/// Turns a checked tree into a tree of closures.
///
/// Everything that can be decided once is decided here: slots and field indexes are fixed,
/// functions are bound, constants are captured, and common shapes (a field compared with a
/// constant, a field path from a variable) get fused closures, so an evaluation does no name
/// lookups and as few calls as possible.
struct Compiler {
    /// Whether typed kernels may replace the general closures (always, except in the tests that
    /// check both agree).
    var kernels = true

    func compile(_ node: CheckedNode) -> Evaluator {
        guard kernels else { return compileGeneral(node) }
        // Typed kernels first (same semantics, no intermediate values): conditions and arithmetic.
        switch node.kind {
        case .compare, .equals, .presence, .call("@in", _, _):
            if node.type == .bool, let kernel = boolKernel(node) { return { a throws(EvalError) in .bool(try kernel(a)) } }
        case .call("_+_", _, _), .call("_-_", _, _), .call("_*_", _, _), .call("_/_", _, _), .call("size", _, _), .call("sum", _, _),
            .call("min", _, _), .call("max", _, _), .conditional, .fallback:
            if let kernel = numKernel(node)?.run { return { a throws(EvalError) in try kernel(a).value } }
        case .recordField(let operand, let index, _, let path):
            if FieldPath(node) == nil, let column = tableColumn(operand, index: index, path: path, offset: node.offset) { return column }
        case .call("_[_]", _, _):
            if let row = tableRow(node) { return row }
        default:
            break
        }
        return compileGeneral(node)
    }

    /// The general closure of a node: every kind, values throughout.
    func compileGeneral(_ node: CheckedNode) -> Evaluator {
        let offset = node.offset
        switch node.kind {
        case .constant(let value):
            return { _ in value }

        case .variable(let slot, let name):
            return { a throws(EvalError) in try readSlot(a, slot, name) }

        case .unbound(let name):
            return { _ throws(EvalError) in throw EvalError("no such attribute: '\(name)'", offset: offset) }

        case .recordField(let operand, let index, let name, let path):
            if let fieldPath = FieldPath(node) {
                return { a throws(EvalError) in try fieldPath.read(a) }
            }
            let base = compile(operand)
            return { a throws(EvalError) in
                try recordField(try base(a), index: index, name: name, path: path, offset: offset)
            }

        case .select(let operand, let name, let path):
            let base = compile(operand)
            return { a throws(EvalError) in try select(try base(a), name, path: path, offset: offset) }

        case .presence(let operand, let name):
            // An absent parent makes the question undecidable: `has(a.b.c)` with `a.b` missing is
            // missing data too, never a silent false.
            let base = compile(operand)
            let operandPath: String? =
                switch operand.kind {
                case .recordField(_, _, _, let path): path
                case .select(_, _, let path): path
                default: nil
                }
            let fullPath = operandPath.map { "\($0).\(name)" }
            return { a throws(EvalError) in
                let value: Value
                do throws(EvalError) {
                    value = try base(a)
                } catch {
                    // Name the field asked about, not only the absent parent.
                    if error.isMissing, let fullPath { throw EvalError(missing: [fullPath], offset: offset) }
                    throw error
                }
                return .bool(try presence(value, name, offset: offset))
            }

        case .fallback(let primary, let fallback):
            let first = compile(primary)
            let second = compile(fallback)
            return { a throws(EvalError) in
                do throws(EvalError) {
                    return try first(a)
                } catch {
                    return try second(a)
                }
            }

        case .call(let function, let implementation, let args):
            return compileCall(function, implementation, args, offset: offset)

        case .unknownFunction(let name, let args):
            let compiled = ArgumentList(args.map(compile))
            return { a throws(EvalError) in
                _ = try compiled.evaluate(a)
                throw EvalError("no such function: '\(name)'", offset: offset)
            }

        case .and, .or:
            let typed = compileBool(node)
            return { a throws(EvalError) in .bool(try typed(a)) }

        case .not(let operand):
            let x = compile(operand)
            return { a throws(EvalError) in
                guard case .bool(let b) = try x(a) else { throw EvalError("'!' needs a bool", offset: offset) }
                return .bool(!b)
            }

        case .conditional(let c, let t, let e):
            let condition = compile(c)
            let then = compile(t)
            let otherwise = compile(e)
            return { a throws(EvalError) in
                let chosen = try condition(a)
                guard case .bool(let b) = chosen else {
                    throw EvalError("the condition of '?:' must be a bool, not \(chosen.type.displayName)", offset: offset)
                }
                return b ? try then(a) : try otherwise(a)
            }

        case .equals(let l, let r, let negated):
            return compileEquals(l, r, negated: negated)

        case .compare(let op, let l, let r):
            return compileCompare(op, l, r, offset: offset)

        case .list(let items):
            if items.allSatisfy({ $0.constantValue != nil }) {
                let values = Value.list(items.compactMap(\.constantValue))
                return { _ in values }
            }
            let compiled = ArgumentList(items.map(compile))
            return { a throws(EvalError) in .list(try compiled.evaluate(a)) }

        case .map(let entries):
            let compiled = entries.map { (compile($0.key), compile($0.value), $0.key.offset) }
            return { a throws(EvalError) in
                var map = MapValue()
                for (key, value, keyOffset) in compiled {
                    let k = try key(a)
                    let inserted: Bool
                    do throws(EvalError) {
                        inserted = try map.insert(key: k, value: try value(a))
                    } catch {
                        throw error.at(keyOffset)
                    }
                    if !inserted { throw EvalError("repeated map key \(Format.literal(k))", offset: keyOffset) }
                }
                return .map(map)
            }

        case .comprehension(let c):
            return compileComprehension(c, offset: offset)
        }
    }

    // MARK: Calls

    private func compileCall(_ function: String, _ implementation: Function.Implementation, _ args: [CheckedNode], offset: Int)
        -> Evaluator
    {
        // Closures are compiled one by one into locals, never read back out of an array: a closure
        // stored in an array is kept in the generic calling convention and every call would go
        // through a conversion thunk.
        switch implementation {
        case .unary(let f):
            let x = compile(args[0])
            return { a throws(EvalError) in
                let value = try x(a)
                do throws(EvalError) { return try f(value) } catch { throw error.at(offset) }
            }
        case .binary(let f):
            let x = compile(args[0])
            if let constant = args[1].constantValue {
                return { a throws(EvalError) in
                    let value = try x(a)
                    do throws(EvalError) { return try f(value, constant) } catch { throw error.at(offset) }
                }
            }
            let y = compile(args[1])
            return { a throws(EvalError) in
                let (left, right) = try both(x, y, a)
                do throws(EvalError) { return try f(left, right) } catch { throw error.at(offset) }
            }
        case .ternary(let f):
            let x = compile(args[0])
            let y = compile(args[1])
            let z = compile(args[2])
            return { a throws(EvalError) in
                let (u, v, w) = (try x(a), try y(a), try z(a))
                do throws(EvalError) { return try f(u, v, w) } catch { throw error.at(offset) }
            }
        case .variadic(let f):
            let compiled = ArgumentList(args.map(compile))
            return { a throws(EvalError) in
                let values = try compiled.evaluate(a)
                do throws(EvalError) { return try f(values) } catch { throw error.at(offset) }
            }
        }
    }

    // MARK: Comparisons

    private func compileEquals(_ l: CheckedNode, _ r: CheckedNode, negated: Bool) -> Evaluator {
        let left = compile(l)
        if let constant = r.constantValue {
            switch constant {
            case .string(let s):
                return { a throws(EvalError) in
                    let value = try left(a)
                    if case .string(let x) = value { return .bool(Operators.sameCodePoints(x, s) != negated) }
                    return .bool(Operators.equals(value, constant) != negated)
                }
            case .bool(let b):
                return { a throws(EvalError) in
                    let value = try left(a)
                    if case .bool(let x) = value { return .bool((x == b) != negated) }
                    return .bool(Operators.equals(value, constant) != negated)
                }
            case .int(let i):
                return { a throws(EvalError) in
                    let value = try left(a)
                    if case .int(let x) = value { return .bool((x == i) != negated) }
                    return .bool(Operators.equals(value, constant) != negated)
                }
            default:
                return { a throws(EvalError) in .bool(Operators.equals(try left(a), constant) != negated) }
            }
        }
        let right = compile(r)
        return { a throws(EvalError) in
            let (x, y) = try both(left, right, a)
            return .bool(Operators.equals(x, y) != negated)
        }
    }

    private func compileCompare(_ op: ComparisonOperator, _ l: CheckedNode, _ r: CheckedNode, offset: Int) -> Evaluator {
        let left = compile(l)
        let function = op.function
        if let constant = r.constantValue {
            if case .int(let c) = constant {
                return { a throws(EvalError) in
                    let value = try left(a)
                    if case .int(let x) = value { return .bool(op.holds(x < c ? -1 : (x == c ? 0 : 1))) }
                    return try compareValues(op, value, constant, function, offset)
                }
            }
            if case .decimal(let c) = constant {
                return { a throws(EvalError) in
                    let value = try left(a)
                    if case .decimal(let x) = value { return .bool(op.holds(x < c ? -1 : (x == c ? 0 : 1))) }
                    return try compareValues(op, value, constant, function, offset)
                }
            }
            return { a throws(EvalError) in try compareValues(op, try left(a), constant, function, offset) }
        }
        let right = compile(r)
        return { a throws(EvalError) in
            let (x, y) = try both(left, right, a)
            return try compareValues(op, x, y, function, offset)
        }
    }

    // MARK: Comprehensions

    private func compileComprehension(_ c: CheckedComprehension, offset: Int) -> Evaluator {
        let range = compile(c.range)
        let hasPredicate = c.predicate != nil
        // Non-optional locals (see compileCall): no thunk per call.
        let predicate: Evaluator
        if let node = c.predicate { predicate = compile(node) } else { predicate = { _ in .bool(true) } }
        let transform: Evaluator
        if let node = c.transform { transform = compile(node) } else { transform = { _ in .null } }
        let slot = c.slot
        let slot2 = c.slot2 ?? -1
        let kind = c.kind
        let name = kind.rawValue
        return { a throws(EvalError) in
            let source = try range(a)
            let sequence: ComprehensionSource
            switch source {
            case .list(let items): sequence = ComprehensionSource(list: items, map: nil, pairs: slot2 >= 0)
            case .map(let entries): sequence = ComprehensionSource(list: [], map: entries, pairs: slot2 >= 0)
            default:
                throw EvalError("\(name)() needs a list or a map, not \(source.type.displayName)", offset: offset)
            }
            defer {
                a.set(slot, .unbound)
                if slot2 >= 0 { a.set(slot2, .unbound) }
            }
            switch kind {
            case .all, .exists:
                let decisive = kind == .exists
                var pending: EvalError?
                for i in 0..<sequence.count {
                    sequence.bind(i, a, slot, slot2)
                    let outcome: Value
                    do throws(EvalError) {
                        outcome = try predicate(a)
                    } catch {
                        pending = pending.map { $0.merged(with: error) } ?? error
                        continue
                    }
                    guard case .bool(let b) = outcome else {
                        let problem = EvalError("the condition of \(name)() must give a bool, not \(outcome.type.displayName)", offset: offset)
                        pending = pending.map { $0.merged(with: problem) } ?? problem
                        continue
                    }
                    if b == decisive { return .bool(decisive) }
                }
                if let pending { throw pending }
                return .bool(!decisive)
            case .existsOne:
                var hits = 0
                for i in 0..<sequence.count {
                    sequence.bind(i, a, slot, slot2)
                    if try holds(predicate, a, hasPredicate, name, offset) { hits += 1 }
                }
                return .bool(hits == 1)
            case .map:
                var out: [Value] = []
                out.reserveCapacity(sequence.count)
                for i in 0..<sequence.count {
                    sequence.bind(i, a, slot, slot2)
                    if try holds(predicate, a, hasPredicate, name, offset) { out.append(try transform(a)) }
                }
                return .list(out)
            case .filter:
                var out: [Value] = []
                for i in 0..<sequence.count {
                    let element = sequence.bind(i, a, slot, slot2)
                    if try holds(predicate, a, hasPredicate, name, offset) { out.append(element) }
                }
                return .list(out)
            case .transformMap:
                var out = MapValue()
                for i in 0..<sequence.count {
                    let key = sequence.key(i)
                    sequence.bind(i, a, slot, slot2)
                    if try holds(predicate, a, hasPredicate, name, offset) { try out.insert(key: key, value: try transform(a)) }
                }
                return .map(out)
            case .transformMapEntry:
                var out = MapValue()
                for i in 0..<sequence.count {
                    sequence.bind(i, a, slot, slot2)
                    guard try holds(predicate, a, hasPredicate, name, offset) else { continue }
                    let entry = try transform(a)
                    guard case .map(let entries) = entry else {
                        throw EvalError("transformMapEntry() must give a map, not \(entry.type.displayName)", offset: offset)
                    }
                    for item in entries.entries where !(try out.insert(key: item.key, value: item.value)) {
                        throw EvalError("transformMapEntry() gave the key \(Format.literal(item.key)) twice", offset: offset)
                    }
                }
                return .map(out)
            }
        }
    }
}

/// The elements a comprehension iterates: a list's items (with their index for two variables) or
/// a map's keys (with their values).
private struct ComprehensionSource {
    let list: [Value]
    let map: MapValue?
    let pairs: Bool

    var count: Int { map?.count ?? list.count }

    /// The first variable's value: the index (two variables over a list), the item, or the key.
    func key(_ i: Int) -> Value {
        if let map { return map.entries[i].key }
        return pairs ? .int(Int64(i)) : list[i]
    }

    /// Binds the iteration variables for element `i`; returns the item (list) or key (map).
    @discardableResult
    func bind(_ i: Int, _ a: Activation, _ slot: Int, _ slot2: Int) -> Value {
        if let map {
            let entry = map.entries[i]
            a.set(slot, .value(entry.key))
            if slot2 >= 0 { a.set(slot2, .value(entry.value)) }
            return entry.key
        }
        let item = list[i]
        if slot2 >= 0 {
            a.set(slot, .value(.int(Int64(i))))
            a.set(slot2, .value(item))
        } else {
            a.set(slot, .value(item))
        }
        return item
    }
}

/// The predicate of a macro for the element bound now; true when there is none.
@inline(__always)
private func holds(_ predicate: Evaluator, _ a: Activation, _ hasPredicate: Bool, _ name: String, _ offset: Int) throws(EvalError) -> Bool {
    guard hasPredicate else { return true }
    let result = try predicate(a)
    guard case .bool(let b) = result else {
        throw EvalError("the condition of \(name)() must give a bool, not \(result.type.displayName)", offset: offset)
    }
    return b
}

/// Compiled arguments evaluated in order; a final class so the closures inside keep their own
/// calling convention and the list is captured by one reference.
final class ArgumentList: Sendable {
    private let evaluators: [Evaluator]

    init(_ evaluators: [Evaluator]) { self.evaluators = evaluators }

    func evaluate(_ a: Activation) throws(EvalError) -> [Value] {
        var values: [Value] = []
        values.reserveCapacity(evaluators.count)
        for evaluator in evaluators { values.append(try evaluator(a)) }
        return values
    }
}

// MARK: Shared run-time steps

/// Evaluates two operands. When the first lacks data, the second is still tried so that the error
/// names every missing field the expression needs, not only the first one.
@inline(__always)
private func both(_ x: Evaluator, _ y: Evaluator, _ a: Activation) throws(EvalError) -> (Value, Value) {
    let left: Value
    do throws(EvalError) {
        left = try x(a)
    } catch {
        guard error.isMissing else { throw error }
        do throws(EvalError) {
            _ = try y(a)
        } catch let second {
            throw error.merged(with: second)
        }
        throw error
    }
    return (left, try y(a))
}

@inline(__always)
func readSlot(_ a: Activation, _ slot: Int, _ name: String) throws(EvalError) -> Value {
    switch a.slots[slot] {
    case .value(let value): return value
    case .failed(let error): throw error
    case .unbound: throw EvalError("no such attribute: '\(name)'")
    }
}

private func recordField(_ base: Value, index: Int, name: String, path: String, offset: Int) throws(EvalError) -> Value {
    guard case .record(let record) = base else {
        return try select(base, name, path: path, offset: offset)
    }
    guard let value = record.field(index) else { throw EvalError(missing: [path], offset: offset) }
    return value
}

private func select(_ base: Value, _ name: String, path: String?, offset: Int) throws(EvalError) -> Value {
    switch base {
    case .map(let map):
        guard let value = map.value(forString: name) else { throw EvalError("no such key: '\(name)'", offset: offset) }
        return value
    case .record(let record):
        guard let index = record.type.index(of: name) else { throw EvalError("no such field: '\(name)'", offset: offset) }
        guard let value = record.field(index) else { throw EvalError(missing: [path ?? name], offset: offset) }
        return value
    default:
        throw EvalError("cannot select field '\(name)' from \(base.type.displayName)", offset: offset)
    }
}

private func presence(_ base: Value, _ name: String, offset: Int) throws(EvalError) -> Bool {
    switch base {
    case .map(let map): return map.value(forString: name) != nil
    case .record(let record):
        guard let index = record.type.index(of: name) else { throw EvalError("no such field: '\(name)'", offset: offset) }
        return record.field(index) != nil
    default:
        throw EvalError("has() cannot test field '\(name)' of \(base.type.displayName)", offset: offset)
    }
}

private func compareValues(_ op: ComparisonOperator, _ x: Value, _ y: Value, _ function: String, _ offset: Int)
    throws(EvalError) -> Value
{
    do throws(EvalError) {
        guard let order = try Operators.compare(x, y, function: function) else { return .bool(false) }
        return .bool(op.holds(order))
    } catch {
        throw error.at(offset)
    }
}
