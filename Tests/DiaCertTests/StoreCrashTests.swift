import Foundation
import Testing

@testable import Store

#if canImport(Glibc)
    import Glibc
#endif

/// Crash safety with real processes: `store-crash-probe` writes to a store and is killed with
/// SIGKILL at seeded random moments; every commit it acknowledged must survive, whole.
@Suite(.serialized) struct StoreCrashTests {}

extension StoreCrashTests {
    @Test func acknowledgedCommitsSurviveSIGKILLAndNothingIsHalfWritten() async throws {
        let probe = try probePath()
        try await withTemporaryDatabase { path in
            var rng = SeededGenerator(seed: 0xD1A_CE27)
            var acknowledged = ProbeLog()
            let kills = 24
            for kill in 0..<kills {
                let child = try ChildProcess(probe, ["crash", path])
                try await Task.sleep(for: .milliseconds(Int.random(in: 20...250, using: &rng)))
                let (status, output) = child.killAndCollect()
                #expect(status == .signalled(SIGKILL), "kill \(kill): the probe ended by itself: \(status)\n\(child.stderr())")
                let log = ProbeLog(output)
                try await verify(path, acknowledged: log, kill: kill)
                acknowledged.merge(log)
            }
            // The probes did commit work (otherwise the kills proved nothing).
            #expect(acknowledged.transactions.count > kills)

            // Recovery after the last kill: every unsent row is handed out again, expired leases counted.
            let store = try await Store.open(path: path)
            let stuck = try await store.outbox(state: .sending, limit: 100_000)
            let unsent = try await store.outbox(state: .pending, limit: 100_000).count + stuck.count
            let recovered = try await store.claimDue(now: 1 << 62, limit: 100_000, leaseDuration: 1, owner: "recovery")
            #expect(recovered.count == unsent)
            for row in stuck {
                #expect(recovered.first { $0.id == row.id }?.attempts == row.attempts + 1)
            }
            try await store.close()
        }
    }

    @Test func aKillWhileCreatingTheDatabaseLeavesNoHalfSchema() async throws {
        let probe = try probePath()
        try await withTemporaryDatabase { base in
            var rng = SeededGenerator(seed: 0x5C4E_3A)
            for kill in 0..<8 {
                // A fresh file each time, killed within the probe's first milliseconds (start-up, open, migration).
                let path = "\(base)-\(kill)"
                let child = try ChildProcess(probe, ["crash", path])
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...40, using: &rng)))
                let (status, _) = child.killAndCollect()
                #expect(status == .signalled(SIGKILL), "kill \(kill): \(status)\n\(child.stderr())")
                let store = try await Store.open(path: path)
                #expect(try await store.integrityCheck() == [], "kill \(kill)")
                #expect(try await store.status().outbox.count == OutboxState.allCases.count)
                try await store.close()
                #expect(try SQLiteConnection(path: path).query("PRAGMA user_version") == [[.integer(Int64(Store.schemaVersion))]])
            }
        }
    }

    @Test func twoProcessesClaimingConcurrentlyNeverClaimTheSameRow() async throws {
        let probe = try probePath()
        try await withTemporaryDatabase { path in
            let store = try await Store.open(path: path)
            let ids = try await StoreFixture.enqueueEmails(store, count: 400, at: 0)
            try await store.close()

            let children = try ["p1", "p2"].map { try ChildProcess(probe, ["claim", path, $0]) }
            var claimed: [Int64] = []
            for child in children {
                let (status, output) = child.waitAndCollect()
                #expect(status == .exited(0), "\(child.stderr())")
                let lines = output.split(separator: "\n")
                claimed += lines.filter { $0.hasPrefix("claim ") }.compactMap { Int64($0.dropFirst(6)) }
                #expect(lines.filter { $0.hasPrefix("lost ") } == [])
            }
            #expect(claimed.count == ids.count)
            #expect(Set(claimed) == Set(ids))
            let reopened = try await Store.open(path: path)
            #expect(try await reopened.status().outbox[.sent] == ids.count)
        }
    }
}

// MARK: - Verification

