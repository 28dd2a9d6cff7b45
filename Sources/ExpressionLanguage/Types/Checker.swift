import Diagnostics

/// Resolves names and types an expression against an `Environment`.
///
/// In strict mode every unknown name, unknown field and type mismatch is an issue with the offset
/// of the offending node, worded for people who are not programmers. In lenient mode (CEL's
/// "disable check") the same problems become evaluation errors instead.
struct Checker {
    let environment: Environment
    let lenient: Bool
    private(set) var issues: [ExpressionIssue] = []
    /// The highest slot used by a comprehension variable.
    private(set) var highestSlot = -1
    /// Comprehension variables in scope, innermost last.
    private var scopes: [(name: String, slot: Int, type: CELType)] = []

    init(environment: Environment, lenient: Bool) {
        self.environment = environment
        self.lenient = lenient
        highestSlot = environment.slotCount - 1
    }

    /// Type names usable as values (`type(x) == int`).
    static let typeNames: [String: CELType] = [
        "int": .int, "uint": .uint, "double": .double, "bool": .bool, "string": .string, "bytes": .bytes,
        "list": .list(.dyn), "map": .map(.dyn, .dyn), "null_type": .null, "type": .type(nil), "decimal": .decimal,
        "google.protobuf.Timestamp": .timestamp, "google.protobuf.Duration": .duration, "dyn": .dyn,
    ]

    // MARK: Reporting

    private mutating func report(_ code: String, _ en: String, ja: String? = nil, at offset: Int) {
        guard !lenient else { return }
        issues.append(ExpressionIssue(code: code, LocalizedText(en, ja: ja), offset: offset))
    }

    private func node(_ expr: Expr, _ type: CELType, _ kind: CheckedNode.Kind) -> CheckedNode {
        CheckedNode(offset: expr.offset, type: type, kind: kind)
    }

    private func errorNode(_ expr: Expr) -> CheckedNode {
        node(expr, .error, .unbound(name: "<error>"))
    }

    // MARK: Walk

    mutating func check(_ expr: Expr) -> CheckedNode {
        switch expr.kind {
        case .error:
            return errorNode(expr)
        case .literal(let literal):
            return checkLiteral(literal, expr)
        case .ident(let name):
            return resolveName(name, expr) ?? unknownName(name, expr)
        case .select(let operand, let field, let testOnly):
            if !testOnly, let qualified = expr.qualifiedName, let resolved = resolveQualified(qualified, expr) {
                return resolved
            }
            return checkSelect(operand, field, testOnly: testOnly, expr)
        case .call(let function, let target, let args):
            return checkCall(function, target: target, args: args, expr)
        case .list(let items):
            let checked = items.map { check($0) }
            let element = Checker.join(checked.map(\.type))
            // A list of constants is a constant: built once, and `x in [...]` can use it directly.
            let constants = checked.compactMap(\.constantValue)
            if constants.count == checked.count, !checked.isEmpty {
                return node(expr, .list(element), .constant(.list(constants)))
            }
            return node(expr, .list(element), .list(checked))
        case .map(let entries):
            var checked: [(key: CheckedNode, value: CheckedNode)] = []
            for entry in entries {
                let key = check(entry.key)
                switch key.type {
                case .bool, .int, .uint, .string, .dyn, .error, .parameter: break
                default:
                    report(
                        "expr.map-key", "map keys must be bool, int, uint or string, not \(key.type.displayName)",
                        at: entry.key.offset)
                }
                checked.append((key, check(entry.value)))
            }
            let type = CELType.map(Checker.join(checked.map(\.key.type)), Checker.join(checked.map(\.value.type)))
            return node(expr, type, .map(checked))
        case .comprehension(let comprehension):
            return checkComprehension(comprehension, expr)
        }
    }

