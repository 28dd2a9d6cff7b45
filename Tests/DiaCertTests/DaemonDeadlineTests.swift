import Foundation
import Glibc
import JSON
import Testing

/// Deadlines are instants in Asia/Tokyo: the daemon judges them alike whatever its TZ, closes a
/// round by itself once the deadline has passed, and closes a round it slept through when it starts.
@Suite("Daemon: deadlines", .serialized)
struct DaemonDeadlineTests {
    static let configuration = """
        mail:
          from: {address: office@dia5.example.jp}
        delivery: {poll_ms: 50}
        intake: {poll_ms: 50, close_grace_s: 1}

        """

    /// A fixture under a new dossier id and contact address, so each submission's notices are told apart.
    static func applicant(_ harness: DaemonHarness, _ id: String) throws -> String {
        try harness.variant(
            of: "tokorozawa-seimitsu.yaml", named: "\(id).yaml",
            replacing: [("id: tokorozawa-seimitsu", "id: \(id)"), ("@tokorozawa-seimitsu.example.jp", "@\(id).example.jp")])
    }

    /// The notice kinds (X-DiaCert-Notice) each recipient domain received.
    static func noticesByApplicant(_ harness: DaemonHarness) throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for path in harness.mails() {
            let mail = try MailFile(path)
            let to = mail.json["to_addresses"]?.arrayValue?.first?["addr_spec"]?.stringValue ?? ""
            let domain = String(to.split(separator: "@").last ?? "").replacingOccurrences(of: ".example.jp", with: "")
            result[domain, default: []].insert(mail.header("X-DiaCert-Notice") ?? "?")
        }
        return result
    }

    @Test(
        "23:59:59+09:00 is on time and 00:00:01+09:00 late, under any TZ; the round closes by itself",
        arguments: ["UTC", "Asia/Tokyo", "America/New_York"])
    func deadline(zone: String) throws {
        let harness = try DaemonHarness("daemon-deadline", configuration: Self.configuration)
        harness.environment["TZ"] = zone
        let daemon = try harness.start(["DIACERT_FAKE_NOW": "2027-06-30T23:59:57+09:00"])
        let submissions: [(id: String, at: String)] = [
            ("on-time", "2027-06-30T23:59:59+09:00"),
            ("last-moment", "2027-06-30T23:59:59.999+09:00"),
            ("midnight", "2027-07-01T00:00:00+09:00"),
            ("late", "2027-07-01T00:00:01+09:00"),
            // The same instant written in New York's offset: still late.
            ("late-elsewhere", "2027-06-30T11:00:01-04:00"),
        ]
        for submission in submissions {
            try harness.submit([try Self.applicant(harness, submission.id)], at: submission.at)
        }
        try daemon.waitForLog("event=round.closed round=2027-1", timeout: 30)
        try harness.waitUntil("every notice to be written") { try harness.outboxCount("pending") == 0 && harness.outboxCount("sending") == 0 }

        for (id, expected) in [("on-time", false), ("last-moment", false), ("midnight", true), ("late", true), ("late-elsewhere", true)] {
            #expect(daemon.logLines("event=dossier.stored dossier=\(id) ").first?.contains("late=\(expected)") == true, "\(id) in \(zone)")
        }
        let notices = try Self.noticesByApplicant(harness)
        #expect(notices["on-time"]?.contains("round") == true)
        #expect(notices["last-moment"]?.contains("round") == true)
        for id in ["midnight", "late", "late-elsewhere"] {
            #expect(notices[id]?.contains("late") == true, "\(id) told it came late")
            #expect(notices[id]?.contains("round") != true, "\(id) not evaluated in the round")
        }
        let round = try #require(harness.status()["rounds"]?.arrayValue?.first { $0["id"]?.stringValue == "2027-1" })
        #expect(round["state"]?.stringValue == "closed")
        #expect(round["closed_by"]?.stringValue == "deadline")
        #expect(round["deadline"]?.stringValue == "2027-06-30T23:59:59+09:00")
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)
    }

    @Test("a daemon that was down over the deadline closes the round when it starts, counting what was submitted in time")
    func closesOnStart() throws {
        let harness = try DaemonHarness("daemon-missed-deadline", configuration: Self.configuration)
        let first = try harness.start(["DIACERT_FAKE_NOW": "2027-06-30T12:00:00+09:00"])
        try harness.submit([try Self.applicant(harness, "stored-early")], at: "2027-06-30T12:00:00+09:00")
        try first.waitForLog("event=dossier.stored dossier=stored-early")
        first.signal(SIGTERM)
        #expect(try first.wait() == 0)

        // Submitted while no daemon ran: on time by its stamp.
        try harness.submit([try Self.applicant(harness, "spooled")], at: "2027-06-30T20:00:00+09:00")
        let second = try harness.start(["DIACERT_FAKE_NOW": "2027-07-02T09:00:00+09:00"])
        try second.waitForLog("event=round.closed round=2027-1")
        #expect(second.logLines("event=round.closed").first?.contains("dossiers=2") == true)
        #expect(second.logLines("dossier=spooled").first?.contains("late=false") == true)
        // Restarting again does not close it twice.
        second.signal(SIGTERM)
        #expect(try second.wait() == 0)
        let third = try harness.start(["DIACERT_FAKE_NOW": "2027-07-02T10:00:00+09:00"])
        // Two files taken in two ticks: the first tick's round check has run by then.
        try harness.submit([try Self.applicant(harness, "after-1")])
        try third.waitForLog("event=dossier.stored dossier=after-1")
        try harness.submit([try Self.applicant(harness, "after-2")])
        try third.waitForLog("event=dossier.stored dossier=after-2")
        #expect(third.logLines("dossier=after-1").first?.contains("late=true") == true)
        #expect(third.logLines("event=round.closed").isEmpty)
        third.signal(SIGTERM)
        #expect(try third.wait() == 0)
    }
}
