/// A run-time value of the expression language.
public enum Value: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case double(Double)
    case decimal(ExactDecimal)
    case string(String)
    case bytes([UInt8])
    case list([Value])
    case map(MapValue)
    case timestamp(Timestamp)
    case duration(TimeSpan)
    case type(CELType)
    case record(RecordValue)

    /// The runtime type, as `type(x)` reports it.
    public var type: CELType {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int: .int
        case .uint: .uint
        case .double: .double
        case .decimal: .decimal
        case .string: .string
        case .bytes: .bytes
        case .list: .list(.dyn)
        case .map: .map(.dyn, .dyn)
        case .timestamp: .timestamp
        case .duration: .duration
        case .type: .type(nil)
        case .record(let record): .record(record.type)
        }
    }

    /// CEL equality: numbers compare by value across int, uint, double and decimal; values of
    /// different kinds are unequal; never an error.
    public func isEqual(to other: Value) -> Bool { Operators.equals(self, other) }

    /// CEL ordering: -1, 0 or 1; nil when unordered (NaN); an error for values without an order.
    public func order(comparedTo other: Value) throws(EvalError) -> Int? { try Operators.compare(self, other) }
}

/// A map value: entries in insertion order plus an index by normalised key.
///
/// CEL map keys are bool, int, uint or string; an int and a uint key with the same numeric value
/// are the same key, and a double that holds an integral value finds it too.
public struct MapValue: Sendable {
    public private(set) var entries: [(key: Value, value: Value)]
    private var index: [MapKey: Int]

    public init() {
        entries = []
        index = [:]
    }

    public var count: Int { entries.count }

    /// Inserts an entry; returns false when the key is already present (CEL makes that an error).
    @discardableResult
    public mutating func insert(key: Value, value: Value) throws(EvalError) -> Bool {
        guard let normalised = MapKey(key) else {
            throw EvalError("unsupported map key type '\(key.type.displayName)'; keys must be bool, int, uint or string")
        }
        if index[normalised] != nil { return false }
        index[normalised] = entries.count
        entries.append((key, value))
        return true
    }

    /// The value for `key`, or nil when absent. Doubles and decimals with an integral value find int
    /// and uint keys.
    public func value(for key: Value) -> Value? {
        guard let normalised = MapKey(lookup: key), let position = index[normalised] else { return nil }
        return entries[position].value
    }

    public func value(forString key: String) -> Value? {
        guard let position = index[.string(key)] else { return nil }
        return entries[position].value
    }

    /// Whether `key` has a type a map key can have at all (lookups with other types are errors).
    public static func isValidKeyType(_ key: Value) -> Bool {
        switch key {
        case .bool, .int, .uint, .string, .double, .decimal: true
        default: false
        }
    }
}

/// A map key with numeric keys unified: uint values that fit int64 are stored as int.
enum MapKey: Hashable, Sendable {
    case bool(Bool)
    case int(Int64)
    case uint(UInt64)
    case string(String)

    init?(_ value: Value) {
        switch value {
        case .bool(let b): self = .bool(b)
        case .int(let i): self = .int(i)
        case .uint(let u): self = u <= UInt64(Int64.max) ? .int(Int64(u)) : .uint(u)
        case .string(let s): self = .string(s)
        default: return nil
        }
    }

    /// Lookup keys may also be doubles or decimals holding an integral value.
    init?(lookup value: Value) {
        switch value {
        case .double(let d):
            guard d.rounded(.towardZero) == d else { return nil }
            if let i = Int64(exactly: d) {
                self = .int(i)
            } else if let u = UInt64(exactly: d) {
                self = .uint(u)
            } else {
                return nil
            }
        case .decimal(let d):
            if let i = d.exactInt64 {
                self = .int(i)
            } else {
                return nil
            }
        default:
            self.init(value)
        }
    }
}

/// An object whose fields a `RecordType` declares; absent optional fields are nil.
///
/// Immutable once built, so it is shared by reference between evaluations and threads. The fields
/// live in memory the record owns, so that reading one (`field(_:)`) costs no reference counting
/// of an array buffer; evaluation reads dossier fields millions of times.
public final class RecordValue: @unchecked Sendable {
    // @unchecked: the storage is written once, in init, and only read afterwards.
    public let type: RecordType
    private let storage: UnsafeMutablePointer<Value?>
    /// For each field that holds a record, an unretained reference to it (the field keeps it
    /// alive), so that paths like `dossier.company.employees` are walked without reference counting.
    private let records: UnsafeMutablePointer<Unmanaged<RecordValue>?>
    /// Only for records with fields holding non-empty lists of records: for each field, unretained
    /// references to the records of its list (the list keeps them alive), so comprehensions over
    /// them touch no reference counts. Nil for the others (no memory spent).
    private let elementRecords: UnsafeMutablePointer<UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?>?
    public let count: Int