    private func checkLiteral(_ literal: Literal, _ expr: Expr) -> CheckedNode {
        switch literal {
        case .null: return node(expr, .null, .constant(.null))
        case .bool(let b): return node(expr, .bool, .constant(.bool(b)))
        case .int(let i): return node(expr, .int, .constant(.int(i)))
        case .uint(let u): return node(expr, .uint, .constant(.uint(u)))
        case .double(let d, let text):
            if environment.dialect == .rules, let exact = ExactDecimal(Checker.decimalLiteralText(text)) {
                return node(expr, .decimal, .constant(.decimal(exact)))
            }
            return node(expr, .double, .constant(.double(d)))
        case .string(let s): return node(expr, .string, .constant(.string(s)))
        case .bytes(let b): return node(expr, .bytes, .constant(.bytes(b)))
        }
    }

    /// CEL allows `.5`; decimal literal text needs the leading zero.
    static func decimalLiteralText(_ text: String) -> String {
        if text.hasPrefix("-.") { return "-0" + text.dropFirst() }
        if text.hasPrefix(".") { return "0" + text }
        return text
    }

    // MARK: Names

    /// A comprehension variable, a declared variable, or a type name.
    private mutating func resolveName(_ name: String, _ expr: Expr) -> CheckedNode? {
        if let local = scopes.last(where: { $0.name == name }) {
            return node(expr, local.type, .variable(slot: local.slot, name: name))
        }
        if let variable = environment.variable(name) {
            return node(expr, variable.type, .variable(slot: variable.slot, name: name))
        }
        if let constant = environment.constants[name] {
            return node(expr, constant.type, .constant(constant.value))
        }
        if let type = Checker.typeNames[name] {
            return node(expr, .type(type), .constant(.type(type)))
        }
        return nil
    }

    /// `a.b.c` as one declared name, trying the longest prefix first (CEL's qualified names).
    /// A comprehension variable named like the first part wins over declared dotted names.
    private mutating func resolveQualified(_ qualified: String, _ expr: Expr) -> CheckedNode? {
        let first = qualified.prefix { $0 != "." }
        if scopes.contains(where: { $0.name == first }) { return nil }
        if let variable = environment.variable(qualified) {
            return node(expr, variable.type, .variable(slot: variable.slot, name: qualified))
        }
        if let constant = environment.constants[qualified] {
            return node(expr, constant.type, .constant(constant.value))
        }
        if let type = Checker.typeNames[qualified] {
            return node(expr, .type(type), .constant(.type(type)))
        }
        return nil
    }

    private mutating func unknownName(_ name: String, _ expr: Expr) -> CheckedNode {
        let candidates = Array(environment.variables.keys) + Array(environment.constants.keys) + scopes.map(\.name)
        var message = "unknown name '\(name)'"
        var ja = "'\(name)' という名前はありません"
        if let suggestion = Suggestion.nearest(to: name, among: candidates) {
            message += "; did you mean '\(suggestion)'?"
            ja += "。'\(suggestion)' のことですか?"
        }
        report("expr.unknown-name", message, ja: ja, at: expr.offset)
        return node(expr, lenient ? .dyn : .error, .unbound(name: name))
    }

    // MARK: Field selection

    private mutating func checkSelect(_ operandExpr: Expr, _ field: String, testOnly: Bool, _ expr: Expr) -> CheckedNode {
        let operand = check(operandExpr)
        let path = operandExpr.qualifiedName.map { "\($0).\(field)" }
        if let constant = operand.constantValue, let folded = foldSelect(constant, field, testOnly: testOnly, path: path, expr) {
            return folded
        }
        switch operand.type {
        case .record(let record):
            guard let index = record.index(of: field) else {
                var message = "unknown field '\(field)' in \(record.displayName)"
                var ja = "\(record.displayName) に '\(field)' というフィールドはありません"
                if let suggestion = Suggestion.nearest(to: field, among: record.fields.map(\.name)) {
                    message += "; did you mean '\(suggestion)'?"
                    ja += "。'\(suggestion)' のことですか?"
                }
                report("expr.unknown-field", message, ja: ja, at: fieldOffset(expr))
                return node(expr, lenient ? .dyn : .error, .select(operand, name: field, path: path))
            }
            if testOnly { return node(expr, .bool, .presence(operand, name: field)) }
            let fieldPath = path ?? "\(record.displayName).\(field)"
            return node(expr, record.fields[index].type, .recordField(operand, index: index, name: field, path: fieldPath))
        case .map(let key, let value):
            if !Checker.isAssignable(.string, to: key) {
                report(
                    "expr.select-type", "cannot select field '\(field)' from a map with \(key.displayName) keys",
                    at: fieldOffset(expr))
            }
            if testOnly { return node(expr, .bool, .presence(operand, name: field)) }
            return node(expr, value, .select(operand, name: field, path: path))
        case .dyn, .error, .parameter:
            if testOnly { return node(expr, .bool, .presence(operand, name: field)) }
            return node(expr, .dyn, .select(operand, name: field, path: path))
        default:
            report(
                "expr.select-type", "cannot select field '\(field)' from \(operand.type.displayName)",
                ja: "\(operand.type.displayName) からフィールド '\(field)' は取り出せません", at: fieldOffset(expr))
            if testOnly { return node(expr, .bool, .presence(operand, name: field)) }
            return node(expr, lenient ? .dyn : .error, .select(operand, name: field, path: path))
        }
    }

