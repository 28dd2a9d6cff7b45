internal import CSQLite

/// An error from SQLite: the extended result code, SQLite's own message and the statement's SQL.
///
/// Bound arguments are never part of the error (they may hold personal data or payloads), only
/// the SQL text with its `?` placeholders.
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The extended result code (`SQLITE_CONSTRAINT_UNIQUE` = 2067, `SQLITE_BUSY_SNAPSHOT` = 517, …).
    public var code: Int32
    public var message: String
    public var sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code: the low 8 bits of ``code`` (`SQLITE_CONSTRAINT` = 19, `SQLITE_BUSY` = 5, …).
    public var primaryCode: Int32 { code & 0xFF }

    /// `SQLITE_BUSY` or `SQLITE_LOCKED` in any variant: another connection held the lock past the busy timeout.
    public var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }

    /// A `NOT NULL`, `CHECK`, `UNIQUE`, `FOREIGN KEY` or STRICT-type (`SQLITE_CONSTRAINT_DATATYPE`) violation.
    public var isConstraintViolation: Bool { primaryCode == SQLITE_CONSTRAINT }

    public var description: String {
        "sqlite error \(code): \(message)" + (sql.map { " (in \($0))" } ?? "")
    }
}

/// A value bound to or read from an SQL statement.
enum SQLiteValue: Sendable, Hashable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Bool) { self = .integer(value ? 1 : 0) }

    var text: String? { if case .text(let s) = self { s } else { nil } }
    var integer: Int64? { if case .integer(let i) = self { i } else { nil } }
    var blob: [UInt8]? { if case .blob(let b) = self { b } else { nil } }
}

/// `PRAGMA synchronous` levels that make sense in WAL mode.
enum SynchronousMode: Int64, Sendable {
    /// The WAL is synced only at checkpoints: a power cut can lose the last commits (never corrupts).
    case normal = 1
    /// The WAL is synced at every commit: a commit that returned survives a power cut.
    case full = 2
}

/// One compiled statement (owns the `sqlite3_stmt*`; finalized in `deinit`).
///
/// Intentionally not thread safe and not `Sendable`; it lives in its connection's cache.
final class Statement {
    let handle: OpaquePointer
    let sql: String

    init(handle: OpaquePointer, sql: String) {
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }
}

@available(*, unavailable)
extension Statement: Sendable {}

/// The current row of a statement being stepped; valid only inside the closure it is passed to.
///
/// Accessors check the column's storage class, so a schema drift shows up as an error rather than
/// as a silent `0` or empty string.
struct Row {
    fileprivate let statement: OpaquePointer
    fileprivate let sql: String

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    func int64(_ column: Int32) throws(SQLiteError) -> Int64 {
        try expect(column, SQLITE_INTEGER, "INTEGER")
        return sqlite3_column_int64(statement, column)
    }

    func optionalInt64(_ column: Int32) throws(SQLiteError) -> Int64? {
        isNull(column) ? nil : try int64(column)
    }

    func int(_ column: Int32) throws(SQLiteError) -> Int { Int(try int64(column)) }

    func bool(_ column: Int32) throws(SQLiteError) -> Bool { try int64(column) != 0 }

    func text(_ column: Int32) throws(SQLiteError) -> String {
        try expect(column, SQLITE_TEXT, "TEXT")
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    func optionalText(_ column: Int32) throws(SQLiteError) -> String? {
        isNull(column) ? nil : try text(column)
    }

    func blob(_ column: Int32) throws(SQLiteError) -> [UInt8] {
        try expect(column, SQLITE_BLOB, "BLOB")
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: bytes, count: count))
    }

    func value(_ column: Int32) -> SQLiteValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(statement, column))
        case SQLITE_TEXT: return (try? text(column)).map { .text($0) } ?? .null
        case SQLITE_BLOB: return (try? blob(column)).map { .blob($0) } ?? .null
        default: return .null
        }
    }

    var columnCount: Int32 { sqlite3_column_count(statement) }

    private func expect(_ column: Int32, _ type: Int32, _ typeName: String) throws(SQLiteError) {
        let actual = sqlite3_column_type(statement, column)
        guard actual != type else { return }
        let name = sqlite3_column_name(statement, column).map { String(cString: $0) } ?? "#\(column)"
        let actualName = [SQLITE_INTEGER: "INTEGER", SQLITE_FLOAT: "REAL", SQLITE_TEXT: "TEXT", SQLITE_BLOB: "BLOB"][actual] ?? "NULL"
        throw SQLiteError(code: SQLITE_MISMATCH, message: "column \(name) holds \(actualName), expected \(typeName)", sql: sql)
    }
}

