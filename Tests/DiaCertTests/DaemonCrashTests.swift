import Daemon
import ExpressionLanguage
import Foundation
import Glibc
import Hashing
import JSON
import Testing

/// Crash safety of the whole daemon: the real `diacert serve` is killed with SIGKILL at seeded
/// random moments while it takes dossiers in, while it closes a round at its deadline and while it
/// sends notices to a real SMTP server and a real webhook receiver; after every restart nothing is
/// lost, and at the end every notice has arrived, repeated at most under its own id.
///
/// `DIACERT_CRASH_SEED=<n>` replays a run (the seed is printed).
@Suite("Daemon: crash safety", .serialized)
struct DaemonCrashTests {
    /// The 2027-1 deadline: the last nanosecond of 2027-06-30 in Asia/Tokyo.
    static let deadline = "2027-06-30T23:59:59.999999999+09:00"

    @Test("SIGKILL during intake, round closing and delivery: no dossier lost, the round closed once, every notice sent, repeats only under their own id")
    func killsDuringIntakeClosingAndDelivery() throws {
        let seed = ProcessInfo.processInfo.environment["DIACERT_CRASH_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64(UInt32.max))
        print("crash test: seed=\(seed) (DIACERT_CRASH_SEED=\(seed) replays it)")
        var run = try CrashRun(seed: seed)
        defer { run.stopPeers() }

        try run.intakePhase()
        try run.closingPhase()
        try run.deliveryPhase()
        try run.drain()
        try run.verifyFinalState()
    }
}

// MARK: - The run

/// One crash run: the peers, the daemon (restarted many times), what was submitted, the kills.
private struct CrashRun {
    let harness: DaemonHarness
    let scratch: TemporaryDirectory
    let smtp: PeerProcess
    let webhooks: PeerProcess
    let mailDirectory: String
    let webhookLog: String
    var rng: SeededGenerator
    let seed: UInt64
    var timeline: FakeTimeline
    var ledger = SubmissionLedger()
    var daemon: DaemonProcess?
    var runs = 0
    var kills: [Phase: Int] = [:]
    /// Kills after which the spool or the outbox still had work: the kill interrupted something.
    var killsWithWorkLeft = 0
    /// Closing-phase kills after which the round was still open (the close was cut short or not begun).
    var killsBeforeClose = 0

    enum Phase: String, CaseIterable {
        case intake, closing, delivery
    }

    init(seed: UInt64) throws {
        self.seed = seed
        var rng = SeededGenerator(seed: seed)
        let scratch = try TemporaryDirectory("crash-peers")
        self.scratch = scratch
        mailDirectory = scratch.file("mail")
        webhookLog = scratch.file("webhooks.jsonl")
        let secretFile = scratch.file("webhook-secret")
        let secret = "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &rng) }).base64EncodedString()
        try secret.write(toFile: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile, 0o600)

        // Some requests are slow (a kill lands while one is in flight) and some fail (retries
        // interleave with the kills); the rest are answered 200 at once.
        var script: [String] = []
        for _ in 0..<800 {
            let roll = Int.random(in: 0..<100, using: &rng)
            script.append(roll < 12 ? "sleep:0.3" : roll < 16 ? "500" : "200")
        }
        self.rng = rng
        smtp = try PeerProcess("smtp_sink.py", [mailDirectory], directory: scratch.path)
        webhooks = try PeerProcess(
            "webhook_receiver.py", ["--secret", secret, "--log", webhookLog, "--script", script.joined(separator: ",")],
            directory: scratch.path)
        harness = try DaemonHarness(
            "daemon-crash",
            configuration: """
                mail:
                  from: {address: office@dia5.example.jp, name: ダイア5市脱炭素経営推進協議会}
                  smtp: {url: "smtp://127.0.0.1:\(smtp.port)", starttls: off}
                webhooks:
                  - {url: "http://127.0.0.1:\(webhooks.port)/hooks/diacert", secret_file: "\(secretFile)", allow_plain_http: true}
                delivery: {poll_ms: 20, backoff_initial_ms: 100, backoff_max_s: 1, max_attempts: 100, lease_s: 3, timeout_s: 2}
                intake: {poll_ms: 20, close_grace_s: 0}

                """)
        timeline = try FakeTimeline(start: "2027-06-30T20:00:00+09:00")
    }

