public import Diagnostics
public import ExpressionLanguage
import YAMLLoader

/// The type of a dossier field, as `schema.yaml` declares it.
public indirect enum FieldType: Sendable {
    case string
    case int
    case decimal
    case bool
    /// A calendar date (`2026-11-02`); in expressions, the start of that day in the rule set's zone.
    case date
    /// An instant with an offset (`2027-05-10T14:03:00+09:00`).
    case timestamp
    case enumeration([String])
    case list(FieldSpec)
    case object(ObjectSpec)

    public var name: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .decimal: "decimal"
        case .bool: "bool"
        case .date: "date"
        case .timestamp: "timestamp"
        case .enumeration: "enum"
        case .list: "list"
        case .object: "object"
        }
    }
}

/// One field of the dossier form.
public struct FieldSpec: Sendable {
    public var name: String
    /// Dotted path from the dossier root (`company.employees`); list items add `[]`.
    public var path: String
    public var type: FieldType
    public var required: Bool
    public var label: LocalizedText?
    public var unit: String?
    public var pattern: String?
    public var minimum: ExactDecimal?
    public var maximum: ExactDecimal?
    public var check: NamedCheck?
    /// What people read for a value of an `enum` or `string` field (`led` → `LED照明`); a value
    /// without a label is shown as written.
    public var valueLabels: [String: LocalizedText] = [:]
    /// Where the field is declared in `schema.yaml`.
    public var location: SourceLocation

    /// The type expressions see.
    public var expressionType: CELType {
        switch type {
        case .string, .enumeration: .string
        case .int: .int
        case .decimal: .decimal
        case .bool: .bool
        case .date, .timestamp: .timestamp
        case .list(let item): .list(item.expressionType)
        case .object(let object): .record(object.recordType)
        }
    }

    /// The allowed values of an enum field, or of the items of a list of enums.
    public var enumValues: [String]? {
        switch type {
        case .enumeration(let values): values
        case .list(let item): item.enumValues
        default: nil
        }
    }
}

/// An object (mapping) of the dossier form: its fields and the record type expressions see.
public final class ObjectSpec: Sendable {
    public let path: String
    public let fields: [FieldSpec]
    public let recordType: RecordType

    init(path: String, fields: [FieldSpec]) {
        self.path = path
        self.fields = fields
        recordType = RecordType(
            name: path.isEmpty ? "dossier" : "dossier.\(path)",
            displayName: path.isEmpty ? "dossier" : "dossier.\(path)",
            fields: fields.map { RecordType.Field(name: $0.name, type: $0.expressionType, optional: !$0.required) })
    }

    public func field(_ name: String) -> FieldSpec? { fields.first { $0.name == name } }

    /// Every field below this object, depth first.
    public var allFields: [FieldSpec] {
        fields.flatMap { field -> [FieldSpec] in
            switch field.type {
            case .object(let object): [field] + object.allFields
            case .list(let item):
                if case .object(let object) = item.type { [field] + object.allFields } else { [field] }
            default: [field]
            }
        }
    }
}

/// A rule across fields that a valid dossier must follow (`checks:` in `schema.yaml`), such as
/// "zero-emission electricity is part of all electricity". A check that cannot be decided for lack
/// of data is not applied.
public struct SchemaCheck: Sendable {
    public let id: String
    public let when: RuleExpression
    /// The field the error points at (`emissions.activity.renewable_kwh`).
    public let at: String?
    public let message: LocalizedText
}

/// The dossier form declared in `schema.yaml`.
public struct DossierSchema: Sendable {
    public let root: ObjectSpec
    public let checks: [SchemaCheck]
    public var recordType: RecordType { root.recordType }

    /// The field at a dotted path (`company.contact.email`).
    public func field(at path: String) -> FieldSpec? {
        var object = root
        let parts = path.split(separator: ".").map(String.init)
        for (index, part) in parts.enumerated() {
            guard let field = object.field(part) else { return nil }
            if index == parts.count - 1 { return field }
            switch field.type {
            case .object(let next): object = next
            case .list(let item):
                guard case .object(let next) = item.type else { return nil }
                object = next
            default: return nil
            }
        }
        return nil
    }

    static let fieldKeys = [
        "type", "required", "label", "unit", "pattern", "min", "max", "values", "value_labels", "check", "fields", "items", "description",
    ]

    /// Reads `schema.yaml` (`fields:` at the top).
    static func read(_ node: YAMLNode, reader: inout RuleFileReader) -> DossierSchema? {
        guard let top = reader.mapping(node, "schema.yaml", allowed: ["fields", "checks", "title", "description"]),
            let fields = reader.require(top, "fields", in: "schema.yaml", at: node)
        else { return nil }
        let root = readObject(fields, path: "", reader: &reader)
        var environment = Environment(dialect: .rules)
        environment.declare("dossier", .record(root.recordType))
        var checks: [SchemaCheck] = []
        for item in top["checks"].map({ reader.sequence($0, "checks") }) ?? [] {
            guard let entries = reader.mapping(item, "a check", allowed: ["id", "when", "at", "message"]),
                let idNode = reader.require(entries, "id", in: "a check", at: item), let id = reader.identifier(idNode, "check id"),
                let whenNode = reader.require(entries, "when", in: "check '\(id)'", at: item),
                let messageNode = reader.require(entries, "message", in: "check '\(id)'", at: item),
                let message = reader.localized(messageNode, "message of check '\(id)'"),
                let when = reader.expression(whenNode, in: environment, expecting: .bool)
            else { continue }
            let at = entries["at"].flatMap { reader.string($0) }
            if let at, DossierSchema(root: root, checks: []).field(at: at) == nil {
                reader.error("schema.check-at", "check '\(id)' points at an unknown field '\(at)'", at: entries["at"]!)
            }
            checks.append(SchemaCheck(id: id, when: when, at: at, message: message))
        }
        return DossierSchema(root: root, checks: checks)
    }

