/// A parsed expression: the syntax tree a `Parser` builds and the `Checker` annotates.
///
/// Every node carries the UTF-8 byte offset of where it starts in the expression text, so that
/// diagnostics and run-time errors can point at the exact column.
public struct Expr: Sendable {
    /// Unique within one parsed expression; the checker keys its results by it.
    public var id: Int
    /// UTF-8 byte offset of the node's first character in the source text.
    public var offset: Int
    public var kind: Kind

    public indirect enum Kind: Sendable {
        case literal(Literal)
        /// A plain name: a variable, a let, a type name (`int`), or the first part of a qualified name.
        case ident(String)
        /// `operand.field`; with `testOnly` it is `has(operand.field)`.
        case select(operand: Expr, field: String, testOnly: Bool)
        /// A function or operator call. Operators use CEL's internal names (`_+_`, `_[_]`, `!_`).
        /// Receiver-style calls (`s.startsWith(x)`) keep the receiver in `target`.
        case call(function: String, target: Expr?, args: [Expr])
        case list([Expr])
        case map([MapEntry])
        /// A macro over a list or map (`all`, `exists`, `exists_one`, `map`, `filter`, …).
        case comprehension(Comprehension)
        /// A piece the parser could not read; the error has been reported already.
        case error
    }

    public init(id: Int, offset: Int, kind: Kind) {
        self.id = id
        self.offset = offset
        self.kind = kind
    }
}

public struct MapEntry: Sendable {
    public var key: Expr
    public var value: Expr
}

/// A literal as written. Numbers keep their source text so that a literal next to a decimal can
/// be read at its exact written value (`1.05` is exactly 105/100, not the nearest double).
public enum Literal: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double, text: String)
    case string(String)
    case bytes([UInt8])
}

/// The macros of CEL and of the two-variable comprehension extension, as dedicated nodes.
///
/// They are not lowered to CEL's generic fold: a dedicated node evaluates faster and explains
/// itself better ("no measure in the list matched"), with the same error-absorbing semantics.
public struct Comprehension: Sendable {
    public enum Kind: String, Sendable {
        /// `r.all(x, p)`: true when p holds for every element; false wins over errors.
        case all
        /// `r.exists(x, p)`: true when p holds for some element; true wins over errors.
        case exists
        /// `r.exists_one(x, p)` / `r.existsOne(i, v, p)`: exactly one element satisfies p.
        case existsOne
        /// `r.map(x, t)` / `r.map(x, p, t)` / `r.transformList(i, v, [p,] t)`: a list of t.
        case map
        /// `r.filter(x, p)`: the elements for which p holds.
        case filter
        /// `r.transformMap(k, v, [p,] t)`: a map from each key to t.
        case transformMap
        /// `r.transformMapEntry(k, v, [p,] e)`: a map merged from the single-entry maps e.
        case transformMapEntry
    }

    public var kind: Kind
    /// The iteration variable; with two variables, the index or key.
    public var variable: String
    /// The second variable (value) of two-variable comprehensions.
    public var variable2: String?
    public var range: Expr
    /// The predicate (`all`, `exists`, `exists_one`, `filter`, or the filter of `map`/transform).
    public var predicate: Expr?
    /// The transform (`map`, transforms).
    public var transform: Expr?
}

extension Expr {
    /// Calls `visit` on this node and every node below it, parents first.
    public func walk(_ visit: (Expr) -> Void) {
        visit(self)
        switch kind {
        case .literal, .ident, .error: break
        case .select(let operand, _, _): operand.walk(visit)
        case .call(_, let target, let args):
            target?.walk(visit)
            for arg in args { arg.walk(visit) }
        case .list(let items): for item in items { item.walk(visit) }
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

    /// The dotted name this node spells (`a.b.c`) when it is a chain of plain selections on an
    /// identifier, else nil. Used to resolve qualified variable names (`tables.fuel_factors`).
    public var qualifiedName: String? {
        switch kind {
        case .ident(let name): name
        case .select(let operand, let field, false): operand.qualifiedName.map { "\($0).\(field)" }
        default: nil
        }
    }
}
