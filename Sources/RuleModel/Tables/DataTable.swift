public import Diagnostics
public import ExpressionLanguage
import YAMLLoader

/// A named table of data (emission factors, SME limits, the area's cities) that expressions read
/// as `tables.NAME.ROW.COLUMN` or `tables.NAME[key].COLUMN`.
///
/// Tables are constants of the rule set: a lookup with a fixed row name is resolved when the rule
/// is checked (a misspelt row is an error then), and costs nothing per dossier.
public struct DataTable: Sendable {
    public struct Column: Sendable {
        public let name: String
        public let type: CELType
        public let unit: String?
    }

    public let name: String
    public let title: LocalizedText?
    /// Where the numbers come from (law, publication, year).
    public let source: String?
    public let columns: [Column]
    public let rowType: RecordType
    /// Rows by key, in file order.
    public let rows: [(key: String, value: RecordValue)]
    public let location: SourceLocation

    /// The table as a value: a map from row key to row record.
    public var value: Value {
        var map = MapValue()
        for row in rows { _ = try? map.insert(key: .string(row.key), value: .record(row.value)) }
        return .map(map)
    }

    static let columnTypes: [String: CELType] = ["string": .string, "int": .int, "decimal": .decimal, "bool": .bool]

    /// Reads the entries under `tables:` of one file.
    static func read(_ node: YAMLNode, reader: inout RuleFileReader) -> [DataTable] {
        var tables: [DataTable] = []
        for entry in reader.orderedMapping(node, "tables") {
            if let table = readTable(entry.value, name: entry.key, reader: &reader) { tables.append(table) }
        }
        return tables
    }

    private static func readTable(_ node: YAMLNode, name: String, reader: inout RuleFileReader) -> DataTable? {
        let context = "table '\(name)'"
        guard let entries = reader.mapping(node, context, allowed: ["title", "source", "columns", "rows", "description"]),
            let columnsNode = reader.require(entries, "columns", in: context, at: node),
            let rowsNode = reader.require(entries, "rows", in: context, at: node)
        else { return nil }
        var columns: [Column] = []
        for column in reader.orderedMapping(columnsNode, "columns of \(context)") {
            guard let spec = reader.mapping(column.value, "column '\(column.key)'", allowed: ["type", "unit", "label"]),
                let typeNode = reader.require(spec, "type", in: "column '\(column.key)'", at: column.value),
                let typeName = reader.string(typeNode)
            else { continue }
            guard let type = columnTypes[typeName] else {
                reader.error(
                    "tables.type", "column type must be string, int, decimal or bool, found '\(typeName)'", at: typeNode)
                continue
            }
            columns.append(Column(name: column.key, type: type, unit: spec["unit"].flatMap { reader.string($0) }))
        }
        let rowType = RecordType(
            name: "tables.\(name)", displayName: "a row of tables.\(name)",
            fields: columns.map { RecordType.Field(name: $0.name, type: $0.type, optional: true) })
        var rows: [(String, RecordValue)] = []
        for row in reader.orderedMapping(rowsNode, "rows of \(context)") {
            guard let cells = reader.mapping(row.value, "row '\(row.key)' of \(context)", allowed: columns.map(\.name)) else { continue }
            var fields = [Value?](repeating: nil, count: columns.count)
            for (index, column) in columns.enumerated() {
                guard let cell = cells[column.name], !cell.isNull else { continue }
                switch column.type {
                case .string: fields[index] = reader.string(cell).map(Value.string)
                case .int: fields[index] = reader.integer(cell).map(Value.int)
                case .decimal: fields[index] = reader.decimal(cell).map(Value.decimal)
                case .bool: fields[index] = reader.bool(cell).map(Value.bool)
                default: break
                }
            }
            rows.append((row.key, RecordValue(type: rowType, fields: fields)))
        }
        return DataTable(
            name: name, title: entries["title"].flatMap { reader.localized($0, "title of \(context)") },
            source: entries["source"].flatMap { reader.string($0) }, columns: columns, rowType: rowType, rows: rows,
            location: node.location)
    }
}
