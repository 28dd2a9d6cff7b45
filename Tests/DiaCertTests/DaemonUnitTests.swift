import Diagnostics
import Foundation
import RuleModel
import Store
import Testing

@testable import Daemon

/// The daemon's small parts that need no process: log lines, configuration checks, spool names.
@Suite("Daemon: parts")
struct DaemonUnitTests {
    @Test("a logged value can never start a forged line: CR, LF, CRLF and other control characters are escaped")
    func logValuesStayOnOneLine() {
        for hostile in ["farming\r\nlevel=error event=forged.line", "a\rb", "a\nb", "tab\there", "nul\u{0}x", "nel\u{85}x", "ls\u{2028}x"] {
            let quoted = EventLog.quote(hostile)
            #expect(!quoted.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\u{2028}" }, "\(quoted)")
            #expect(quoted.hasPrefix("\"") && quoted.hasSuffix("\""))
        }
        #expect(EventLog.quote("plain-value_1") == "plain-value_1")
        #expect(EventLog.quote("a b") == "\"a b\"")
        #expect(EventLog.quote("say \"hi\"=") == "\"say \\\"hi\\\"=\"")
        #expect(EventLog.quote("farming\r\nlevel=x") == "\"farming\\r\\nlevel=x\"")
    }

    @Test("a sender address the mail code would refuse is a configuration error at its line and column")
    func unusableSender() throws {
        let directory = try TemporaryDirectory("daemon-config")
        defer { directory.remove() }
        let path = directory.file("diacert.yaml")
        try "state_dir: state\nmail:\n  from: {address: diacert@localhost, name: x}\n".write(toFile: path, atomically: true, encoding: .utf8)
        switch DaemonConfiguration.load(path: path, environment: [:]) {
        case .success: Issue.record("a one-label sender domain was accepted")
        case .failure(let error):
            let message = error.diagnostics.first?.description ?? ""
            #expect(message.hasPrefix("\(path):3:19: error: mail.from is not usable as a sender"), "\(message)")
        }
        try "state_dir: state\n".write(toFile: path, atomically: true, encoding: .utf8)
        let defaults = try DaemonConfiguration.load(path: path, environment: [:]).get()
        #expect(defaults.mail.fromAddress == "diacert@localhost.localdomain")
        #expect(defaults.mail.maildir == directory.file("state/mail"))
        #expect(defaults.delivery.leaseSeconds > defaults.delivery.timeoutSeconds)
    }

    @Test("unknown keys are errors with a suggestion; ${NAME} in paths comes from the environment")
    func configurationKeys() throws {
        let directory = try TemporaryDirectory("daemon-config")
        defer { directory.remove() }
        let path = directory.file("diacert.yaml")
        try """
            state_dir: /var/lib/diacert
            mail:
              smtp: {url: "smtp://mail.example.jp:587", username: u, password_file: "${CREDENTIALS_DIRECTORY}/smtp-password"}
            delivery: {timeout_s: 30, max_atempts: 3}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        switch DaemonConfiguration.load(path: path, environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/diacert.service"]) {
        case .success: Issue.record("a misspelt key was accepted")
        case .failure(let error):
            #expect(error.diagnostics.map(\.description) == ["\(path):4:27: error: unknown key 'max_atempts' in delivery; did you mean 'max_attempts'?"])
        }
        try """
            state_dir: /var/lib/diacert
            mail:
              smtp: {url: "smtp://mail.example.jp:587", username: u, password_file: "${CREDENTIALS_DIRECTORY}/smtp-password"}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try DaemonConfiguration.load(path: path, environment: ["CREDENTIALS_DIRECTORY": "/run/credentials/diacert.service"]).get()
        #expect(configuration.mail.smtp?.passwordFile == "/run/credentials/diacert.service/smtp-password")
        #expect(configuration.mail.smtp?.starttls == .required)
    }

    @Test("spool names carry the submission time and the original name, and nothing else is mistaken for one")
    func spoolNames() {
        let name = Intake.spoolName(for: "/home/a/dossiers/sayama-chaen.yaml", at: 1_814_000_000_123_456_789)
        #expect(name.hasPrefix("1814000000123456789-") && name.hasSuffix("-sayama-chaen.yaml"))
        #expect(Intake.originalName(name) == "sayama-chaen.yaml")
        #expect(Intake.submissionTime(name) == 1_814_000_000_123_456_789)
        #expect(Intake.originalName("my-file-name.yaml") == "my-file-name.yaml")
        #expect(Intake.submissionTime("my-file-name.yaml") == nil)
    }

