import Diagnostics
import ExpressionLanguage

/// Checks a loaded rule set for mistakes no single expression shows: tiers no dossier can reach,
/// and first-match rows that can never be reached because an earlier row always holds first.
///
/// The row analysis is decidable for conjunctions of comparisons with constants (`x >= 30 && y <= 2030`):
/// row j is unreachable when every condition of an earlier row i follows from row j's conditions.
struct RuleAnalysis {
    let ruleSet: RuleSet

    func run() -> [Diagnostic] {
        var found: [Diagnostic] = []
        for program in ruleSet.programs {
            switch program.body {
            case .certification(let rules):
                found += tiers(rules)
                for criterion in rules.criteria {
                    found += unreachableRows(
                        criterion.rows.map { ($0.when, $0.location) }, what: "row", of: "criterion '\(criterion.id)'")
                }
            case .eligibility(let rules):
                found += unreachableRows(rules.terms.map { ($0.when, $0.location) }, what: "terms row", of: "program '\(program.id)'")
                for condition in rules.conditions where constant(condition.when) == false {
                    found.append(.warning("analysis.never", "condition '\(condition.id)' can never hold, so no dossier is eligible", at: condition.location))
                }
            case .award(let rules):
                found += unreachableRows(rules.categories.map { ($0.when, $0.location) }, what: "category", of: "award '\(program.id)'")
            }
        }
        found += LiteralValues(ruleSet: ruleSet).run()
        return found
    }

    // MARK: Tiers

    private func tiers(_ rules: CertificationRules) -> [Diagnostic] {
        var found: [Diagnostic] = []
        let maxTotal = rules.criteria.reduce(0) { $0 + $1.maxPoints }
        var maxBySection: [String: Int] = [:]
        for criterion in rules.criteria { if let section = criterion.section { maxBySection[section, default: 0] += criterion.maxPoints } }
        for (index, tier) in rules.tiers.enumerated() {
            if tier.minPoints > maxTotal {
                found.append(
                    .error(
                        "analysis.tier-unreachable",
                        LocalizedText(
                            "no dossier can reach tier '\(tier.id)': it needs \(tier.minPoints) points but the criteria give at most \(maxTotal)",
                            ja: "ティア '\(tier.id)' には到達できません: \(tier.minPoints) 点が必要ですが、基準の満点は \(maxTotal) 点です"),
                        at: tier.location))
            }
            for (section, minimum) in tier.sectionMinimums where minimum > (maxBySection[section] ?? 0) {
                found.append(
                    .error(
                        "analysis.tier-unreachable",
                        LocalizedText(
                            "no dossier can reach tier '\(tier.id)': section '\(section)' needs \(minimum) points but its criteria give at most \(maxBySection[section] ?? 0)",
                            ja: "ティア '\(tier.id)' には到達できません: 区分 '\(section)' は最大 \(maxBySection[section] ?? 0) 点です"),
                        at: tier.location))
            }
            for id in tier.requires {
                guard let criterion = rules.criteria.first(where: { $0.id == id }) else { continue }
                if criterion.rows.allSatisfy({ constant($0.when) == false }) {
                    found.append(
                        .error("analysis.tier-unreachable", "no dossier can reach tier '\(tier.id)': its required criterion '\(id)' can never be met", at: tier.location))
                }
            }
            if let when = tier.when, constant(when) == false {
                found.append(.error("analysis.tier-unreachable", "no dossier can reach tier '\(tier.id)': its condition is always false", at: tier.location))
            }
            if index > 0, tier.minPoints < rules.tiers[index - 1].minPoints {
                found.append(
                    .warning(
                        "analysis.tier-order",
                        "tier '\(tier.id)' needs fewer points (\(tier.minPoints)) than the tier below it, '\(rules.tiers[index - 1].id)' (\(rules.tiers[index - 1].minPoints)); tiers are listed lowest first",
                        at: tier.location))
            }
        }
        return found
    }

    // MARK: First-match rows

    private func unreachableRows(_ rows: [(RuleExpression, SourceLocation)], what: String, of owner: String) -> [Diagnostic] {
        var found: [Diagnostic] = []
        let atoms = rows.map { Atom.conjunction(of: $0.0.checked) }
        for (j, row) in rows.enumerated() {
            if constant(row.0) == false {
                found.append(.warning("analysis.row-never", "\(what) \(j + 1) of \(owner) can never hold (its condition is always false)", at: row.1))
                continue
            }
            for i in 0..<j {
                guard let earlier = atoms[i], let later = atoms[j] else { continue }
                if earlier.allSatisfy({ a in later.contains { $0.implies(a) } }) {
                    let message: LocalizedText =
                        earlier.isEmpty
                        ? LocalizedText(
                            "\(what) \(j + 1) of \(owner) can never be reached: \(what) \(i + 1) always holds first",
                            ja: "\(owner) の \(j + 1) 番目は決して使われません: \(i + 1) 番目が常に先に成立します")
                        : LocalizedText(
                            "\(what) \(j + 1) of \(owner) can never be reached: whenever it holds, \(what) \(i + 1) holds first",
                            ja: "\(owner) の \(j + 1) 番目は決して使われません: 成立するときは必ず \(i + 1) 番目が先に成立します")
                    found.append(Diagnostic(.warning, code: "analysis.row-unreachable", message, at: row.1, notes: [.init("the earlier \(what)", at: rows[i].1)]))
                    break
                }
            }
        }
        return found
    }

    private func constant(_ expression: RuleExpression) -> Bool? {
        if case .bool(let b)? = expression.checked.constantValue { return b }
        return nil
    }
}

/// One condition of a conjunction: `key op constant`, or an opaque sub-expression.
struct Atom {
    enum Operator { case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual }

