import Foundation
import Store
import Testing

/// A fresh directory for one test's database files (`-wal` and `-shm` included), removed afterwards.
func withTemporaryDatabase<T>(_ body: (_ path: String) async throws -> T) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-store-\(UUID())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    return try await body(directory.appendingPathComponent("diacert.sqlite").path)
}

/// Test values with every required field filled in.
enum StoreFixture {
    static func revision(
        _ dossier: String, round: String? = "2027-1", at receivedAt: Int64 = 1_000, hash: String = "aa",
        late: Bool = false
    ) -> NewRevision {
        NewRevision(
            dossierID: dossier, roundID: round, receivedAt: receivedAt, submittedAt: receivedAt - 1, late: late,
            contentHash: hash, sourceName: "\(dossier).yaml", original: Array("dossier \(dossier) \(hash)\n".utf8),
            normalized: #"{"id":"\#(dossier)","hash":"\#(hash)"}"#, contactEmail: "info@\(dossier.lowercased()).example.jp")
    }

    static func result(
        _ dossier: String, revision: Int = 1, program: String = "certification", round: String? = "2027-1",
        outcome: String = "certified", at: Int64 = 2_000, trigger: EvaluationTrigger = .roundClose
    ) -> NewResult {
        NewResult(
            dossierID: dossier, revision: revision, program: program, roundID: round, rulesHash: "rules-1",
            outcome: outcome, resultJSON: #"{"outcome":"\#(outcome)"}"#, evaluatedAt: at, trigger: trigger)
    }

    static func email(_ messageID: String, dossier: String? = nil, revision: Int? = nil, at: Int64 = 1_000) -> OutboxEntry {
        OutboxEntry(
            channel: .email, messageID: messageID, destination: "info@example.jp", event: "round.closed",
            dossierID: dossier, revision: revision, payload: Array("Message-ID: \(messageID)\r\n\r\nbody".utf8),
            createdAt: at)
    }

    static func webhook(_ webhookID: String, url: String = "https://hooks.example.jp/a", at: Int64 = 1_000) -> OutboxEntry {
        OutboxEntry(
            channel: .webhook, messageID: webhookID, destination: url, event: "loan.evaluated", dossierID: nil,
            revision: nil, payload: Array(#"{"id":"\#(webhookID)"}"#.utf8), createdAt: at)
    }

    /// Enqueues `count` e-mails `<m0@t>`, `<m1@t>`, … due at `at` and returns their ids.
    static func enqueueEmails(_ store: Store, count: Int, at: Int64 = 1_000) async throws -> [Int64] {
        try await store.write { tx in
            try (0..<count).map { try tx.enqueue(email("<m\($0)@t>", at: at)).id }
        }
    }
}

/// Test failures thrown on purpose from inside a write body.
struct DeliberateFailure: Error, Equatable {}
