import Foundation
import Testing

@testable import Store

/// The store on real SQLite files: schema, transactions, dossiers, rounds, results, outbox, status.
@Suite struct StoreTests {}

// MARK: - Schema and connection

extension StoreTests {
    @Test func migratesAnEmptyFileAndReopensWithoutMigratingAgain() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            try await store.write { tx in try tx.setMeta("rules_hash", to: "abc") }
            try await store.close()

            let raw = try SQLiteConnection(path: path)
            #expect(try raw.query("PRAGMA user_version") == [[.integer(Int64(Store.schemaVersion))]])
            #expect(try raw.query("PRAGMA journal_mode") == [[.text("wal")]])
            // Every table of ours is STRICT.
            let tables = try raw.query("SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'")
            #expect(Set(tables.compactMap { $0.first?.text }) == ["meta", "rounds", "dossier_revisions", "results", "outbox", "endpoints", "audit"])
            #expect(tables.allSatisfy { $0.last == .integer(1) })

            let reopened = try await Store.open(path: path)
            #expect(try await reopened.meta("rules_hash") == "abc")
            #expect(try await reopened.integrityCheck() == [])
        }
    }

    @Test func connectionsUseWALWithSynchronousFullAndForeignKeys() async throws {
        try await withTemporaryDatabase { path in
            let raw = try SQLiteConnection(path: path)
            #expect(try raw.query("PRAGMA journal_mode") == [[.text("wal")]])
            #expect(try raw.query("PRAGMA synchronous") == [[.integer(SynchronousMode.full.rawValue)]])
            #expect(try raw.query("PRAGMA foreign_keys") == [[.integer(1)]])
            // Double-quoted string literals are off: "x" names a column, so this is an error.
            #expect(throws: SQLiteError.self) { try raw.query(#"SELECT "no such column""#) }
        }
    }

    @Test func refusesADatabaseFromANewerVersion() async throws {
        try await withTemporaryDatabase { path in
            _ = try await Store.open(path: path)
            try SQLiteConnection(path: path).execute("PRAGMA user_version = 99")
            await #expect(throws: StoreError.schemaTooNew(found: 99, supported: Store.schemaVersion)) {
                _ = try await Store.open(path: path)
            }
        }
    }

    @Test func strictTablesAndChecksRejectWrongValues() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let raw = try SQLiteConnection(path: path)
            // STRICT: text in an INTEGER column.
            let datatype = #expect(throws: SQLiteError.self) {
                try raw.query("INSERT INTO audit (at, actor, action, detail) VALUES ('yesterday', 'daemon', 'x', '{}')")
            }
            #expect(datatype?.code == 3091)  // SQLITE_CONSTRAINT_DATATYPE
            #expect(datatype?.isConstraintViolation == true)
            // CHECK: a content hash must be lower-case hex; JSON must be JSON.
            await #expect(throws: SQLiteError.self) {
                try await store.write { tx in try tx.insertRevision(StoreFixture.revision("A", hash: "ABC")) }
            }
            var broken = StoreFixture.revision("A")
            broken.normalized = "{not json"
            let brokenCopy = broken
            await #expect(throws: SQLiteError.self) { try await store.write { tx in try tx.insertRevision(brokenCopy) } }
            // Vocabulary checks.
            #expect(throws: SQLiteError.self) { try raw.query("INSERT INTO rounds (id, state) VALUES ('r', 'ajar')") }
            #expect(throws: SQLiteError.self) {
                try raw.query("INSERT INTO audit (at, actor, action, detail) VALUES (1, 'someone', 'x', '{}')")
            }
            #expect(try await store.status().revisions == 0)
        }
    }

    @Test func aFailedWriteKeepsNothingAndRethrowsTheFirstError() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            await #expect(throws: DeliberateFailure.self) {
                try await store.write { tx in
                    try tx.insertRevision(StoreFixture.revision("A"))
                    try tx.enqueue(StoreFixture.email("<a@t>"))
                    throw DeliberateFailure()
                }
            }
            // A failing statement halfway: the statement's error, and the earlier insert is gone too.
            let error = await #expect(throws: SQLiteError.self) {
                try await store.write { tx in
                    try tx.insertRevision(StoreFixture.revision("B"))
                    try tx.insertResult(StoreFixture.result("no-such-dossier"))
                }
            }
            #expect(error?.code == 787)  // SQLITE_CONSTRAINT_FOREIGNKEY
            let status = try await store.status()
            #expect(status.revisions == 0)
            #expect(status.outbox[.pending] == 0)
            // The connection is usable afterwards (no transaction left open).
            #expect(try await store.write { tx in try tx.insertRevision(StoreFixture.revision("A")).revision } == 1)
        }
    }

    @Test func emptyBlobsAndStringsStayEmptyNotNull() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            var revision = StoreFixture.revision("A")
            revision.original = []
            revision.sourceName = ""
            let stored = revision
            try await store.write { tx in
                try tx.insertRevision(stored)
                try tx.enqueue(OutboxEntry(
                    channel: .webhook, messageID: "w", destination: "https://x.example", event: "e", dossierID: nil,
                    revision: nil, payload: [], createdAt: 0))
            }
            let read = try #require(try await store.latestRevision(dossier: "A"))
            #expect(read.original == [])
            #expect(read.sourceName == "")
            #expect(try await store.outboxRecord(messageID: "w")?.payload == [])
        }
    }

    @Test func aClosedStoreRefusesWorkAndLeavesNoWAL() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            try await store.write { tx in try tx.insertRevision(StoreFixture.revision("A")) }
            try await store.close()
            try await store.close()  // idempotent
            await #expect(throws: StoreError.closed) { _ = try await store.status() }
            // Checkpointed: the last connection to close removes the WAL (or leaves it empty).
            let wal = try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
            #expect(wal == nil || wal == 0)
        }
    }
}