    /// `table.row.column` on a constant: looked up now; a missing key is reported with the nearest
    /// existing one.
    private mutating func foldSelect(_ constant: Value, _ field: String, testOnly: Bool, path: String?, _ expr: Expr)
        -> CheckedNode?
    {
        if case .record(let record) = constant, let index = record.type.index(of: field) {
            if testOnly { return node(expr, .bool, .constant(.bool(record.field(index) != nil))) }
            if let value = record.field(index) { return node(expr, record.type.fields[index].type, .constant(value)) }
            return nil
        }
        guard case .map(let map) = constant else { return nil }
        if testOnly { return node(expr, .bool, .constant(.bool(map.value(forString: field) != nil))) }
        if let value = map.value(forString: field) {
            return node(expr, CELType.ofConstant(value), .constant(value))
        }
        let keys = map.entries.compactMap { entry -> String? in if case .string(let s) = entry.key { s } else { nil } }
        let owner = path.map { String($0.dropLast(field.count + 1)) } ?? "the table"
        var message = "'\(owner)' has no entry '\(field)'"
        var ja = "'\(owner)' に '\(field)' という項目はありません"
        if let suggestion = Suggestion.nearest(to: field, among: keys) {
            message += "; did you mean '\(suggestion)'?"
            ja += "。'\(suggestion)' のことですか?"
        }
        report("expr.unknown-key", message, ja: ja, at: fieldOffset(expr))
        return node(expr, lenient ? .dyn : .error, .select(node(expr, .dyn, .constant(constant)), name: field, path: path))
    }

    /// Offset of the field name in `a.field` (one past the dot), for carets under the name.
    private func fieldOffset(_ expr: Expr) -> Int { expr.offset + 1 }

    // MARK: Calls