    let key: String
    let op: Operator?
    let value: Value?

    /// The disjuncts of `a || b || …`, each as a conjunction of atoms (nil where not analysable).
    static func disjunction(of node: CheckedNode) -> [[Atom]?] {
        if case .or(let l, let r) = node.kind { return disjunction(of: l) + disjunction(of: r) }
        return [conjunction(of: node)]
    }

    /// Criteria that, once met by any of their rows, make `condition` hold: `sbt` for a platinum
    /// tier that needs `target.sbt || target.re_action`.
    static func witnesses(of condition: CheckedNode, among criteria: [Criterion]) -> [Int] {
        let disjuncts = disjunction(of: condition).compactMap { $0 }
        guard !disjuncts.isEmpty else { return [] }
        return criteria.indices.filter { index in
            criteria[index].rows.allSatisfy { row in
                guard let atoms = conjunction(of: row.when.checked) else { return false }
                return disjuncts.contains { disjunct in disjunct.allSatisfy { wanted in atoms.contains { $0.implies(wanted) } } }
            }
        }
    }

    /// The conjunction's atoms; nil when the expression is not a conjunction we can reason about.
    /// A constant `true` is the empty conjunction.
    static func conjunction(of node: CheckedNode) -> [Atom]? {
        switch node.kind {
        case .constant(.bool(true)): return []
        case .and(let l, let r):
            guard let left = conjunction(of: l), let right = conjunction(of: r) else { return nil }
            return left + right
        case .compare(let op, let l, let r):
            if let value = r.constantValue { return [Atom(key: l.canonicalText, op: convert(op), value: value)] }
            if let value = l.constantValue { return [Atom(key: r.canonicalText, op: flip(convert(op)), value: value)] }
        case .equals(let l, let r, let negated):
            if let value = r.constantValue { return [Atom(key: l.canonicalText, op: negated ? .notEqual : .equal, value: value)] }
            if let value = l.constantValue { return [Atom(key: r.canonicalText, op: negated ? .notEqual : .equal, value: value)] }
        default: break
        }
        return [Atom(key: node.canonicalText, op: nil, value: nil)]
    }

    private static func convert(_ op: ComparisonOperator) -> Operator {
        switch op {
        case .less: .less
        case .lessOrEqual: .lessOrEqual
        case .greater: .greater
        case .greaterOrEqual: .greaterOrEqual
        }
    }

    private static func flip(_ op: Operator) -> Operator {
        switch op {
        case .less: .greater
        case .lessOrEqual: .greaterOrEqual
        case .greater: .less
        case .greaterOrEqual: .lessOrEqual
        default: op
        }
    }

    /// Whether this atom being true guarantees `other` is true.
    func implies(_ other: Atom) -> Bool {
        guard key == other.key else { return false }
        guard let op, let otherOp = other.op, let value, let otherValue = other.value else {
            return op == nil && other.op == nil
        }
        guard let order = (try? value.order(comparedTo: otherValue)) ?? nil else { return false }
        // order: this atom's constant compared with the other's (c2 vs c1).
        switch (otherOp, op) {
        case (.greaterOrEqual, .greaterOrEqual), (.greaterOrEqual, .greater), (.greaterOrEqual, .equal): return order >= 0
        case (.greater, .greater): return order >= 0
        case (.greater, .greaterOrEqual), (.greater, .equal): return order > 0
        case (.lessOrEqual, .lessOrEqual), (.lessOrEqual, .less), (.lessOrEqual, .equal): return order <= 0
        case (.less, .less): return order <= 0
        case (.less, .lessOrEqual), (.less, .equal): return order < 0
        case (.equal, .equal): return order == 0
        case (.notEqual, .equal): return order != 0
        case (.notEqual, .notEqual): return order == 0
        default: return false
        }
    }
}

extension CheckedNode {
    /// A text that is equal for structurally equal expressions (names resolved, spacing ignored).
    var canonicalText: String {
        switch kind {
        case .constant(let value): return Format.literal(value)
        case .variable(_, let name): return name
        case .unbound(let name): return "?\(name)"
        case .recordField(let operand, _, let name, _), .select(let operand, let name, _): return "\(operand.canonicalText).\(name)"
        case .presence(let operand, let name): return "has(\(operand.canonicalText).\(name))"
        case .fallback(let a, let b): return "otherwise(\(a.canonicalText),\(b.canonicalText))"
        case .call(let function, _, let args), .unknownFunction(let function, let args):
            return "\(function)(\(args.map(\.canonicalText).joined(separator: ",")))"
        case .and(let l, let r): return "(\(l.canonicalText)&&\(r.canonicalText))"
        case .or(let l, let r): return "(\(l.canonicalText)||\(r.canonicalText))"
        case .not(let x): return "!\(x.canonicalText)"
        case .conditional(let c, let t, let e): return "(\(c.canonicalText)?\(t.canonicalText):\(e.canonicalText))"
        case .equals(let l, let r, let negated): return "(\(l.canonicalText)\(negated ? "!=" : "==")\(r.canonicalText))"
        case .compare(let op, let l, let r): return "(\(l.canonicalText)\(op.rawValue)\(r.canonicalText))"
        case .list(let items): return "[\(items.map(\.canonicalText).joined(separator: ","))]"
        case .map(let entries): return "{\(entries.map { "\($0.key.canonicalText):\($0.value.canonicalText)" }.joined(separator: ","))}"
        case .comprehension(let c):
            return "\(c.range.canonicalText).\(c.kind.rawValue)(\(c.predicate?.canonicalText ?? ""),\(c.transform?.canonicalText ?? ""))"
        }
    }
}
