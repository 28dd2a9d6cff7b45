import Foundation
import Glibc
import Testing

@testable import Delivery

/// Mail through a real SMTP server (aiosmtpd, `Tests/Peers/smtp_sink.py`) via libcurl, read back with
/// Python's `email` package.
@Suite struct DeliverySMTPTests {
    /// A running `smtp_sink.py` and what it saved.
    struct Sink {
        let peer: PeerProcess
        let directory: String

        init(in temporary: TemporaryDirectory, _ arguments: [String] = []) throws {
            directory = temporary.file("sink")
            peer = try PeerProcess("smtp_sink.py", [directory] + arguments, directory: temporary.path)
        }

        var url: String { "smtp://127.0.0.1:\(peer.port)" }

        /// The raw bytes of saved message `n` (1-based).
        func message(_ number: Int) throws -> [UInt8] {
            Array(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(number).eml")))
        }

        func envelope(_ number: Int) throws -> Envelope {
            try JSONDecoder().decode(Envelope.self, from: Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(number).json")))
        }

        var savedCount: Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".eml") }.count
        }

        /// `MAIL`/`RCPT`/`DATA` commands the server saw, with its reply codes.
        func events() throws -> [Event] {
            let path = directory + "/events.jsonl"
            guard FileManager.default.fileExists(atPath: path) else { return [] }
            return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
                try JSONDecoder().decode(Event.self, from: Data($0.utf8))
            }
        }
    }

    struct Envelope: Decodable {
        let mail_from: String
        let rcpt_tos: [String]
        let tls: Bool
        let authenticated: Bool
        let login: String?
    }

    struct Event: Decodable, Equatable {
        let event: String
        let reply: Int
        let tls: Bool
    }

    static func plainConfiguration(_ sink: Sink) throws -> SMTPConfiguration {
        try SMTPConfiguration(url: sink.url, starttls: .off)
    }
}

// MARK: - Japanese mail end to end

extension DeliverySMTPTests {
    static let subject = "【DiaCert】2027年度第1回 脱炭素経営認定の審査結果のお知らせ（㈱サンプル①号棟 様）"
    static let body = """
        ㈱サンプル①号棟 御中

        2027年度第1回の審査結果をお知らせします。
        .
        上の行はピリオドだけの行です。次の行はピリオド二つ。
        ..
        .hidden
        認定区分：ゴールド（～2030年3月31日）
        """

    @Test(arguments: MailCharset.allCases)
    func japaneseMailArrivesIntactAndDecodes(charset: MailCharset) async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let sink = try Sink(in: temporary)
        defer { sink.peer.stop() }
        let fromName = "ダイア5市 脱炭素認定事務局"
        let toName = "㈱サンプル・エンジニアリング 環境推進本部 ご担当者様"  // more than one encoded word
        let message = try MailFixture.message(
            subject: Self.subject, body: Self.body, charset: charset, fromName: fromName, toName: toName,
            extraHeaders: [try MailHeader("X-DiaCert-Dossier", "D-2027-0042")])
        let sender = SMTPSender(configuration: try Self.plainConfiguration(sink), worker: CurlWorker())

        let result = try await sender.send(message)

        #expect(result == .delivered(reply: 250), "\(sink.peer.log)")
        let raw = try sink.message(1)
        #expect(raw == (try message.render()), "the server must receive exactly the rendered bytes (dot-stuffing undone)")
        #expect(raw.bareLineEnds.isEmpty)
        #expect(raw.allSatisfy { $0 < 0x80 })
        let header = try RawHeaders(raw)
        #expect(header.lines.allSatisfy { $0.utf8.count <= 78 })
        let date = try #require(header.physicalLines(of: "Date").first)
        #expect(date.wholeMatch(of: /Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d \+0900/) != nil)

