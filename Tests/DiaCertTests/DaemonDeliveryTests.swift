import Foundation
import Glibc
import JSON
import Testing

@testable import Delivery

/// The daemon's notices end to end: a real `diacert serve`, driven by the real CLI, sending to real
/// peers (aiosmtpd in `Tests/Peers/smtp_sink.py`, a `standardwebhooks`-verifying receiver in
/// `Tests/Peers/webhook_receiver.py`); what arrived is read back with Python's `email` package.
///
/// Serialized as a whole (both nested suites): every test runs a daemon and Python peers, and the
/// timing checks (Retry-After, timeouts) should not compete with each other for two cores.
@Suite("Daemon: delivery", .serialized)
struct DaemonDeliveryTests {}

// MARK: - Shared material

extension DaemonDeliveryTests {
    static let fromAddress = "office@dia5.example.jp"
    static let fromName = "ダイア5市脱炭素経営推進協議会"
    static let applicant = "yamada@tokorozawa-seimitsu.example.jp"
    /// 機種依存文字 (㈱ ①), a full-width tilde and enough kanji for a subject of several encoded words.
    static let companyName = "㈱サンプル①号棟 所沢精密工業技術研究開発製造販売ホールディングス～東日本事業本部"
    /// What ISO-2022-JP carries instead, by the documented substitutions.
    static let companyNameJIS = "(株)サンプル(1)号棟 所沢精密工業技術研究開発製造販売ホールディングス〜東日本事業本部"

    /// The smallest delays that still show a retry: attempts come back within a second.
    static let fastDelivery = """
        delivery: {backoff_initial_ms: 200, backoff_max_s: 1, max_attempts: 50, poll_ms: 50}
        intake: {poll_ms: 50}

        """

    static func mailConfiguration(smtp: String, charset: String = "utf-8", delivery: String = fastDelivery) -> String {
        """
        mail:
          from: {address: \(fromAddress), name: \(fromName)}
          smtp: \(smtp)
          charset: \(charset)

        """ + delivery
    }

    /// One outbox row as `diacert outbox list --format json` shows it.
    struct OutboxRow {
        let id: Int
        let channel: String
        let event: String
        let state: String
        let attempts: Int
        let messageID: String
        let destination: String
        let dossier: String?
        let lastError: String?

        init(_ json: JSONValue) {
            id = Int(json["id"]?.numberText ?? "") ?? -1
            channel = json["channel"]?.stringValue ?? ""
            event = json["event"]?.stringValue ?? ""
            state = json["state"]?.stringValue ?? ""
            attempts = Int(json["attempts"]?.numberText ?? "") ?? -1
            messageID = json["message_id"]?.stringValue ?? ""
            destination = json["destination"]?.stringValue ?? ""
            dossier = json["dossier"]?.stringValue
            lastError = json["last_error"]?.stringValue
        }
    }

    /// Every outbox row, through the CLI (and so through the running daemon's control channel).
    static func outbox(_ harness: DaemonHarness) throws -> [OutboxRow] {
        let result = try harness.cli(["outbox", "list", "--format", "json", "--limit", "1000"])
        guard result.status == 0, case .success(let json) = JSONParser.parse(result.stdout), let rows = json.arrayValue else {
            throw PeerError(description: "outbox list failed (\(result.status)): \(result.stderr)")
        }
        return rows.map(OutboxRow.init)
    }

    /// Nothing pending or being sent: every notice is sent or dead.
    static func settled(_ harness: DaemonHarness) throws -> Bool {
        let outbox = try harness.status()["outbox"]
        return outbox?["pending"]?.numberText == "0" && outbox?["sending"]?.numberText == "0"
    }

    static func closeRound(_ harness: DaemonHarness, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let result = try harness.cli(["rounds", "close", "2027-1"])
        #expect(result.status == 0, "rounds close: \(result.stderr)", sourceLocation: sourceLocation)
    }

    /// SIGTERM, and a clean exit.
    static func stop(_ daemon: DaemonProcess, sourceLocation: SourceLocation = #_sourceLocation) throws {
        daemon.signal(SIGTERM)
        #expect(try daemon.wait() == 0, "\(daemon.log)", sourceLocation: sourceLocation)
    }

