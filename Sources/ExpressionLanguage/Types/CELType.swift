/// The static type of an expression or value.
///
/// The CEL types plus `decimal` (exact base-10 numbers for yen, tonnes and percentages) and
/// `record` (objects whose fields a schema declares, such as the dossier).
public indirect enum CELType: Sendable, Hashable, CustomStringConvertible {
    /// Known only at run time.
    case dyn
    case null
    case bool
    case int
    case uint
    case double
    case decimal
    case string
    case bytes
    case timestamp
    case duration
    case list(CELType)
    case map(CELType, CELType)
    /// The type of a type value: `type(int)` is `type`.
    case type(CELType?)
    case record(RecordType)
    /// A type parameter in a function signature (`list(A)`).
    case parameter(String)
    /// The type of an expression that already failed to check; never reported twice.
    case error

    public var description: String {
        switch self {
        case .dyn: "dyn"
        case .null: "null_type"
        case .bool: "bool"
        case .int: "int"
        case .uint: "uint"
        case .double: "double"
        case .decimal: "decimal"
        case .string: "string"
        case .bytes: "bytes"
        case .timestamp: "google.protobuf.Timestamp"
        case .duration: "google.protobuf.Duration"
        case .list(let element): "list(\(element))"
        case .map(let key, let value): "map(\(key), \(value))"
        case .type(let of): of.map { "type(\($0))" } ?? "type"
        case .record(let record): record.name
        case .parameter(let name): name
        case .error: "*error*"
        }
    }

    /// A short name for messages to people who are not programmers (`timestamp`, not the protobuf name).
    public var displayName: String {
        switch self {
        case .timestamp: "timestamp"
        case .duration: "duration"
        case .null: "null"
        case .list(let element): element == .dyn ? "list" : "list of \(element.displayName)"
        case .map(let key, let value): key == .dyn && value == .dyn ? "map" : "map(\(key.displayName), \(value.displayName))"
        case .record(let record): record.displayName
        default: description
        }
    }

    /// The name of the runtime type value (`type(x)`): lists and maps lose their parameters.
    public var runtimeTypeName: String {
        switch self {
        case .list: "list"
        case .map: "map"
        case .type: "type"
        default: description
        }
    }

    public var isDynamic: Bool {
        switch self {
        case .dyn, .error, .parameter: true
        default: false
        }
    }

    public var isNumeric: Bool {
        switch self {
        case .int, .uint, .double, .decimal: true
        default: false
        }
    }
}

/// An object type whose fields are declared up front (the dossier, a table row, a program result).
///
/// Field names resolve to slot indexes when an expression is checked, so that evaluation reads an
/// array element instead of looking up a name.
public final class RecordType: Sendable, Hashable {
    public struct Field: Sendable {
        public var name: String
        public var type: CELType
        /// Optional fields may be absent in a value; reading an absent field is "missing data".
        public var optional: Bool
        public init(name: String, type: CELType, optional: Bool = false) {
            self.name = name
            self.type = type
            self.optional = optional
        }
    }

    public let name: String
    /// The name shown to users (`dossier.company`), which may differ from the unique type name.
    public let displayName: String
    public let fields: [Field]
    private let indexByName: [String: Int]

    public init(name: String, displayName: String? = nil, fields: [Field]) {
        self.name = name
        self.displayName = displayName ?? name
        self.fields = fields
        var index: [String: Int] = [:]
        for (position, field) in fields.enumerated() { index[field.name] = position }
        indexByName = index
    }

    public func index(of field: String) -> Int? { indexByName[field] }

    public static func == (lhs: RecordType, rhs: RecordType) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}

extension CELType {
    /// The most precise static type of a known value: element types of homogeneous lists and maps
    /// are kept, mixed ones become dyn.
    public static func ofConstant(_ value: Value) -> CELType {
        switch value {
        case .list(let items):
            return .list(uniform(items.map(ofConstant)))
        case .map(let map):
            return .map(uniform(map.entries.map { ofConstant($0.key) }), uniform(map.entries.map { ofConstant($0.value) }))
        default:
            return value.type
        }
    }

    private static func uniform(_ types: [CELType]) -> CELType {
        guard let first = types.first else { return .dyn }
        return types.allSatisfy { $0 == first } ? first : .dyn
    }
}
