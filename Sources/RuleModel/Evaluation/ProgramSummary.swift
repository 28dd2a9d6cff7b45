import JSON
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

    /// The summary of a certification result; fields that no expression reads (`fields`) are left
    /// absent.
    static func value(_ result: CertificationResult, type: RecordType, fields: [Bool]? = nil) -> Value {
        guard case .record(let sectionsType) = type.fields[5].type, case .record(let criteriaType) = type.fields[6].type else {
            preconditionFailure("certification summary type")
        }
        func needed(_ index: Int) -> Bool { fields?[index] ?? true }
        var sections: Value?
        if needed(5) {
            let sectionPoints = result.sectionPoints
            sections = .record(
                RecordValue(type: sectionsType) { fields in
                    for index in sectionPoints.indices { (fields + index).initialize(to: .int(Int64(sectionPoints[index]))) }
                })
        }
        var criteria: Value?
        if needed(6) {
            let criteriaResults = result.criteria
            criteria = .record(
                RecordValue(type: criteriaType) { fields in
                    for index in criteriaResults.indices { (fields + index).initialize(to: .string(criteriaResults[index].status.rawValue)) }
                })
        }
        var missing: Value?
        if needed(7) { missing = result.rawMissing.isEmpty ? .list([]) : .list(result.missing.map(Value.string)) }
        return .record(
            RecordValue(type: type) { storage in
                storage.initialize(to: needed(0) ? .string(result.outcome.rawValue) : nil)
                (storage + 1).initialize(to: needed(1) ? .bool(result.outcome == .certified) : nil)
                (storage + 2).initialize(to: needed(2) ? result.tier.map(Value.string) ?? .null : nil)
                (storage + 3).initialize(to: needed(3) ? .int(Int64(result.tierRank)) : nil)
                (storage + 4).initialize(to: needed(4) ? .int(Int64(result.points)) : nil)
                (storage + 5).initialize(to: sections)
                (storage + 6).initialize(to: criteria)
                (storage + 7).initialize(to: missing)
            })
    }

    /// The summary of a certification result stored earlier (`ResultJSON.certification`), read
    /// against the current rules: sections and criteria they no longer have are dropped, new ones
    /// read 0 points and `unknown`.
    static func value(standing json: JSONValue, rules: CertificationRules, type: RecordType) -> Value {
        guard case .record(let sectionsType) = type.fields[5].type, case .record(let criteriaType) = type.fields[6].type else {
            preconditionFailure("certification summary type")
        }
        let tier = json["tier"]?.stringValue
        let outcome = json["outcome"]?.stringValue ?? CertificationOutcome.notCertified.rawValue
        let rank = tier.flatMap { id in rules.tiers.firstIndex { $0.id == id } }.map { $0 + 1 } ?? 0
        let storedSections = json["sections"]
        let storedCriteria = Dictionary(
            (json["criteria"]?.arrayValue ?? []).compactMap { item in item["id"]?.stringValue.map { ($0, item["status"]?.stringValue ?? "unknown") } },
            uniquingKeysWith: { first, _ in first })
        let sections = Value.record(
            RecordValue(type: sectionsType) { fields in
                for (index, section) in rules.sections.enumerated() {
                    (fields + index).initialize(to: .int(storedSections?[section.id]?.numberText.flatMap { Int64($0) } ?? 0))
                }
            })
        let criteria = Value.record(
            RecordValue(type: criteriaType) { fields in
                for (index, criterion) in rules.criteria.enumerated() {
                    (fields + index).initialize(to: .string(storedCriteria[criterion.id] ?? "unknown"))
                }
            })
        return .record(
            RecordValue(type: type) { storage in
                storage.initialize(to: .string(outcome))
                (storage + 1).initialize(to: .bool(outcome == CertificationOutcome.certified.rawValue))
                (storage + 2).initialize(to: tier.map(Value.string) ?? .null)
                (storage + 3).initialize(to: .int(Int64(rank)))
                (storage + 4).initialize(to: .int(json["points"]?.numberText.flatMap { Int64($0) } ?? 0))
                (storage + 5).initialize(to: sections)
                (storage + 6).initialize(to: criteria)
                (storage + 7).initialize(to: .list((json["missing"]?.arrayValue ?? []).compactMap(\.stringValue).map(Value.string)))
            })
    }

    static func value(_ result: EligibilityResult, type: RecordType, fields: [Bool]? = nil) -> Value {
        func needed(_ index: Int) -> Bool { fields?[index] ?? true }
        var terms: Value?
        if needed(2) {
            var map = MapValue()
            for (name, value) in result.terms ?? [] { _ = try? map.insert(key: .string(name), value: value) }
            terms = .map(map)
        }
        return .record(
            RecordValue(type: type) { storage in
                storage.initialize(to: needed(0) ? .string(result.outcome.rawValue) : nil)
                (storage + 1).initialize(to: needed(1) ? .bool(result.outcome == .eligible) : nil)
                (storage + 2).initialize(to: terms)
            })
    }
}