    func stopPeers() {
        smtp.stop()
        webhooks.stop()
        scratch.remove()
    }

    var totalKills: Int { kills.values.reduce(0, +) }

    // MARK: Daemon life

    /// Starts the daemon on the fake timeline (so its clock never runs backwards across restarts).
    mutating func start(waitForStart: Bool = true) throws {
        precondition(daemon == nil)
        runs += 1
        daemon = try harness.start(["DIACERT_FAKE_NOW": timeline.text], waitForStart: waitForStart)
    }

    /// SIGKILLs the daemon after `milliseconds`, then checks what it left behind.
    mutating func kill(after milliseconds: Int, phase: Phase) throws {
        let process = try #require(daemon)
        if milliseconds > 0 { usleep(useconds_t(milliseconds) * 1000) }
        if let status = try process.exited() {
            Issue.record("the daemon exited by itself (\(status)) before the kill:\n\(process.log)")
        }
        process.killHard()
        daemon = nil
        kills[phase, default: 0] += 1
        let state = try StoreProbe(harness: harness)
        let spool = harness.files(in: "incoming").count
        if spool > 0 || state.unsent > 0 { killsWithWorkLeft += 1 }
        // What the killed run did, and what it left: enough to see where a kill landed.
        let did = ["dossier.stored", "dossier.unchanged", "dossier.rejected", "round.closed", "delivery.sent", "delivery.retry"].compactMap {
            event -> String? in
            let count = process.logLines("event=\(event) ").count
            return count > 0 ? "\(count) \(event)" : nil
        }
        print(
            "crash test: kill \(totalKills) (\(phase.rawValue), after \(milliseconds) ms): did \(did.isEmpty ? "nothing" : did.joined(separator: ", ")); "
                + "left \(spool) in the spool, \(state.counts["pending"] ?? 0) pending and \(state.counts["sending"] ?? 0) leased notices, "
                + "round \(state.roundClosed ? "closed" : "open")")
        try checkAfterKill(state, label: "\(phase.rawValue) kill \(kills[phase] ?? 0) after \(milliseconds) ms")
    }

    mutating func submit(_ files: [SubmittedFile]) throws {
        guard !files.isEmpty else { return }
        try harness.submit(files.map(\.path), at: timeline.text)
        ledger.record(files)
    }

    // MARK: Phase 1: intake

    /// The fixtures, new revisions of some and a few invalid files, in batches; each batch is
    /// submitted to a running daemon (or into the spool of a stopped one) and the daemon is killed
    /// while it takes them in.
    mutating func intakePhase() throws {
        var queue = try DaemonHarness.allFixtures().map { try SubmittedFile(path: $0) }
        queue.shuffle(using: &rng)
        // New revisions: each after the dossier's previous submission, at a random place.
        let revised = Array(queue.filter { $0.round == "2027-1" }.shuffled(using: &rng).prefix(8))
        for (index, original) in revised.enumerated() {
            let revisions = index < 3 ? 2 : 1
            for number in 1...revisions {
                try insertAfterLast(of: original.dossier, try revision(of: original, number: number, tag: "r\(number + 1)"), in: &queue)
            }
        }
        // The same content again (no new revision), right after the dossier's latest submission.
        for original in queue.filter({ $0.valid }).shuffled(using: &rng).prefix(2) {
            let latest = try #require(queue.last { $0.dossier == original.dossier })
            try insertAfterLast(of: original.dossier, latest, in: &queue, immediately: true)
        }
        // Invalid files: two faulty fixtures (one with an address to tell) and one with nothing readable.
        let garbage = harness.directory.file("garbage-notes.yaml")
        try "{ this is: [not closed\n".write(toFile: garbage, atomically: true, encoding: .utf8)
        for path in [
            SharedMaterial.packageRoot.appendingPathComponent("fixtures/faulty/typo-field-name.yaml").path,
            SharedMaterial.packageRoot.appendingPathComponent("fixtures/faulty/unclosed-bracket.yaml").path, garbage,
        ] {
            queue.insert(try SubmittedFile(path: path, valid: false), at: Int.random(in: 0...queue.count, using: &rng))
        }

        var batches: [[SubmittedFile]] = []
        while !queue.isEmpty {
            let size = min(queue.count, Int.random(in: 3...6, using: &rng))
            batches.append(Array(queue.prefix(size)))
            queue.removeFirst(size)
        }
        // The very first start creates the database, and is killed while at it.
        try submit(batches[0])
        try start(waitForStart: false)
        try kill(after: Int.random(in: 0...40, using: &rng), phase: .intake)
        for (index, batch) in batches.enumerated() {
            if index == 0 {
                try start()
            } else if Bool.random(using: &rng) {
                try submit(batch)
                try start()
            } else {
                try start()
                try submit(batch)
            }
            // About 10 to 40 ms per file in a debug build: most kills land mid-batch.
            try kill(after: Int.random(in: 10...(25 * batch.count + 60), using: &rng), phase: .intake)
        }
    }