// MARK: - Dossier revisions

extension StoreTests {
    @Test func revisionsAreNumberedPerDossierAndSameContentIsNotStoredTwice() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let inserted = try await store.write { tx in
                [
                    try tx.insertRevision(StoreFixture.revision("A", hash: "a1")),
                    try tx.insertRevision(StoreFixture.revision("B", hash: "b1")),
                    try tx.insertRevision(StoreFixture.revision("A", hash: "a2")),
                    try tx.insertRevision(StoreFixture.revision("A", hash: "a2")),  // same content again
                    try tx.insertRevision(StoreFixture.revision("A", hash: "a1")),  // back to the first content
                ]
            }
            #expect(inserted.map(\.revision) == [1, 1, 2, 2, 3])
            #expect(inserted.map(\.isNew) == [true, true, true, false, true])
            #expect(inserted[3].seq == inserted[2].seq)
            #expect(inserted.map(\.seq) == [1, 2, 3, 3, 4])

            // Idempotent re-intake in a later transaction (after a crash before the spool file moved).
            let again = try await store.write { tx in try tx.insertRevision(StoreFixture.revision("A", hash: "a1")) }
            #expect(again.isNew == false && again.revision == 3 && again.seq == 4)

            let history = try await store.revisions(dossier: "A")
            #expect(history.map(\.revision) == [1, 2, 3])
            #expect(history.map(\.contentHash) == ["a1", "a2", "a1"])
            let second = try #require(try await store.revision(dossier: "A", revision: 2))
            #expect(second == history[1])
            #expect(second.original == Array("dossier A a2\n".utf8))
            #expect(second.contactEmail == "info@a.example.jp")
            #expect(second.submittedAt == 999)
            #expect(try await store.revision(dossier: "A", revision: 4) == nil)
            #expect(try await store.latestRevision(dossier: "C") == nil)
            #expect(try await store.round("2027-1")?.state == .open)  // created by the first revision
        }
    }

    @Test func theLatestRevisionReceivedByTheDeadlineCounts() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let deadline: Int64 = 20
            try await store.write { tx in
                try tx.insertRevision(StoreFixture.revision("X", at: 10, hash: "01"))
                try tx.insertRevision(StoreFixture.revision("X", at: 20, hash: "02"))  // exactly at the deadline: counts
                try tx.insertRevision(StoreFixture.revision("X", at: 30, hash: "03", late: true))
                try tx.insertRevision(StoreFixture.revision("Y", at: 25, hash: "01", late: true))  // only late
                try tx.insertRevision(StoreFixture.revision("Z", at: 5, hash: "01"))
                try tx.insertRevision(StoreFixture.revision("W", round: "2027-2", at: 5, hash: "01"))  // other round
                try tx.insertRevision(StoreFixture.revision("R", round: nil, at: 5, hash: "01"))  // rolling
            }
            let onTime = try await store.latestRevisions(round: "2027-1", receivedBy: deadline)
            #expect(onTime.map(\.dossierID) == ["X", "Z"])
            #expect(onTime.map(\.revision) == [2, 1])
            let all = try await store.latestRevisions(round: "2027-1", receivedBy: nil)
            #expect(all.map(\.dossierID) == ["X", "Y", "Z"])
            #expect(all.map(\.revision) == [3, 1, 1])
            #expect(all.map(\.late) == [true, true, false])
            // The same selection inside a write transaction.
            let inside = try await store.write { tx in try tx.latestRevisions(round: "2027-1", receivedBy: deadline) }
            #expect(inside == onTime)
        }
    }
}

