// A helper process for the Store's tests (and the measurements in its report). Not shipped.
//
//   store-crash-probe crash <db>          write transactions forever, printing "tx …" after each commit
//   store-crash-probe claim <db> <owner>  claim and mark sent until nothing is due, printing "claim/sent …"
//   store-crash-probe bench <db> <count>  measure committed transactions per second
//
// Each output line is written with one write(2) after the commit returned, so a line the test
// reads is an acknowledged commit; a commit the kill interrupted before its line is "unknown".
// The fixture functions below are mirrored in Tests/DiaCertTests/StoreCrashTests.swift.
@preconcurrency import Glibc
import Store

func emit(_ line: String) {
    let bytes = Array((line + "\n").utf8)
    bytes.withUnsafeBytes { buffer in
        var offset = 0
        while offset < buffer.count {
            let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { exit(3) }
            offset += written
        }
    }
}

func fail(_ message: String) -> Never {
    fputs("store-crash-probe: \(message)\n", stderr)
    exit(2)
}

enum Fixture {
    static func contentHash(_ n: Int) -> String {
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }

    static func original(_ n: Int) -> [UInt8] {
        Array(String(repeating: "dossier \(n)\n", count: n % 10 == 0 ? 2000 : n % 37 + 1).utf8)
    }

    static func payload(_ n: Int) -> [UInt8] {
        Array(String(repeating: "payload \(n);", count: n % 29 + 1).utf8)
    }

    static func dossierID(_ n: Int) -> String { "D\(n % 13)" }

    static func messageID(_ n: Int) -> String { "<probe-\(n)@diacert.test>" }

    static func revision(_ n: Int) -> NewRevision {
        NewRevision(
            dossierID: dossierID(n), roundID: "R\(n % 3)", receivedAt: Int64(n) * 1_000_000, submittedAt: nil,
            late: false, contentHash: contentHash(n), sourceName: "d\(n).yaml", original: original(n),
            normalized: "{\"i\":\(n)}", contactEmail: "c\(n)@example.jp")
    }

    static func entry(_ n: Int, revision: Int?) -> OutboxEntry {
        OutboxEntry(
            channel: n % 2 == 0 ? .email : .webhook, messageID: messageID(n),
            destination: n % 2 == 0 ? "c\(n)@example.jp" : "https://hooks.example.jp/\(n % 5)", event: "loan.evaluated",
            dossierID: dossierID(n), revision: revision, payload: payload(n), createdAt: Int64(n) * 1_000_000)
    }
}

/// Loops forever: each iteration commits one revision, its result, its notice, an audit row and the
/// counter `probe.next` together; re-inserts the same revision (must be a no-op); and every third
/// iteration claims due notices and marks them sent or schedules a retry.
func crash(path: String) async throws -> Never {
    let store = try await Store.open(path: path)
    let owner = "probe-\(getpid())"
    var n = Int(try await store.meta("probe.next") ?? "0") ?? 0
    while true {
        let i = n
        let (inserted, enqueued) = try await store.write { tx in
            let inserted = try tx.insertRevision(Fixture.revision(i))
            try tx.insertResult(
                NewResult(
                    dossierID: Fixture.dossierID(i), revision: inserted.revision, program: "loan", roundID: nil,
                    rulesHash: "probe", outcome: "eligible", resultJSON: "{\"i\":\(i)}", evaluatedAt: Int64(i),
                    trigger: .arrival))
            let enqueued = try tx.enqueue(Fixture.entry(i, revision: inserted.revision))
            try tx.audit(at: Int64(i), actor: .daemon, action: "probe.tx", detail: "{\"i\":\(i)}")
            try tx.setMeta("probe.next", to: String(i + 1))
            return (inserted, enqueued)
        }
        guard inserted.isNew, enqueued.isNew else { fail("iteration \(i) was not new: \(inserted) \(enqueued)") }
        emit("tx \(i) \(inserted.seq) \(inserted.revision) \(enqueued.id)")

        let again = try await store.write { tx in try tx.insertRevision(Fixture.revision(i)) }
        guard !again.isNew, again.seq == inserted.seq, again.revision == inserted.revision else {
            fail("re-insert of iteration \(i) gave \(again), expected \(inserted) again")
        }

        if i % 3 == 0 {
            let now = Int64(i) * 1_000_000
            for item in try await store.claimDue(now: now, limit: 2, leaseDuration: 1 << 50, owner: owner) {
                if item.id % 4 == 0 && item.attempts == 0 {
                    guard try await store.markRetry(item.id, owner: owner, error: "probe retry", nextAttemptAt: now) else {
                        fail("lost the lease of \(item.id)")
                    }
                    emit("retry \(item.id)")
                } else {
                    guard try await store.markSent(item.id, owner: owner, at: now) else { fail("lost the lease of \(item.id)") }
                    emit("sent \(item.id)")
                }
            }
        }
        n += 1
    }
}

