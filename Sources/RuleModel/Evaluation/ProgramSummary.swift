import ExpressionLanguage

/// What a program exposes to programs that use it, as `programs.ID` in expressions:
/// `programs.certification.tier`, `.tier_rank`, `.points`, `.criteria.measured`; for eligibility
/// programs `.outcome`, `.eligible`, `.terms`.
enum ProgramSummary {
    static func recordType(_ id: String, kind: ProgramKind) -> RecordType {
        let fields: [RecordType.Field]
        switch kind {
        case .certification:
            fields = [
                .init(name: "outcome", type: .string), .init(name: "certified", type: .bool),
                // null when no tier is granted
                .init(name: "tier", type: .dyn), .init(name: "tier_rank", type: .int), .init(name: "points", type: .int),
                .init(name: "sections", type: .map(.string, .int)), .init(name: "criteria", type: .map(.string, .string)),
                .init(name: "missing", type: .list(.string)),
            ]
        case .eligibility:
            fields = [
                .init(name: "outcome", type: .string), .init(name: "eligible", type: .bool),
                .init(name: "terms", type: .map(.string, .dyn)),
            ]
        case .award:
            fields = []
        }
        return RecordType(name: "programs.\(id)", displayName: "programs.\(id)", fields: fields)
    }

    static func value(_ result: CertificationResult, type: RecordType, rules: CertificationRules) -> Value {
        var sections = MapValue()
        for section in result.sections { _ = try? sections.insert(key: .string(section.id), value: .int(Int64(section.points))) }
        var criteria = MapValue()
        for criterion in result.criteria {
            _ = try? criteria.insert(key: .string(criterion.id), value: .string(criterion.status.rawValue))
        }
        return .record(
            RecordValue(
                type: type,
                fields: [
                    .string(result.outcome.rawValue), .bool(result.outcome == .certified),
                    result.tier.map(Value.string) ?? .null, .int(Int64(result.tierRank)), .int(Int64(result.points)),
                    .map(sections), .map(criteria), .list(result.missing.map(Value.string)),
                ]))
    }

    static func value(_ result: EligibilityResult, type: RecordType) -> Value {
        var terms = MapValue()
        for (name, value) in result.terms ?? [] { _ = try? terms.insert(key: .string(name), value: value) }
        return .record(
            RecordValue(
                type: type,
                fields: [.string(result.outcome.rawValue), .bool(result.outcome == .eligible), .map(terms)]))
    }
}
