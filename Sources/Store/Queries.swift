// Row decoding and the reads shared by `Store` (each in its own snapshot) and `StoreTransaction`
// (inside the write transaction).

extension StoredRevision {
    static let columns = """
        seq, revision, dossier_id, round_id, received_at, submitted_at, late, content_hash, source_name, original, \
        normalized, contact_email
        """

    init(_ row: Row) throws {
        self.init(
            seq: try row.int64(0), revision: try row.int(1), dossierID: try row.text(2), roundID: try row.optionalText(3),
            receivedAt: try row.int64(4), submittedAt: try row.optionalInt64(5), late: try row.bool(6),
            contentHash: try row.text(7), sourceName: try row.text(8), original: try row.blob(9),
            normalized: try row.text(10), contactEmail: try row.optionalText(11))
    }
}

extension RoundRecord {
    static let columns = "id, state, closed_at, closed_by, rules_hash"

    init(_ row: Row) throws {
        let state = try row.text(1)
        let closedBy = try row.optionalText(3)
        self.init(
            id: try row.text(0), state: try decode(RoundState(rawValue: state), "rounds.state", state),
            closedAt: try row.optionalInt64(2),
            closedBy: try closedBy.map { try decode(RoundCloser(stored: $0), "rounds.closed_by", $0) },
            rulesHash: try row.optionalText(4))
    }
}

extension StoredResult {
    static let columns = """
        id, dossier_id, revision, program, round_id, rules_hash, outcome, result_json, evaluated_at, trigger
        """

    init(_ row: Row) throws {
        let trigger = try row.text(9)
        self.init(
            id: try row.int64(0), dossierID: try row.text(1), revision: try row.int(2), program: try row.text(3),
            roundID: try row.optionalText(4), rulesHash: try row.text(5), outcome: try row.text(6),
            resultJSON: try row.text(7), evaluatedAt: try row.int64(8),
            trigger: try decode(EvaluationTrigger(rawValue: trigger), "results.trigger", trigger))
    }
}

extension OutboxRecord {
    static let columns = """
        id, channel, message_id, destination, event, dossier_id, revision, payload, state, attempts, next_attempt_at, \
        lease_owner, lease_until, last_error, created_at, sent_at
        """

    init(_ row: Row) throws {
        let channel = try row.text(1)
        let state = try row.text(8)
        self.init(
            id: try row.int64(0), channel: try decode(OutboxChannel(rawValue: channel), "outbox.channel", channel),
            messageID: try row.text(2), destination: try row.text(3), event: try row.text(4),
            dossierID: try row.optionalText(5), revision: try row.optionalInt64(6).map { Int($0) },
            payload: try row.blob(7), state: try decode(OutboxState(rawValue: state), "outbox.state", state),
            attempts: try row.int(9), nextAttemptAt: try row.int64(10), leaseOwner: try row.optionalText(11),
            leaseUntil: try row.optionalInt64(12), lastError: try row.optionalText(13), createdAt: try row.int64(14),
            sentAt: try row.optionalInt64(15))
    }
}

extension AuditRecord {
    static let columns = "id, at, actor, action, detail"

    init(_ row: Row) throws {
        self.init(
            id: try row.int64(0), at: try row.int64(1), actor: try row.text(2), action: try row.text(3),
            detail: try row.text(4))
    }
}

private func decode<T>(_ value: T?, _ column: String, _ stored: String) throws -> T {
    guard let value else { throw StoreError.invalidStoredValue(column: column, value: stored) }
    return value
}

extension SQLiteConnection {
    // MARK: Revisions

    func latestRevision(dossier: String) throws -> StoredRevision? {
        try firstRow(
            "SELECT \(StoredRevision.columns) FROM dossier_revisions WHERE dossier_id = ? ORDER BY revision DESC LIMIT 1",
            [.text(dossier)], StoredRevision.init)
    }

    func revision(dossier: String, revision: Int) throws -> StoredRevision? {
        try firstRow(
            "SELECT \(StoredRevision.columns) FROM dossier_revisions WHERE dossier_id = ? AND revision = ?",
            [.text(dossier), SQLiteValue(revision)], StoredRevision.init)
    }

    func revisions(dossier: String) throws -> [StoredRevision] {
        try rows(
            "SELECT \(StoredRevision.columns) FROM dossier_revisions WHERE dossier_id = ? ORDER BY revision",
            [.text(dossier)], StoredRevision.init)
    }

    /// Per dossier of `round`, its highest revision among those received at or before `receivedBy`
    /// (all of the round's revisions when `nil`), ordered by dossier id.
    ///
    /// The choice is made on the covering index alone; only the chosen rows' bodies are read.
    func latestRevisions(round: String, receivedBy: Int64?) throws -> [StoredRevision] {
        try rows(
            """
            SELECT \(StoredRevision.columns) FROM (
                SELECT seq AS chosen, dossier_id AS chosen_dossier,
                       row_number() OVER (PARTITION BY dossier_id ORDER BY revision DESC) AS newest
                FROM dossier_revisions
                WHERE round_id = ?1 AND (?2 IS NULL OR received_at <= ?2)
            ) JOIN dossier_revisions ON seq = chosen
            WHERE newest = 1 ORDER BY chosen_dossier
            """,
            [.text(round), SQLiteValue(receivedBy)], StoredRevision.init)
    }

    // MARK: Rounds, results, meta

    func round(_ id: String) throws -> RoundRecord? {
        try firstRow("SELECT \(RoundRecord.columns) FROM rounds WHERE id = ?", [.text(id)], RoundRecord.init)
    }

    func allRounds() throws -> [RoundRecord] {
        try rows("SELECT \(RoundRecord.columns) FROM rounds ORDER BY id", [], RoundRecord.init)
    }

    func latestResult(dossier: String, program: String) throws -> StoredResult? {
        try firstRow(
            "SELECT \(StoredResult.columns) FROM results WHERE dossier_id = ? AND program = ? ORDER BY id DESC LIMIT 1",
            [.text(dossier), .text(program)], StoredResult.init)
    }

    func results(dossier: String, program: String?) throws -> [StoredResult] {
        try rows(
            """
            SELECT \(StoredResult.columns) FROM results
            WHERE dossier_id = ?1 AND (?2 IS NULL OR program = ?2) ORDER BY id
            """,
            [.text(dossier), SQLiteValue(program)], StoredResult.init)
    }

    func meta(_ key: String) throws -> String? {
        try firstRow("SELECT value FROM meta WHERE key = ?", [.text(key)]) { try $0.text(0) }
    }

    // MARK: Outbox

    func outboxRecord(id: Int64) throws -> OutboxRecord? {
        try firstRow("SELECT \(OutboxRecord.columns) FROM outbox WHERE id = ?", [.integer(id)], OutboxRecord.init)
    }

    func outboxRecord(messageID: String) throws -> OutboxRecord? {
        try firstRow(
            "SELECT \(OutboxRecord.columns) FROM outbox WHERE message_id = ?", [.text(messageID)], OutboxRecord.init)
    }
}