    public init(type: RecordType, fields: [Value?]) {
        precondition(fields.count == type.fields.count, "record \(type.name) needs \(type.fields.count) fields")
        self.type = type
        count = fields.count
        let (values, references) = RecordValue.allocate(fields.count)
        fields.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count { (values + index).initialize(to: buffer[index]) }
        }
        storage = values
        records = references
        elementRecords = RecordValue.indexReferences(values, references, fields.count)
    }

    /// A record whose fields are written by `body` into uninitialised storage of `count` fields
    /// (every one must be initialised), without building an array first.
    public init(type: RecordType, initializingWith body: (UnsafeMutablePointer<Value?>) -> Void) {
        self.type = type
        count = type.fields.count
        let (values, references) = RecordValue.allocate(type.fields.count)
        body(values)
        storage = values
        records = references
        elementRecords = RecordValue.indexReferences(values, references, type.fields.count)
    }

    private static func isListOfRecords(_ value: Value?) -> Bool {
        guard case .list(let items)? = value, !items.isEmpty else { return false }
        return items.allSatisfy { if case .record = $0 { true } else { false } }
    }

    /// Fills the unretained references to the records the fields hold; returns the table of list
    /// elements when some field holds a list of records.
    private static func indexReferences(
        _ storage: UnsafeMutablePointer<Value?>, _ records: UnsafeMutablePointer<Unmanaged<RecordValue>?>, _ count: Int
    ) -> UnsafeMutablePointer<UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?>? {
        var lists = false
        for index in 0..<count {
            if case .some(.record(let record)) = storage[index] {
                (records + index).initialize(to: Unmanaged.passUnretained(record))
            } else {
                (records + index).initialize(to: nil)
                if isListOfRecords(storage[index]) { lists = true }
            }
        }
        guard lists else { return nil }
        let table = UnsafeMutablePointer<UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?>.allocate(capacity: count)
        for index in 0..<count {
            guard isListOfRecords(storage[index]), case .some(.list(let items)) = storage[index] else {
                (table + index).initialize(to: nil)
                continue
            }
            let references = UnsafeMutableBufferPointer<Unmanaged<RecordValue>>.allocate(capacity: items.count)
            for position in items.indices {
                guard case .record(let record) = items[position] else { continue }
                (references.baseAddress! + position).initialize(to: Unmanaged.passUnretained(record))
            }
            (table + index).initialize(to: references)
        }
        return table
    }

    /// One block for both: the fields, then the record references.
    private static func allocate(_ count: Int) -> (UnsafeMutablePointer<Value?>, UnsafeMutablePointer<Unmanaged<RecordValue>?>) {
        let valuesSize = max(count, 1) * MemoryLayout<Value?>.stride
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: valuesSize + max(count, 1) * MemoryLayout<Unmanaged<RecordValue>?>.stride,
            alignment: max(MemoryLayout<Value?>.alignment, MemoryLayout<Unmanaged<RecordValue>?>.alignment))
        let values = raw.bindMemory(to: Value?.self, capacity: max(count, 1))
        let references = (raw + valuesSize).bindMemory(to: Unmanaged<RecordValue>?.self, capacity: max(count, 1))
        return (values, references)
    }

    deinit {
        // One by one: the destroy of a `Value?` is then inlined (a bulk `deinitialize(count:)` goes
        // through the generic runtime, value witness by value witness).
        for index in 0..<count { _ = (storage + index).move() }
        UnsafeMutableRawPointer(storage).deallocate()
        if let elementRecords {
            for index in 0..<count { elementRecords[index]?.deallocate() }
            elementRecords.deallocate()
        }
    }

    /// The field at a slot index (from `RecordType.index(of:)`), nil when absent.
    @inline(__always)
    public func field(_ index: Int) -> Value? { storage[index] }

    /// Whether the field at a slot index is present.
    @inline(__always)
    public func hasField(_ index: Int) -> Bool {
        switch storage[index] {
        case .none: false
        case .some: true
        }
    }

    /// The record held by the field at a slot index, unretained; nil when absent or not a record.
    @inline(__always)
    func recordField(_ index: Int) -> Unmanaged<RecordValue>? { records[index] }

    /// The records of a field holding a non-empty list of records, unretained; nil otherwise.
    @inline(__always)
    func elementRecordsOfField(_ index: Int) -> UnsafeMutableBufferPointer<Unmanaged<RecordValue>>? { elementRecords?[index] }

    /// The field's storage, for reading a value in place without copying it.
    @inline(__always)
    func fieldPointer(_ index: Int) -> UnsafePointer<Value?> { UnsafePointer(storage + index) }

    /// Every field in declaration order.
    public var fields: [Value?] { Array(UnsafeBufferPointer(start: storage, count: count)) }

    public subscript(name: String) -> Value? {
        guard let index = type.index(of: name) else { return nil }
        return storage[index]
    }
}
