public import Diagnostics
public import ExpressionLanguage
import Foundation
import Hashing
public import JSON
public import YAMLLoader

/// A company's application form, validated against the schema.
public struct Dossier: Sendable {
    public let id: String
    /// The application round it names (`round:`), if the schema has one.
    public let round: String?
    public let submittedAt: Timestamp?
    /// The normalised dossier, as expressions see it.
    public let value: RecordValue
    /// Where it was read from (file path or a label).
    public let source: String
    /// SHA-256 of the original bytes, hex.
    public let contentHash: String

    /// The value at a dotted path (`company.contact.email`), or nil when absent.
    public func field(_ path: String) -> Value? {
        var current = Value.record(value)
        for part in path.split(separator: ".") {
            guard case .record(let record) = current, let next = record[String(part)] else { return nil }
            current = next
        }
        return current
    }

    /// The dossier as JSON with the schema's field order (the normalised form that is stored).
    public var normalizedJSON: JSONValue { ResultJSON.value(.record(value)) }
}

/// Reads dossiers (YAML or JSON) and checks them against a `DossierSchema`: unknown fields (with
/// the nearest known name), missing required fields, types, enums, ranges, patterns and check
/// digits, every problem with its `file:line:col`.
public struct DossierDecoder: Sendable {
    public let schema: DossierSchema
    /// The zone in which a `date` field's day starts.
    public let zone: ZoneSpec

    public init(schema: DossierSchema, zone: ZoneSpec) {
        self.schema = schema
        self.zone = zone
    }