    @Test("configured paths are tidied for people (demo/../rules is rules), except through a symbolic link")
    func configuredPathsAreTidied() throws {
        #expect(DaemonConfiguration.tidied("demo/../rules") == "rules")
        #expect(DaemonConfiguration.tidied("./a/./b/") == "a/b")
        #expect(DaemonConfiguration.tidied("../rules") == "../rules")
        #expect(DaemonConfiguration.tidied("a/..") == ".")
        let directory = try TemporaryDirectory("daemon-tidied-paths")
        defer { directory.remove() }
        try FileManager.default.createDirectory(atPath: directory.file("real/inner"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: directory.file("link"), withDestinationPath: directory.file("real/inner"))
        // link/.. is real/, not the directory holding the link: kept as written.
        #expect(DaemonConfiguration.tidied(directory.file("link/../x")) == directory.file("link/../x"))
        #expect(DaemonConfiguration.tidied(directory.file("real/inner/../x")) == directory.file("real/x"))
    }

    @Test("the loan mail says its terms once, and a certification not decided yet in words, not as missing data")
    func loanMailWording() throws {
        let mails = try ShippedRulesMails("daemon-loan-mail")
        defer { mails.directory.remove() }
        let engine = mails.engine
        let dossier = try mails.ruleSet.decoder.load(path: "\(ShippedRules.fixtures)/dossiers/tokorozawa-seimitsu.yaml").get()
        func body(_ evaluation: DossierEvaluation, key: String) throws -> String {
            try mails.body(mails.composer.loanMail(evaluation, revision: 1, program: "loan", key: key, at: ShippedRulesMails.now), name: key)
        }

        // On arrival the certification is withheld until the round closes.
        let arrival = try body(engine.evaluate(dossier, round: engine.round(for: dossier), withheld: ["certification"]), key: "arrival")
        #expect(arrival.contains("? ブロンズ以上の認定 — 認定結果 (募集締切後に判定されます)"), "\(arrival)")
        #expect(!arrival.contains("programs.") && !arrival.contains("不足: 認定"), "\(arrival)")

        // After the round: eligible, with the terms said once (from the explanation).
        let decided = try body(engine.evaluate(dossier, round: engine.round(for: dossier)), key: "round")
        let terms = decided.split(whereSeparator: \.isNewline).map(String.init).filter { $0.hasPrefix("条件: ") }
        #expect(terms == ["条件: 利子補給 60%、保証料補助 100%、融資限度額 50,000,000円、融資期間 10年"], "\(decided)")
        #expect(decided.contains("✔ ブロンズ以上の認定  [認定ランク = プラチナ]"), "\(decided)")
        #expect(decided.contains("[資本金 = 30,000,000円、中小企業者の資本金の上限 = 300,000,000円"), "\(decided)")

        // The round mail gives the award score rounded for people (the ranking uses the exact value).
        let roundBody = try mails.roundMailBody("tokorozawa-seimitsu")
        #expect(roundBody.contains("優秀賞を受賞されました（部門: 中小企業部門、得点 113.37）。"), "\(roundBody)")
        // No tie on the score: no tie-break sentence, and no empty line left where it would be.
        #expect(!roundBody.contains("同じ得点"), "\(roundBody)")
        #expect(!roundBody.contains("113.37）。\n\n\n"), "\(roundBody)")
        // Measures and investments by their titles, percentages to one place.
        #expect(roundBody.contains("[実施済みの対策 = "), "\(roundBody)")
        #expect(!roundBody.contains("(led") && !roundBody.contains("、led") && !roundBody.contains("= []"), "\(roundBody)")
        #expect(roundBody.contains("[基準年度比の削減実績 = 25.4%]"), "\(roundBody)")
    }

    @Test("the round mail says the award category, and when the score was tied, that the tie-breaks decided the order")
    func roundMailWordingOnATie() throws {
        let mails = try ShippedRulesMails("daemon-round-mail")
        defer { mails.directory.remove() }
        let tieLine = "同じ得点の申請があったため、順位は同点時の基準（削減実績の大きい順、次に提出日時の早い順）で決まりました。"
        let kensetsu = try mails.roundMailBody("sayama-kensetsu")
        #expect(kensetsu.contains("■ 脱炭素経営アワード: おめでとうございます。優秀賞を受賞されました（部門: 中小企業部門、得点 96）。\n" + tieLine), "\(kensetsu)")
        let butsuryu = try mails.roundMailBody("iruma-butsuryu")
        #expect(
            butsuryu.contains("■ 脱炭素経営アワード: 選考の結果、今回は受賞に至りませんでした（部門: 中小企業部門、得点 96、部門内 4位）。\n" + tieLine),
            "\(butsuryu)")
        // In the small-business category the achieved reduction alone told the two apart.
        let mokko = try mails.roundMailBody("hanno-mokko")
        #expect(mokko.contains("（部門: 小規模事業者部門、得点 96、部門内 4位）。\n同じ得点の申請があったため、順位は同点時の基準（削減実績の大きい順）で決まりました。"), "\(mokko)")
    }
}

/// Mails composed from the shipped rules and fixtures, as files read back by Python's `email`.
private struct ShippedRulesMails {
    static let now: Int64 = 1_814_000_000_000_000_000
    let directory: TemporaryDirectory
    let ruleSet: RuleSet
    let engine: RuleEngine
    let composer: NoticeComposer

    init(_ name: String) throws {
        directory = try TemporaryDirectory(name)
        let path = directory.file("diacert.yaml")
        try "state_dir: state\nmail:\n  from: {address: office@dia5.example.jp, name: x}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try DaemonConfiguration.load(path: path, environment: [:]).get()
        ruleSet = try ShippedRules.ruleSet()
        composer = NoticeComposer(ruleSet: ruleSet, configuration: configuration, log: EventLog(minimum: .error))
        engine = RuleEngine(ruleSet: ruleSet)
    }

    /// The decoded body of a composed mail; CRLF line ends as `\n`, to compare with template lines.
    func body(_ entry: OutboxEntry?, name: String) throws -> String {
        let entry = try #require(entry, "no mail for \(name)")
        let file = directory.file("\(name).eml")
        try Data(entry.payload).write(to: URL(fileURLWithPath: file))
        return try MailFile(file).body.replacingOccurrences(of: "\r\n", with: "\n")
    }

    /// The round mail of one fixture, its award ranked among all the fixtures of round 2027-1.
    func roundMailBody(_ id: String) throws -> String {
        let all = try DaemonHarness.allFixtures().map { try ruleSet.decoder.load(path: $0).get() }.filter { $0.round == "2027-1" }
        let evaluation = try #require(engine.evaluate(all).first { $0.dossier.id == id })
        let round = try #require(evaluation.round)
        return try body(composer.roundMail(evaluation, revision: 1, round: round, at: Self.now), name: id)
    }
}
