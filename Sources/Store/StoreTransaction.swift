internal import CSQLite

/// The typed operations of one write transaction; see ``Store/write(_:)``.
///
/// Only valid inside the `write` body that receives it: it is noncopyable (it cannot be stored
/// or returned) and not `Sendable`. Every operation runs on the store's connection inside the
/// `BEGIN IMMEDIATE` transaction, so reads here see this transaction's own writes and no other
/// writer can interleave.
public struct StoreTransaction: ~Copyable {
    let connection: SQLiteConnection

    init(_ connection: SQLiteConnection) {
        self.connection = connection
    }

    // MARK: Dossiers

    /// Stores `new` as the dossier's next revision (1 for a new dossier id), or, when its content
    /// hash equals the dossier's latest revision's, returns that revision with `isNew == false`.
    ///
    /// The second case makes intake idempotent: a daemon killed between committing a dossier and
    /// moving its spool file takes the file in again after a restart, and nothing is duplicated.
    /// Only the latest revision is compared: content that goes back to an older version (A, B, A)
    /// is a new revision. A round named by `roundID` is created (open) if it is not known yet.
    @discardableResult
    public mutating func insertRevision(_ new: NewRevision) throws -> RevisionInsertion {
        let latest = try connection.firstRow(
            "SELECT seq, revision, content_hash FROM dossier_revisions WHERE dossier_id = ? ORDER BY revision DESC LIMIT 1",
            [.text(new.dossierID)]
        ) { row in (seq: try row.int64(0), revision: try row.int(1), hash: try row.text(2)) }
        if let latest, latest.hash == new.contentHash {
            return RevisionInsertion(seq: latest.seq, revision: latest.revision, isNew: false)
        }
        if let roundID = new.roundID { try openRound(roundID) }
        let revision = (latest?.revision ?? 0) + 1
        let seq = try connection.insertReturningID(
            """
            INSERT INTO dossier_revisions (dossier_id, revision, round_id, received_at, submitted_at, late, \
            content_hash, source_name, original, normalized, contact_email)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq
            """,
            [
                .text(new.dossierID), SQLiteValue(revision), SQLiteValue(new.roundID), .integer(new.receivedAt),
                SQLiteValue(new.submittedAt), SQLiteValue(new.late), .text(new.contentHash), .text(new.sourceName),
                .blob(new.original), .text(new.normalized), SQLiteValue(new.contactEmail),
            ])
        return RevisionInsertion(seq: seq, revision: revision, isNew: true)
    }

    // MARK: Rounds

    /// Records the round as open if the store does not know it yet (an existing round is unchanged).
    public mutating func openRound(_ id: String) throws {
        try connection.run("INSERT INTO rounds (id) VALUES (?) ON CONFLICT (id) DO NOTHING", [.text(id)])
    }

    /// Closes the round, exactly once, and audits it (`round.closed`).
    ///
    /// Call it first in the transaction that writes the round's results and notices, and write
    /// those only if it returns `true`: `false` means the round was already closed (by another
    /// process, a previous run, or an operator), and this transaction should write nothing more.
    /// An unknown round is recorded as closed.
    ///
    /// - Returns: `true` if this call closed the round.
    public mutating func closeRound(_ id: String, by closer: RoundCloser, rulesHash: String, at: Int64) throws -> Bool {
        try connection.run(
            """
            INSERT INTO rounds (id, state, closed_at, closed_by, rules_hash) VALUES (?1, 'closed', ?2, ?3, ?4)
            ON CONFLICT (id) DO UPDATE SET state = 'closed', closed_at = ?2, closed_by = ?3, rules_hash = ?4
            WHERE rounds.state = 'open'
            """,
            [.text(id), .integer(at), .text(closer.description), .text(rulesHash)])
        guard connection.changes == 1 else { return false }
        let actor: AuditActor =
            switch closer {
            case .deadline: .daemon
            case .operator(let name): .operator(name)
            }
        try connection.insertAudit(
            at: at, actor: actor, action: "round.closed",
            detailSQL: "json_object('round', ?4, 'closed_by', ?5, 'rules_hash', ?6)",
            [.text(id), .text(closer.description), .text(rulesHash)])
        return true
    }

    // MARK: Results

