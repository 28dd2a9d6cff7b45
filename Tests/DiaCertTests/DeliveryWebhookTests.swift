import Dispatch
import Foundation
import Testing

@testable import Delivery

/// Standard Webhooks through a real receiver (`Tests/Peers/webhook_receiver.py`) that verifies every
/// request with the reference `standardwebhooks` library.
@Suite struct DeliveryWebhookTests {
    /// A running `webhook_receiver.py`.
    struct Receiver {
        let peer: PeerProcess
        let logPath: String

        init(in temporary: TemporaryDirectory, secret: WebhookSecret, script: String = "") throws {
            logPath = temporary.file("requests.jsonl")
            peer = try PeerProcess(
                "webhook_receiver.py", ["--secret", secret.serialized, "--log", logPath, "--script", script], directory: temporary.path)
        }

        var url: String { "http://127.0.0.1:\(peer.port)/hooks/diacert" }

        func requests() throws -> [Request] {
            guard FileManager.default.fileExists(atPath: logPath) else { return [] }
            return try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n").map {
                try JSONDecoder().decode(Request.self, from: Data($0.utf8))
            }
        }
    }

    struct Request: Decodable {
        let n: Int
        let path: String
        let id: String?
        let timestamp: String?
        let signature: String?
        let content_type: String?
        let body_base64: String
        let verified: Bool
        let error: String?
        let status: Int
    }

    static let secret = WebhookSecret.generate()
    static let id = try! WebhookMessageID("msg_dia-2027-1-000042-city-27100")
    static let body = Array(
        #"{"type":"certification.decided","dossier":"D-2027-0042","revision":3,"company":"㈱サンプル","tier":"gold","points":"87.5"}"#.utf8)

    static func sender(timeout: Duration = .seconds(15)) -> WebhookSender {
        var configuration = WebhookConfiguration()
        configuration.allowPlainHTTP = true
        configuration.timeout = timeout
        return WebhookSender(configuration: configuration, worker: CurlWorker())
    }

    static func endpoint(_ receiver: Receiver, secrets: [WebhookSecret] = [secret]) throws -> WebhookEndpoint {
        try WebhookEndpoint(url: receiver.url, secrets: secrets)
    }
}

// MARK: - Against the receiver