/// One SQLite connection (owns the `sqlite3*` handle and a cache of prepared statements).
///
/// Intentionally not thread safe and not `Sendable`: it is opened with `SQLITE_OPEN_NOMUTEX`, and
/// exactly one actor (``Store``) owns a connection and serialises every call on it.
final class SQLiteConnection {
    let handle: OpaquePointer
    private var statements: [String: Statement] = [:]
    private var isOpen = true

    /// Opens (creating if needed) the database at `path` in WAL mode.
    ///
    /// Sets, and reads back: `journal_mode=WAL` (throws if SQLite refuses, e.g. on a network file
    /// system), `synchronous`, `foreign_keys=ON`; also extended result codes, a busy timeout and
    /// no double-quoted string literals (a typo'd `"column"` is an error, not a string).
    init(path: String, busyTimeoutMilliseconds: Int32 = 5000, synchronous: SynchronousMode = .full) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            // A handle is usually returned even on failure; it must still be closed.
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_close(db)
            throw SQLiteError(code: status, message: message, sql: nil)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, busyTimeoutMilliseconds)
        _ = CSQLite_db_config_int(db, SQLITE_DBCONFIG_DQS_DML, 0, nil)
        _ = CSQLite_db_config_int(db, SQLITE_DBCONFIG_DQS_DDL, 0, nil)

        let mode = try query("PRAGMA journal_mode = WAL").first?.first?.text
        guard mode?.lowercased() == "wal" else {
            throw SQLiteError(code: SQLITE_ERROR, message: "could not activate WAL mode (got \(mode ?? "nothing"))")
        }
        try execute("PRAGMA synchronous = \(synchronous.rawValue); PRAGMA foreign_keys = ON")
        let synchronousNow = try query("PRAGMA synchronous").first?.first?.integer
        let foreignKeys = try query("PRAGMA foreign_keys").first?.first?.integer
        guard synchronousNow == synchronous.rawValue, foreignKeys == 1 else {
            throw SQLiteError(
                code: SQLITE_ERROR,
                message: "connection settings did not apply (synchronous=\(synchronousNow ?? -1), foreign_keys=\(foreignKeys ?? -1))")
        }
    }

    deinit {
        guard isOpen else { return }
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Finalizes every cached statement and closes the handle; reports a leaked statement or an
    /// unfinished transaction as an error (the handle is then closed lazily by SQLite).
    func close() throws(SQLiteError) {
        guard isOpen else { return }
        statements.removeAll()
        isOpen = false
        // sqlite3_close (not _v2) refuses while statements are alive, which surfaces leaks.
        let status = sqlite3_close(handle)
        if status != SQLITE_OK {
            let message = String(cString: sqlite3_errmsg(handle))
            sqlite3_close_v2(handle)
            throw SQLiteError(code: status, message: message)
        }
    }

    /// The SQLite library version (`3.40.1`).
    static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    /// `true` outside an explicit transaction (also right after SQLite rolled one back on its own).
    var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

    /// Rows changed by the last INSERT, UPDATE or DELETE (an upsert that did nothing counts 0).
    var changes: Int { Int(sqlite3_changes64(handle)) }

    /// Runs one or more statements that return no rows (no parameters; for pragmas and migrations).
    func execute(_ sql: String) throws(SQLiteError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if status != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(status))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Runs one statement (not cached) with bound parameters and returns every row.
    @discardableResult
    func query(_ sql: String, _ parameters: [SQLiteValue] = []) throws(SQLiteError) -> [[SQLiteValue]] {
        do {
            return try rows(sql, parameters, cached: false) { row in (0..<row.columnCount).map { row.value($0) } }
        } catch let error as SQLiteError {
            throw error
        } catch {
            throw SQLiteError(code: SQLITE_ERROR, message: "\(error)", sql: sql)
        }
    }

    /// Runs a statement that returns no rows (or whose rows are ignored).
    func run(_ sql: String, _ parameters: [SQLiteValue] = []) throws {
        try withStatement(sql, parameters, cached: true) { statement in
            while try step(statement) {}
        }
    }

    /// Runs a statement and decodes every row.
    func rows<T>(
        _ sql: String, _ parameters: [SQLiteValue] = [], cached: Bool = true, _ decode: (Row) throws -> T
    ) throws -> [T] {
        try withStatement(sql, parameters, cached: cached) { statement in
            var result: [T] = []
            while try step(statement) {
                result.append(try decode(Row(statement: statement.handle, sql: statement.sql)))
            }
            return result
        }
    }

    /// Runs a statement and decodes its first row, if any (the statement is reset afterwards).
    func firstRow<T>(_ sql: String, _ parameters: [SQLiteValue] = [], _ decode: (Row) throws -> T) throws -> T? {
        try withStatement(sql, parameters, cached: true) { statement in
            try step(statement) ? try decode(Row(statement: statement.handle, sql: statement.sql)) : nil
        }
    }

    /// Prepares (or takes from the cache), binds, runs `body`, then resets the statement so that
    /// it holds no read transaction open.
    private func withStatement<R>(
        _ sql: String, _ parameters: [SQLiteValue], cached: Bool, _ body: (Statement) throws -> R
    ) throws -> R {
        let statement = try prepare(sql, cached: cached)
        defer {
            sqlite3_reset(statement.handle)
            sqlite3_clear_bindings(statement.handle)
        }
        try bind(parameters, to: statement)
        return try body(statement)
    }

    private func prepare(_ sql: String, cached: Bool) throws(SQLiteError) -> Statement {
        // A cached statement still being stepped (a re-entrant use) gets a fresh one instead.
        if cached, let statement = statements[sql], sqlite3_stmt_busy(statement.handle) == 0 {
            return statement
        }
        var handle: OpaquePointer?
        let flags = cached ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let status = sqlite3_prepare_v3(self.handle, sql, -1, flags, &handle, nil)
        guard status == SQLITE_OK, let handle else { throw error(status, sql) }
        let statement = Statement(handle: handle, sql: sql)
        if cached, statements[sql] == nil { statements[sql] = statement }
        return statement
    }

    private func bind(_ parameters: [SQLiteValue], to statement: Statement) throws(SQLiteError) {
        let handle = statement.handle
        guard Int32(parameters.count) == sqlite3_bind_parameter_count(handle) else {
            throw SQLiteError(
                code: SQLITE_RANGE,
                message: "\(parameters.count) arguments for \(sqlite3_bind_parameter_count(handle)) parameters",
                sql: statement.sql)
        }
        for (index, parameter) in parameters.enumerated() {
            let position = Int32(index + 1)
            let status: Int32
            switch parameter {
            case .null: status = sqlite3_bind_null(handle, position)
            case .integer(let value): status = sqlite3_bind_int64(handle, position, value)
            case .real(let value): status = sqlite3_bind_double(handle, position, value)
            case .text(let value):
                var value = value
                status = value.withUTF8 { bytes in
                    // A nil pointer would bind NULL; the empty string needs a real (empty) buffer.
                    guard let base = bytes.baseAddress, !bytes.isEmpty else {
                        return sqlite3_bind_text(handle, position, "", 0, CSQLite_transient())
                    }
                    return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                        sqlite3_bind_text64(handle, position, $0, UInt64(bytes.count), CSQLite_transient(), UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let value):
                status = value.withUnsafeBytes { bytes in
                    // Likewise: an empty blob must be a zero-length blob, not NULL.
                    guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_zeroblob(handle, position, 0) }
                    return sqlite3_bind_blob64(handle, position, base, UInt64(bytes.count), CSQLite_transient())
                }
            }
            guard status == SQLITE_OK else { throw error(status, statement.sql) }
        }
    }

    /// Steps once: `true` for a row, `false` when done; anything else throws.
    private func step(_ statement: Statement) throws(SQLiteError) -> Bool {
        switch sqlite3_step(statement.handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status: throw error(status, statement.sql)
        }
    }

    /// With extended result codes on, `status` already is the extended code.
    private func error(_ status: Int32, _ sql: String) -> SQLiteError {
        SQLiteError(code: status, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

@available(*, unavailable)
extension SQLiteConnection: Sendable {}

extension SQLiteConnection {
    /// Runs `body` in a `BEGIN IMMEDIATE` transaction and commits it.
    ///
    /// IMMEDIATE takes the write lock up front (waiting up to the busy timeout), so a transaction
    /// that reads and then writes can never fail with `SQLITE_BUSY_SNAPSHOT` halfway through.
    /// On any error the transaction is rolled back, but only if one is still open: SQLite rolls
    /// back by itself after some errors (`SQLITE_FULL`, `SQLITE_IOERR`, `SQLITE_NOMEM`, …), and
    /// "If the transaction has already been rolled back automatically by the error response, then
    /// the ROLLBACK command will fail with an error" (lang_transaction.html). The first error is
    /// rethrown, never ROLLBACK's own.
    func inTransaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try run("COMMIT")
            return value
        } catch {
            if !isAutocommit { try? run("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` in a read (DEFERRED) transaction so that several SELECTs see one snapshot.
    func inReadTransaction<T>(_ body: () throws -> T) throws -> T {
        try run("BEGIN")
        do {
            let value = try body()
            try run("COMMIT")
            return value
        } catch {
            if !isAutocommit { try? run("ROLLBACK") }
            throw error
        }
    }
}