    private mutating func checkCall(_ function: String, target: Expr?, args: [Expr], _ expr: Expr) -> CheckedNode {
        switch (function, target) {
        case ("_&&_", nil), ("_||_", nil):
            let left = check(args[0])
            let right = check(args[1])
            requireBool(left, args[0], function)
            requireBool(right, args[1], function)
            return node(expr, .bool, function == "_&&_" ? .and(left, right) : .or(left, right))
        case ("otherwise", nil) where args.count == 2:
            let primary = check(args[0])
            let fallback = check(args[1])
            return node(expr, Checker.join([primary.type, fallback.type]), .fallback(primary, fallback))
        case ("!_", nil):
            let operand = check(args[0])
            requireBool(operand, args[0], function)
            if let constant = operand.constantValue, case .bool(let b) = constant {
                return node(expr, .bool, .constant(.bool(!b)))
            }
            return node(expr, .bool, .not(operand))
        case ("_?_:_", nil):
            let condition = check(args[0])
            requireBool(condition, args[0], "?:")
            let then = check(args[1])
            let otherwise = check(args[2])
            return node(expr, Checker.join([then.type, otherwise.type]), .conditional(condition, then, otherwise))
        case ("_==_", nil), ("_!=_", nil):
            var (left, right) = (check(args[0]), check(args[1]))
            (left, right) = exactLiterals(left, right)
            if !Checker.isComparableForEquality(left.type, right.type) {
                report(
                    "expr.type-mismatch",
                    "cannot compare \(left.type.displayName) with \(right.type.displayName) using '\(displayName(of: function))'",
                    ja: "\(left.type.displayName) と \(right.type.displayName) は比較できません", at: expr.offset)
            }
            let negated = function == "_!=_"
            if let a = left.constantValue, let b = right.constantValue {
                return node(expr, .bool, .constant(.bool(Operators.equals(a, b) != negated)))
            }
            return node(expr, .bool, .equals(left, right, negated: negated))
        case ("_<_", nil), ("_<=_", nil), ("_>_", nil), ("_>=_", nil):
            var (left, right) = (check(args[0]), check(args[1]))
            (left, right) = exactLiterals(left, right)
            if !Checker.isOrderable(left.type, right.type) {
                report(
                    "expr.type-mismatch",
                    "cannot compare \(left.type.displayName) with \(right.type.displayName) using '\(displayName(of: function))'",
                    ja: "\(left.type.displayName) と \(right.type.displayName) は大小を比較できません", at: expr.offset)
            }
            let op: ComparisonOperator =
                switch function {
                case "_<_": .less
                case "_<=_": .lessOrEqual
                case "_>_": .greater
                default: .greaterOrEqual
                }
            return node(expr, .bool, .compare(op, left, right))
        default:
            break
        }

        // A receiver call on a namespace (`strings.quote(s)`) is a global function with a dotted name.
        if let target, let namespace = target.qualifiedName, resolveNamespaceFree(namespace),
            environment.library["\(namespace).\(function)"] != nil
        {
            return checkFunction("\(namespace).\(function)", receiver: nil, args: args, expr)
        }
        return checkFunction(function, receiver: target, args: args, expr)
    }

    /// True when `namespace` is not a variable or comprehension variable (so `x.f()` is a method).
    private func resolveNamespaceFree(_ namespace: String) -> Bool {
        let first = String(namespace.prefix { $0 != "." })
        return !scopes.contains { $0.name == first } && environment.variable(namespace) == nil
            && environment.variable(first) == nil
    }

    private mutating func checkFunction(_ name: String, receiver: Expr?, args argExprs: [Expr], _ expr: Expr) -> CheckedNode {
        let args = (receiver.map { [$0] } ?? []) + argExprs
        var checkedArgs = args.map { check($0) }
        if ["_+_", "_-_", "_*_", "_/_", "_%_"].contains(name), checkedArgs.count == 2 {
            (checkedArgs[0], checkedArgs[1]) = exactLiterals(checkedArgs[0], checkedArgs[1])
        }
        guard let function = environment.library[name] else {
            var message = "unknown function '\(name)'"
            var ja = "'\(name)' という関数はありません"
            if let suggestion = Suggestion.nearest(to: name, among: environment.library.callableNames) {
                message += "; did you mean '\(suggestion)'?"
                ja += "。'\(suggestion)' のことですか?"
            }
            report("expr.unknown-function", message, ja: ja, at: expr.offset)
            return node(expr, lenient ? .dyn : .error, .unknownFunction(name: name, args: checkedArgs))
        }
        let isReceiver = receiver != nil
        let shapes = function.signatures.filter { $0.isReceiver == isReceiver && $0.parameters.count == checkedArgs.count }
        guard let implementation = function.implementations[checkedArgs.count], !shapes.isEmpty else {
            let style = isReceiver ? "as a method" : "as a function"
            let counts = Set(function.signatures.filter { $0.isReceiver == isReceiver }.map { $0.parameters.count - (isReceiver ? 1 : 0) })
            let expected = counts.isEmpty
                ? (isReceiver ? "; call it as \(name)(x) instead" : "; call it as x.\(name)() instead")
                : "; it takes " + counts.sorted().map(String.init).joined(separator: " or ") + " argument(s)"
            report(
                "expr.arity", "'\(displayName(of: name))' cannot be called \(style) with \(argExprs.count) argument(s)\(expected)",
                at: expr.offset)
            return node(expr, lenient ? .dyn : .error, .unknownFunction(name: name, args: checkedArgs))
        }
        var resultTypes: [CELType] = []
        for shape in shapes {
            var bindings: [String: CELType] = [:]
            if zip(checkedArgs, shape.parameters).allSatisfy({ Checker.unify($0.type, $1, &bindings) }) {
                resultTypes.append(Checker.substitute(shape.result, bindings))
            }
        }
        if resultTypes.isEmpty {
            let types = checkedArgs.map(\.type.displayName)
            let operatorName = displayName(of: name)
            let message =
                types.count == 2 && operatorName != name
                ? "cannot apply '\(operatorName)' to \(types[0]) and \(types[1])"
                : "no version of '\(operatorName)' takes (\(types.joined(separator: ", ")))"
            report(
                "expr.type-mismatch", message, ja: "'\(operatorName)' は (\(types.joined(separator: ", "))) には使えません",
                at: expr.offset)
        }
        let resultType = resultTypes.isEmpty ? (lenient ? CELType.dyn : .error) : Checker.join(resultTypes)
        let call = node(expr, resultType, .call(function: name, implementation: implementation, args: checkedArgs))
        // Fold calls of pure functions on constants once, now, instead of at every evaluation.
        if function.isPure, !resultTypes.isEmpty {
            let constants = checkedArgs.compactMap(\.constantValue)
            if constants.count == checkedArgs.count, let value = try? implementation.call(constants) {
                return node(expr, resultType, .constant(value))
            }
        }
        return call
    }