extension DeliveryWebhookTests {
    @Test func deliveredRequestVerifiesWithStandardWebhooks() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret)
        defer { receiver.peer.stop() }
        let rotatedOut = WebhookSecret.generate(byteCount: 24)

        let result = await Self.sender().send(
            id: Self.id, body: Self.body, to: try Self.endpoint(receiver, secrets: [rotatedOut, Self.secret]))

        #expect(result == .delivered(status: 200), "\(receiver.peer.log)")
        let requests = try receiver.requests()
        #expect(requests.count == 1)
        let request = try #require(requests.first)
        #expect(request.verified, "\(request.error ?? "")")
        #expect(request.id == Self.id.value)
        #expect(request.path == "/hooks/diacert")
        #expect(request.content_type == "application/json")
        #expect(Data(base64Encoded: request.body_base64) == Data(Self.body))
        let timestamp = try #require(request.timestamp)
        #expect(!timestamp.isEmpty && timestamp.allSatisfy(\.isNumber), "webhook-timestamp is integer seconds")
        #expect(request.signature?.split(separator: " ").count == 2, "one signature per secret during a rotation")
    }

    @Test func receiverRejectsAForeignSignature() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret)
        defer { receiver.peer.stop() }
        _ = await Self.sender().send(id: Self.id, body: Self.body, to: try Self.endpoint(receiver, secrets: [WebhookSecret.generate()]))
        let request = try #require(try receiver.requests().first)
        #expect(!request.verified, "the receiver must actually check signatures")
    }

    @Test func serverErrorThenSuccessResendsTheSameIDAndBytes() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret, script: "500,200")
        defer { receiver.peer.stop() }
        let sender = Self.sender()
        let endpoint = try Self.endpoint(receiver)

        let first = await sender.send(id: Self.id, body: Self.body, to: endpoint)
        guard case .retry(nil, let failure) = first else { Issue.record("expected a retry, got \(first)"); return }
        #expect(failure.code == 500 && failure.reason == "HTTP 500")
        guard case .retry = RetryPolicy.standardWebhooks.decide(attempt: 1, outcome: first.outcome, now: Date()) else {
            Issue.record("a 500 must be retried"); return
        }
        let second = await sender.send(id: Self.id, body: Self.body, to: endpoint)

        #expect(second == .delivered(status: 200))
        let requests = try receiver.requests()
        #expect(requests.map(\.status) == [500, 200])
        #expect(requests.allSatisfy { $0.verified })
        #expect(Set(requests.map(\.id)) == [Self.id.value])
        #expect(Set(requests.map(\.body_base64)).count == 1)
    }

    @Test func goneDisablesTheEndpoint() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret, script: "410")
        defer { receiver.peer.stop() }
        let result = await Self.sender().send(id: Self.id, body: Self.body, to: try Self.endpoint(receiver))
        #expect(result == .gone(status: 410))
        #expect(RetryPolicy.standardWebhooks.decide(attempt: 1, outcome: result.outcome, now: Date()) == .disableEndpoint)
    }

    @Test func slowReceiverTimesOutAndALaterAttemptSucceedsWithTheSameID() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret, script: "sleep:10,200")
        defer { receiver.peer.stop() }
        let sender = Self.sender(timeout: .seconds(1))
        let endpoint = try Self.endpoint(receiver)

        let first = await sender.send(id: Self.id, body: Self.body, to: endpoint)
        guard case .retry(nil, let failure) = first else { Issue.record("expected a retry, got \(first)"); return }
        #expect(failure.curlCode == 28)
        #expect(failure.reason.contains("timed out"))
        let second = await sender.send(id: Self.id, body: Self.body, to: endpoint)

        #expect(second == .delivered(status: 200))
        let requests = try receiver.requests()
        #expect(requests.count == 2)
        #expect(requests.allSatisfy { $0.verified && $0.id == Self.id.value })
    }

    @Test func retryAfterIsReportedAndScheduledNoEarlier() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret, script: "429:retry-after=2,503:retry-after=120")
        defer { receiver.peer.stop() }
        let sender = Self.sender()
        let endpoint = try Self.endpoint(receiver)

        let throttled = await sender.send(id: Self.id, body: Self.body, to: endpoint)
        guard case .retry(2, let failure) = throttled else { Issue.record("expected retry after 2 s, got \(throttled)"); return }
        #expect(failure.code == 429)
        let unavailable = await sender.send(id: Self.id, body: Self.body, to: endpoint)
        guard case .retry(120, _) = unavailable else { Issue.record("expected retry after 120 s, got \(unavailable)"); return }

        let now = Date()
        var generator = SeededRandomNumberGenerator(seed: 99)
        var policy = RetryPolicy.standard
        policy.jitter = .full
        for _ in 0..<100 {
            guard case .retry(let at) = policy.decide(attempt: 1, outcome: throttled.outcome, now: now, using: &generator) else {
                Issue.record("expected a retry"); return
            }
            #expect(at >= now.addingTimeInterval(2))
        }
        #expect(policy.decide(attempt: 1, outcome: unavailable.outcome, now: now, using: &generator) == .retry(at: now.addingTimeInterval(120)))
    }

    @Test func redirectsAreNotFollowed() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret, script: "307:location=/elsewhere")
        defer { receiver.peer.stop() }
        let result = await Self.sender().send(id: Self.id, body: Self.body, to: try Self.endpoint(receiver))
        guard case .retry(_, let failure) = result else { Issue.record("expected a retry, got \(result)"); return }
        #expect(failure.code == 307)
        #expect(try receiver.requests().count == 1)
    }

    @Test func plainHTTPIsRefusedUnlessAllowed() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret)
        defer { receiver.peer.stop() }
        let strict = WebhookSender(worker: CurlWorker())
        let result = await strict.send(id: Self.id, body: Self.body, to: try Self.endpoint(receiver))
        guard case .retry(nil, let failure) = result else { Issue.record("expected a retry, got \(result)"); return }
        #expect(failure.reason.contains("allowPlainHTTP"))
        #expect(try receiver.requests().isEmpty)
    }

    @Test func unreachableReceiverIsRetried() async throws {
        let port = try RefusingPort()
        let endpoint = try WebhookEndpoint(url: "http://127.0.0.1:\(port.port)/", secrets: [Self.secret])
        let result = await Self.sender().send(id: Self.id, body: Self.body, to: endpoint)
        guard case .retry(nil, let failure) = result else { Issue.record("expected a retry, got \(result)"); return }
        #expect(failure.curlCode == 7 && failure.code == nil)
    }

    @Test func emptyBodyIsSentAsAnEmptyBody() async throws {
        let temporary = try TemporaryDirectory("webhook")
        defer { temporary.remove() }
        let receiver = try Receiver(in: temporary, secret: Self.secret)
        defer { receiver.peer.stop() }
        _ = await Self.sender().send(id: Self.id, body: [], to: try Self.endpoint(receiver))
        let request = try #require(try receiver.requests().first)
        #expect(request.body_base64 == "")
    }
}

