/// An expression after checking: every name resolved to a slot or a field index, every call to
/// its function, every node typed. The compiler turns this tree into closures; the rule engine
/// reads it to find which dossier fields an expression uses.
public struct CheckedNode: Sendable {
    public var offset: Int
    public var type: CELType
    public var kind: Kind

    public indirect enum Kind: Sendable {
        case constant(Value)
        /// A declared variable, a let, or a comprehension variable.
        case variable(slot: Int, name: String)
        /// An undeclared name in unchecked mode: an error when evaluated.
        case unbound(name: String)
        /// A field of a record type known when checking; `path` names it for missing-data reports.
        case recordField(CheckedNode, index: Int, name: String, path: String)
        /// A field or map key looked up by name at run time (maps, dyn values).
        case select(CheckedNode, name: String, path: String?)
        /// `has(x.f)`.
        case presence(CheckedNode, name: String)
        /// `otherwise(x, y)`: x, or y when x cannot be computed (missing data or an error).
        case fallback(CheckedNode, CheckedNode)
        case call(function: String, implementation: Function.Implementation, args: [CheckedNode])
        /// An unknown function in unchecked mode: an error when evaluated.
        case unknownFunction(name: String, args: [CheckedNode])
        case and(CheckedNode, CheckedNode)
        case or(CheckedNode, CheckedNode)
        case not(CheckedNode)
        case conditional(CheckedNode, CheckedNode, CheckedNode)
        case equals(CheckedNode, CheckedNode, negated: Bool)
        case compare(ComparisonOperator, CheckedNode, CheckedNode)
        case list([CheckedNode])
        case map([(key: CheckedNode, value: CheckedNode)])
        case comprehension(CheckedComprehension)
    }

    public init(offset: Int, type: CELType, kind: Kind) {
        self.offset = offset
        self.type = type
        self.kind = kind
    }

    /// The constant value, when this node is one.
    public var constantValue: Value? {
        if case .constant(let value) = kind { return value }
        return nil
    }
}

public struct CheckedComprehension: Sendable {
    public var kind: Comprehension.Kind
    public var slot: Int
    public var slot2: Int?
    public var range: CheckedNode
    public var predicate: CheckedNode?
    public var transform: CheckedNode?
}

public enum ComparisonOperator: String, Sendable {
    case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="

    var function: String {
        switch self {
        case .less: "_<_"
        case .lessOrEqual: "_<=_"
        case .greater: "_>_"
        case .greaterOrEqual: "_>=_"
        }
    }

    func holds(_ order: Int) -> Bool {
        switch self {
        case .less: order < 0
        case .lessOrEqual: order <= 0
        case .greater: order > 0
        case .greaterOrEqual: order >= 0
        }
    }
}

extension CheckedNode {
    /// Calls `visit` on this node and every node below it, parents first.
    public func walk(_ visit: (CheckedNode) -> Void) {
        visit(self)
        switch kind {
        case .constant, .variable, .unbound: break
        case .recordField(let operand, _, _, _), .select(let operand, _, _), .presence(let operand, _), .not(let operand):
            operand.walk(visit)
        case .call(_, _, let args), .unknownFunction(_, let args), .list(let args):
            for arg in args { arg.walk(visit) }
        case .and(let l, let r), .or(let l, let r), .equals(let l, let r, _), .compare(_, let l, let r), .fallback(let l, let r):
            l.walk(visit)
            r.walk(visit)
        case .conditional(let c, let t, let e):
            c.walk(visit)
            t.walk(visit)
            e.walk(visit)
        case .map(let entries):
            for entry in entries {
                entry.key.walk(visit)
                entry.value.walk(visit)
            }
        case .comprehension(let c):
            c.range.walk(visit)
            c.predicate?.walk(visit)
            c.transform?.walk(visit)
        }
    }
}