    /// A double literal beside a decimal is read at its exact written value (`x - 1.05`).
    private func exactLiterals(_ left: CheckedNode, _ right: CheckedNode) -> (CheckedNode, CheckedNode) {
        var l = left
        var r = right
        if left.type == .decimal, let converted = decimalLiteral(right) { r = converted }
        if right.type == .decimal, let converted = decimalLiteral(left) { l = converted }
        return (l, r)
    }

    /// The exact decimal form of a double constant that came from a literal.
    private func decimalLiteral(_ node: CheckedNode) -> CheckedNode? {
        guard node.type == .double, case .constant(.double(let d)) = node.kind, let exact = ExactDecimal(exactly: d) else {
            return nil
        }
        return CheckedNode(offset: node.offset, type: .decimal, kind: .constant(.decimal(exact)))
    }

    private mutating func requireBool(_ node: CheckedNode, _ expr: Expr, _ function: String) {
        guard !Checker.isAssignable(node.type, to: .bool) else { return }
        report(
            "expr.type-mismatch", "'\(displayName(of: function))' needs a bool here, but this is \(node.type.displayName)",
            ja: "ここには真偽値 (bool) が必要ですが、\(node.type.displayName) です", at: expr.offset)
    }

    // MARK: Comprehensions

    private mutating func checkComprehension(_ c: Comprehension, _ expr: Expr) -> CheckedNode {
        let range = check(c.range)
        var first: CELType = .dyn
        var second: CELType = .dyn
        switch range.type {
        case .list(let element):
            if c.variable2 != nil {
                first = .int
                second = element
            } else {
                first = element
            }
        case .map(let key, let value):
            first = key
            second = value
        case .dyn, .error, .parameter:
            break
        default:
            report(
                "expr.macro-range", "\(c.kind.rawValue)() needs a list or a map, but this is \(range.type.displayName)",
                ja: "\(c.kind.rawValue)() にはリストかマップが必要ですが、\(range.type.displayName) です", at: c.range.offset)
        }
        let base = environment.slotCount + scopes.count
        let slot = base
        scopes.append((c.variable, slot, first))
        var slot2: Int?
        if let variable2 = c.variable2 {
            slot2 = base + 1
            scopes.append((variable2, base + 1, second))
        }
        highestSlot = max(highestSlot, base + (c.variable2 == nil ? 0 : 1))
        let predicate = c.predicate.map { check($0) }
        if let predicate, let predicateExpr = c.predicate { requireBool(predicate, predicateExpr, c.kind.rawValue) }
        let transform = c.transform.map { check($0) }
        scopes.removeLast(c.variable2 == nil ? 1 : 2)

        let type: CELType
        switch c.kind {
        case .all, .exists, .existsOne: type = .bool
        case .map: type = .list(transform?.type ?? .dyn)
        case .filter:
            if case .list(let element) = range.type { type = .list(element) } else if case .map(let key, _) = range.type {
                type = .list(key)
            } else {
                type = .list(.dyn)
            }
        case .transformMap:
            type = .map(first, transform?.type ?? .dyn)
        case .transformMapEntry:
            type = transform.map { t in if case .map = t.type { t.type } else { CELType.map(.dyn, .dyn) } } ?? .map(.dyn, .dyn)
        }
        let checked = CheckedComprehension(
            kind: c.kind, slot: slot, slot2: slot2, range: range, predicate: predicate, transform: transform)
        return node(expr, type, .comprehension(checked))
    }