        let parsed = try ParsedMail.parse(file: sink.directory + "/1.eml")
        let expectedSubject = charset == .utf8 ? Self.subject : ISO2022JP.normalized(Self.subject)
        let expectedBody = (charset == .utf8 ? Self.body : ISO2022JP.normalized(Self.body)) + "\n"
        #expect(parsed.defects == [])
        #expect(parsed.subject == expectedSubject)
        #expect(parsed.body.replacingOccurrences(of: "\r\n", with: "\n") == expectedBody)
        if charset == .iso2022jp {
            #expect(parsed.subject.contains("(株)サンプル(1)号棟") && parsed.body.contains("(株)サンプル(1)号棟"))
            #expect(parsed.body.contains("〜2030年"))
        }
        #expect(parsed.body.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n").contains("."))
        #expect(parsed.charset == charset.mimeName.lowercased())
        #expect(parsed.content_type == "text/plain")
        #expect(parsed.message_id == "<dia-2027-1-000042.r1@notify.diacert.example.jp>")
        #expect(parsed.utc_offset_seconds == 9 * 3600)
        #expect(parsed.date_iso == "2027-07-01T09:30:00+09:00")
        let expectedToName = charset == .utf8 ? toName : ISO2022JP.normalized(toName)
        #expect(parsed.from_display_rfc2047 == fromName)
        #expect(parsed.to_display_rfc2047 == expectedToName)
        #expect(header.encodedWords(of: "To").count > 1)
        // Python's address parser keeps the space between adjacent encoded words (RFC 2047 §6.2 says
        // to drop it), so its display name is exact only where the name is one word.
        if header.encodedWords(of: "From").count == 1 { #expect(parsed.from_addresses.map(\.display_name) == [fromName]) }
        #expect(parsed.to_addresses.map { $0.display_name.replacingOccurrences(of: " ", with: "") } == [expectedToName.replacingOccurrences(of: " ", with: "")])
        #expect(parsed.from_addresses.map(\.addr_spec) == ["noreply@notify.diacert.example.jp"])
        #expect(parsed.to_addresses.map(\.addr_spec) == ["applicant@sample.example.jp"])
        #expect(parsed.header_names.contains("Auto-Submitted") && parsed.header_names.contains("X-DiaCert-Dossier"))

        #expect(parsed.subject_words.count >= 3)
        for word in parsed.subject_words {
            #expect(word.word.utf8.count <= 75)
            #expect(word.charset == charset.mimeName.lowercased())
            let bytes = [UInt8](hex: word.hex)
            if charset == .iso2022jp {
                #expect(bytes.endsInASCIIState, "\(word.word) does not return to ASCII")
            } else {
                #expect(String(validating: bytes, as: UTF8.self) != nil, "\(word.word) splits a character")
            }
        }
        #expect(parsed.subject_words.map(\.text).joined() == expectedSubject)

        let envelope = try sink.envelope(1)
        #expect(envelope.mail_from == "noreply@notify.diacert.example.jp")
        #expect(envelope.rcpt_tos == ["applicant@sample.example.jp"])
    }

    /// Raw bytes with lone-dot lines and an embedded "second message": libcurl dot-stuffs CRLF lines,
    /// so the server sees one message, byte for byte.
    @Test func loneDotLinesCannotEndOrSmuggleAMessage() async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let sink = try Sink(in: temporary)
        defer { sink.peer.stop() }
        let raw = Array(
            "Subject: dots\r\n\r\nfirst\r\n.\r\nMAIL FROM:<x@evil.example>\r\nRCPT TO:<y@evil.example>\r\nDATA\r\n.\r\n..\r\n.x\r\nlast\r\n".utf8)
        let sender = SMTPSender(configuration: try Self.plainConfiguration(sink), worker: CurlWorker())
        let from = try MailAddress("noreply@notify.diacert.example.jp")

        let result = try await sender.send(rendered: raw, from: from, to: [try MailAddress("a@b.example.jp")])

        #expect(result == .delivered(reply: 250))
        #expect(try sink.message(1) == raw)
        #expect(sink.savedCount == 1)
        #expect(try sink.events().map(\.event) == ["MAIL", "RCPT", "DATA"])
    }

    @Test func bareLineEndsAreRefusedBeforeAnythingIsSent() async throws {
        let port = try RefusingPort()
        let sender = SMTPSender(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port.port)", starttls: .off), worker: CurlWorker())
        let from = try MailAddress("a@b.example.jp")
        for raw in ["Subject: x\n\nbody\n.\n", "Subject: x\r\n\r\nbo\rdy\r\n"] {
            await #expect(throws: MailError.self) { try await sender.send(rendered: Array(raw.utf8), from: from, to: [from]) }
        }
        await #expect(throws: MailError.self) { try await sender.send(rendered: Array("a\r\n".utf8), from: from, to: []) }
    }
}

