import Foundation
import Glibc
import JSON
import Testing

/// The daemon as a real process: files into the spool, what the store and the mail folder show after.
@Suite("Daemon: intake", .serialized)
struct DaemonIntakeTests {
    static let configuration = """
        mail:
          from: {address: office@dia5.example.jp, name: ダイア5市脱炭素経営推進協議会}
        delivery: {poll_ms: 50}
        intake: {poll_ms: 50}

        """

    @Test("valid dossiers are stored, invalid ones rejected with line:col and a notice; nothing stays in the spool")
    func validAndInvalid() throws {
        let harness = try DaemonHarness("daemon-intake", configuration: Self.configuration)
        let daemon = try harness.start()
        let valid = [DaemonHarness.fixture("tokorozawa-seimitsu.yaml"), DaemonHarness.fixture("hanno-seizai.json")]
        let faulty = SharedMaterial.packageRoot.appendingPathComponent("fixtures/faulty/typo-field-name.yaml").path
        let noAddress = harness.directory.file("garbage.yaml")
        try "{ this is: [not closed\n".write(toFile: noAddress, atomically: true, encoding: .utf8)
        try harness.submit(valid + [faulty, noAddress])
        try harness.waitUntil("the spool to empty") { harness.files(in: "incoming").isEmpty }
        try daemon.waitForLog("event=dossier.rejected", count: 2)

        let status = try harness.status()
        #expect(status["dossiers"]?.numberText == "2")
        #expect(status["daemon"]?.stringValue == "running")
        #expect(status["rules_hash"]?.stringValue?.count == 64)

        // Each rejected file sits beside a report naming every problem with its line and column.
        let rejected = harness.files(in: "rejected")
        #expect(rejected.filter { $0.hasSuffix(".error.txt") }.count == 2)
        let typoReport = try String(
            contentsOfFile: harness.stateDirectory + "/rejected/" + #require(rejected.first { $0.hasSuffix("typo-field-name.yaml.error.txt") }),
            encoding: .utf8)
        #expect(typoReport.contains("typo-field-name.yaml:12:3: error: unknown field 'company.employes'; did you mean 'employees'?"))
        #expect(harness.files(in: "processed").count == 2)

        // The applicant whose file had an address hears why; the garbage file had none to write to.
        try harness.waitUntil("the notices to be written") { try harness.outboxCount("pending") == 0 && harness.mails().count >= 3 }
        let rejections = try harness.mails().map { try MailFile($0) }.filter { $0.header("X-DiaCert-Notice") == "rejected" }
        #expect(rejections.count == 1)
        #expect(rejections.first?.body.contains("12:3") == true)
        #expect(rejections.first?.body.contains("company.employes") == true)
        // The applicant reads Japanese: no English severity word inside the Japanese text.
        #expect(rejections.first?.body.contains("typo-field-name.yaml:12:3: エラー: ") == true)
        #expect(rejections.first?.body.contains(" error: ") == false)
        // The subject names the file, so an applicant who sent several knows which one to fix.
        #expect(rejections.first?.subject.contains("申請書（") == true)
        #expect(rejections.first?.subject.contains("typo-field-name.yaml") == true, "\(rejections.first?.subject ?? "")")

        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)
        #expect(daemon.log.contains("event=daemon.stopped"))
    }

    @Test("the same content again makes no revision; changed content makes revision 2")
    func revisions() throws {
        let harness = try DaemonHarness("daemon-revisions", configuration: Self.configuration)
        let daemon = try harness.start()
        let original = DaemonHarness.fixture("sayama-chaen.yaml")
        try harness.submit([original])
        try daemon.waitForLog("event=dossier.stored")
        try harness.submit([original])
        try daemon.waitForLog("event=dossier.unchanged")
        let changed = try harness.variant(of: "sayama-chaen.yaml", named: "sayama-chaen.yaml", replacing: [("employees: ", "employees: 1")])
        try harness.submit([changed])
        try daemon.waitForLog("revision=2")
        let status = try harness.status()
        #expect(status["dossiers"]?.numberText == "1")
        #expect(status["revisions"]?.numberText == "2")
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)
    }

    @Test("the loan on arrival: incomplete before any certificate; a still-valid certificate of a closed round stands for the next round's application")
    func loanOnArrivalUsesTheStandingCertificate() throws {
        let harness = try DaemonHarness("daemon-standing-certificate", configuration: Self.configuration)
        let daemon = try harness.start()
        try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
        try daemon.waitForLog("event=dossier.stored")
        let close = try harness.cli(["rounds", "close", "2027-1"])
        #expect(close.status == 0, "\(close.stderr)")
        // The same company applies in the next round; its 2027-1 certificate (platinum, valid three
        // years) decides the loan until 2027-2 closes.
        let next = try harness.variant(
            of: "tokorozawa-seimitsu.yaml", named: "tokorozawa-seimitsu.yaml",
            replacing: [("round: \"2027-1\"", "round: \"2027-2\""), ("submitted_at: 2027-05-10T14:03:00+09:00", "submitted_at: 2027-10-05T10:00:00+09:00")])
        try harness.submit([next])
        try daemon.waitForLog("revision=2")
        let loans = try harness.query(
            "SELECT revision, trigger, outcome, result_json FROM results WHERE program = 'loan' AND trigger = 'arrival' ORDER BY id")
        #expect(loans.map { $0["revision"]?.numberText ?? "" } == ["1", "2"])
        // Revision 1 came before any certificate: the loan could not be decided yet.
        #expect(loans.first?["outcome"]?.stringValue == "incomplete")
        let second = try #require(loans.last?["result_json"]?.stringValue.flatMap { try? JSONParser.parse($0).get() })
        #expect(loans.last?["outcome"]?.stringValue == "eligible", "\(second)")
        #expect(second["terms"]?["interest_subsidy_pct"]?.numberText == "60")
        #expect(second["terms"]?["limit_jpy"]?.numberText == "50000000")
        let audit = try harness.query("SELECT detail FROM audit WHERE action = 'loan.standing_certificate'")
        #expect(audit.count == 1)
        let detail = try #require(audit.first?["detail"]?.stringValue.flatMap { try? JSONParser.parse($0).get() })
        #expect(detail["round"]?.stringValue == "2027-1")
        #expect(detail["tier"]?.stringValue == "platinum")
        // Three years from the 2027-1 deadline: the end of 30 June 2030 in Asia/Tokyo.
        #expect(detail["valid_until"]?.stringValue == "2030-06-30T14:59:59.999999999Z", "\(detail)")
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)
    }

    @Test("at round close the loan is told again only when its outcome or terms change")
    func loanNoticeAtCloseOnlyWhenItChanges() throws {
        let harness = try DaemonHarness("daemon-loan-at-close", configuration: Self.configuration)
        let daemon = try harness.start()
        try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml"), DaemonHarness.fixture("yokohama-kowan.json")])
        try daemon.waitForLog("event=dossier.stored", count: 2)
        let close = try harness.cli(["rounds", "close", "2027-1"])
        #expect(close.status == 0, "\(close.stderr)")
        let results = try harness.query(
            "SELECT dossier_id, trigger, outcome FROM results WHERE program = 'loan' ORDER BY dossier_id, id")
        let seen = results.map { "\($0["dossier_id"]?.stringValue ?? "") \($0["trigger"]?.stringValue ?? "") \($0["outcome"]?.stringValue ?? "")" }
        // tokorozawa-seimitsu: undecided until its certificate, then eligible. yokohama-kowan is
        // outside the five cities: ineligible on arrival and still ineligible, so no second notice.
        #expect(
            seen == [
                "tokorozawa-seimitsu arrival incomplete", "tokorozawa-seimitsu certification_changed eligible",
                "yokohama-kowan arrival ineligible",
            ], "\(seen)")
        let notices = try harness.query(
            "SELECT dossier_id, channel, count(*) AS n FROM outbox WHERE event = 'loan.evaluated' GROUP BY 1, 2 ORDER BY 1, 2")
        #expect(
            notices.map { "\($0["dossier_id"]?.stringValue ?? "") \($0["channel"]?.stringValue ?? "") \($0["n"]?.numberText ?? "")" }
                == ["tokorozawa-seimitsu email 2", "yokohama-kowan email 1"], "\(notices)")
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0)
    }

    @Test("a second daemon on the same state directory refuses to start")
    func singleDaemon() throws {
        let harness = try DaemonHarness("daemon-lock", configuration: Self.configuration)
        let first = try harness.start()
        let second = try harness.start(waitForStart: false)
        #expect(try second.wait() == 69)
        #expect(second.log.contains("event=daemon.already_running"))
        first.signal(SIGINT)
        #expect(try first.wait() == 0)
    }
}

/// A mail file parsed by Python's `email` package (Tests/Peers/parse_mail.py).
struct MailFile {
    let path: String
    let json: JSONValue

    init(_ path: String) throws {
        self.path = path
        let data = try PeerPython.run("parse_mail.py", [path])
        guard case .success(let json) = JSONParser.parse([UInt8](data)) else { throw PeerError(description: "parse_mail.py gave no JSON for \(path)") }
        self.json = json
    }

    var subject: String { json["subject"]?.stringValue ?? "" }
    var body: String { json["body"]?.stringValue ?? "" }
    var messageID: String { json["message_id"]?.stringValue ?? "" }

    func header(_ name: String) -> String? {
        let raw = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        for line in raw.split(separator: "\r\n") {
            if line.isEmpty { break }
            if line.lowercased().hasPrefix(name.lowercased() + ":") { return line.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