    /// Stores an evaluation result; the dossier revision must exist.
    ///
    /// - Returns: the result's id (insertion order).
    @discardableResult
    public mutating func insertResult(_ result: NewResult) throws -> Int64 {
        if let roundID = result.roundID { try openRound(roundID) }
        return try connection.insertReturningID(
            """
            INSERT INTO results (dossier_id, revision, program, round_id, rules_hash, outcome, result_json, \
            evaluated_at, trigger)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            [
                .text(result.dossierID), SQLiteValue(result.revision), .text(result.program), SQLiteValue(result.roundID),
                .text(result.rulesHash), .text(result.outcome), .text(result.resultJSON), .integer(result.evaluatedAt),
                .text(result.trigger.rawValue),
            ])
    }

    // MARK: Outbox

    /// Adds a notice to the outbox as `pending`, due at `entry.notBefore`.
    ///
    /// The message id is the notice's identity: if a row with this message id exists (a retried
    /// transaction, a re-intake after a crash), that row is kept exactly as it is (payload
    /// included) and its id returned with `isNew == false`; no second row is ever written.
    @discardableResult
    public mutating func enqueue(_ entry: OutboxEntry) throws -> OutboxEnqueued {
        let inserted = try connection.firstRow(
            """
            INSERT INTO outbox (channel, message_id, destination, event, dossier_id, revision, payload, state, attempts, \
            next_attempt_at, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
            ON CONFLICT (message_id) DO NOTHING RETURNING id
            """,
            [
                .text(entry.channel.rawValue), .text(entry.messageID), .text(entry.destination), .text(entry.event),
                SQLiteValue(entry.dossierID), SQLiteValue(entry.revision), .blob(entry.payload),
                .integer(entry.notBefore), .integer(entry.createdAt),
            ]
        ) { try $0.int64(0) }
        if let inserted { return OutboxEnqueued(id: inserted, isNew: true) }
        let existing = try connection.firstRow("SELECT id FROM outbox WHERE message_id = ?", [.text(entry.messageID)]) {
            try $0.int64(0)
        }
        // Only message_id can conflict (ids are AUTOINCREMENT), so the row exists.
        guard let existing else { throw SQLiteError(code: SQLITE_ERROR, message: "outbox insert ignored without a message-id conflict") }
        return OutboxEnqueued(id: existing, isNew: false)
    }

    // MARK: Audit, meta

    /// Appends to the audit log.
    ///
    /// - Parameter detail: a JSON object as text (checked by the database); never put secrets in it.
    /// - Returns: the audit row's id.
    @discardableResult
    public mutating func audit(at: Int64, actor: AuditActor, action: String, detail: String = "{}") throws -> Int64 {
        try connection.insertAudit(at: at, actor: actor, action: action, detailSQL: "?4", [.text(detail)])
    }

    /// Sets a key of the `meta` table (e.g. the rules hash in force).
    public mutating func setMeta(_ key: String, to value: String) throws {
        try connection.run(
            "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [.text(key), .text(value)])
    }

    // MARK: Reads inside the transaction

    public func meta(_ key: String) throws -> String? { try connection.meta(key) }

    public func round(_ id: String) throws -> RoundRecord? { try connection.round(id) }

    /// See ``Store/latestRevisions(round:receivedBy:)``.
    public func latestRevisions(round: String, receivedBy: Int64?) throws -> [StoredRevision] {
        try connection.latestRevisions(round: round, receivedBy: receivedBy)
    }

    public func latestRevision(dossier: String) throws -> StoredRevision? { try connection.latestRevision(dossier: dossier) }

    public func revision(dossier: String, revision: Int) throws -> StoredRevision? {
        try connection.revision(dossier: dossier, revision: revision)
    }

    public func latestResult(dossier: String, program: String) throws -> StoredResult? {
        try connection.latestResult(dossier: dossier, program: program)
    }

    public func outboxRecord(messageID: String) throws -> OutboxRecord? { try connection.outboxRecord(messageID: messageID) }
}

extension SQLiteConnection {
    /// Runs an `INSERT … RETURNING <integer>` that must insert one row, and returns the integer.
    func insertReturningID(_ sql: String, _ parameters: [SQLiteValue]) throws -> Int64 {
        guard let id = try firstRow(sql, parameters, { try $0.int64(0) }) else {
            throw SQLiteError(code: SQLITE_ERROR, message: "the insert returned no row", sql: sql)
        }
        return id
    }

    /// Inserts an audit row; `detailSQL` is an SQL expression over the parameters `?4` onwards
    /// (`json_object(…)` builds the JSON without any string escaping of our own).
    @discardableResult
    func insertAudit(
        at: Int64, actor: AuditActor, action: String, detailSQL: String, _ detailArguments: [SQLiteValue]
    ) throws -> Int64 {
        try insertReturningID(
            "INSERT INTO audit (at, actor, action, detail) VALUES (?1, ?2, ?3, \(detailSQL)) RETURNING id",
            [.integer(at), .text(actor.description), .text(action)] + detailArguments)
    }
}
