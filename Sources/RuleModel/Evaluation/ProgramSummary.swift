import ExpressionLanguage

/// What a program exposes to programs that use it, as `programs.ID` in expressions:
/// `programs.certification.tier`, `.tier_rank`, `.points`, `.criteria.measured` (a status word),
/// `.sections.reduce` (points); for eligibility programs `.outcome`, `.eligible`, `.terms`.
///
/// Criteria and sections are records with one field per id, so a misspelt id in a rule is
/// reported when the rules are checked.
enum ProgramSummary {
    static func recordType(_ id: String, body: ProgramDefinition.Body) -> RecordType {
        let fields: [RecordType.Field]
        switch body {
        case .certification(let rules):
            let sections = RecordType(
                name: "programs.\(id).sections", fields: rules.sections.map { .init(name: $0.id, type: .int) })
            let criteria = RecordType(
                name: "programs.\(id).criteria", fields: rules.criteria.map { .init(name: $0.id, type: .string) })
            fields = [
                .init(name: "outcome", type: .string), .init(name: "certified", type: .bool),
                // null when no tier is granted
                .init(name: "tier", type: .dyn), .init(name: "tier_rank", type: .int), .init(name: "points", type: .int),
                .init(name: "sections", type: .record(sections)), .init(name: "criteria", type: .record(criteria)),
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

    static func value(_ result: CertificationResult, type: RecordType) -> Value {
        guard case .record(let sectionsType) = type.fields[5].type, case .record(let criteriaType) = type.fields[6].type else {
            preconditionFailure("certification summary type")
        }
        let sectionPoints = result.sectionPoints
        let sections = RecordValue(type: sectionsType) { fields in
            for index in sectionPoints.indices { (fields + index).initialize(to: .int(Int64(sectionPoints[index]))) }
        }
        let criteriaResults = result.criteria
        let criteria = RecordValue(type: criteriaType) { fields in
            for index in criteriaResults.indices { (fields + index).initialize(to: .string(criteriaResults[index].status.rawValue)) }
        }
        let missing: Value = result.rawMissing.isEmpty ? .list([]) : .list(result.missing.map(Value.string))
        return .record(
            RecordValue(type: type) { fields in
                fields.initialize(to: .string(result.outcome.rawValue))
                (fields + 1).initialize(to: .bool(result.outcome == .certified))
                (fields + 2).initialize(to: result.tier.map(Value.string) ?? .null)
                (fields + 3).initialize(to: .int(Int64(result.tierRank)))
                (fields + 4).initialize(to: .int(Int64(result.points)))
                (fields + 5).initialize(to: .record(sections))
                (fields + 6).initialize(to: .record(criteria))
                (fields + 7).initialize(to: missing)
            })
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