// MARK: - Rounds and results

extension StoreTests {
    @Test func aRoundClosesExactlyOnceAndIsAudited() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            try await store.write { tx in try tx.insertRevision(StoreFixture.revision("A")) }
            let first = try await store.write { tx in
                try tx.closeRound("2027-1", by: .operator("sato"), rulesHash: "h1", at: 5_000)
            }
            let second = try await store.write { tx in try tx.closeRound("2027-1", by: .deadline, rulesHash: "h2", at: 6_000) }
            #expect(first == true)
            #expect(second == false)
            let round = try #require(try await store.round("2027-1"))
            #expect(round == RoundRecord(id: "2027-1", state: .closed, closedAt: 5_000, closedBy: .operator("sato"), rulesHash: "h1"))

            // A round the store never saw is recorded as closed.
            #expect(try await store.write { tx in try tx.closeRound("2026-9", by: .deadline, rulesHash: "h0", at: 1) })
            #expect(try await store.rounds().map(\.id) == ["2026-9", "2027-1"])
            #expect(try await store.rounds().map(\.closedBy) == [.deadline, .operator("sato")])

            let audit = try await store.auditLog().filter { $0.action == "round.closed" }
            #expect(audit.count == 2)
            #expect(audit.last?.actor == "operator:sato")
            #expect(audit.last?.detail == #"{"round":"2027-1","closed_by":"operator:sato","rules_hash":"h1"}"#)
            #expect(audit.first?.actor == "daemon")
        }
    }

    @Test func resultsKeepHistoryAndTheLatestPerProgram() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            try await store.write { tx in
                try tx.insertRevision(StoreFixture.revision("A", hash: "01"))
                try tx.insertRevision(StoreFixture.revision("A", hash: "02"))
                try tx.insertResult(StoreFixture.result("A", revision: 1, outcome: "not_certified", at: 10))
                try tx.insertResult(StoreFixture.result("A", revision: 1, program: "loan", round: nil, outcome: "eligible", trigger: .arrival))
                try tx.insertResult(StoreFixture.result("A", revision: 2, outcome: "certified", at: 5, trigger: .operator))
            }
            let latest = try #require(try await store.latestResult(dossier: "A", program: "certification"))
            // The last stored, even though its evaluated_at is earlier (clocks may step back).
            #expect(latest.revision == 2 && latest.outcome == "certified" && latest.trigger == .operator)
            #expect(try await store.latestResult(dossier: "A", program: "loan")?.outcome == "eligible")
            #expect(try await store.latestResult(dossier: "A", program: "award") == nil)
            #expect(try await store.results(dossier: "A").map(\.outcome) == ["not_certified", "eligible", "certified"])
            #expect(try await store.results(dossier: "A", program: "certification").map(\.revision) == [1, 2])
            #expect(try await store.results(dossier: "A").first?.resultJSON == #"{"outcome":"not_certified"}"#)
        }
    }

    @Test func metaAuditAndStatusCounts() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            try await store.write { tx in
                try tx.setMeta("rules_hash", to: "h1")
                try tx.setMeta("rules_hash", to: "h2")
                try tx.openRound("2027-3")
                try tx.insertRevision(StoreFixture.revision("A", hash: "01"))
                try tx.insertRevision(StoreFixture.revision("A", hash: "02"))
                try tx.insertRevision(StoreFixture.revision("B", round: "2027-2"))
                try tx.insertRevision(StoreFixture.revision("C", round: nil))
                try tx.enqueue(StoreFixture.email("<1@t>"))
                try tx.enqueue(StoreFixture.email("<2@t>"))
                try tx.audit(at: 7, actor: .operator("sato"), action: "rules.reloaded", detail: #"{"hash":"h2"}"#)
                #expect(try tx.meta("rules_hash") == "h2")
            }
            #expect(try await store.meta("rules_hash") == "h2")
            #expect(try await store.meta("absent") == nil)
            _ = try await store.claimDue(now: 1_000, limit: 1, leaseDuration: 10, owner: "w")

            let status = try await store.status()
            #expect(status.dossiers == 3)
            #expect(status.revisions == 4)
            #expect(
                status.rounds == [
                    .init(roundID: nil, dossiers: 1), .init(roundID: "2027-1", dossiers: 1),
                    .init(roundID: "2027-2", dossiers: 1), .init(roundID: "2027-3", dossiers: 0),
                ])
            #expect(status.outbox == [.pending: 1, .sending: 1, .sent: 0, .dead: 0])

            let audit = try #require(try await store.auditLog(limit: 1).first)
            #expect(audit.actor == "operator:sato" && audit.action == "rules.reloaded" && audit.at == 7)
            #expect(audit.detail == #"{"hash":"h2"}"#)
            await #expect(throws: SQLiteError.self) {
                try await store.write { tx in try tx.audit(at: 1, actor: .daemon, action: "x", detail: "not json") }
            }
        }
    }
}