    /// Writes `text` to a new file with mode `mode` (a secret file).
    static func writeSecret(_ text: String, to path: String, mode: mode_t = 0o600) throws {
        try (text + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        guard chmod(path, mode) == 0 else { throw PeerError(description: "chmod \(path): \(errno)") }
    }
}

// MARK: - Mail

extension DaemonDeliveryTests {
    @Suite("mail through a real SMTP server")
    struct Mail {
        typealias Sink = DeliverySMTPTests.Sink

        /// Every saved message of `sink`, parsed, with its raw bytes and envelope.
        static func received(_ sink: Sink) throws -> [(raw: [UInt8], parsed: ParsedMail, envelope: DeliverySMTPTests.Envelope)] {
            try (0..<sink.savedCount).map { index in
                (try sink.message(index + 1), try ParsedMail.parse(file: "\(sink.directory)/\(index + 1).eml"), try sink.envelope(index + 1))
            }
        }

        @Test("Japanese notices arrive whole and decode: headers, encoded words, CRLF, Message-ID of the outbox row", arguments: ["utf-8", "iso-2022-jp"])
        func japaneseNotices(charset: String) throws {
            let isJIS = charset == "iso-2022-jp"
            let harness = try DaemonHarness("delivery-mail")
            let sink = try Sink(in: harness.directory)
            try harness.reconfigure(DaemonDeliveryTests.mailConfiguration(smtp: "{url: \"\(sink.url)\", starttls: off}", charset: charset))
            let daemon = try harness.start()
            let dossier = try harness.variant(
                of: "tokorozawa-seimitsu.yaml", named: "long-name.yaml", replacing: [("株式会社所沢精密", DaemonDeliveryTests.companyName)])
            try harness.submit([dossier])
            try daemon.waitForLog("event=dossier.stored")
            try DaemonDeliveryTests.closeRound(harness)
            try harness.waitUntil("every notice to be sent") { try DaemonDeliveryTests.settled(harness) }

            let mails = try DaemonDeliveryTests.outbox(harness).filter { $0.channel == "email" }
            #expect(mails.count >= 2, "a loan notice on arrival and the round's result at least")
            #expect(mails.allSatisfy { $0.state == "sent" && $0.attempts == 1 && $0.destination == DaemonDeliveryTests.applicant })
            let received = try Self.received(sink)
            #expect(received.count == mails.count)
            #expect(Set(received.map(\.parsed.message_id)) == Set(mails.map { "<\($0.messageID)>" }))
            #expect(daemon.logLines("event=mail.charset_fallback").isEmpty, "our own texts must fit \(charset)")

            #expect(ISO2022JP.normalized(DaemonDeliveryTests.companyName) == DaemonDeliveryTests.companyNameJIS, "the documented table")
            let expectedName = isJIS ? DaemonDeliveryTests.companyNameJIS : DaemonDeliveryTests.companyName
            for (raw, parsed, envelope) in received {
                let context = Comment(rawValue: "\(parsed.message_id) \(parsed.subject)")
                #expect(parsed.defects == [], context)
                #expect(raw.bareLineEnds.isEmpty, context)
                #expect(raw.allSatisfy { $0 < 0x80 }, context)
                let header = try RawHeaders(raw)
                #expect(header.lines.allSatisfy { $0.utf8.count <= 78 }, context)
                let date = try #require(header.physicalLines(of: "Date").first)
                #expect(
                    date.wholeMatch(of: /Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0900/)
                        != nil, "\(date)")
                #expect(parsed.utc_offset_seconds == 9 * 3600)
                #expect(parsed.from_addresses.map(\.addr_spec) == [DaemonDeliveryTests.fromAddress])
                #expect(parsed.from_display_rfc2047 == DaemonDeliveryTests.fromName)
                #expect(parsed.to_addresses.map(\.addr_spec) == [DaemonDeliveryTests.applicant])
                #expect(envelope.mail_from == DaemonDeliveryTests.fromAddress)
                #expect(envelope.rcpt_tos == [DaemonDeliveryTests.applicant])
                #expect(parsed.content_type == "text/plain")
                #expect(parsed.charset == charset)
                #expect(parsed.transfer_encoding == (isJIS ? "7bit" : "base64"))

                // The subject: long Japanese, several encoded words, each standing alone.
                #expect(parsed.subject.hasPrefix("【ダイア5市】"), context)
                #expect(parsed.subject.contains("（\(expectedName)）"), context)
                #expect(parsed.subject_words.count >= 3, context)
                #expect(parsed.subject_words.map(\.text).joined() == parsed.subject, context)
                var words = parsed.subject_words.map { (word: $0.word, bytes: [UInt8](hex: $0.hex), charset: $0.charset) }
                for word in header.encodedWords(of: "From") {
                    let parts = word.dropFirst(2).dropLast(2).split(separator: "?")
                    words.append((word, try #require(Base64.decode(parts[2])), parts[0].lowercased()))
                }
                for word in words {
                    #expect(word.word.utf8.count <= 75, "\(word.word)")
                    #expect(word.charset == charset, "\(word.word)")
                    if isJIS {
                        #expect(word.bytes.endsInASCIIState && decodeISO2022JP(word.bytes) != nil, "\(word.word) does not stand alone")
                    } else {
                        #expect(String(validating: word.bytes, as: UTF8.self) != nil, "\(word.word) splits a character")
                    }
                }

                // The body: readable, with the name exactly as sent (or as substituted).
                #expect(parsed.body.contains(expectedName + "\r\n山田 花子 様"), context)
                #expect(!parsed.body.contains("\u{FFFD}"), context)
                if isJIS {
                    for original in ["㈱", "①", "～", "✔", "✘"] { #expect(!parsed.subject.contains(original) && !parsed.body.contains(original)) }
                    #expect(parsed.body.contains("○ "), "criteria met are marked ○ (for ✔)")
                    let lines = header.body.split(separator: 0x0A)
                    #expect(lines.allSatisfy { Array($0).endsInASCIIState && $0.count <= 999 }, "every body line returns to ASCII")
                } else {
                    #expect(parsed.body.contains("✔ "))
                }
            }
            let kinds = received.compactMap { mail in try? RawHeaders(mail.raw).fields.first { $0.name == "X-DiaCert-Notice" }?.value }
            #expect(kinds.map { $0.trimmingCharacters(in: .whitespaces) }.contains("round"))
            try DaemonDeliveryTests.stop(daemon)
        }

        @Test("STARTTLS and AUTH with password_file and ca_file; a wrong password is retried, and no password reaches the log")
        func startTLSAndAuth() throws {
            let harness = try DaemonHarness("delivery-tls")
            let certificate = try SelfSignedCertificate(in: harness.directory)
            let password = "pw-\(UUID().uuidString)"
            let wrongPassword = "wrong-\(UUID().uuidString)"
            let sink = try Sink(in: harness.directory, ["--starttls", certificate.certificatePath, certificate.keyPath, "--auth", "diacert:\(password)"])
            let passwordFile = harness.directory.file("smtp-password")
            try harness.reconfigure(
                DaemonDeliveryTests.mailConfiguration(
                    smtp: """
                        {url: "\(sink.url)", starttls: required, username: diacert, password_file: \(passwordFile), ca_file: \(certificate.certificatePath)}
                        """))

            // A password file others may read is refused at start, naming the file, never its content.
            try DaemonDeliveryTests.writeSecret(wrongPassword, to: passwordFile, mode: 0o644)
            let refused = try harness.start(waitForStart: false)
            // 78 (EX_CONFIG): the unit's RestartPreventExitStatus keeps systemd from restarting it in a loop.
            #expect(try refused.wait() == 78)
            #expect(refused.log.contains("event=config.delivery_unusable") && refused.log.contains("smtp-password") && refused.log.contains("chmod 600"))

            // The wrong password: the server denies the login, the notice waits, nothing is sent.
            try DaemonDeliveryTests.writeSecret(wrongPassword, to: passwordFile)
            let first = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
            try first.waitForLog("event=delivery.retry", count: 2)
            #expect(sink.savedCount == 0)
            #expect(try sink.events().allSatisfy { $0.tls }, "nothing may be said in clear text")
            try DaemonDeliveryTests.stop(first)

            // The right password after a restart: every notice goes out over TLS, authenticated.
            try DaemonDeliveryTests.writeSecret(password, to: passwordFile)
            let second = try harness.start()
            try DaemonDeliveryTests.closeRound(harness)
            try harness.waitUntil("every notice to be sent") { try DaemonDeliveryTests.settled(harness) }
            let mails = try DaemonDeliveryTests.outbox(harness).filter { $0.channel == "email" }
            #expect(mails.count >= 2 && mails.allSatisfy { $0.state == "sent" })
            #expect(sink.savedCount == mails.count)
            for number in 1...max(1, sink.savedCount) {
                let envelope = try sink.envelope(number)
                #expect(envelope.tls && envelope.authenticated && envelope.login == "diacert")
                #expect(envelope.rcpt_tos == [DaemonDeliveryTests.applicant])
            }
            #expect(try sink.events().allSatisfy { $0.tls })
            try DaemonDeliveryTests.stop(second)

            let logs = [refused.log, first.log, second.log]
            let outboxText = try harness.cli(["outbox", "list", "--format", "json", "--limit", "1000"]).stdout
            for secret in [password, wrongPassword] {
                #expect(!logs.contains { $0.contains(secret) }, "a password is in the daemon's log")
                #expect(!outboxText.contains(secret), "a password is in the outbox")
            }
            #expect(first.log.contains("login denied"), "the reason for the retry is in the log")
        }

        @Test("SMTP down, then back on the same port: retries, and every notice arrives once, none dead")
        func smtpDownThenBack() throws {
            var refusing: RefusingPort? = try RefusingPort()
            let port = try #require(refusing?.port)
            let harness = try DaemonHarness(
                "delivery-down", configuration: DaemonDeliveryTests.mailConfiguration(smtp: "{url: \"smtp://127.0.0.1:\(port)\", starttls: off}"))
            let daemon = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml"), DaemonHarness.fixture("hanno-seizai.json")])
            try harness.waitUntil("both dossiers to be stored") { daemon.logLines("event=dossier.stored").count == 2 }
            try DaemonDeliveryTests.closeRound(harness)
            try daemon.waitForLog("event=delivery.retry", count: 6)
            let waiting = try DaemonDeliveryTests.outbox(harness).filter { $0.channel == "email" }
            #expect(waiting.count >= 4)
            #expect(waiting.allSatisfy { $0.state == "pending" || $0.state == "sending" }, "nothing sent, nothing given up")
            #expect(daemon.logLines("event=delivery.dead").isEmpty)

            refusing = nil  // frees the port
            let sink = try Sink(in: harness.directory, ["--port", String(port)])
            try harness.waitUntil("every notice to be sent") { try DaemonDeliveryTests.settled(harness) }
            let mails = try DaemonDeliveryTests.outbox(harness).filter { $0.channel == "email" }
            #expect(mails.count == waiting.count)
            #expect(mails.allSatisfy { $0.state == "sent" })
            #expect(mails.contains { $0.attempts > 1 })
            #expect(sink.savedCount == mails.count, "every notice arrives, each once")
            let received = try Self.received(sink)
            #expect(Set(received.map(\.parsed.message_id)) == Set(mails.map { "<\($0.messageID)>" }))
            #expect(Set(received.map(\.parsed.message_id)).count == received.count)
            #expect(try harness.outboxCount("dead") == 0)
            try DaemonDeliveryTests.stop(daemon)
        }

        @Test("no header injection: broken or hostile addresses and names never become headers or recipients")
        func noHeaderInjection() throws {
            let harness = try DaemonHarness("delivery-injection")
            let sink = try Sink(in: harness.directory)
            try harness.reconfigure(DaemonDeliveryTests.mailConfiguration(smtp: "{url: \"\(sink.url)\", starttls: off}"))
            let daemon = try harness.start()
            let base = "tokorozawa-seimitsu.yaml"
            let address = DaemonDeliveryTests.applicant
            func hostile(_ name: String, id: String, _ replacements: [(String, String)]) throws -> String {
                try harness.variant(of: base, named: name, replacing: [("id: tokorozawa-seimitsu", "id: \(id)")] + replacements)
            }
            let faulty = SharedMaterial.packageRoot.appendingPathComponent("fixtures/faulty/email-injection.yaml").path
            let rejectedFiles = [
                faulty,
                try hostile("lf-escape.yaml", id: "inj-lf", [(address, "\"\(address)\\nBcc: boss@evil.example\"")]),
                try hostile("display-name.yaml", id: "inj-display", [(address, "'\"Boss\" <boss@evil.example>'")]),
                try hostile("two-addresses.yaml", id: "inj-comma", [(address, "\"\(address), boss@evil.example\"")]),
            ]
            // An all-digit top-level domain: no host a mail could go to, refused by the schema's email check.
            let numericDomain = try hostile("numeric-domain.yaml", id: "inj-numeric", [(address, "yamada@tokorozawa-seimitsu.123")])
            // Line breaks in the names that go into the subject and the body.
            let names = try hostile(
                "names.yaml", id: "inj-names",
                [
                    ("株式会社所沢精密", "\"株式会社所沢精密\\r\\nBcc: boss@evil.example\\r\\nX-Injected: yes\""),
                    ("山田 花子", "\"山田 花子\\r\\nBcc: boss2@evil.example\""),
                ])
            // Not YAML at all: the rejection notice goes to the address the file's email: line names, with
            // what follows a raw CR on that line left out.
            let broken = harness.directory.file("broken.yaml")
            try "{ this is: [not closed\nemail: ok@example.jp\rBcc: boss@evil.example\n".write(toFile: broken, atomically: true, encoding: .utf8)

            try harness.submit(rejectedFiles + [numericDomain, names, broken])
            try harness.waitUntil("the spool to empty") { harness.files(in: "incoming").isEmpty }
            try daemon.waitForLog("event=dossier.rejected", count: rejectedFiles.count + 2)
            #expect(daemon.logLines("event=dossier.stored").count == 1)
            #expect(harness.files(in: "rejected").contains { $0.hasSuffix("numeric-domain.yaml.error.txt") })
            let report = try String(
                contentsOfFile: harness.stateDirectory + "/rejected/"
                    + #require(harness.files(in: "rejected").first { $0.hasSuffix("email-injection.yaml.error.txt") }),
                encoding: .utf8)
            #expect(report.contains("email-injection.yaml:15:33: error:"), "\(report)")
            try DaemonDeliveryTests.closeRound(harness)
            try harness.waitUntil("every notice to be sent") { try DaemonDeliveryTests.settled(harness) }

            let rows = try DaemonDeliveryTests.outbox(harness).filter { $0.channel == "email" }
            #expect(Set(rows.map(\.destination)) == [address, "ok@example.jp"])
            #expect(!rows.contains { $0.dossier == "inj-numeric" }, "no mail without a usable address")
            #expect(!daemon.log.utf8.contains(0x0D), "no raw CR in the log")
            #expect(rows.allSatisfy { $0.state == "sent" })
            let received = try Self.received(sink)
            #expect(received.count == rows.count)
            let standard: Set<String> = [
                "Date", "From", "To", "Subject", "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
                "Auto-Submitted", "X-DiaCert-Notice",
            ]
            for (raw, parsed, envelope) in received {
                #expect(Set(parsed.header_names) == standard, "\(parsed.header_names)")
                #expect(parsed.header_names.count == standard.count)
                #expect(parsed.defects == [])
                #expect(raw.bareLineEnds.isEmpty)
                let header = try RawHeaders(raw)
                #expect(!header.lines.contains { $0.lowercased().contains("evil") }, "\(header.lines)")
                #expect(!parsed.subject.contains("\r") && !parsed.subject.contains("\n"))
                #expect(!parsed.from.contains("evil") && !parsed.to.contains("evil"))
                #expect(envelope.rcpt_tos.count == 1 && [address, "ok@example.jp"].contains(envelope.rcpt_tos[0]))
            }
            #expect(received.filter { $0.envelope.rcpt_tos == ["ok@example.jp"] }.count == 1)
            // The names arrive as text, each CR and LF made a space: part of the subject, never a header.
            #expect(received.contains { $0.parsed.subject.contains("株式会社所沢精密  Bcc: boss@evil.example  X-Injected: yes") })
            for event in try sink.events() where event.event == "RCPT" { #expect(event.reply == 250) }
            let addresses = try String(contentsOfFile: sink.directory + "/events.jsonl", encoding: .utf8)
            #expect(!addresses.contains("evil"), "no command to the SMTP server names an injected address")
            try DaemonDeliveryTests.stop(daemon)
        }
    }
}

// MARK: - Webhooks

extension DaemonDeliveryTests {
    @Suite("webhooks to a verifying receiver")
    struct Webhooks {
        /// A running `webhook_receiver.py` with its own secret and request log.
        struct Receiver {
            let peer: PeerProcess
            let logPath: String
            let secretFile: String
            let name: String

            init(_ harness: DaemonHarness, name: String, script: String = "") throws {
                let directory = harness.directory.file("receiver-\(name)")
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let secret = WebhookSecret.generate().serialized
                secretFile = directory + "/secret"
                try DaemonDeliveryTests.writeSecret(secret, to: secretFile)
                logPath = directory + "/requests.jsonl"
                self.name = name
                peer = try PeerProcess(
                    "webhook_receiver.py", ["--secret", secret, "--log", logPath, "--script", script], directory: directory)
            }

            var url: String { "http://127.0.0.1:\(peer.port)/hooks/\(name)" }

            /// The configuration entry; `events` nil subscribes to all.
            func entry(events: [String]? = nil, plainHTTP: Bool = true) -> String {
                "  - {url: \"\(url)\", secret_file: \(secretFile)" + (plainHTTP ? ", allow_plain_http: true" : "")
                    + (events.map { ", events: [\($0.joined(separator: ", "))]" } ?? "") + "}\n"
            }

            func requests() throws -> [Request] {
                guard FileManager.default.fileExists(atPath: logPath) else { return [] }
                return try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n").map {
                    try JSONDecoder().decode(Request.self, from: Data($0.utf8))
                }
            }
        }

        struct Request: Decodable {
            let n: Int
            let received_at: Double
            let id: String?
            let timestamp: String?
            let body_base64: String
            let body: String
            let verified: Bool
            let error: String?
            let status: Int

            var json: JSONValue? { if case .success(let json) = JSONParser.parse(body) { json } else { nil } }
            var type: String? { json?["type"]?.stringValue }
        }

        static func rows(_ harness: DaemonHarness, to receiver: Receiver) throws -> [OutboxRow] {
            try DaemonDeliveryTests.outbox(harness).filter { $0.destination == receiver.url }
        }

        @Test("500 then 200: the same webhook-id and byte-identical body, both signatures verified")
        func retriedWithSameIdentity() throws {
            let harness = try DaemonHarness("delivery-webhook-500")
            let receiver = try Receiver(harness, name: "city", script: "500,200")
            try harness.reconfigure("webhooks:\n" + receiver.entry(events: ["round.closed"]) + DaemonDeliveryTests.fastDelivery)
            let daemon = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
            try daemon.waitForLog("event=dossier.stored")
            try DaemonDeliveryTests.closeRound(harness)
            try harness.waitUntil("the webhook to be sent") { try DaemonDeliveryTests.settled(harness) }

            let rows = try Self.rows(harness, to: receiver)
            #expect(rows.count == 1)
            let row = try #require(rows.first)
            #expect(row.state == "sent" && row.attempts == 2 && row.event == "round.closed")
            let requests = try receiver.requests()
            #expect(requests.map(\.status) == [500, 200])
            #expect(requests.allSatisfy { $0.verified }, "\(requests.map(\.error))")
            #expect(requests.allSatisfy { $0.id == row.messageID })
            #expect(Set(requests.map(\.body_base64)).count == 1, "the retry sends the same bytes")
            let body = try #require(requests.first?.json)
            #expect(body["type"]?.stringValue == "round.closed")
            #expect(body["id"]?.stringValue == row.messageID)
            #expect(body["dossier"]?.stringValue == "tokorozawa-seimitsu")
            #expect(body["revision"]?.numberText == "1")
            #expect(body["results"]?["certification"]?["outcome"] != nil, "\(body)")
            #expect(daemon.logLines("event=delivery.retry").contains { $0.contains("HTTP 500") })
            try DaemonDeliveryTests.stop(daemon)
        }

        @Test("410 disables the endpoint: no more requests, nothing lost; endpoints enable resumes delivery")
        func goneDisablesEndpoint() throws {
            let harness = try DaemonHarness("delivery-webhook-410")
            let gone = try Receiver(harness, name: "gone", script: "410")
            let witness = try Receiver(harness, name: "witness")
            try harness.reconfigure("webhooks:\n" + gone.entry() + witness.entry() + DaemonDeliveryTests.fastDelivery)
            let daemon = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
            try daemon.waitForLog("event=delivery.endpoint_disabled")
            // More notices after the 410; the witness getting its share shows the relay kept working.
            try harness.submit([DaemonHarness.fixture("hanno-seizai.json")])
            try harness.waitUntil("the witness to get every notice") {
                let rows = try Self.rows(harness, to: witness)
                let sending = try harness.outboxCount("sending")
                return rows.count >= 4 && rows.allSatisfy { $0.state == "sent" } && sending == 0
            }

            let goneRequests = try gone.requests()
            #expect(goneRequests.count == 1, "nothing more is sent to a disabled endpoint: \(goneRequests.map(\.type))")
            let disabled = try harness.status()["disabled_endpoints"]?.arrayValue ?? []
            #expect(disabled.compactMap { $0["url"]?.stringValue } == [gone.url])
            let waiting = try Self.rows(harness, to: gone)
            #expect(waiting.count == (try Self.rows(harness, to: witness)).count)
            #expect(waiting.allSatisfy { $0.state == "pending" }, "kept for when the endpoint comes back: \(waiting.map(\.state))")

            let enable = try harness.cli(["endpoints", "enable", gone.url])
            #expect(enable.status == 0, "\(enable.stderr)")
            try harness.waitUntil("the kept notices to be sent") { try DaemonDeliveryTests.settled(harness) }
            let sent = try Self.rows(harness, to: gone)
            #expect(sent.allSatisfy { $0.state == "sent" })
            let requests = try gone.requests()
            #expect(requests.count == sent.count + 1, "each kept notice once, plus the attempt that got 410")
            #expect(Set(requests.compactMap(\.id)) == Set(sent.map(\.messageID)))
            #expect(requests.allSatisfy { $0.verified })
            #expect(try harness.status()["disabled_endpoints"]?.arrayValue?.isEmpty == true)
            try DaemonDeliveryTests.stop(daemon)
        }

        @Test("a receiver slower than the timeout: the attempt times out and is retried with the same id")
        func slowReceiverTimesOut() throws {
            let harness = try DaemonHarness("delivery-webhook-slow")
            let slow = try Receiver(harness, name: "slow", script: "sleep:3")
            try harness.reconfigure(
                "webhooks:\n" + slow.entry(events: ["dossier.received"])
                    + "delivery: {timeout_s: 1, backoff_initial_ms: 200, backoff_max_s: 1, max_attempts: 50, poll_ms: 50}\nintake: {poll_ms: 50}\n")
            let daemon = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
            try harness.waitUntil("the webhook to be sent") {
                (try Self.rows(harness, to: slow)).first?.state == "sent"
            }
            let requests = try slow.requests()
            #expect(requests.count == 2)
            #expect(Set(requests.map(\.id)).count == 1 && requests.allSatisfy { $0.verified })
            #expect(Set(requests.map(\.body_base64)).count == 1)
            if requests.count == 2 {
                let gap = requests[1].received_at - requests[0].received_at
                #expect(gap >= 0.95 && gap < 3, "the retry comes after the 1 s timeout, while the first request is still held: \(gap)")
            }
            #expect(daemon.logLines("event=delivery.retry").contains { $0.contains("timed out") })
            try DaemonDeliveryTests.stop(daemon)
        }

        @Test("429 with Retry-After: 2: the next attempt waits at least 2 s, with the same id")
        func retryAfterIsHonoured() throws {
            let harness = try DaemonHarness("delivery-webhook-429")
            let busy = try Receiver(harness, name: "busy", script: "429:retry-after=2")
            try harness.reconfigure("webhooks:\n" + busy.entry(events: ["dossier.received"]) + DaemonDeliveryTests.fastDelivery)
            let daemon = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
            try harness.waitUntil("the webhook to be sent") {
                (try Self.rows(harness, to: busy)).first?.state == "sent"
            }
            let requests = try busy.requests()
            #expect(requests.map(\.status) == [429, 200])
            #expect(Set(requests.map(\.id)).count == 1 && requests.allSatisfy { $0.verified })
            if requests.count == 2 {
                let gap = requests[1].received_at - requests[0].received_at
                #expect(gap >= 1.95, "Retry-After: 2 must hold the retry back (the backoff alone is at most 0.2 s): \(gap)")
                let stamps = requests.compactMap { $0.timestamp.flatMap { Int64($0) } }
                #expect(stamps.count == 2 && stamps[1] - stamps[0] >= 1, "webhook-timestamp is the time of each attempt")
            }
            #expect(daemon.logLines("event=delivery.retry").contains { $0.contains("Retry-After 2") })
            try DaemonDeliveryTests.stop(daemon)
        }

        @Test("events: an endpoint subscribed to round.closed gets nothing else")
        func eventFiltering() throws {
            let harness = try DaemonHarness("delivery-webhook-events")
            let rounds = try Receiver(harness, name: "rounds")
            let receipts = try Receiver(harness, name: "receipts")
            try harness.reconfigure(
                "webhooks:\n" + rounds.entry(events: ["round.closed"]) + receipts.entry(events: ["dossier.received"])
                    + DaemonDeliveryTests.fastDelivery)
            let daemon = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
            try harness.waitUntil("the receipt webhook") { (try receipts.requests()).count == 1 }
            #expect(try rounds.requests().isEmpty)
            try DaemonDeliveryTests.closeRound(harness)
            try harness.waitUntil("every notice to be sent") { try DaemonDeliveryTests.settled(harness) }

            #expect(try rounds.requests().map(\.type) == ["round.closed"])
            #expect(try receipts.requests().map(\.type) == ["dossier.received"])
            #expect(try Self.rows(harness, to: rounds).map(\.event) == ["round.closed"])
            #expect(try (rounds.requests() + receipts.requests()).allSatisfy { $0.verified })
            try DaemonDeliveryTests.stop(daemon)
        }

        @Test("allow_plain_http is per endpoint: another endpoint's opt-in does not open http:// to one without it")
        func plainHTTPIsPerEndpoint() throws {
            let harness = try DaemonHarness("delivery-webhook-plain")
            let allowed = try Receiver(harness, name: "allowed")
            let refused = try Receiver(harness, name: "refused")
            try harness.reconfigure(
                "webhooks:\n" + allowed.entry(events: ["dossier.received"]) + refused.entry(events: ["dossier.received"], plainHTTP: false)
                    + DaemonDeliveryTests.fastDelivery)
            let daemon = try harness.start()
            try harness.submit([DaemonHarness.fixture("tokorozawa-seimitsu.yaml")])
            try harness.waitUntil("the allowed endpoint's webhook, and attempts at the other") {
                let sent = try Self.rows(harness, to: allowed).first?.state == "sent"
                let attempts = try Self.rows(harness, to: refused).first?.attempts ?? 0
                let leaked = try refused.requests().isEmpty == false
                return sent && (attempts >= 2 || leaked)
            }
            #expect(try allowed.requests().count == 1)
            #expect(try refused.requests().isEmpty, "nothing may go over plain http to an endpoint that did not allow it")
            let row = try #require(try Self.rows(harness, to: refused).first)
            #expect(row.state == "pending" && row.lastError?.contains("allow_plain_http") == true, "\(row)")
            try DaemonDeliveryTests.stop(daemon)
        }
    }
}

extension DaemonDeliveryTests.Webhooks {
    @Test("each receiver has its own lane: an endpoint that hangs holds back neither the mail nor another endpoint")
    func lanesAreIndependent() throws {
        let harness = try DaemonHarness("delivery-lanes")
        let hanging = try Receiver(harness, name: "hanging", script: Array(repeating: "sleep:4", count: 20).joined(separator: ","))
        let healthy = try Receiver(harness, name: "healthy")
        try harness.reconfigure(
            "mail:\n  from: {address: office@dia5.example.jp}\nwebhooks:\n" + hanging.entry(events: ["dossier.received"])
                + healthy.entry(events: ["dossier.received"])
                + "delivery: {timeout_s: 3, backoff_initial_ms: 200, backoff_max_s: 1, max_attempts: 50, poll_ms: 50}\nintake: {poll_ms: 50}\n")
        let daemon = try harness.start()
        let dossiers = ["tokorozawa-seimitsu.yaml", "sayama-chaen.yaml", "hanno-mokko.yaml", "iruma-auto.yaml"].map(DaemonHarness.fixture)
        try harness.submit(dossiers)
        let started = Date()
        // The healthy endpoint and the mail folder get everything while the hanging one is on its first request.
        try harness.waitUntil("the healthy lanes to finish", timeout: 10) {
            try healthy.requests().count == dossiers.count && harness.mails().count == dossiers.count
        }
        #expect(Date().timeIntervalSince(started) < 2.5, "not held back by the 3 s timeouts of the hanging endpoint")
        #expect(try Self.rows(harness, to: hanging).allSatisfy { $0.state != "sent" })
        try DaemonDeliveryTests.stop(daemon)
    }
}
