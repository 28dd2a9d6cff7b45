import Diagnostics
import ExpressionLanguage
import YAMLLoader

/// Finds text literals compared with a value whose possible words are known, that are not one of
/// them: `dossier.company.industry == 'retial'`, `programs.certification.tier in ['gold', 'platnum']`,
/// `'step9' in dossier.management.study_sessions`. Such a comparison type-checks but never
/// matches, and nothing else would say so (the most common silent mistake in rules).
///
/// The words are known for `enum` fields of the schema (and lists of them), a certification's
/// `tier` and every program's `outcome`, the statuses in `programs.ID.criteria`, and `round.id`.
struct LiteralValues {
    /// The words a value can be.
    struct Domain {
        /// How the rules name it: `dossier.company.industry`, `programs.certification.tier`.
        let name: String
        let values: [String]
        /// The words are those of the items of a list (`dossier.management.study_sessions`).
        let items: Bool
    }

    private struct FieldKey: Hashable {
        let record: ObjectIdentifier
        let field: String
    }

    private let ruleSet: RuleSet
    private var domains: [FieldKey: Domain] = [:]

    init(ruleSet: RuleSet) {
        self.ruleSet = ruleSet
        addSchema(ruleSet.schema.root)
        for program in ruleSet.programs {
            guard let summary = ruleSet.summaryTypes[program.id] else { continue }
            let name = "programs.\(program.id)"
            switch program.body {
            case .certification(let rules):
                add(summary, "tier", Domain(name: "\(name).tier", values: rules.tiers.map(\.id), items: false))
                add(summary, "outcome", Domain(name: "\(name).outcome", values: CertificationOutcome.allCases.map(\.rawValue), items: false))
                if let field = summary.fields.first(where: { $0.name == "criteria" }), case .record(let criteria) = field.type {
                    for criterion in criteria.fields {
                        add(criteria, criterion.name, Domain(name: "\(name).criteria.\(criterion.name)", values: Status.allCases.map(\.rawValue), items: false))
                    }
                }
            case .eligibility:
                add(summary, "outcome", Domain(name: "\(name).outcome", values: EligibilityOutcome.allCases.map(\.rawValue), items: false))
            case .award:
                break
            }
        }
        add(RoundCalendar.recordType, "id", Domain(name: "round.id", values: ruleSet.calendar.rounds.map(\.id), items: false))
    }

    private mutating func add(_ record: RecordType, _ field: String, _ domain: Domain) {
        domains[FieldKey(record: ObjectIdentifier(record), field: field)] = domain
    }

    private mutating func addSchema(_ object: ObjectSpec) {
        for field in object.fields {
            switch field.type {
            case .enumeration(let values):
                add(object.recordType, field.name, Domain(name: "dossier.\(field.path)", values: values, items: false))
            case .list(let item):
                switch item.type {
                case .enumeration(let values):
                    add(object.recordType, field.name, Domain(name: "dossier.\(field.path)", values: values, items: true))
                case .object(let inner): addSchema(inner)
                default: break
                }
            case .object(let inner): addSchema(inner)
            default: break
            }
        }
    }

    // MARK: Expressions

    func run() -> [Diagnostic] {
        var found: [Diagnostic] = []
        let shared = Dictionary(ruleSet.sharedLets.map { ($0.slot, $0) }, uniquingKeysWith: { first, _ in first })
        for schemaCheck in ruleSet.schema.checks { found += check(schemaCheck.when, lets: [:]) }
        for definition in ruleSet.sharedLets { found += check(definition.expression, lets: shared) }
        for program in ruleSet.programs {
            let lets = shared.merging(program.lets.map { ($0.slot, $0) }) { _, own in own }
            for expression in program.expressions { found += check(expression, lets: lets) }
        }
        return found
    }

