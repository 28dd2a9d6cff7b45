import Testing

@testable import Store

/// Two `Store` instances (two connections, two serial queues) on one file, racing for the write lock.
@Suite struct StoreConcurrencyTests {}

extension StoreConcurrencyTests {
    @Test func twoStoresClosingTheSameRoundCloseItExactlyOnce() async throws {
        try await withTemporaryDatabase { path in
            let a = try await Store.open(path: path)
            let b = try await Store.open(path: path)
            let rounds = (0..<25).map { "R\($0)" }
            let dossiers = ["A", "B", "C"]
            try await a.write { tx in
                for round in rounds {
                    for dossier in dossiers { try tx.insertRevision(StoreFixture.revision("\(round)-\(dossier)", round: round)) }
                }
            }

            /// The daemon's closing transaction; the notices carry the closer's name, so a second close would show.
            @Sendable func close(_ store: Store, _ name: String, _ round: String) async throws -> Bool {
                try await store.write { tx in
                    guard try tx.closeRound(round, by: .operator(name), rulesHash: "h", at: 1) else { return false }
                    for revision in try tx.latestRevisions(round: round, receivedBy: nil) {
                        try tx.insertResult(StoreFixture.result(revision.dossierID, round: round))
                        try tx.enqueue(StoreFixture.email("<\(revision.dossierID)-\(name)@t>", dossier: revision.dossierID, revision: 1))
                    }
                    return true
                }
            }

            var winners: [String: String] = [:]
            for round in rounds {
                async let byA = close(a, "a", round)
                async let byB = close(b, "b", round)
                let (closedByA, closedByB) = try await (byA, byB)
                #expect(closedByA != closedByB, "round \(round): a=\(closedByA) b=\(closedByB)")
                winners[round] = closedByA ? "a" : "b"
            }

            let raw = try SQLiteConnection(path: path)
            let resultsPerRound = try raw.query("SELECT round_id, count(*) FROM results GROUP BY round_id")
            #expect(resultsPerRound == rounds.sorted().map { [.text($0), .integer(Int64(dossiers.count))] })
            #expect(try raw.query("SELECT count(*) FROM outbox") == [[.integer(Int64(rounds.count * dossiers.count))]])
            #expect(try raw.query("SELECT count(*) FROM audit WHERE action = 'round.closed'") == [[.integer(Int64(rounds.count))]])
            for round in try await b.rounds() {
                #expect(round.state == .closed)
                #expect(round.closedBy == .operator(winners[round.id] ?? "?"))
            }
            let messageIDs = try await a.outbox(limit: 1_000).map(\.messageID)
            #expect(Set(messageIDs) == Set(rounds.flatMap { round in dossiers.map { "<\(round)-\($0)-\(winners[round]!)@t>" } }))
        }
    }

    @Test func twoStoresClaimingConcurrentlyNeverHoldTheSameRow() async throws {
        try await withTemporaryDatabase { path in
            let a = try await Store.open(path: path)
            let b = try await Store.open(path: path)
            let ids = try await StoreFixture.enqueueEmails(a, count: 300, at: 0)

            /// Claims until nothing is due; every fifth row fails its first attempt and is retried at once.
            /// Returns (row id, attempts when claimed) for every claim.
            @Sendable func worker(_ store: Store, _ owner: String) async throws -> [ClaimEvent] {
                var history: [ClaimEvent] = []
                while true {
                    let items = try await store.claimDue(now: 100, limit: 3, leaseDuration: 1_000_000, owner: owner)
                    if items.isEmpty { return history }
                    for item in items {
                        #expect(item.leaseOwner == owner && item.state == .sending)
                        history.append(ClaimEvent(id: item.id, attempts: item.attempts))
                        // "Sending", outside any transaction, so that the other claimer gets the lock meanwhile
                        // (SQLite's busy handler is not fair: a tight loop would starve it).
                        try await Task.sleep(for: .microseconds(Int.random(in: 0...400)))
                        if item.id % 5 == 0 && item.attempts == 0 {
                            #expect(try await store.markRetry(item.id, owner: owner, error: "451", nextAttemptAt: 100))
                        } else {
                            #expect(try await store.markSent(item.id, owner: owner, at: 100))
                        }
                    }
                }
            }

            async let historyA = worker(a, "a")
            async let historyB = worker(b, "b")
            let history = try await historyA + historyB

            // A row is handed out once per stage: once if it was sent at once, twice if it was retried.
            let claims = Dictionary(grouping: history, by: \.id).mapValues(\.count)
            #expect(Set(claims.keys) == Set(ids))
            #expect(ids.filter { claims[$0] != ($0 % 5 == 0 ? 2 : 1) } == [])
            #expect(Set(history).count == history.count)
            #expect(try await b.status().outbox == [.pending: 0, .sending: 0, .sent: ids.count, .dead: 0])
        }
    }
}

private struct ClaimEvent: Hashable, Sendable {
    var id: Int64
    var attempts: Int
}
