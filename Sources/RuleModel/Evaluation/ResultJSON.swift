import Diagnostics
public import ExpressionLanguage
public import JSON

/// Results as JSON: `{"dossier": ID, "rules": HASH, "results": {PROGRAM: RESULT}}`.
///
/// Exact decimals are written as JSON numbers with their exact digits.
public enum ResultJSON {
    public static func evaluation(_ evaluation: DossierEvaluation) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("dossier", .string(evaluation.dossier.id)), ("rules", .string(evaluation.ruleSetHash)),
            ("round", evaluation.round.map { .string($0.id) } ?? .null), ("late", .bool(evaluation.late)),
        ]
        members.append(("results", .object(evaluation.results.map { ($0.program, result($0.result)) })))
        return .object(members)
    }

    /// A dossier that failed validation: `{"dossier": ..., "errors": [...]}`.
    public static func invalid(source: String, id: String?, errors: [String]) -> JSONValue {
        .object([("dossier", id.map(JSONValue.string) ?? .string(source)), ("source", .string(source)), ("errors", .array(errors.map(JSONValue.string)))])
    }

    public static func result(_ result: ProgramResult) -> JSONValue {
        switch result {
        case .certification(let r): certification(r)
        case .eligibility(let r): eligibility(r)
        case .award(let r): award(r)
        }
    }

    static func certification(_ r: CertificationResult) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("outcome", .string(r.outcome.rawValue)), ("tier", r.tier.map(JSONValue.string) ?? .null), ("points", .number(r.points)),
            ("valid_until", r.validUntil.map { .string($0.rfc3339) } ?? .null),
            ("sections", .object(r.sections.map { ($0.id, .number($0.points)) })),
            ("criteria", .array(r.criteria.map(criterion))),
        ]
        if let scope = r.scope { members.append(("scope", condition(scope))) }
        if !r.disqualify.isEmpty { members.append(("disqualify", .array(r.disqualify.map(condition)))) }
        members.append(("missing", .array(r.missing.map(JSONValue.string))))
        members.append(("next_tier", r.nextTier.map(shortfall) ?? .null))
        return .object(members)
    }

    static func criterion(_ c: CriterionResult) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(c.id)), ("status", .string(c.status.rawValue)), ("points", .number(c.points))]
        if let row = c.row { members.append(("row", .number(row + 1))) }
        members.append(("missing", .array(c.missing.map(JSONValue.string))))
        if let error = c.error { members.append(("error", .string(error))) }
        members.append(("values", values(c.values)))
        return .object(members)
    }

    static func condition(_ c: ConditionResult) -> JSONValue {
        var members: [(String, JSONValue)] = [("id", .string(c.id)), ("status", .string(c.status.rawValue))]
        members.append(("missing", .array(c.missing.map(JSONValue.string))))
        if let error = c.error { members.append(("error", .string(error))) }
        members.append(("values", values(c.values)))
        return .object(members)
    }

    static func values(_ used: [UsedValue]) -> JSONValue {
        .object(used.map { ($0.name, $0.value.map(value) ?? .null) })
    }

    static func shortfall(_ s: TierShortfall) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("tier", .string(s.tier)), ("points_lacking", .number(s.pointsLacking)),
            ("criteria_lacking", .array(s.criteriaLacking.map { .object([("id", .string($0.id)), ("status", .string($0.status.rawValue))]) })),
            ("sections_lacking", .object(s.sectionsLacking.map { ($0.section, .number($0.lacking)) })),
            ("condition", s.conditionLacking.map { .string($0.rawValue) } ?? .null),
        ]
        members.append(
            ("cheapest", s.cheapestPath.map { path in
                .array(path.map { step in
                    .object([
                        ("criterion", .string(step.criterion)), ("from_points", .number(step.fromPoints)),
                        ("to_points", .number(step.toPoints)), ("row", .number(step.row + 1)),
                        ("missing", .array(step.missing.map(JSONValue.string))),
                    ])
                })
            } ?? .null))
        return .object(members)
    }

    static func eligibility(_ r: EligibilityResult) -> JSONValue {
        .object([
            ("outcome", .string(r.outcome.rawValue)), ("conditions", .array(r.conditions.map(condition))),
            ("terms", r.terms.map { terms in .object(terms.map { ($0.name, value($0.value)) }) } ?? .null),
            ("notes", .array(r.notes.map { .object([("id", .string($0.id)), ("ja", .string($0.text.ja ?? $0.text.en)), ("en", .string($0.text.en))]) })),
            ("missing", .array(r.missing.map(JSONValue.string))),
        ])
    }

    static func award(_ r: AwardResult) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("eligible", .bool(r.eligible)), ("eligibility", condition(r.eligibility)),
            ("score", r.score.map(value) ?? .null),
        ]
        if let error = r.scoreError { members.append(("score_error", .string(error))) }
        members += [
            ("category", r.category.map(JSONValue.string) ?? .null), ("rank", r.rank.map { .number($0) } ?? .null),
            ("prize", r.prize.map(JSONValue.string) ?? .null),
        ]
        if let reason = r.excludedBecause { members.append(("excluded", .string(reason))) }
        return .object(members)
    }

    /// An expression value as JSON: numbers exact, timestamps in RFC 3339, records as objects.
    public static func value(_ value: Value) -> JSONValue {
        switch value {
        case .null: return .null
        case .bool(let b): return .bool(b)
        case .int(let i): return .number(String(i))
        case .uint(let u): return .number(String(u))
        case .double(let d): return d.isFinite ? .number(Format.double(d)) : .string(Format.double(d))
        case .decimal(let d): return .number(d.description)
        case .string(let s): return .string(s)
        case .bytes(let b): return .string(String(decoding: b, as: UTF8.self))
        case .list(let items): return .array(items.map { self.value($0) })
        case .map(let map): return .object(map.entries.map { (Format.display($0.key), self.value($0.value)) })
        case .timestamp(let t): return .string(t.rfc3339)
        case .duration(let d): return .string(d.celText)
        case .type(let t): return .string(t.runtimeTypeName)
        case .record(let record):
            return .object(zip(record.type.fields, record.fields).compactMap { field, value in value.map { (field.name, self.value($0)) } })
        }
    }
}