    // MARK: Type relations

    /// Whether a value of type `type` may be passed where `target` is expected.
    static func isAssignable(_ type: CELType, to target: CELType) -> Bool {
        var bindings: [String: CELType] = [:]
        return unify(type, target, &bindings)
    }

    /// Matches an argument type against a parameter type, binding type parameters.
    static func unify(_ type: CELType, _ parameter: CELType, _ bindings: inout [String: CELType]) -> Bool {
        switch (type, parameter) {
        case (.dyn, _), (.error, _), (_, .dyn): return true
        case (_, .parameter(let name)):
            if let bound = bindings[name] {
                if bound == type || bound == .dyn || type.isDynamic { return true }
                // Numbers of different kinds meet in one parameter: `{1: 'a'}[1u]`, `min(0, 2.5)`.
                if bound.isNumeric, type.isNumeric { return true }
                if let joined = commonType(bound, type) {
                    bindings[name] = joined
                    return true
                }
                return false
            }
            bindings[name] = type
            return true
        case (.parameter, _): return true
        case (.list(let a), .list(let b)): return unify(a, b, &bindings)
        case (.map(let ka, let va), .map(let kb, let vb)): return unify(ka, kb, &bindings) && unify(va, vb, &bindings)
        case (.type, .type): return true
        default: return type == parameter
        }
    }

    /// The type of a value that may come from either of several expressions (list elements,
    /// conditional branches): their common type, else dyn.
    static func join(_ types: [CELType]) -> CELType {
        let known = types.filter { $0 != .error }
        guard var result = known.first else { return types.isEmpty ? .dyn : .error }
        for type in known.dropFirst() {
            result = commonType(result, type) ?? .dyn
        }
        return result
    }

    private static func commonType(_ a: CELType, _ b: CELType) -> CELType? {
        if a == b { return a }
        switch (a, b) {
        case (.dyn, _), (_, .dyn): return .dyn
        case (.int, .decimal), (.decimal, .int), (.uint, .decimal), (.decimal, .uint): return .decimal
        case (.list(let x), .list(let y)): return .list(commonType(x, y) ?? .dyn)
        case (.map(let kx, let vx), .map(let ky, let vy)): return .map(commonType(kx, ky) ?? .dyn, commonType(vx, vy) ?? .dyn)
        default: return nil
        }
    }

    static func isComparableForEquality(_ a: CELType, _ b: CELType) -> Bool {
        if a.isDynamic || b.isDynamic || a == b || a == .null || b == .null { return true }
        if a.isNumeric, b.isNumeric { return true }
        switch (a, b) {
        case (.list(let x), .list(let y)): return isComparableForEquality(x, y)
        case (.map(let kx, let vx), .map(let ky, let vy)): return isComparableForEquality(kx, ky) && isComparableForEquality(vx, vy)
        case (.type, .type): return true
        default: return false
        }
    }

    static func isOrderable(_ a: CELType, _ b: CELType) -> Bool {
        if a.isDynamic || b.isDynamic { return true }
        if a.isNumeric, b.isNumeric { return true }
        guard a == b else { return false }
        switch a {
        case .string, .bytes, .bool, .timestamp, .duration: return true
        default: return false
        }
    }

    static func substitute(_ type: CELType, _ bindings: [String: CELType]) -> CELType {
        switch type {
        case .parameter(let name): bindings[name] ?? .dyn
        case .list(let element): .list(substitute(element, bindings))
        case .map(let key, let value): .map(substitute(key, bindings), substitute(value, bindings))
        case .type(let of?): .type(substitute(of, bindings))
        default: type
        }
    }
}