/// Claims (two at a time, long leases) and marks sent until nothing is due.
func claim(path: String, owner: String) async throws {
    let store = try await Store.open(path: path)
    while true {
        let items = try await store.claimDue(now: 1_000, limit: 2, leaseDuration: 1 << 50, owner: owner)
        if items.isEmpty { break }
        for item in items {
            emit("claim \(item.id)")
            usleep(UInt32.random(in: 0...1_000))  // "sending", outside any transaction: the other claimer gets its turn
            emit(try await store.markSent(item.id, owner: owner, at: 2_000) ? "sent \(item.id)" : "lost \(item.id)")
        }
    }
    try await store.close()
}

func bench(path: String, count: Int) async throws {
    let store = try await Store.open(path: path)
    let clock = ContinuousClock()
    func rate(_ operations: Int, _ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return "\(Int((Double(operations) / seconds).rounded()))/s (\(operations) in \(duration))"
    }

    let inserts = try await clock.measure {
        for i in 0..<count {
            try await store.write { tx in
                let inserted = try tx.insertRevision(Fixture.revision(i))
                try tx.enqueue(Fixture.entry(i, revision: inserted.revision))
            }
        }
    }
    emit("insert (revision + outbox row, one transaction each): \(rate(count, inserts))")

    var claimedOnly: [Int64] = []
    let claimOnly = try await clock.measure {
        for _ in 0..<count / 2 {
            claimedOnly += try await store.claimDue(now: .max / 2, limit: 1, leaseDuration: 1 << 60, owner: "bench").map(\.id)
        }
    }
    emit("claim only (limit 1): \(rate(count / 2, claimOnly))")
    let markOnly = try await clock.measure {
        for id in claimedOnly { guard try await store.markSent(id, owner: "bench", at: 0) else { fail("lost \(id)") } }
    }
    emit("markSent only: \(rate(claimedOnly.count, markOnly))")
    var claimed = 0
    let claims = try await clock.measure {
        while let item = try await store.claimDue(now: .max / 2, limit: 1, leaseDuration: 1_000, owner: "bench").first {
            guard try await store.markSent(item.id, owner: "bench", at: 0) else { fail("lost \(item.id)") }
            claimed += 1
        }
    }
    emit("claim + markSent (limit 1, two transactions per notice): \(rate(claimed, claims))")

    for i in count..<(2 * count) {
        try await store.write { tx in _ = try tx.enqueue(Fixture.entry(i, revision: nil)) }
    }
    claimed = 0
    let batched = try await clock.measure {
        while true {
            let items = try await store.claimDue(now: .max / 2, limit: 50, leaseDuration: 1_000, owner: "bench")
            if items.isEmpty { break }
            for item in items {
                guard try await store.markSent(item.id, owner: "bench", at: 0) else { fail("lost \(item.id)") }
            }
            claimed += items.count
        }
    }
    emit("claim (limit 50) + markSent each: \(rate(claimed, batched))")
    try await store.close()
}

let arguments = CommandLine.arguments
do {
    switch (arguments.count, arguments.count > 1 ? arguments[1] : "") {
    case (3, "crash"): try await crash(path: arguments[2])
    case (4, "claim"): try await claim(path: arguments[2], owner: arguments[3])
    case (4, "bench"): try await bench(path: arguments[2], count: Int(arguments[3]) ?? 1000)
    default: fail("usage: store-crash-probe crash <db> | claim <db> <owner> | bench <db> <count>")
    }
} catch {
    fail("\(error)")
}