    /// Reads and validates a dossier file.
    public func load(path: String) -> Result<Dossier, DiagnosticError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(
                DiagnosticError(.error("dossier.read", LocalizedText("cannot read \(path)", ja: "\(path) を読めません"))))
        }
        return decode([UInt8](data), source: path)
    }

    /// Validates dossier bytes; `source` names them in diagnostics. JSON (a `.json` source, or text
    /// starting with `{`) is first checked against strict JSON syntax.
    public func decode(_ bytes: [UInt8], source: String, patches: [DossierPatch] = []) -> Result<Dossier, DiagnosticError> {
        let looksLikeJSON =
            source.hasSuffix(".json") || bytes.drop(while: { [0x20, 0x0A, 0x0D, 0x09, 0xEF, 0xBB, 0xBF].contains($0) }).first == UInt8(ascii: "{")
        if looksLikeJSON, case .failure(let error) = JSONParser.parse(bytes) {
            return .failure(
                DiagnosticError(
                    .error(
                        "dossier.json", LocalizedText("invalid JSON: \(error.message)", ja: "JSON の形式が正しくありません: \(error.message)"),
                        at: SourceLocation(file: source, line: error.line, column: error.column))))
        }
        switch YAMLLoader.loadDocument(bytes, path: source) {
        case .failure(let error): return .failure(error)
        case .success(var node):
            for patch in patches { node = patch.apply(to: node) }
            return decode(node, source: source, contentHash: Digest.hex(Digest.sha256(bytes)))
        }
    }

    /// Validates an already loaded document.
    public func decode(_ node: YAMLNode, source: String, contentHash: String) -> Result<Dossier, DiagnosticError> {
        var diagnostics: [Diagnostic] = []
        guard node.mapping != nil else {
            return .failure(
                DiagnosticError(
                    .error(
                        "dossier.shape", LocalizedText("a dossier must be a mapping of fields (company:, emissions:, …)", ja: "申請書はフィールドのマッピングでなければなりません"),
                        at: node.location)))
        }
        let record = decodeObject(node, schema.root, &diagnostics)
        if diagnostics.hasErrors || record == nil { return .failure(DiagnosticError(diagnostics)) }
        let value = record!
        diagnostics += crossFieldProblems(value, node)
        if diagnostics.hasErrors { return .failure(DiagnosticError(diagnostics)) }
        let id: String
        if case .string(let text)? = value["id"] { id = text } else { id = source }
        var round: String?
        if case .string(let text)? = value["round"] { round = text }
        var submittedAt: Timestamp?
        if case .timestamp(let t)? = value["submitted_at"] { submittedAt = t }
        return .success(
            Dossier(id: id, round: round, submittedAt: submittedAt, value: value, source: source, contentHash: contentHash))
    }

    /// The schema's `checks:` that fail for this dossier, each at the field it names.
    private func crossFieldProblems(_ value: RecordValue, _ node: YAMLNode) -> [Diagnostic] {
        guard !schema.checks.isEmpty else { return [] }
        let activation = Activation(size: schema.checks.map(\.when.program.frameSize).max() ?? 1)
        activation.bind(0, .record(value))
        var found: [Diagnostic] = []
        for check in schema.checks {
            // Missing data or a failing expression leaves the check undecided: it is not applied.
            guard case .bool(false)? = try? check.when.program.evaluate(activation) else { continue }
            var target = node
            for part in (check.at ?? "").split(separator: ".") {
                guard let next = target.value(forKey: String(part)) else { break }
                target = next
            }
            let path = check.at.map { "\($0): " } ?? ""
            found.append(
                .error("dossier.check.\(check.id)", LocalizedText(path + check.message.en, ja: path + (check.message.ja ?? check.message.en)), at: target.location))
        }
        return found
    }

    private func problem(_ code: String, _ en: String, ja: String, at node: YAMLNode) -> Diagnostic {
        .error(code, LocalizedText(en, ja: ja), at: node.location)
    }

    /// Prefixes accessor messages ("expected an integer, found 'many'") with the field's path.
    private func prefixed(_ error: DiagnosticError, _ path: String) -> [Diagnostic] {
        error.diagnostics.map { diagnostic in
            var copy = diagnostic
            copy.message = LocalizedText(
                "\(path): \(diagnostic.message.en)", ja: "\(path): \(diagnostic.message.ja ?? diagnostic.message.en)")
            return copy
        }
    }

    /// - Parameter keyNode: the key that holds this object (`company:`), where a missing field is reported.
    private func decodeObject(
        _ node: YAMLNode, _ object: ObjectSpec, _ diagnostics: inout [Diagnostic], keyNode: YAMLNode? = nil
    ) -> RecordValue? {
        guard let pairs = node.mapping else {
            let path = object.path.isEmpty ? "dossier" : object.path
            diagnostics.append(
                problem("dossier.type", "\(path): expected a mapping of fields", ja: "\(path): フィールドのマッピングが必要です", at: node))
            return nil
        }
        var values = [Value?](repeating: nil, count: object.fields.count)
        var seen = Set<String>()
        for pair in pairs {
            guard let key = pair.key.scalar?.text else {
                diagnostics.append(problem("dossier.key", "field names must be plain text", ja: "フィールド名は文字列でなければなりません", at: pair.key))
                continue
            }
            let fieldPath = object.path.isEmpty ? key : "\(object.path).\(key)"
            guard let index = object.recordType.index(of: key) else {
                var message = "unknown field '\(fieldPath)'"
                var ja = "'\(fieldPath)' という項目はありません"
                if let suggestion = Suggestion.nearest(to: key, among: object.fields.map(\.name)) {
                    message += "; did you mean '\(suggestion)'?"
                    ja += "。'\(suggestion)' のことですか?"
                }
                diagnostics.append(problem("dossier.unknown-field", message, ja: ja, at: pair.key))
                continue
            }
            seen.insert(key)
            let field = object.fields[index]
            if pair.value.isNull, pair.value.scalar?.style == .plain {
                if field.required {
                    diagnostics.append(
                        problem(
                            "dossier.required", "\(fieldPath) is required but empty", ja: "\(fieldPath) は必須ですが空です", at: pair.value))
                }
                continue
            }
            values[index] = decodeValue(pair.value, field, &diagnostics, keyNode: pair.key)
        }
        for field in object.fields where field.required && !seen.contains(field.name) {
            let label = field.label.map { " (\($0.ja ?? $0.en))" } ?? ""
            diagnostics.append(
                problem(
                    "dossier.required", "missing required field '\(field.path)'\(label)",
                    ja: "必須項目 '\(field.path)'\(label) がありません", at: keyNode ?? node))
        }
        // An object whose fields are all optional and all absent carries no data: it is absent too,
        // so that `emissions: {activity: {}}` is missing data rather than zeros.
        if !object.path.isEmpty, object.fields.allSatisfy({ !$0.required }), values.allSatisfy({ $0 == nil }) { return nil }
        return RecordValue(type: object.recordType, fields: values)
    }

    private func decodeValue(_ node: YAMLNode, _ field: FieldSpec, _ diagnostics: inout [Diagnostic], keyNode: YAMLNode? = nil) -> Value? {
        let path = field.path
        switch field.type {
        case .string, .enumeration:
            guard case .success(let text) = node.asString() else {
                diagnostics.append(problem("dossier.type", "\(path): expected text", ja: "\(path): 文字列が必要です", at: node))
                return nil
            }
            if case .enumeration(let allowed) = field.type, !allowed.contains(text) {
                var message = "\(path): '\(text)' is not one of \(allowed.joined(separator: ", "))"
                var ja = "\(path): '\(text)' は \(allowed.joined(separator: ", ")) のいずれでもありません"
                if let suggestion = Suggestion.nearest(to: text, among: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                    ja += "。'\(suggestion)' のことですか?"
                }
                diagnostics.append(problem("dossier.enum", message, ja: ja, at: node))
                return nil
            }
            if let pattern = field.pattern, let regex = try? Regex(pattern), (try? regex.wholeMatch(in: text)) == nil {
                diagnostics.append(
                    problem(
                        "dossier.pattern", "\(path): '\(text)' does not have the required form (\(pattern))",
                        ja: "\(path): '\(text)' の形式が正しくありません (\(pattern))", at: node))
                return nil
            }
            if let check = field.check, let issue = check.problem(with: text) {
                diagnostics.append(
                    .error("dossier.check.\(check.rawValue)", LocalizedText("\(path): \(issue.en)", ja: "\(path): \(issue.ja ?? issue.en)"), at: node.location))
                return nil
            }
            return .string(text)
        case .int:
            switch node.asInteger() {
            case .failure(let error):
                diagnostics += prefixed(error, path)
                return nil
            case .success(let value):
                guard inRange(ExactDecimal(value), field, node, &diagnostics) else { return nil }
                return .int(value)
            }
        case .decimal:
            switch node.asNumberText() {
            case .failure(let error):
                diagnostics += prefixed(error, path)
                return nil
            case .success(let text):
                guard let value = ExactDecimal(text) else {
                    diagnostics.append(problem("dossier.number", "\(path): too many digits", ja: "\(path): 桁数が多すぎます", at: node))
                    return nil
                }
                guard inRange(value, field, node, &diagnostics) else { return nil }
                return .decimal(value)
            }
        case .bool:
            switch node.asBool() {
            case .failure(let error):
                diagnostics += prefixed(error, path)
                return nil
            case .success(let value): return .bool(value)
            }
        case .date:
            guard case .success(let text) = node.asString(), let date = try? CalendarDate(text),
                let start = try? date.startOfDay(in: zone)
            else {
                diagnostics.append(
                    problem(
                        "dossier.date", "\(path): expected a date like 2027-06-30", ja: "\(path): 2027-06-30 のような日付が必要です", at: node))
                return nil
            }
            return .timestamp(start)
        case .timestamp:
            guard case .success(let text) = node.asString() else {
                diagnostics.append(problem("dossier.timestamp", "\(path): expected a date and time", ja: "\(path): 日時が必要です", at: node))
                return nil
            }
            do throws(TimeError) {
                return .timestamp(try Timestamp(rfc3339: text))
            } catch {
                diagnostics.append(
                    problem(
                        "dossier.timestamp", "\(path): expected a date and time with offset like 2027-05-10T14:03:00+09:00 (\(error))",
                        ja: "\(path): 2027-05-10T14:03:00+09:00 のようなタイムゾーン付き日時が必要です", at: node))
                return nil
            }
        case .list(let item):
            guard let items = node.sequence else {
                diagnostics.append(problem("dossier.type", "\(path): expected a list", ja: "\(path): リストが必要です", at: node))
                return nil
            }
            var values: [Value] = []
            for element in items {
                if let value = decodeValue(element, item, &diagnostics) { values.append(value) }
            }
            return .list(values)
        case .object(let object):
            return decodeObject(node, object, &diagnostics, keyNode: keyNode).map(Value.record)
        }
    }

    private func inRange(_ value: ExactDecimal, _ field: FieldSpec, _ node: YAMLNode, _ diagnostics: inout [Diagnostic]) -> Bool {
        if let minimum = field.minimum, value < minimum {
            diagnostics.append(
                problem(
                    "dossier.range", "\(field.path) must be at least \(minimum), found \(value)",
                    ja: "\(field.path) は \(minimum) 以上でなければなりません (\(value))", at: node))
            return false
        }
        if let maximum = field.maximum, value > maximum {
            diagnostics.append(
                problem(
                    "dossier.range", "\(field.path) must be at most \(maximum), found \(value)",
                    ja: "\(field.path) は \(maximum) 以下でなければなりません (\(value))", at: node))
            return false
        }
        return true
    }
}