    private func check(_ expression: RuleExpression, lets: [Int: LetDefinition]) -> [Diagnostic] {
        var found: [Diagnostic] = []
        var bound: [Int: Domain] = [:]
        func visit(_ node: CheckedNode) {
            switch node.kind {
            case .equals(let l, let r, _):
                compare(l, r)
                compare(r, l)
            case .call(let function, _, let args) where function == "@in" && args.count == 2:
                // `x in ['a', 'b']`: each word must be one x can be.
                compare(args[0], args[1])
                // `'a' in list`: the word must be one the items can be.
                if let collection = domain(args[1]), collection.items {
                    report(words(args[0]), against: collection)
                }
            case .comprehension(let c):
                // `list.exists(s, s == 'a')`: `s` is an item of the list.
                if let range = domain(c.range), range.items { bound[c.slot] = range }
            default: break
            }
            for child in node.children { visit(child) }
        }
        func compare(_ value: CheckedNode, _ other: CheckedNode) {
            guard let domain = domain(value) else { return }
            report(words(other), against: domain)
        }
        func report(_ words: [(word: String, offset: Int)], against domain: Domain) {
            for (word, offset) in words where !domain.values.contains(word) {
                found.append(diagnostic(word, domain, at: offset, in: expression))
            }
        }
        /// The words a value can be, when they are known.
        func domain(_ node: CheckedNode) -> Domain? {
            switch node.kind {
            case .recordField(let operand, _, let name, _):
                guard case .record(let record) = operand.type else { return nil }
                return domains[FieldKey(record: ObjectIdentifier(record), field: name)]
            case .variable(let slot, _):
                if let domain = bound[slot] { return domain }
                guard let definition = lets[slot] else { return nil }
                return LiteralValues.domainOfLet(definition.expression.checked, self, lets: lets)
            case .fallback(let first, _):
                return domain(first)
            default:
                return nil
            }
        }
        /// Text literals: one, or those of a list of literals, each with its byte offset.
        func words(_ node: CheckedNode) -> [(word: String, offset: Int)] {
            switch node.kind {
            case .constant(.string(let word)): return [(word, node.offset)]
            case .constant(.list(let items)):
                // A list of literals is folded to one constant: find each word in the source after `[`.
                var start = node.offset
                return items.compactMap { item -> (String, Int)? in
                    guard case .string(let word) = item else { return nil }
                    let offset = LiteralValues.offset(of: word, in: expression.source, from: start) ?? node.offset
                    start = max(start, offset + 1)
                    return (word, offset)
                }
            case .list(let items): return items.flatMap { words($0) }
            default: return []
            }
        }
        visit(expression.checked)
        return found
    }

    /// The domain of a let that is itself a known value (`industry: dossier.company.industry`).
    private static func domainOfLet(_ node: CheckedNode, _ analysis: LiteralValues, lets: [Int: LetDefinition]) -> Domain? {
        switch node.kind {
        case .recordField(let operand, _, let name, _):
            guard case .record(let record) = operand.type else { return nil }
            return analysis.domains[FieldKey(record: ObjectIdentifier(record), field: name)]
        case .variable(let slot, _):
            // Lets only read lets above them (lower slots), so this ends.
            guard let definition = lets[slot] else { return nil }
            return domainOfLet(definition.expression.checked, analysis, lets: lets.filter { $0.key < slot })
        case .fallback(let first, _):
            return domainOfLet(first, analysis, lets: lets)
        default:
            return nil
        }
    }

    /// The byte offset of the literal `'word'` or `"word"` in `source`, at or after `start`.
    private static func offset(of word: String, in source: String, from start: Int) -> Int? {
        let bytes = Array(source.utf8)
        for quote in ["'", "\""] {
            let needle = Array((quote + word + quote).utf8)
            guard needle.count <= bytes.count, start <= bytes.count - needle.count else { continue }
            for index in start...(bytes.count - needle.count) where bytes[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
        }
        return nil
    }

    private func diagnostic(_ word: String, _ domain: Domain, at offset: Int, in expression: RuleExpression) -> Diagnostic {
        let utf8 = Array(expression.source.utf8)
        let prefix = String(decoding: utf8[0..<min(max(offset, 0), utf8.count)], as: UTF8.self)
        let location = expression.node.location(ofScalarOffset: prefix.unicodeScalars.count)
        let list = domain.values.joined(separator: ", ")
        var en =
            domain.items
            ? "no item of \(domain.name) is ever '\(word)' (the values are \(list))"
            : "\(domain.name) is never '\(word)' (its values are \(list))"
        var ja =
            domain.items
            ? "\(domain.name) の項目が '\(word)' になることはありません (値は \(domain.values.joined(separator: "、")) のいずれか)"
            : "\(domain.name) が '\(word)' になることはありません (値は \(domain.values.joined(separator: "、")) のいずれか)"
        if let suggestion = Suggestion.nearest(to: word, among: domain.values) {
            en += "; did you mean '\(suggestion)'?"
            ja += "。'\(suggestion)' のことですか?"
        }
        return .warning("analysis.unknown-value", LocalizedText(en, ja: ja), at: location)
    }
}

extension CheckedNode {
    /// The direct sub-expressions.
    var children: [CheckedNode] {
        switch kind {
        case .constant, .variable, .unbound: []
        case .recordField(let operand, _, _, _), .select(let operand, _, _), .presence(let operand, _), .not(let operand): [operand]
        case .fallback(let a, let b), .and(let a, let b), .or(let a, let b), .equals(let a, let b, _), .compare(_, let a, let b): [a, b]
        case .call(_, _, let args), .unknownFunction(_, let args), .list(let args): args
        case .conditional(let c, let t, let e): [c, t, e]
        case .map(let entries): entries.flatMap { [$0.key, $0.value] }
        case .comprehension(let c): [c.range] + [c.predicate, c.transform].compactMap { $0 }
        }
    }
}