    /// A copy of `original` with a different employee count (a new revision of the same dossier).
    func revision(of original: SubmittedFile, number: Int, tag: String) throws -> SubmittedFile {
        let name = (original.path as NSString).lastPathComponent
        let ext = (name as NSString).pathExtension
        let base = (name as NSString).deletingPathExtension
        let key = ext == "json" ? "\"employees\": " : "employees: "
        let path = try harness.variant(of: name, named: "\(base).\(tag).\(ext)", replacing: [(key, key + String(number))])
        return try SubmittedFile(path: path)
    }

    private mutating func insertAfterLast(of dossier: String?, _ file: SubmittedFile, in queue: inout [SubmittedFile], immediately: Bool = false) throws {
        let last = try #require(queue.lastIndex { $0.dossier == dossier })
        let position = immediately ? last + 1 : Int.random(in: (last + 1)...queue.count, using: &rng)
        queue.insert(file, at: position)
    }

    // MARK: Phase 2: the round closes at its deadline

    /// Revisions stamped before the deadline: some taken in by a daemon that is killed shortly
    /// before the deadline, some submitted while it is down. The next daemon either starts before
    /// the deadline and closes the round when it passes, or starts after it (it slept through the
    /// deadline) and closes the round at once; either way it must first take the files submitted
    /// in time. It is killed around the close, again and again until the close has committed; then
    /// late files arrive and the daemon is killed while it takes them and sends the round's notices.
    mutating func closingPhase() throws {
        let deadline = try FakeTimeline.nanoseconds(DaemonCrashTests.deadline)
        func millisecondsToDeadline() -> Int { Int((deadline - timeline.now) / 1_000_000) }
        try timeline.jump(to: "2027-06-30T23:59:57+09:00")
        let candidates = ledger.fixtures.filter { $0.round == "2027-1" }.shuffled(using: &rng)
        try submit(try candidates.prefix(2).map { try revision(of: $0, number: 3, tag: "ontime") })
        try start()
        try kill(after: max(0, millisecondsToDeadline() - Int.random(in: 900...1200, using: &rng)), phase: .closing)
        // (On a machine too slow to leave a margin before the deadline, these are left out.)
        if millisecondsToDeadline() > 300 {
            try submit(try candidates.dropFirst(2).prefix(2).map { try revision(of: $0, number: 3, tag: "ontime") })
        } else {
            print("crash test: too close to the deadline to submit in time while the daemon is down")
        }

        // A file stamped just after the deadline comes too, before or after the close: late either way.
        let throughDeadline = Bool.random(using: &rng)
        print("crash test: the next daemon starts \(throughDeadline ? "before the deadline and runs through it" : "after the deadline")")
        if throughDeadline { try start() }
        usleep(useconds_t(max(0, millisecondsToDeadline()) + 20) * 1000)
        ledger.late = true
        try submit([try revision(of: try #require(candidates.dropFirst(4).first), number: 9, tag: "justlate")])
        if !throughDeadline { try start() }
        // The close takes 150 to 500 ms in a debug build: kills come early, then later and later.
        try kill(after: Int.random(in: 0...120, using: &rng), phase: .closing)
        if try !StoreProbe(harness: harness).roundClosed { killsBeforeClose += 1 }

        // The clock is past the deadline now: each start closes the round in its first tick.
        var attempts = 1
        while try !StoreProbe(harness: harness).roundClosed {
            attempts += 1
            try start()
            if attempts >= 6 {
                // Enough cut-short closes: let this one commit, and kill right after.
                try #require(daemon).waitForLog("event=round.closed round=2027-1", timeout: 30)
                try kill(after: Int.random(in: 0...100, using: &rng), phase: .closing)
            } else {
                try kill(after: Int.random(in: 0...(120 * attempts), using: &rng), phase: .closing)
            }
            if try !StoreProbe(harness: harness).roundClosed { killsBeforeClose += 1 }
        }

        // After the deadline: new revisions and a newcomer, all late.
        let late = Array(ledger.fixtures.filter { $0.round == "2027-1" }.shuffled(using: &rng).prefix(3))
        var lateFiles = try late.map { try revision(of: $0, number: 4, tag: "late") }
        let newcomer = try harness.variant(
            of: "tokorozawa-seimitsu.yaml", named: "late-comer.yaml",
            replacing: [("id: tokorozawa-seimitsu", "id: late-comer"), ("@tokorozawa-seimitsu.example.jp", "@late-comer.example.jp")])
        lateFiles.append(try SubmittedFile(path: newcomer))
        try start()
        try submit(lateFiles)
        try kill(after: Int.random(in: 20...250, using: &rng), phase: .closing)
        try start()
        try kill(after: Int.random(in: 50...400, using: &rng), phase: .closing)
    }

    // MARK: Phase 3: delivery

    /// Restarts killed while notices go out (the first one within its start-up). When the outbox
    /// has run dry, a few more revisions make new notices to send.
    mutating func deliveryPhase() throws {
        var refills = 0
        while (kills[.delivery] ?? 0) < 8 {
            if try StoreProbe(harness: harness).unsent == 0 {
                refills += 1
                let files = ledger.fixtures.shuffled(using: &rng).prefix(3)
                try submit(try files.map { try revision(of: $0, number: 10 + refills, tag: "more\(refills)") })
            }
            if kills[.delivery] == nil {
                try start(waitForStart: false)
                try kill(after: Int.random(in: 0...60, using: &rng), phase: .delivery)
            } else {
                try start()
                try kill(after: Int.random(in: 100...600, using: &rng), phase: .delivery)
            }
        }
        if refills > 0 { print("crash test: the outbox ran dry \(refills) times in the delivery phase; more revisions refilled it") }
    }

    /// Runs the daemon undisturbed until every notice is sent, then stops it with SIGTERM.
    mutating func drain() throws {
        try start()
        let started = Date()
        try harness.waitUntil("the outbox to be sent", timeout: 60) {
            let outbox = try harness.status()["outbox"]
            let unsent = ["pending", "sending"].map { Int(outbox?[$0]?.numberText ?? "") ?? -1 }
            return unsent == [0, 0]
        }
        let process = try #require(daemon)
        process.signal(SIGTERM)
        #expect(try process.wait() == 0, "clean stop:\n\(process.log)")
        daemon = nil
        print("crash test: the last run sent the rest in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    // MARK: Checks

    /// What must hold after every kill: stored revisions are a prefix of what was submitted for
    /// each dossier (nothing lost, nothing twice, in order); every file moved to `processed/` is
    /// stored; a revision, its audit row and its notice were committed together; the round is
    /// closed at most once, with its results and notices or without any.
    func checkAfterKill(_ state: StoreProbe, label: String) throws {
        for (dossier, stored) in state.revisions {
            let expected = ledger.expected[dossier] ?? []
            #expect(
                stored.count <= expected.count && zip(stored, expected).allSatisfy { $0.hash == $1.hash },
                "\(label): \(dossier) has \(stored), submitted \(expected)")
        }
        let storedHashes = Set(state.revisions.values.flatMap { $0.map(\.hash) })
        for name in harness.files(in: "processed") {
            let bytes = try #require(FileManager.default.contents(atPath: harness.stateDirectory + "/processed/" + name))
            #expect(storedHashes.contains(Digest.hex(Digest.sha256([UInt8](bytes)))), "\(label): \(name) is in processed/ but not stored")
        }
        let revisionCount = state.revisions.values.reduce(0) { $0 + $1.count }
        #expect(state.counts["received_audits"] == revisionCount, "\(label): audit rows \(state.counts), revisions \(revisionCount)")
        #expect(state.counts["received_notices"] == revisionCount, "\(label): notices \(state.counts), revisions \(revisionCount)")
        #expect((state.counts["round_closed_audits"] ?? -1) <= 1, "\(label): \(state.counts)")
        if state.roundClosed {
            #expect(state.counts["round_closed_audits"] == 1, "\(label): \(state.counts)")
            #expect((state.counts["round_results"] ?? 0) > 0 && (state.counts["round_notices"] ?? 0) > 0, "\(label): \(state.counts)")
        } else {
            #expect(state.counts["round_closed_audits"] == 0 && state.counts["round_results"] == 0 && state.counts["round_notices"] == 0, "\(label): \(state.counts)")
        }
        #expect(state.integrity == "ok", "\(label): integrity_check says \(state.integrity)")
    }

    /// Everything at the end, after a clean stop.
    func verifyFinalState() throws {
        let state = try StoreProbe(harness: harness)
        try checkAfterKill(state, label: "final")

        // No dossier lost: every dossier with exactly the revisions submitted, in order, late where it came late.
        #expect(Set(state.revisions.keys) == Set(ledger.expected.keys))
        var lost = 0
        for (dossier, expected) in ledger.expected {
            let stored = state.revisions[dossier] ?? []
            let matches = stored.map(\.hash) == expected.map(\.hash) && stored.map(\.late) == expected.map(\.late)
            if !matches { lost += 1 }
            #expect(matches, "\(dossier): stored \(stored), submitted \(expected)")
        }
        #expect(harness.files(in: "incoming").isEmpty, "the spool is empty: \(harness.files(in: "incoming"))")
        #expect(harness.files(in: "processed").count == ledger.validSubmissions, "every valid file once in processed/")
        let rejected = harness.files(in: "rejected")
        for name in ledger.invalidNames {
            #expect(rejected.filter { $0.hasSuffix("-" + name) }.count == 1, "\(name) in rejected/: \(rejected)")
            #expect(rejected.filter { $0.hasSuffix("-" + name + ".error.txt") }.count == 1, "\(name).error.txt in rejected/: \(rejected)")
        }

        // The round closed once: one result per dossier and program, on each dossier's last revision before the deadline.
        #expect(state.counts["round_closed_audits"] == 1)
        let roundResults = try StoreProbe.query(
            harness, "SELECT dossier_id, revision, program, count(*) AS n FROM results WHERE round_id = '2027-1' GROUP BY 1, 2, 3")
        var byDossier: [String: [(revision: Int, program: String)]] = [:]
        for row in roundResults {
            #expect(row.int("n") == 1, "one result per dossier, revision and program: \(row)")
            byDossier[row.string("dossier_id"), default: []].append((row.int("revision"), row.string("program")))
        }
        let inRound = ledger.expected.filter { $0.value.contains { $0.round == "2027-1" && !$0.late } }
        #expect(Set(byDossier.keys) == Set(inRound.keys), "the round counted exactly the dossiers in time")
        for (dossier, revisions) in inRound {
            let counted = (revisions.lastIndex { !$0.late } ?? -1) + 1
            let results = byDossier[dossier] ?? []
            #expect(results.count == 2 && results.allSatisfy { $0.revision == counted }, "\(dossier): \(results), expected revision \(counted)")
            #expect(Set(results.map(\.program)) == ["certification", "award"], "\(dossier): \(results)")
        }
        let duplicateResults = try StoreProbe.query(
            harness,
            "SELECT dossier_id, revision, program, trigger, round_id, count(*) AS n FROM results GROUP BY 1, 2, 3, 4, 5 HAVING count(*) > 1")
        #expect(duplicateResults.isEmpty, "no result stored twice: \(duplicateResults)")

        // Every notice arrives.
        let outbox = try StoreProbe.query(harness, "SELECT id, channel, message_id, event, dossier_id, revision, state, attempts FROM outbox")
        #expect(outbox.allSatisfy { $0.string("state") == "sent" }, "every outbox row is sent: \(outbox.filter { $0.string("state") != "sent" })")
        let mailIDs = Set(outbox.filter { $0.string("channel") == "email" }.map { $0.string("message_id") })
        let webhookIDs = Set(outbox.filter { $0.string("channel") == "webhook" }.map { $0.string("message_id") })
        let mails = try receivedMails()
        let hooks = try receivedWebhooks()
        let mailReceived = Dictionary(mails.map { ($0, 1) }, uniquingKeysWith: +)
        let hookDelivered = Dictionary(hooks.filter { $0.delivered }.map { ($0.id, 1) }, uniquingKeysWith: +)
        #expect(mailIDs.subtracting(mailReceived.keys).isEmpty, "mails never received: \(mailIDs.subtracting(mailReceived.keys).sorted())")
        #expect(webhookIDs.subtracting(hookDelivered.keys).isEmpty, "webhooks never delivered: \(webhookIDs.subtracting(hookDelivered.keys).sorted())")
        #expect(hooks.allSatisfy { $0.verified }, "every webhook request verifies: \(hooks.filter { !$0.verified })")

        // Duplicates only under the same id: nothing arrived under an id the outbox does not have,
        // and no notice has two outbox rows (two ids).
        let newMailIDs = Set(mailReceived.keys).subtracting(mailIDs)
        let newWebhookIDs = Set(hooks.map(\.id)).subtracting(webhookIDs)
        #expect(newMailIDs.isEmpty, "mails under an id the outbox does not have: \(newMailIDs.sorted())")
        #expect(newWebhookIDs.isEmpty, "webhooks under an id the outbox does not have: \(newWebhookIDs.sorted())")
        let twice = try StoreProbe.query(
            harness,
            """
            SELECT o.channel, o.event, o.dossier_id, o.revision, count(*) AS n FROM outbox AS o
            WHERE o.event <> 'loan.evaluated' AND o.dossier_id IS NOT NULL GROUP BY 1, 2, 3, 4 HAVING count(*) > 1
            """)
        #expect(twice.isEmpty, "one notice per event, dossier and revision: \(twice)")
        let loan = try StoreProbe.query(
            harness,
            """
            SELECT (SELECT count(*) FROM results WHERE program = 'loan') AS results,
                   (SELECT count(*) FROM outbox WHERE event = 'loan.evaluated' AND channel = 'email') AS mails,
                   (SELECT count(*) FROM outbox WHERE event = 'loan.evaluated' AND channel = 'webhook') AS webhooks
            """
        ).first
        #expect(loan?.int("mails") == loan?.int("results") && loan?.int("webhooks") == loan?.int("results"), "one loan notice per loan result: \(String(describing: loan))")
        let newIDs = newMailIDs.count + newWebhookIDs.count + twice.count
        // A kill charges an attempt to each notice it held leased, sent or not (see Store.claimDue).
        let attempts = Dictionary(outbox.map { ($0.int("attempts"), 1) }, uniquingKeysWith: +).sorted { $0.key < $1.key }
        print("crash test: notices by attempts counted: " + attempts.map { "\($0.value)×\($0.key)" }.joined(separator: ", "))

        let mailDuplicates = mailReceived.values.reduce(0) { $0 + $1 - 1 }
        let webhookDuplicates = hookDelivered.values.reduce(0) { $0 + $1 - 1 }
        let duplicates = mailDuplicates + webhookDuplicates
        // A duplicate needs a kill between the send and its mark; each channel has one send in flight.
        #expect(duplicates <= 2 * totalKills, "duplicates \(duplicates) for \(totalKills) kills")

        #expect(totalKills >= 20, "at least 20 kills: \(kills)")
        let logs = (1...runs).map { (try? String(contentsOfFile: harness.directory.file("daemon-\($0).log"), encoding: .utf8)) ?? "" }
        let errors = logs.flatMap { $0.split(separator: "\n").filter { $0.hasPrefix("level=error") } }
        #expect(errors.isEmpty, "errors in the daemon's logs: \(errors)")
        let lostLeases = logs.reduce(0) { $0 + $1.components(separatedBy: "event=delivery.lease_lost").count - 1 }
        #expect(lostLeases == 0, "lost leases: \(lostLeases)")

        let phases = Phase.allCases.map { "\($0.rawValue) \(kills[$0] ?? 0)" }.joined(separator: ", ")
        print(
            "crash test: seed=\(seed) runs=\(runs) kills=\(totalKills) (\(phases); \(killsWithWorkLeft) with work left, "
                + "\(killsBeforeClose) before the close committed) dossiers=\(ledger.expected.count) revisions=\(ledger.expected.values.reduce(0) { $0 + $1.count }) "
                + "rejected=\(ledger.invalidNames.count) lost=\(lost) notices=\(outbox.count) (\(mailIDs.count) mails, \(webhookIDs.count) webhooks) "
                + "duplicate deliveries=\(duplicates) (\(mailDuplicates) mails, \(webhookDuplicates) webhooks; \(hooks.count - hookDelivered.values.reduce(0, +)) webhook requests answered 500 and retried) "
                + "duplicates with a new id=\(newIDs)")
    }

    /// The Message-ID of every mail the SMTP sink accepted (one per `<n>.eml`).
    func receivedMails() throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: mailDirectory).filter { $0.hasSuffix(".eml") }
        return try names.map { name in
            let text = String(decoding: try #require(FileManager.default.contents(atPath: mailDirectory + "/" + name)), as: UTF8.self)
            let header = text.components(separatedBy: "\r\n\r\n").first ?? ""
            let line = try #require(header.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("message-id:") }, "\(name) has a Message-ID")
            return line.dropFirst("message-id:".count).trimmingCharacters(in: CharacterSet(charactersIn: " <>"))
        }
    }

    /// Every request the webhook receiver logged.
    func receivedWebhooks() throws -> [(id: String, verified: Bool, delivered: Bool)] {
        let text = (try? String(contentsOfFile: webhookLog, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            let record = try JSONParser.parse(String(line)).get()
            let status = Int(record["status"]?.numberText ?? "") ?? 0
            return (record["id"]?.stringValue ?? "", record["verified"]?.boolValue == true, (200..<300).contains(status))
        }
    }
}

// MARK: - What was submitted

/// A file given to `diacert submit`, with what the test knows of it.
private struct SubmittedFile {
    let path: String
    let hash: String
    let dossier: String?
    let round: String?
    let valid: Bool

    init(path: String, valid: Bool = true) throws {
        self.path = path
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
        hash = Digest.hex(Digest.sha256(bytes))
        self.valid = valid
        let text = String(decoding: bytes, as: UTF8.self)
        dossier = valid ? SubmittedFile.field("id", in: text) : nil
        round = valid ? SubmittedFile.field("round", in: text) : nil
    }

    /// The first `key: value` (YAML) or `"key": "value"` (JSON) line.
    static func field(_ key: String, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            for prefix in ["\(key):", "\"\(key)\":"] where trimmed.hasPrefix(prefix) {
                return trimmed.dropFirst(prefix.count).trimmingCharacters(in: CharacterSet(charactersIn: " \",'"))
            }
        }
        return nil
    }
}

/// Per dossier, the revisions the store must end up with: the content hashes in submission order,
/// a file with the same content as the latest revision making none.
private struct SubmissionLedger {
    struct Revision: CustomStringConvertible {
        let hash: String
        let round: String?
        let late: Bool
        var description: String { "\(hash.prefix(8))\(late ? " (late)" : "")" }
    }

    var expected: [String: [Revision]] = [:]
    /// The fixtures submitted, once each.
    var fixtures: [SubmittedFile] = []
    var validSubmissions = 0
    var invalidNames: [String] = []
    /// Files submitted from now on carry a stamp after the 2027-1 deadline.
    var late = false

    mutating func record(_ files: [SubmittedFile]) {
        for file in files {
            guard file.valid, let dossier = file.dossier else {
                invalidNames.append((file.path as NSString).lastPathComponent)
                continue
            }
            validSubmissions += 1
            if file.path.hasPrefix(DaemonHarness.fixture("")), !fixtures.contains(where: { $0.path == file.path }) { fixtures.append(file) }
            if expected[dossier]?.last?.hash == file.hash { continue }
            expected[dossier, default: []].append(Revision(hash: file.hash, round: file.round, late: late && file.round == "2027-1"))
        }
    }
}

// MARK: - The store, read from outside

/// The daemon's database read with `sqlite3 -readonly` while no daemon runs (no checkpoint, no
/// write: the next start recovers from exactly what the kill left).
private struct StoreProbe {
    struct StoredRevision: CustomStringConvertible {
        let hash: String
        let late: Bool
        var description: String { "\(hash.prefix(8))\(late ? " (late)" : "")" }
    }

    let revisions: [String: [StoredRevision]]
    /// The counts below, all 0 before the schema exists.
    let counts: [String: Int]
    let integrity: String
    static let countNames = [
        "received_audits", "received_notices", "round_closed_audits", "round_closed", "round_results", "round_notices", "pending", "sending",
    ]

    var roundClosed: Bool { counts["round_closed"] == 1 }
    var unsent: Int { (counts["pending"] ?? 0) + (counts["sending"] ?? 0) }

    init(harness: DaemonHarness) throws {
        // A kill within the first start can come before the database or its schema exists.
        let exists = FileManager.default.fileExists(atPath: harness.stateDirectory + "/diacert.sqlite")
        guard exists, try StoreProbe.query(harness, "SELECT name FROM sqlite_master WHERE name = 'audit'").count == 1 else {
            revisions = [:]
            counts = Dictionary(uniqueKeysWithValues: StoreProbe.countNames.map { ($0, 0) })
            integrity = exists ? try StoreProbe.query(harness, "PRAGMA quick_check").first?.string("quick_check") ?? "?" : "ok"
            return
        }
        var revisions: [String: [StoredRevision]] = [:]
        for row in try StoreProbe.query(harness, "SELECT dossier_id, revision, content_hash, late FROM dossier_revisions ORDER BY dossier_id, revision") {
            revisions[row.string("dossier_id"), default: []].append(StoredRevision(hash: row.string("content_hash"), late: row.int("late") == 1))
        }
        self.revisions = revisions
        let row = try StoreProbe.query(
            harness,
            """
            SELECT (SELECT count(*) FROM audit WHERE action = 'dossier.received') AS received_audits,
                   (SELECT count(*) FROM outbox WHERE event = 'dossier.received') AS received_notices,
                   (SELECT count(*) FROM audit WHERE action = 'round.closed') AS round_closed_audits,
                   (SELECT count(*) FROM rounds WHERE id = '2027-1' AND state = 'closed') AS round_closed,
                   (SELECT count(*) FROM results WHERE round_id = '2027-1') AS round_results,
                   (SELECT count(*) FROM outbox WHERE event = 'round.closed') AS round_notices,
                   (SELECT count(*) FROM outbox WHERE state = 'pending') AS pending,
                   (SELECT count(*) FROM outbox WHERE state = 'sending') AS sending
            """
        ).first
        counts = Dictionary(uniqueKeysWithValues: StoreProbe.countNames.map { ($0, row?.int($0) ?? -1) })
        integrity = try StoreProbe.query(harness, "PRAGMA quick_check").first?.string("quick_check") ?? "?"
    }

    /// One SQL statement's rows (`sqlite3 -readonly -json`).
    static func query(_ harness: DaemonHarness, _ sql: String) throws -> [JSONValue] { try harness.query(sql) }
}

extension JSONValue {
    fileprivate func string(_ key: String) -> String { self[key]?.stringValue ?? "" }
    fileprivate func int(_ key: String) -> Int { Int(self[key]?.numberText ?? "") ?? -1 }
}

// MARK: - Time

/// The fake time every process of the run is started with: it moves on with the real clock and
/// only ever jumps forward, so timestamps, submission stamps and leases stay in order across restarts.
private struct FakeTimeline {
    private var base: Int64
    private var wallAtBase: Int64

    init(start: String) throws {
        base = try FakeTimeline.nanoseconds(start)
        wallAtBase = FakeTimeline.wallNow()
    }

    var now: Int64 { base + FakeTimeline.wallNow() - wallAtBase }
    var text: String { DaemonClock.timestamp(now).rfc3339 }

    mutating func jump(to instant: String) throws {
        let target = try FakeTimeline.nanoseconds(instant)
        guard target > now else { throw PeerError(description: "the fake timeline only moves forward (to \(instant))") }
        base = target
        wallAtBase = FakeTimeline.wallNow()
    }

    static func nanoseconds(_ text: String) throws -> Int64 { DaemonClock.nanoseconds(try Timestamp(rfc3339: text)) }

    static func wallNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }
}
