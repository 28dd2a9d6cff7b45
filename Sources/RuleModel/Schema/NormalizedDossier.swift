public import ExpressionLanguage
public import JSON

extension DossierDecoder {
    /// Rebuilds a dossier's value from its normalised JSON (what `Dossier.normalizedJSON` wrote and
    /// the store keeps), without the positions and checks of a first reading.
    ///
    /// The input is trusted (it was validated when received); a value that does not fit its field
    /// is dropped as absent rather than trapping. Used by the daemon at round close and by the
    /// benchmark to turn JSON lines into dossiers quickly.
    public func record(fromNormalized json: JSONValue) -> RecordValue? {
        object(json, schema.root)
    }

    private func object(_ json: JSONValue, _ object: ObjectSpec) -> RecordValue? {
        guard case .object(let members) = json else { return nil }
        var fields = [Value?](repeating: nil, count: object.fields.count)
        for member in members {
            guard let index = object.recordType.index(of: member.key) else { continue }
            fields[index] = value(member.value, object.fields[index])
        }
        return RecordValue(type: object.recordType, fields: fields)
    }

    private func value(_ json: JSONValue, _ field: FieldSpec) -> Value? {
        switch (field.type, json) {
        case (_, .null): return nil
        case (.string, .string(let s)), (.enumeration, .string(let s)): return .string(s)
        case (.int, .number(let n)): return Int64(n).map(Value.int)
        case (.decimal, .number(let n)): return ExactDecimal(n).map(Value.decimal)
        case (.bool, .bool(let b)): return .bool(b)
        case (.date, .string(let s)), (.timestamp, .string(let s)): return (try? Timestamp(rfc3339: s)).map(Value.timestamp)
        case (.list(let item), .array(let items)): return .list(items.compactMap { value($0, item) })
        case (.object(let spec), .object): return object(json, spec).map(Value.record)
        default: return nil
        }
    }

    /// A dossier from normalised JSON, with its identity fields.
    public func dossier(fromNormalized json: JSONValue, source: String, contentHash: String) -> Dossier? {
        guard let value = record(fromNormalized: json) else { return nil }
        var id = source
        if case .string(let text)? = value["id"] { id = text }
        var round: String?
        if case .string(let text)? = value["round"] { round = text }
        var submittedAt: Timestamp?
        if case .timestamp(let t)? = value["submitted_at"] { submittedAt = t }
        return Dossier(id: id, round: round, submittedAt: submittedAt, value: value, source: source, contentHash: contentHash)
    }
}