// MARK: - TLS, AUTH and failures

extension DeliverySMTPTests {
    @Test func requiredSTARTTLSFailsClosedAgainstAServerWithoutIt() async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let sink = try Sink(in: temporary)
        defer { sink.peer.stop() }
        let configuration = try SMTPConfiguration(url: sink.url, starttls: .required)
        let sender = SMTPSender(configuration: configuration, worker: CurlWorker())

        let result = try await sender.send(try MailFixture.message())

        guard case .transient(let failure) = result else { Issue.record("expected a transient failure, got \(result)"); return }
        #expect(failure.curlCode == 64)
        #expect(failure.reason.contains("STARTTLS"))
        #expect(try sink.events().isEmpty, "no MAIL FROM may be sent in clear text")
        #expect(sink.savedCount == 0)
    }

    @Test func optionalSTARTTLSFallsBackToClearText() async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let sink = try Sink(in: temporary)
        defer { sink.peer.stop() }
        let sender = SMTPSender(configuration: try SMTPConfiguration(url: sink.url, starttls: .optional), worker: CurlWorker())
        #expect(try await sender.send(try MailFixture.message()) == .delivered(reply: 250))
        #expect(try sink.envelope(1).tls == false)
    }

    @Test func starttlsAndAuthWithAPasswordFileDeliver() async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let certificate = try SelfSignedCertificate(in: temporary)
        let password = "s3cret pass-ワード"
        let sink = try Sink(in: temporary, ["--starttls", certificate.certificatePath, certificate.keyPath, "--auth", "dia-notify:\(password)"])
        defer { sink.peer.stop() }
        let passwordFile = temporary.file("smtp-password")
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile))
        chmod(passwordFile, 0o600)
        let worker = CurlWorker()
        func sender(password: SecretString, caFile: String? = certificate.certificatePath) throws -> SMTPSender {
            SMTPSender(
                configuration: try SMTPConfiguration(
                    url: sink.url, starttls: .required, username: "dia-notify", password: password, caFile: caFile),
                worker: worker)
        }

        let delivered = try await sender(password: try SecretFile.read(path: passwordFile)).send(try MailFixture.message())

        #expect(delivered == .delivered(reply: 250), "\(sink.peer.log)")
        let envelope = try sink.envelope(1)
        #expect(envelope.tls && envelope.authenticated && envelope.login == "dia-notify")

        let denied = try await sender(password: SecretString("wrong-\(password)")).send(try MailFixture.message())
        guard case .transient(let failure) = denied else { Issue.record("expected a transient failure, got \(denied)"); return }
        #expect(failure.curlCode == 67)
        #expect(failure.reason == "login denied (SMTP 535) (curl 67)")
        #expect(!failure.reason.contains(password) && !"\(denied)".contains(password))

        let untrusted = try await sender(password: try SecretFile.read(path: passwordFile), caFile: nil).send(try MailFixture.message())
        guard case .transient(let tlsFailure) = untrusted else { Issue.record("expected a transient failure, got \(untrusted)"); return }
        #expect(tlsFailure.curlCode == 60, "a self-signed certificate must not verify against the system CAs")
        #expect(sink.savedCount == 1)
    }

    @Test func noListenerIsTransient() async throws {
        let port = try RefusingPort()
        let sender = SMTPSender(configuration: try SMTPConfiguration(url: "smtp://127.0.0.1:\(port.port)", starttls: .off), worker: CurlWorker())
        let result = try await sender.send(try MailFixture.message())
        guard case .transient(let failure) = result else { Issue.record("expected a transient failure, got \(result)"); return }
        #expect(failure.curlCode == 7)
        #expect(failure.reason.contains("(curl 7)"), "\(failure)")
        #expect(result.outcome == .retryable(retryAfterSeconds: nil))
    }

    @Test func temporaryFailureThenDeliveryKeepsTheMessageID() async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let sink = try Sink(in: temporary, ["--fail-first", "1"])
        defer { sink.peer.stop() }
        let sender = SMTPSender(configuration: try Self.plainConfiguration(sink), worker: CurlWorker())
        let message = try MailFixture.message()

        let first = try await sender.send(message)
        guard case .transient(let failure) = first else { Issue.record("expected a transient failure, got \(first)"); return }
        #expect(failure.code == 451)
        #expect(failure.reason.contains("message refused after DATA (SMTP 451)"), "\(failure)")
        guard case .retry = RetryPolicy.standard.decide(attempt: 1, outcome: first.outcome, now: Date()) else {
            Issue.record("a 451 must be retried"); return
        }
        let second = try await sender.send(message)

        #expect(second == .delivered(reply: 250))
        #expect(try sink.events().filter { $0.event == "DATA" }.map(\.reply) == [451, 250])
        #expect(sink.savedCount == 1)
        #expect(try ParsedMail.parse(file: sink.directory + "/1.eml").message_id == message.messageID.bracketed)
    }

    @Test(arguments: ["rcpt", "data"])
    func refusalsArePermanent(stage: String) async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let sink = try Sink(in: temporary, ["--reject", stage])
        defer { sink.peer.stop() }
        let sender = SMTPSender(configuration: try Self.plainConfiguration(sink), worker: CurlWorker())
        let result = try await sender.send(try MailFixture.message())
        guard case .permanent(let failure) = result else { Issue.record("expected a permanent failure, got \(result)"); return }
        #expect(failure.code == 550)
        #expect(failure.reason.contains(stage == "rcpt" ? "RCPT failed: 550" : "message refused after DATA (SMTP 550)"), "\(failure)")
        #expect(RetryPolicy.standard.decide(attempt: 1, outcome: result.outcome, now: Date()) == .dead)
        #expect(sink.savedCount == 0)
    }

    @Test func configurationRefusesCredentialsInTheURLAndOtherSchemes() {
        for url in ["http://127.0.0.1:25", "smtp://user:pass@127.0.0.1:25", "smtp://127.0.0.1:25/ x", "smtp://host\r\n:25"] {
            #expect(throws: SMTPConfiguration.Error.self) { try SMTPConfiguration(url: url) }
        }
        #expect(throws: SMTPConfiguration.Error.self) { try SMTPConfiguration(url: "smtp://h:25", username: "u") }
        #expect(throws: Never.self) { try SMTPConfiguration(url: "smtps://mail.example.jp:465/notify.example.jp") }
    }
}