extension StoreCrashTests {
    /// After a kill: the file is sound; each probe transaction is there entirely or not at all;
    /// every acknowledged commit is there with the exact bytes; acknowledged state changes held.
    private func verify(_ path: String, acknowledged newLog: ProbeLog, kill: Int) async throws {
        let store = try await Store.open(path: path)
        #expect(try await store.integrityCheck() == [], "kill \(kill)")

        // Atomicity: the counter, revisions, results, notices and audit rows move together.
        let raw = try SQLiteConnection(path: path)
        let committed = Int64(try await store.meta("probe.next") ?? "0") ?? -1
        let counts = try raw.query(
            """
            SELECT (SELECT count(*) FROM dossier_revisions), (SELECT count(*) FROM results),
                   (SELECT count(*) FROM outbox), (SELECT count(*) FROM audit WHERE action = 'probe.tx')
            """)
        #expect(counts == [Array(repeating: .integer(committed), count: 4)], "kill \(kill)")
        // Revisions are numbered 1…n per dossier without gaps.
        let gaps = try raw.query("SELECT dossier_id FROM dossier_revisions GROUP BY dossier_id HAVING max(revision) <> count(*)")
        #expect(gaps == [], "kill \(kill)")

        // Durability: every acknowledged transaction, with its exact content.
        for transaction in newLog.transactions {
            #expect(Int64(transaction.iteration) < committed, "kill \(kill): tx \(transaction.iteration) acknowledged but lost")
            let revision = try await store.revision(dossier: ProbeFixture.dossierID(transaction.iteration), revision: transaction.revision)
            #expect(revision?.seq == transaction.seq, "kill \(kill): tx \(transaction.iteration)")
            #expect(revision?.contentHash == ProbeFixture.contentHash(transaction.iteration))
            #expect(revision?.original == ProbeFixture.original(transaction.iteration))
            let notice = try await store.outboxRecord(messageID: ProbeFixture.messageID(transaction.iteration))
            #expect(notice?.id == transaction.outboxID, "kill \(kill): tx \(transaction.iteration)")
            #expect(notice?.payload == ProbeFixture.payload(transaction.iteration))
        }
        for id in newLog.sent {
            #expect(try await store.outboxRecord(id: id)?.state == .sent, "kill \(kill): outbox \(id) acknowledged sent")
        }
        for id in newLog.retried {
            let state = try await store.outboxRecord(id: id)?.state
            #expect(state != nil && state != .dead, "kill \(kill): outbox \(id) acknowledged retried")
        }
        try await store.close()
    }

    private func probePath() throws -> String {
        // The test bundle and the probe executable are products of the same build directory.
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let probe = URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent("store-crash-probe").path
        try #require(FileManager.default.isExecutableFile(atPath: probe), "\(probe) is missing; run `swift build` first")
        return probe
    }
}

/// What the probe acknowledged: `tx <iteration> <seq> <revision> <outbox id>`, `sent <id>`, `retry <id>`.
/// A last line without its newline was cut by the kill and acknowledges nothing.
private struct ProbeLog {
    struct Transaction {
        var iteration: Int
        var seq: Int64
        var revision: Int
        var outboxID: Int64
    }

    var transactions: [Transaction] = []
    var sent: [Int64] = []
    var retried: [Int64] = []

    init() {}

    init(_ output: String) {
        for line in output.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            let fields = line.split(separator: " ")
            switch (fields.first, fields.count) {
            case ("tx", 5):
                if let iteration = Int(fields[1]), let seq = Int64(fields[2]), let revision = Int(fields[3]), let outboxID = Int64(fields[4]) {
                    transactions.append(Transaction(iteration: iteration, seq: seq, revision: revision, outboxID: outboxID))
                }
            case ("sent", 2): Int64(fields[1]).map { sent.append($0) }
            case ("retry", 2): Int64(fields[1]).map { retried.append($0) }
            default: Issue.record("unexpected probe output: \(line)")
            }
        }
    }

    mutating func merge(_ other: ProbeLog) {
        transactions += other.transactions
        sent += other.sent
        retried += other.retried
    }
}

/// The probe's deterministic content per iteration (mirrors `Fixture` in Sources/store-crash-probe/main.swift).
private enum ProbeFixture {
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
}

// MARK: - Child processes

/// A child process with its stdout on a socket and its stderr in a file, through `posix_spawn`
/// (Foundation's `Process` polls a run loop to notice the exit; this waits with `waitpid`).
private final class ChildProcess {
    enum Status: Equatable, CustomStringConvertible {
        case exited(Int32)
        case signalled(Int32)

        var description: String {
            switch self {
            case .exited(let code): "exited with \(code)"
            case .signalled(let signal): "killed by signal \(signal)"
            }
        }
    }

    let pid: pid_t
    private let output: Int32
    private let stderrPath: String

    init(_ executable: String, _ arguments: [String]) throws {
        var pipeEnds: [Int32] = [-1, -1]
        // A socket pair rather than pipe(2), for its atomic CLOEXEC (Glibc's module has no pipe2): no
        // other child of this test process may inherit the write end and keep it open.
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &pipeEnds) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        stderrPath = FileManager.default.temporaryDirectory.appendingPathComponent("diacert-probe-\(UUID()).stderr").path

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], STDOUT_FILENO)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environment: [UnsafeMutablePointer<CChar>?] = [nil]
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, nil, argv, environment)
        close(pipeEnds[1])
        guard status == 0 else {
            close(pipeEnds[0])
            throw POSIXError(.init(rawValue: status) ?? .EIO)
        }
        self.pid = pid
        output = pipeEnds[0]
    }

    deinit {
        close(output)
        unlink(stderrPath)
    }

    func killAndCollect() -> (Status, String) {
        kill(pid, SIGKILL)
        return waitAndCollect()
    }

    /// Reads stdout to its end (the child exited, or closed it), then reaps the child.
    func waitAndCollect() -> (Status, String) {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(output, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += buffer[0..<count]
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let signal = status & 0x7F
        return (signal == 0 ? .exited((status >> 8) & 0xFF) : .signalled(signal), String(decoding: bytes, as: UTF8.self))
    }

    func stderr() -> String {
        (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
    }
}