// MARK: - Signing and validation

extension DeliveryWebhookTests {
    /// The test vector of the Standard Webhooks / Svix libraries.
    @Test func signatureMatchesTheReferenceVector() throws {
        let signer = WebhookSigner(secret: try WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let id = try WebhookMessageID("msg_p5jXN8AQM9LWM0D4loKWxJek")
        let body = Array(#"{"test": 2432232314}"#.utf8)
        let header = signer.signatureHeader(id: id, timestamp: 1_614_265_330, body: body)
        #expect(header == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(signer.verify(id: id, timestamp: 1_614_265_330, body: body, signatureHeader: "v1a,xyz " + header))
        #expect(!signer.verify(id: id, timestamp: 1_614_265_331, body: body, signatureHeader: header))
        #expect(!signer.verify(id: id, timestamp: 1_614_265_330, body: body + [0x20], signatureHeader: header))
    }

    @Test func secretsAreValidatedAndRedacted() throws {
        let generated = WebhookSecret.generate()
        #expect(try WebhookSecret(generated.serialized) == generated)
        #expect(try WebhookSecret(String(generated.serialized.dropLast(1))) == generated, "padding is optional")
        #expect(!"\(generated)".contains(generated.serialized.dropFirst(6)))
        #expect(!String(reflecting: generated).contains(generated.serialized.dropFirst(6)))
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_" + Base64.encode([UInt8](repeating: 1, count: 16)),
            "whsec_" + Base64.encode([UInt8](repeating: 1, count: 65)), "whsec_not base64!",
        ] {
            #expect(throws: WebhookError.self) { try WebhookSecret(bad) }
        }
        #expect(throws: Never.self) { try WebhookSecret("whsec_" + Base64.encode([UInt8](repeating: 7, count: 64))) }
    }

    @Test func messageIDsAndURLsAreValidated() {
        for bad in ["", "a.b", "msg\r\nX: y", "msg id", String(repeating: "a", count: 129), "ｍｓｇ"] {
            #expect(throws: WebhookError.self) { try WebhookMessageID(bad) }
        }
        for url in ["ftp://h/", "file:///etc/passwd", "gopher://h/", "https://h/ x", "https://h/\r\n"] {
            #expect(throws: WebhookError.self) { try WebhookEndpoint(url: url, secrets: [Self.secret]) }
        }
        #expect(throws: WebhookError.self) { try WebhookEndpoint(url: "https://h/", secrets: []) }
    }

    @Test func base64RoundTripsAndRejectsGarbage() {
        var generator = SeededRandomNumberGenerator(seed: 64)
        for count in 0..<70 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64.encode(bytes)
            #expect(text == Data(bytes).base64EncodedString())
            #expect(Base64.decode(text) == bytes)
        }
        for bad in ["A", "AB=C", "A===", "ab cd", "ab\ncd", "é"] { #expect(Base64.decode(bad) == nil, "\(bad)") }
    }
}

// MARK: - The worker

/// Marks the worker's queue in `transfersRunOnTheWorkersOwnQueue`.
private let workerQueueKey = DispatchSpecificKey<String>()

extension DeliveryWebhookTests {
    /// Blocking curl calls run on the worker's own dispatch queue, not on the cooperative pool.
    @Test func transfersRunOnTheWorkersOwnQueue() async {
        let worker = CurlWorker(label: "diacert.test.curl-worker")
        worker.executor.queue.setSpecific(key: workerQueueKey, value: "curl worker")
        #expect(worker.executor.queue.label == "diacert.test.curl-worker")
        let seen = await worker.withHandle { _ in DispatchQueue.getSpecific(key: workerQueueKey) }
        #expect(seen == "curl worker")
        #expect(DispatchQueue.getSpecific(key: workerQueueKey) == nil)
    }
}