// MARK: - Header injection, checked on what the server received

extension DeliverySMTPTests {
    @Test func injectionAttemptsNeverReachTheServerAsHeaders() async throws {
        let temporary = try TemporaryDirectory("smtp")
        defer { temporary.remove() }
        let sink = try Sink(in: temporary)
        defer { sink.peer.stop() }
        let injection = "\r\nBcc: x@evil.example"
        #expect(throws: MailError.self) { try MailAddress("applicant@sample.example.jp" + injection) }
        #expect(throws: MailError.self) { try Mailbox(address: "applicant@sample.example.jp" + injection) }
        let sender = SMTPSender(configuration: try Self.plainConfiguration(sink), worker: CurlWorker())

        for charset in MailCharset.allCases {
            let message = try MailFixture.message(
                subject: "審査結果" + injection, charset: charset, fromName: "DiaCert" + injection, toName: "ご担当者" + injection)
            #expect(try await sender.send(message) == .delivered(reply: 250))
        }

        for number in 1...2 {
            let raw = try sink.message(number)
            let header = try RawHeaders(raw)
            #expect(!header.lines.contains { $0.lowercased().hasPrefix("bcc") })
            let parsed = try ParsedMail.parse(file: "\(sink.directory)/\(number).eml")
            #expect(!parsed.header_names.contains { $0.lowercased() == "bcc" })
            #expect(parsed.defects == [])
            #expect(parsed.subject == "審査結果  Bcc: x@evil.example")
            #expect(parsed.to_addresses.map(\.addr_spec) == ["applicant@sample.example.jp"])
            #expect(try sink.envelope(number).rcpt_tos == ["applicant@sample.example.jp"])
        }
    }
}