    private static func readObject(_ node: YAMLNode, path: String, reader: inout RuleFileReader) -> ObjectSpec {
        var fields: [FieldSpec] = []
        for entry in reader.orderedMapping(node, path.isEmpty ? "fields" : "fields of \(path)") {
            let fieldPath = path.isEmpty ? entry.key : "\(path).\(entry.key)"
            if let field = readField(entry.value, name: entry.key, path: fieldPath, reader: &reader) { fields.append(field) }
        }
        return ObjectSpec(path: path, fields: fields)
    }

    private static func readField(_ node: YAMLNode, name: String, path: String, reader: inout RuleFileReader) -> FieldSpec? {
        let context = "field '\(path)'"
        guard let entries = reader.mapping(node, context, allowed: fieldKeys),
            let typeNode = reader.require(entries, "type", in: context, at: node),
            let typeName = reader.string(typeNode)
        else { return nil }
        let type: FieldType
        switch typeName {
        case "string": type = .string
        case "int": type = .int
        case "decimal": type = .decimal
        case "bool": type = .bool
        case "date": type = .date
        case "timestamp": type = .timestamp
        case "enum":
            guard let valuesNode = reader.require(entries, "values", in: context, at: node) else { return nil }
            type = .enumeration(reader.stringList(valuesNode, "values of \(path)"))
        case "list":
            guard let itemsNode = reader.require(entries, "items", in: context, at: node),
                let item = readField(itemsNode, name: "[]", path: "\(path)[]", reader: &reader)
            else { return nil }
            type = .list(item)
        case "object":
            guard let fieldsNode = reader.require(entries, "fields", in: context, at: node) else { return nil }
            type = .object(readObject(fieldsNode, path: path, reader: &reader))
        default:
            let known = ["string", "int", "decimal", "bool", "date", "timestamp", "enum", "list", "object"]
            var message = "unknown type '\(typeName)' for \(context); use one of \(known.joined(separator: ", "))"
            if let suggestion = Suggestion.nearest(to: typeName, among: known) {
                message = "unknown type '\(typeName)' for \(context); did you mean '\(suggestion)'?"
            }
            reader.error("schema.type", message, ja: "\(context) の型 '\(typeName)' は不明です", at: typeNode)
            return nil
        }
        var field = FieldSpec(
            name: name, path: path, type: type, required: true, label: nil, unit: nil, pattern: nil, minimum: nil,
            maximum: nil, check: nil, location: node.location)
        if let required = entries["required"] { field.required = reader.bool(required) ?? true }
        if let label = entries["label"] { field.label = reader.localized(label, "label of \(path)") }
        if let unit = entries["unit"] { field.unit = reader.string(unit) }
        if let pattern = entries["pattern"], let text = reader.string(pattern) {
            if (try? Regex(text)) == nil {
                reader.error("schema.pattern", "pattern of \(context) is not a valid regular expression", at: pattern)
            } else {
                field.pattern = text
            }
        }
        if let minimum = entries["min"] { field.minimum = reader.decimal(minimum) }
        if let maximum = entries["max"] { field.maximum = reader.decimal(maximum) }
        if let labels = entries["value_labels"] {
            field.valueLabels = readValueLabels(labels, of: field, reader: &reader)
        }
        if let check = entries["check"], let text = reader.string(check) {
            if let named = NamedCheck(rawValue: text) {
                field.check = named
            } else {
                reader.error(
                    "schema.check",
                    "unknown check '\(text)'; known checks are " + NamedCheck.allCases.map(\.rawValue).joined(separator: ", "),
                    at: check)
            }
        }
        return field
    }

    /// `value_labels: {led: {ja: LED照明, en: LED lighting}, …}` of an `enum` or `string` field; for
    /// an enum, every key must be one of its `values`.
    private static func readValueLabels(_ node: YAMLNode, of field: FieldSpec, reader: inout RuleFileReader) -> [String: LocalizedText] {
        let allowed: [String]?
        switch field.type {
        case .enumeration(let values): allowed = values
        case .string: allowed = nil
        default:
            reader.error(
                "schema.value-labels", "value_labels of field '\(field.path)' is for enum and string fields, not \(field.type.name)",
                ja: "value_labels は enum と string の項目にだけ書けます (\(field.path))", at: node)
            return [:]
        }
        var labels: [String: LocalizedText] = [:]
        for entry in reader.orderedMapping(node, "value_labels of \(field.path)") {
            if let allowed, !allowed.contains(entry.key) {
                var message = "'\(entry.key)' in value_labels of \(field.path) is not one of its values"
                if let suggestion = Suggestion.nearest(to: entry.key, among: allowed) { message += "; did you mean '\(suggestion)'?" }
                reader.error("schema.value-labels", message, ja: "value_labels の '\(entry.key)' は \(field.path) の値にありません", at: entry.keyNode)
                continue
            }
            if let label = reader.localized(entry.value, "label of '\(entry.key)' in \(field.path)") { labels[entry.key] = label }
        }
        return labels
    }
}