// MARK: - Outbox

extension StoreTests {
    @Test func enqueueDeduplicatesByMessageID() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let first = try await store.write { tx in try tx.enqueue(StoreFixture.email("<x@t>")) }
            var changed = StoreFixture.email("<x@t>", at: 9_999)
            changed.payload = Array("another rendering".utf8)
            let changedCopy = changed
            let second = try await store.write { tx in try tx.enqueue(changedCopy) }
            #expect(first.isNew && !second.isNew)
            #expect(first.id == second.id)
            let record = try #require(try await store.outboxRecord(id: first.id))
            #expect(record.payload == StoreFixture.email("<x@t>").payload)  // the first row is kept unchanged
            #expect(record.createdAt == 1_000)
            #expect(try await store.outbox().count == 1)
        }
    }

    @Test func claimLeasesDueRowsAndOnlyTheOwnerCanFinishThem() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let ids = try await StoreFixture.enqueueEmails(store, count: 3, at: 100)
            let later = try await store.write { tx in try tx.enqueue(StoreFixture.email("<later@t>", at: 500)).id }

            #expect(try await store.claimDue(now: 99, limit: 10, leaseDuration: 50, owner: "w1").isEmpty)  // nothing due yet
            let claimed = try await store.claimDue(now: 100, limit: 2, leaseDuration: 50, owner: "w1")
            #expect(claimed.map(\.id) == Array(ids.prefix(2)))
            #expect(claimed.allSatisfy { $0.state == .sending && $0.leaseOwner == "w1" && $0.leaseUntil == 150 && $0.attempts == 0 })
            #expect(claimed.first?.payload == StoreFixture.email("<m0@t>").payload)

            // The live leases are not handed out again; the third row is.
            #expect(try await store.claimDue(now: 149, limit: 10, leaseDuration: 50, owner: "w2").map(\.id) == [ids[2]])
            #expect(try await store.markSent(ids[0], owner: "w2", at: 120) == false)  // not w2's
            #expect(try await store.markSent(ids[0], owner: "w1", at: 120) == true)
            #expect(try await store.markSent(ids[0], owner: "w1", at: 121) == false)  // already sent
            let sent = try #require(try await store.outboxRecord(id: ids[0]))
            #expect(sent.state == .sent && sent.sentAt == 120 && sent.attempts == 1 && sent.leaseOwner == nil && sent.leaseUntil == nil)
            #expect(sent.messageID == "<m0@t>")
            #expect(try await store.outbox(state: .sent).map(\.id) == [ids[0]])
            #expect(try await store.outbox(state: .sending).map(\.id) == [ids[2], ids[1]])
            #expect(try await store.outbox().map(\.id) == [later, ids[2], ids[1], ids[0]])
            #expect(try await store.outbox(limit: 1).map(\.id) == [later])
        }
    }

    @Test func anExpiredLeaseIsReclaimedAndCountsAnAttempt() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let id = try #require(try await StoreFixture.enqueueEmails(store, count: 1, at: 100).first)
            #expect(try await store.claimDue(now: 100, limit: 1, leaseDuration: 50, owner: "dead-worker").map(\.id) == [id])
            #expect(try await store.claimDue(now: 149, limit: 1, leaseDuration: 50, owner: "w2").isEmpty)  // still valid

            let reclaimed = try await store.claimDue(now: 150, limit: 1, leaseDuration: 50, owner: "w2")
            #expect(reclaimed.map(\.id) == [id])
            #expect(reclaimed.first?.leaseOwner == "w2" && reclaimed.first?.leaseUntil == 200)
            #expect(reclaimed.first?.attempts == 1)
            #expect(reclaimed.first?.lastError == "lease of dead-worker expired")
            // The worker that lost its lease can no longer finish the row; the new owner can.
            #expect(try await store.markSent(id, owner: "dead-worker", at: 160) == false)
            #expect(try await store.markRetry(id, owner: "dead-worker", error: "x", nextAttemptAt: 0) == false)
            #expect(try await store.release(id, owner: "dead-worker") == false)
            #expect(try await store.markSent(id, owner: "w2", at: 160) == true)
        }
    }

    @Test func aClaimTakesTheOldestDueRowsWithinItsLimit() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let early = try await StoreFixture.enqueueEmails(store, count: 2, at: 10)  // leased below, then expired
            let ids = try await store.write { tx in
                try [300, 100, 200, 400].map { try tx.enqueue(StoreFixture.email("<due\($0)@t>", at: Int64($0))).id }
            }
            #expect(try await store.claimDue(now: 10, limit: 2, leaseDuration: 100, owner: "dead").map(\.id) == early)
            // At 250: the two expired leases (due at 10) and the rows due at 100 and 200 qualify.
            let claimed = try await store.claimDue(now: 250, limit: 3, leaseDuration: 100, owner: "w")
            #expect(claimed.map(\.id) == early + [ids[1]])
            #expect(try await store.claimDue(now: 250, limit: 3, leaseDuration: 100, owner: "w").map(\.id) == [ids[2]])
            #expect(try await store.claimDue(now: 250, limit: 3, leaseDuration: 100, owner: "w").isEmpty)
            #expect(try await store.claimDue(now: 250, limit: 0, leaseDuration: 100, owner: "w").isEmpty)
            await #expect(throws: StoreError.self) { try await store.claimDue(now: 250, limit: 1, leaseDuration: 0, owner: "w") }
        }
    }

    @Test func retryReleaseAndDeadRowsFollowTheirState() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let ids = try await StoreFixture.enqueueEmails(store, count: 3, at: 0)
            _ = try await store.claimDue(now: 10, limit: 3, leaseDuration: 1_000, owner: "w")

            #expect(try await store.markRetry(ids[0], owner: "w", error: "421 try later", nextAttemptAt: 500))
            let retried = try #require(try await store.outboxRecord(id: ids[0]))
            #expect(retried.state == .pending && retried.attempts == 1 && retried.nextAttemptAt == 500)
            #expect(retried.lastError == "421 try later" && retried.leaseOwner == nil)

            // Release at shutdown: back to pending, no attempt counted, due as before.
            #expect(try await store.release(ids[1], owner: "w"))
            let released = try #require(try await store.outboxRecord(id: ids[1]))
            #expect(released.state == .pending && released.attempts == 0 && released.nextAttemptAt == 0)

            #expect(try await store.markDead(ids[2], owner: "w", error: String(repeating: "e", count: 5_000)))
            let dead = try #require(try await store.outboxRecord(id: ids[2]))
            #expect(dead.state == .dead && dead.attempts == 1 && dead.lastError?.count == 1_000)

            #expect(try await store.claimDue(now: 499, limit: 10, leaseDuration: 10, owner: "w").map(\.id) == [ids[1]])
            #expect(try await store.releaseAll(owner: "w") == 1)
            #expect(try await store.claimDue(now: 500, limit: 10, leaseDuration: 1_000, owner: "w").map(\.id) == [ids[1], ids[0]])

            // Operator retry of the dead row: pending now, attempts reset, audited with the history.
            #expect(try await store.retry(ids[0], at: 600, by: .operator("sato")) == false)  // not dead
            #expect(try await store.retry(ids[2], at: 600, by: .operator("sato")) == true)
            #expect(try await store.retry(ids[2], at: 601, by: .operator("sato")) == false)  // no longer dead
            let revived = try #require(try await store.outboxRecord(id: ids[2]))
            #expect(revived.state == .pending && revived.attempts == 0 && revived.nextAttemptAt == 600)
            let audit = try #require(try await store.auditLog(limit: 1).first)
            #expect(audit.action == "outbox.retried" && audit.actor == "operator:sato")
            #expect(audit.detail.hasPrefix(#"{"id":\#(ids[2]),"message_id":"<m2@t>","previous_attempts":1,"last_error":"eee"#))
            #expect(try await store.claimDue(now: 600, limit: 10, leaseDuration: 10, owner: "w").map(\.id) == [ids[2]])
        }
    }

    @Test func webhooksToADisabledEndpointAreSkippedUntilItIsEnabled() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let gone = "https://hooks.example.jp/gone"
            let ids = try await store.write { tx in
                [
                    try tx.enqueue(StoreFixture.webhook("w1", url: gone)).id,
                    try tx.enqueue(StoreFixture.webhook("w2", url: "https://hooks.example.jp/ok")).id,
                    // An e-mail whose destination happens to equal the URL is not a webhook: not skipped.
                    try tx.enqueue(OutboxEntry(
                        channel: .email, messageID: "<e@t>", destination: gone, event: "x", dossierID: nil, revision: nil,
                        payload: [1], createdAt: 1_000)).id,
                ]
            }
            try await store.disableEndpoint(gone, reason: "410 Gone", at: 900)
            #expect(try await store.endpoints() == [EndpointRecord(url: gone, disabledAt: 900, reason: "410 Gone")])
            #expect(try await store.claimDue(now: 1_000, limit: 10, leaseDuration: 10, owner: "w").map(\.id) == [ids[1], ids[2]])
            #expect(try await store.outboxRecord(id: ids[0])?.state == .pending)

            try await store.enableEndpoint(gone, at: 950, by: .operator("sato"))
            #expect(try await store.claimDue(now: 1_000, limit: 10, leaseDuration: 10, owner: "w").map(\.id) == [ids[0]])
            #expect(try await store.auditLog(limit: 2).map(\.action) == ["endpoint.enabled", "endpoint.disabled"])
        }
    }

    @Test func closeRoundWithItsResultsAndNoticesCommitsTogether() async throws {
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            try await store.write { tx in
                try tx.insertRevision(StoreFixture.revision("A", hash: "01"))
                try tx.insertRevision(StoreFixture.revision("B", hash: "01"))
            }
            // The daemon's closing transaction fails halfway: the round must still be open afterwards.
            await #expect(throws: DeliberateFailure.self) {
                try await store.write { tx in
                    guard try tx.closeRound("2027-1", by: .deadline, rulesHash: "h", at: 10) else { return }
                    try tx.insertResult(StoreFixture.result("A"))
                    try tx.enqueue(StoreFixture.email("<A-2027-1@t>", dossier: "A", revision: 1))
                    throw DeliberateFailure()
                }
            }
            #expect(try await store.round("2027-1")?.state == .open)
            #expect(try await store.results(dossier: "A").isEmpty)
            #expect(try await store.outbox().isEmpty)
            #expect(try await store.auditLog().isEmpty)
        }
    }
}
