/// DiaCert's database: dossiers, rounds, results, the notification outbox, webhook endpoints, the
/// audit log and settings, in one SQLite file.
///
/// One actor owns one connection and runs on its own serial queue (``SerialQueueExecutor``), so
/// blocking SQLite calls never occupy the cooperative thread pool. Methods are `async` from outside
/// and synchronous inside. Every write is one `BEGIN IMMEDIATE` transaction; ``write(_:)`` groups
/// the daemon's multi-step writes (a dossier with its audit row; a round's closing with its
/// results and notices) so that they commit together or not at all.
///
/// Durability: WAL mode with `synchronous=FULL`. In WAL mode every commit survives a crash of the
/// process whatever the setting; `FULL` also syncs the WAL at each commit, so a committed dossier
/// or outbox row survives a power cut or kernel panic too. With `NORMAL` the last commits before
/// the cut may vanish although they were acknowledged: a dossier whose receipt went out, or a
/// "sent" mark after the notice left (it would be sent again). The cost is one `fsync` per
/// transaction, irrelevant at DiaCert's volume (see delivery-reliability.md §5.1).
///
/// SQLite 3.40.1 (Debian 12) has the WAL-reset bug (fixed in 3.51.3), which needs two connections
/// writing or checkpointing at the same moment. The daemon therefore keeps exactly one `Store` (one
/// writing connection) per database file; tests use two to prove the locking, and the CLI should
/// ask the daemon rather than open the file for writing while it runs.
public actor Store {
    private let executor: SerialQueueExecutor
    private var connection: SQLiteConnection?

    /// The database file.
    public nonisolated let path: String

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    private init(path: String) {
        self.path = path
        executor = SerialQueueExecutor(label: "diacert.store")
    }

    /// Opens (creating if needed) the database at `path` and brings its schema up to date.
    ///
    /// - Parameters:
    ///   - path: the database file; its `-wal` and `-shm` files live next to it (a local file system).
    ///   - busyTimeoutMilliseconds: how long a write waits for another connection's lock before
    ///     failing with `SQLITE_BUSY`.
    /// - Throws: ``SQLiteError`` (cannot open, WAL refused), ``StoreError/schemaTooNew(found:supported:)``.
    public static func open(path: String, busyTimeoutMilliseconds: Int32 = 5000) async throws -> Store {
        let store = Store(path: path)
        try await store.connect(busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        return store
    }

    private func connect(busyTimeoutMilliseconds: Int32) throws {
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, synchronous: .full)
        try Schema.migrate(connection)
        self.connection = connection
    }

    private func database() throws -> SQLiteConnection {
        guard let connection else { throw StoreError.closed }
        return connection
    }

    /// The SQLite library in use (`3.40.1`).
    public static var sqliteVersion: String { SQLiteConnection.libraryVersion }

    /// The schema version this code creates and migrates to.
    public static var schemaVersion: Int { Schema.currentVersion }

    // MARK: - Writes

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction and commits it.
    ///
    /// If `body` throws (or the commit fails), nothing it did is kept and the first error is
    /// rethrown. Keep the body short and free of network I/O: other writers wait for it.
    ///
    /// ```swift
    /// let closed = try await store.write { tx in
    ///     guard try tx.closeRound("2027-1", by: .deadline, rulesHash: hash, at: now) else { return false }
    ///     for revision in try tx.latestRevisions(round: "2027-1", receivedBy: deadline) { … }
    ///     return true
    /// }
    /// ```
    @discardableResult
    public func write<T: Sendable>(_ body: @Sendable (inout StoreTransaction) throws -> T) throws -> T {
        let connection = try database()
        return try connection.inTransaction {
            var transaction = StoreTransaction(connection)
            return try body(&transaction)
        }
    }

    // MARK: - Dossiers

    /// Per dossier submitted to `round`, its latest revision received at or before `receivedBy`
    /// (the round's deadline when it closes), ordered by dossier id.
    ///
    /// A revision received after the cut-off is ignored and the dossier's previous revision counts;
    /// a dossier with only late revisions is absent. Pass `nil` to get the latest revision of every
    /// dossier regardless of time. Revisions of a dossier submitted to another round do not count.
    ///
    /// - Complexity: O(revisions in the round) on the `(round_id, dossier_id, revision, received_at)`
    ///   index; only the chosen revisions are read in full.
    public func latestRevisions(round: String, receivedBy: Int64?) throws -> [StoredRevision] {
        try database().latestRevisions(round: round, receivedBy: receivedBy)
    }

    public func latestRevision(dossier: String) throws -> StoredRevision? {
        try database().latestRevision(dossier: dossier)
    }

    public func revision(dossier: String, revision: Int) throws -> StoredRevision? {
        try database().revision(dossier: dossier, revision: revision)
    }

    /// Every revision of a dossier, oldest first.
    public func revisions(dossier: String) throws -> [StoredRevision] {
        try database().revisions(dossier: dossier)
    }

    // MARK: - Rounds, results, meta

    /// The round's state, or `nil` if the store has never seen it.
    public func round(_ id: String) throws -> RoundRecord? {
        try database().round(id)
    }

    /// Every known round, by id.
    public func rounds() throws -> [RoundRecord] {
        try database().allRounds()
    }

    /// The latest result (the last one stored) of a dossier in a program.
    public func latestResult(dossier: String, program: String) throws -> StoredResult? {
        try database().latestResult(dossier: dossier, program: program)
    }

    /// A dossier's results, oldest first, in every program or in one.
    public func results(dossier: String, program: String? = nil) throws -> [StoredResult] {
        try database().results(dossier: dossier, program: program)
    }

    public func meta(_ key: String) throws -> String? {
        try database().meta(key)
    }

    /// Counts for `diacert status`, from one snapshot.
    public func status() throws -> StoreStatus {
        let connection = try database()
        return try connection.inReadTransaction {
            let dossiers = try connection.firstRow("SELECT count(DISTINCT dossier_id) FROM dossier_revisions") { try $0.int(0) }
            let revisions = try connection.firstRow("SELECT count(*) FROM dossier_revisions") { try $0.int(0) }
            let rounds = try connection.rows(
                """
                SELECT round_id, count(DISTINCT dossier_id) FROM dossier_revisions GROUP BY round_id
                UNION ALL
                SELECT id, 0 FROM rounds WHERE id NOT IN (SELECT round_id FROM dossier_revisions WHERE round_id IS NOT NULL)
                ORDER BY 1
                """
            ) { StoreStatus.RoundCount(roundID: try $0.optionalText(0), dossiers: try $0.int(1)) }
            var outbox = Dictionary(uniqueKeysWithValues: OutboxState.allCases.map { ($0, 0) })
            for (state, count) in try connection.rows("SELECT state, count(*) FROM outbox GROUP BY state", [], {
                (try $0.text(0), try $0.int(1))
            }) {
                guard let state = OutboxState(rawValue: state) else {
                    throw StoreError.invalidStoredValue(column: "outbox.state", value: state)
                }
                outbox[state] = count
            }
            return StoreStatus(dossiers: dossiers ?? 0, revisions: revisions ?? 0, rounds: rounds, outbox: outbox)
        }
    }

    /// The audit log, newest first.
    public func auditLog(limit: Int = 100) throws -> [AuditRecord] {
        try database().rows(
            "SELECT \(AuditRecord.columns) FROM audit ORDER BY id DESC LIMIT ?", [SQLiteValue(limit)], AuditRecord.init)
    }

    // MARK: - Outbox: reads

    /// Outbox rows, newest first, in one state or all.
    public func outbox(state: OutboxState? = nil, limit: Int = 100) throws -> [OutboxRecord] {
        try database().rows(
            "SELECT \(OutboxRecord.columns) FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id DESC LIMIT ?2",
            [SQLiteValue(state?.rawValue), SQLiteValue(limit)], OutboxRecord.init)
    }

    public func outboxRecord(id: Int64) throws -> OutboxRecord? {
        try database().outboxRecord(id: id)
    }

    public func outboxRecord(messageID: String) throws -> OutboxRecord? {
        try database().outboxRecord(messageID: messageID)
    }

    /// Pending or sending notices per channel and destination, for finding notices no sender will take
    /// (a webhook endpoint removed from the configuration).
    public func undeliveredDestinations() throws -> [(channel: OutboxChannel, destination: String, count: Int)] {
        try database().rows(
            "SELECT channel, destination, count(*) FROM outbox WHERE state IN ('pending', 'sending') GROUP BY channel, destination ORDER BY 1, 2"
        ) { row in
            let text = try row.text(0)
            guard let channel = OutboxChannel(rawValue: text) else { throw StoreError.invalidStoredValue(column: "outbox.channel", value: text) }
            return (channel, try row.text(1), try row.int(2))
        }
    }

    /// Webhook endpoints that have a status row (disabled now or before), by URL.
    public func endpoints() throws -> [EndpointRecord] {
        try database().rows("SELECT url, disabled_at, reason FROM endpoints ORDER BY url") {
            EndpointRecord(url: try $0.text(0), disabledAt: try $0.optionalInt64(1), reason: try $0.optionalText(2))
        }
    }

    // MARK: - Outbox: delivery

    /// Leases up to `limit` due notices to `owner` and returns them, oldest due first.
    ///
    /// Due means `pending` with `next_attempt_at <= now`, or `sending` with an expired lease
    /// (`lease_until <= now`: its worker died or hung); webhooks to a disabled endpoint are
    /// skipped (they stay `pending` until the endpoint is enabled again). Each returned row is now
    /// `sending`, owned by `owner` until `now + leaseDuration`. A reclaimed expired lease counts as
    /// a finished attempt (`attempts + 1`, `last_error` says so), so that a notice that kills its
    /// worker every time still reaches the caller's attempt limit.
    ///
    /// Selection and update happen in one `BEGIN IMMEDIATE` transaction: two claimers, in one
    /// process or several, never hold the same row while its lease is valid (as long as their
    /// clocks agree on `now`).
    ///
    /// - Complexity: O(`limit` · log n): pending rows are read in `(state, next_attempt_at)` index
    ///   order and expired leases through a partial index on `lease_until`, so neither a backlog nor
    ///   many live leases slow a claim down.
    ///
    /// - Parameters:
    ///   - leaseDuration: nanoseconds; longer than a delivery attempt's timeout, with margin.
    ///   - owner: unique per worker and process run (e.g. host, pid and a random nonce).
    ///   - channel: only rows of this channel; `nil` for every channel.
    ///   - destination: only rows to this destination (a webhook URL). With `channel`, this lets each
    ///     receiver have its own sender, so a slow or dead one never holds the others back.
    public func claimDue(
        now: Int64, limit: Int, leaseDuration: Int64, owner: String, channel: OutboxChannel? = nil, destination: String? = nil
    ) throws -> [OutboxRecord] {
        guard limit > 0 else { return [] }
        guard leaseDuration > 0 else { throw StoreError.invalidArgument("the lease duration must be positive") }
        let leaseUntil = now.addingReportingOverflow(leaseDuration)
        let connection = try database()
        let claimed = try connection.inTransaction {
            try connection.rows(
                """
                WITH due (id, next_attempt_at) AS (
                    SELECT * FROM (
                        SELECT o.id, o.next_attempt_at FROM outbox AS o
                        WHERE o.state = 'pending' AND o.next_attempt_at <= ?3 AND (?5 IS NULL OR o.channel = ?5) AND (?6 IS NULL OR o.destination = ?6) AND \(Self.endpointEnabled)
                        ORDER BY o.next_attempt_at, o.id LIMIT ?4)
                    UNION ALL
                    SELECT * FROM (
                        SELECT o.id, o.next_attempt_at FROM outbox AS o INDEXED BY outbox_leases
                        WHERE o.state = 'sending' AND o.lease_until <= ?3 AND (?5 IS NULL OR o.channel = ?5) AND (?6 IS NULL OR o.destination = ?6) AND \(Self.endpointEnabled)
                        ORDER BY o.lease_until LIMIT ?4)
                )
                UPDATE outbox
                SET state = 'sending', lease_owner = ?1, lease_until = ?2,
                    attempts = attempts + (state = 'sending'),
                    last_error = CASE WHEN state = 'sending' THEN 'lease of ' || lease_owner || ' expired' ELSE last_error END
                WHERE id IN (SELECT id FROM due ORDER BY next_attempt_at, id LIMIT ?4)
                RETURNING \(OutboxRecord.columns)
                """,
                [
                    .text(owner), .integer(leaseUntil.overflow ? .max : leaseUntil.partialValue), .integer(now), SQLiteValue(limit),
                    SQLiteValue(channel?.rawValue), SQLiteValue(destination),
                ],
                OutboxRecord.init)
        }
        return claimed.sorted { ($0.nextAttemptAt, $0.id) < ($1.nextAttemptAt, $1.id) }
    }

    /// Marks a leased notice as sent.
    ///
    /// - Returns: `false` (and changes nothing) if `owner` no longer holds the row: another worker
    ///   reclaimed it after the lease expired, or an operator changed it. The notice may then go
    ///   out twice, under the same message id.
    public func markSent(_ id: Int64, owner: String, at: Int64) throws -> Bool {
        try updateLeased(id, owner: owner, "state = 'sent', sent_at = ?3, attempts = attempts + 1", [.integer(at)])
    }

    /// Records a failed attempt and schedules the next one (`attempts + 1`, back to `pending`).
    ///
    /// - Parameter error: a short description for operators; it must not contain secrets
    ///   (credentials, signatures, tokens). Kept to its first 1000 characters.
    /// - Returns: `false` if `owner` no longer holds the row.
    public func markRetry(_ id: Int64, owner: String, error: String, nextAttemptAt: Int64) throws -> Bool {
        try updateLeased(
            id, owner: owner, "state = 'pending', attempts = attempts + 1, last_error = ?3, next_attempt_at = ?4",
            [.text(Self.clipped(error)), .integer(nextAttemptAt)])
    }

    /// Gives up on a notice after a failed attempt (`attempts + 1`, `dead`; an operator can ``retry(_:at:by:)``).
    ///
    /// - Returns: `false` if `owner` no longer holds the row.
    public func markDead(_ id: Int64, owner: String, error: String) throws -> Bool {
        try updateLeased(
            id, owner: owner, "state = 'dead', attempts = attempts + 1, last_error = ?3", [.text(Self.clipped(error))])
    }

    /// Returns a leased notice to `pending` without counting an attempt (a worker stopping at
    /// SIGTERM before it started sending).
    ///
    /// - Returns: `false` if `owner` no longer holds the row.
    public func release(_ id: Int64, owner: String) throws -> Bool {
        try updateLeased(id, owner: owner, "state = 'pending'", [])
    }

    /// Releases every row `owner` holds; returns how many.
    public func releaseAll(owner: String) throws -> Int {
        let connection = try database()
        return try connection.inTransaction {
            try connection.run(
                "UPDATE outbox SET state = 'pending', lease_owner = NULL, lease_until = NULL WHERE state = 'sending' AND lease_owner = ?",
                [.text(owner)])
            return connection.changes
        }
    }

    /// Operator action: puts a `dead` notice back to `pending`, due at `at`, with its attempt count
    /// reset (the previous count and error go to the audit log as `outbox.retried`).
    ///
    /// - Returns: `false` if there is no dead notice with this id.
    public func retry(_ id: Int64, at: Int64, by actor: AuditActor) throws -> Bool {
        let connection = try database()
        return try connection.inTransaction {
            let dead = try connection.firstRow(
                "SELECT message_id, attempts, last_error FROM outbox WHERE id = ? AND state = 'dead'", [.integer(id)]
            ) { (messageID: try $0.text(0), attempts: try $0.int64(1), lastError: try $0.optionalText(2)) }
            guard let dead else { return false }
            try connection.run(
                "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?", [.integer(at), .integer(id)])
            try connection.insertAudit(
                at: at, actor: actor, action: "outbox.retried",
                detailSQL: "json_object('id', ?4, 'message_id', ?5, 'previous_attempts', ?6, 'last_error', ?7)",
                [.integer(id), .text(dead.messageID), .integer(dead.attempts), SQLiteValue(dead.lastError)])
            return true
        }
    }

    /// Stops delivery to a webhook endpoint (e.g. after `410 Gone`); its notices stay `pending`
    /// and are skipped by ``claimDue(now:limit:leaseDuration:owner:)``. Audited as `endpoint.disabled`.
    public func disableEndpoint(_ url: String, reason: String, at: Int64, by actor: AuditActor = .daemon) throws {
        let connection = try database()
        try connection.inTransaction {
            try connection.run(
                """
                INSERT INTO endpoints (url, disabled_at, reason) VALUES (?1, ?2, ?3)
                ON CONFLICT (url) DO UPDATE SET disabled_at = ?2, reason = ?3
                """,
                [.text(url), .integer(at), .text(Self.clipped(reason))])
            try connection.insertAudit(
                at: at, actor: actor, action: "endpoint.disabled", detailSQL: "json_object('url', ?4, 'reason', ?5)",
                [.text(url), .text(Self.clipped(reason))])
        }
    }

    /// Resumes delivery to a disabled endpoint. Audited as `endpoint.enabled`.
    public func enableEndpoint(_ url: String, at: Int64, by actor: AuditActor) throws {
        let connection = try database()
        try connection.inTransaction {
            try connection.run("UPDATE endpoints SET disabled_at = NULL, reason = NULL WHERE url = ?", [.text(url)])
            try connection.insertAudit(
                at: at, actor: actor, action: "endpoint.enabled", detailSQL: "json_object('url', ?4)", [.text(url)])
        }
    }

    /// An outbox row `o` is not a webhook to a disabled endpoint.
    private static let endpointEnabled = """
        NOT (o.channel = 'webhook' AND EXISTS (SELECT 1 FROM endpoints AS e WHERE e.url = o.destination AND e.disabled_at IS NOT NULL))
        """

    /// One `UPDATE … SET <assignments>, lease cleared WHERE id = ?1 AND state = 'sending' AND lease_owner = ?2`;
    /// `assignments` may use the parameters `?3` onwards.
    private func updateLeased(_ id: Int64, owner: String, _ assignments: String, _ arguments: [SQLiteValue]) throws -> Bool {
        let connection = try database()
        return try connection.inTransaction {
            try connection.run(
                """
                UPDATE outbox SET \(assignments), lease_owner = NULL, lease_until = NULL
                WHERE id = ?1 AND state = 'sending' AND lease_owner = ?2
                """,
                [.integer(id), .text(owner)] + arguments)
            return connection.changes == 1
        }
    }

    private static func clipped(_ text: String) -> String {
        text.count <= 1000 ? text : String(text.prefix(1000))
    }

    // MARK: - Maintenance

    /// The problems `PRAGMA integrity_check` and `PRAGMA foreign_key_check` report; empty if none.
    public func integrityCheck() throws -> [String] {
        let connection = try database()
        let integrity = try connection.rows("PRAGMA integrity_check", [], cached: false) { try $0.text(0) }
        let foreignKeys = try connection.rows("PRAGMA foreign_key_check", [], cached: false) { row in
            "foreign key violation: \(try row.text(0)) row \(try row.optionalInt64(1).map(String.init) ?? "?") → \(try row.text(2))"
        }
        return integrity.filter { $0 != "ok" } + foreignKeys
    }

    /// Copies the WAL into the database file and truncates the WAL to zero bytes.
    ///
    /// - Returns: `false` if a reader on another connection kept part of the WAL from being copied
    ///   (it is copied at a later checkpoint; nothing is lost).
    @discardableResult
    public func checkpoint() throws -> Bool {
        let result = try database().query("PRAGMA wal_checkpoint(TRUNCATE)").first
        return result?.first?.integer == 0
    }

    /// Checkpoints (TRUNCATE) and closes the connection; later calls throw ``StoreError/closed``.
    ///
    /// Call it at a clean shutdown, after the workers stopped. The connection is closed even if the
    /// checkpoint fails; the first error is rethrown.
    public func close() throws {
        guard let connection else { return }
        self.connection = nil
        var firstError: (any Error)?
        do {
            try connection.execute("PRAGMA optimize")
            _ = try connection.query("PRAGMA wal_checkpoint(TRUNCATE)")
        } catch {
            firstError = error
        }
        do { try connection.close() } catch { firstError = firstError ?? error }
        if let firstError { throw firstError }
    }
}
