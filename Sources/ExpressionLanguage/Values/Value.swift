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
    /// For each field that holds a non-empty list of records only, unretained references to those
    /// records (the list keeps them alive), so comprehensions over them touch no reference counts.
    private let elementRecords: UnsafeMutablePointer<UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?>
    /// For each field that holds a non-empty list of other values (strings, numbers), a copy of
    /// the items in memory the record owns, read in place by comprehensions.
    private let elementValues: UnsafeMutablePointer<UnsafeMutableBufferPointer<Value>?>
    public let count: Int

    public init(type: RecordType, fields: [Value?]) {
        precondition(fields.count == type.fields.count, "record \(type.name) needs \(type.fields.count) fields")
        self.type = type
        count = fields.count
        (storage, records, elementRecords, elementValues) = RecordValue.allocate(fields.count)
        fields.withUnsafeBufferPointer { buffer in
            for index in 0..<buffer.count { (storage + index).initialize(to: buffer[index]) }
        }
        indexReferences()
    }

    /// A record whose fields are written by `body` into uninitialised storage of `count` fields
    /// (every one must be initialised), without building an array first.
    public init(type: RecordType, initializingWith body: (UnsafeMutablePointer<Value?>) -> Void) {
        self.type = type
        count = type.fields.count
        (storage, records, elementRecords, elementValues) = RecordValue.allocate(count)
        body(storage)
        indexReferences()
    }

    /// Fills the unretained references to the records the fields hold.
    private func indexReferences() {
        for index in 0..<count {
            (elementValues + index).initialize(to: nil)
            switch storage[index] {
            case .some(.record(let record)):
                (records + index).initialize(to: Unmanaged.passUnretained(record))
                (elementRecords + index).initialize(to: nil)
            case .some(.list(let items)) where !items.isEmpty && items.allSatisfy({ if case .record = $0 { true } else { false } }):
                (records + index).initialize(to: nil)
                let references = UnsafeMutableBufferPointer<Unmanaged<RecordValue>>.allocate(capacity: items.count)
                for position in items.indices {
                    guard case .record(let record) = items[position] else { continue }
                    (references.baseAddress! + position).initialize(to: Unmanaged.passUnretained(record))
                }
                (elementRecords + index).initialize(to: references)
            case .some(.list(let items)) where !items.isEmpty:
                (records + index).initialize(to: nil)
                (elementRecords + index).initialize(to: nil)
                let copy = UnsafeMutableBufferPointer<Value>.allocate(capacity: items.count)
                _ = copy.initialize(from: items)
                elementValues[index] = copy
            default:
                (records + index).initialize(to: nil)
                (elementRecords + index).initialize(to: nil)
            }
        }
    }

    /// One block for all four: the fields, the record references, the element tables.
    private static func allocate(_ count: Int) -> (
        UnsafeMutablePointer<Value?>, UnsafeMutablePointer<Unmanaged<RecordValue>?>,
        UnsafeMutablePointer<UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?>, UnsafeMutablePointer<UnsafeMutableBufferPointer<Value>?>
    ) {
        let slots = max(count, 1)
        let valuesSize = slots * MemoryLayout<Value?>.stride
        let referencesSize = slots * MemoryLayout<Unmanaged<RecordValue>?>.stride
        let elementsSize = slots * MemoryLayout<UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?>.stride
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: valuesSize + referencesSize + elementsSize + slots * MemoryLayout<UnsafeMutableBufferPointer<Value>?>.stride,
            alignment: max(MemoryLayout<Value?>.alignment, MemoryLayout<UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?>.alignment))
        let values = raw.bindMemory(to: Value?.self, capacity: slots)
        let references = (raw + valuesSize).bindMemory(to: Unmanaged<RecordValue>?.self, capacity: slots)
        let elements = (raw + valuesSize + referencesSize).bindMemory(to: UnsafeMutableBufferPointer<Unmanaged<RecordValue>>?.self, capacity: slots)
        let items = (raw + valuesSize + referencesSize + elementsSize).bindMemory(to: UnsafeMutableBufferPointer<Value>?.self, capacity: slots)
        return (values, references, elements, items)
    }

    deinit {
        // One by one: the destroy of a `Value?` is then inlined (a bulk `deinitialize(count:)` goes
        // through the generic runtime, value witness by value witness).
        for index in 0..<count {
            _ = (storage + index).move()
            elementRecords[index]?.deallocate()
            if let items = elementValues[index] {
                items.baseAddress!.deinitialize(count: items.count)
                items.deallocate()
            }
        }
        UnsafeMutableRawPointer(storage).deallocate()
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
    func elementRecordsOfField(_ index: Int) -> UnsafeMutableBufferPointer<Unmanaged<RecordValue>>? { elementRecords[index] }

    /// The items of a field holding a non-empty list of values other than records, in memory the
    /// record owns; nil otherwise.
    @inline(__always)
    func elementValuesOfField(_ index: Int) -> UnsafeMutableBufferPointer<Value>? { elementValues[index] }

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
