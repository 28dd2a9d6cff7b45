import Delivery
import Foundation
import Hashing
import Store
import Synchronization

/// Sends what the outbox holds: claims due rows under a lease, sends each once, and records the
/// outcome (sent, retry later, dead, endpoint disabled).
///
/// One lane per receiver: the mail server, and each configured webhook endpoint, with its own curl
/// handle, so a slow or dead receiver never holds the others back. A lane leases one notice at a
/// time, just before sending it, so a lease covers exactly the notice in flight: after a crash only
/// that one is counted as an attempt. A row is marked only by the worker that holds its lease, and
/// a lease is longer than a request may take, so no two workers ever send one row at the same time.
final class DeliveryRelay: Sendable {
    let store: Store
    let configuration: DaemonConfiguration
    let clock: DaemonClock
    let log: EventLog
    /// Unique per process run, so that leases of a killed daemon are never mistaken for this one's.
    let owner: String
    private let policy: RetryPolicy
    private let smtp: SMTPSender?
    /// By endpoint URL.
    private let webhookSenders: [String: WebhookSender]
    private let stopping = Atomic<Bool>(false)

    init(store: Store, configuration: DaemonConfiguration, clock: DaemonClock, log: EventLog) throws {
        self.store = store
        self.configuration = configuration
        self.clock = clock
        self.log = log
        owner = "\(ProcessInfo.processInfo.hostName)-\(getpid())-\(Digest.hex(Digest.randomBytes(4)))"
        let delivery = configuration.delivery
        policy = RetryPolicy(
            schedule: .exponential(
                initial: .milliseconds(delivery.backoffInitialMilliseconds), multiplier: 2, cap: .seconds(delivery.backoffMaxSeconds)),
            jitter: .full, maxAttempts: delivery.maxAttempts)
        if let settings = configuration.mail.smtp {
            let password = try settings.passwordFile.map { path in try SecretFile.read(path: path) }
            let smtpConfiguration = try SMTPConfiguration(
                url: settings.url,
                starttls: settings.starttls == .required ? .required : settings.starttls == .optional ? .optional : .off,
                username: settings.username, password: password, caFile: settings.caFile,
                connectTimeout: .seconds(min(10, delivery.timeoutSeconds)), timeout: .seconds(delivery.timeoutSeconds))
            smtp = SMTPSender(configuration: smtpConfiguration, worker: CurlWorker(label: "diacert.smtp"))
        } else {
            smtp = nil
        }
        var senders: [String: WebhookSender] = [:]
        for endpoint in configuration.webhooks where senders[endpoint.url] == nil {
            var webhookConfiguration = WebhookConfiguration()
            webhookConfiguration.timeout = .seconds(delivery.timeoutSeconds)
            webhookConfiguration.connectTimeout = .seconds(min(10, delivery.timeoutSeconds))
            webhookConfiguration.allowPlainHTTP = endpoint.allowPlainHTTP
            senders[endpoint.url] = WebhookSender(configuration: webhookConfiguration, worker: CurlWorker(label: "diacert.webhook"))
        }
        webhookSenders = senders
    }

    /// Asks the lanes to stop: no new claims; sends in flight finish.
    func stop() { stopping.store(true, ordering: .sequentiallyConsistent) }

    private var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    /// Runs every lane until ``stop()``; then gives back every lease it still holds.
    func run() async {
        await reportStrandedNotices()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.lane(channel: .email, destination: nil) }
            for url in webhookSenders.keys.sorted() {
                group.addTask { await self.lane(channel: .webhook, destination: url) }
            }
        }
        do {
            let released = try await store.releaseAll(owner: owner)
            if released > 0 { log.log(.info, "delivery.released", ["rows": String(released)]) }
        } catch {
            log.log(.error, "delivery.release_failed", ["reason": "\(error)"])
        }
    }

    /// Webhooks to an endpoint no longer configured stay pending (nothing is thrown away: they go
    /// out if it comes back); the operator hears about them once, at start.
    private func reportStrandedNotices() async {
        guard let destinations = try? await store.undeliveredDestinations() else { return }
        for entry in destinations where entry.channel == .webhook && webhookSenders[entry.destination] == nil {
            log.log(
                .warning, "delivery.endpoint_not_configured",
                [("notices", String(entry.count)), ("endpoint", WebhookURLForLog.redacted(entry.destination))])
        }
    }

    /// Claims and sends one notice after another for one receiver.
    private func lane(channel: OutboxChannel, destination: String?) async {
        let leaseNanoseconds = Int64(configuration.delivery.leaseSeconds) * 1_000_000_000
        while !isStopping {
            let claimed: [OutboxRecord]
            do {
                claimed = try await store.claimDue(
                    now: clock.now, limit: 1, leaseDuration: leaseNanoseconds, owner: owner, channel: channel, destination: destination)
            } catch {
                log.log(.error, "delivery.claim_failed", ["channel": channel.rawValue, "reason": "\(error)"])
                claimed = []
            }
            guard let row = claimed.first else {
                await pause(milliseconds: configuration.delivery.pollMilliseconds)
                continue
            }
            if row.attempts >= configuration.delivery.maxAttempts {
                // Attempts the daemon never finished (it died while sending, every time): this notice
                // may be what kills it; stop here and leave it to an operator.
                _ = try? await store.markDead(row.id, owner: owner, error: "gave up after \(row.attempts) unfinished attempts")
                log.log(.error, "delivery.dead", ["id": String(row.id), "message_id": row.messageID, "reason": "unfinished attempts"])
                continue
            }
            await send(row)
        }
    }

    private func pause(milliseconds: Int) async {
        var left = milliseconds
        while left > 0, !isStopping {
            let step = min(left, 50)
            try? await Task.sleep(for: .milliseconds(step))
            left -= step
        }
    }

    /// One attempt at `row`, its outcome recorded; returns the decision taken.
    @discardableResult
    private func send(_ row: OutboxRecord) async -> RetryDecision {
        let attempt = row.attempts + 1
        let outcome: DeliveryOutcome
        let failure: String?
        switch row.channel {
        case .email: (outcome, failure) = await sendMail(row)
        case .webhook: (outcome, failure) = await sendWebhook(row)
        }
        let now = clock.now
        let decision = policy.decide(attempt: attempt, outcome: outcome, now: Date(timeIntervalSince1970: Double(now) / 1e9))
        var fields: [(String, String)] = [
            ("id", String(row.id)), ("channel", row.channel.rawValue), ("notice", row.event), ("message_id", row.messageID),
            ("attempt", String(attempt)),
        ]
        if let failure { fields.append(("reason", failure)) }
        do {
            switch decision {
            case .sent:
                if try await store.markSent(row.id, owner: owner, at: now) {
                    log.log(.info, "delivery.sent", fields)
                } else {
                    log.log(.warning, "delivery.lease_lost", fields)
                }
            case .retry(let at):
                let next = Int64((at.timeIntervalSince1970 * 1e9).rounded())
                _ = try await store.markRetry(row.id, owner: owner, error: failure ?? "not delivered", nextAttemptAt: next)
                log.log(.warning, "delivery.retry", fields)
            case .dead:
                _ = try await store.markDead(row.id, owner: owner, error: failure ?? "not delivered")
                log.log(.error, "delivery.dead", fields)
            case .disableEndpoint:
                // The receiver said 410 Gone: stop sending to it. This row and the others for the
                // endpoint stay pending, ready to go if an operator enables it again.
                try await store.disableEndpoint(row.destination, reason: failure ?? "HTTP 410 Gone", at: now)
                _ = try await store.markRetry(row.id, owner: owner, error: failure ?? "HTTP 410 Gone", nextAttemptAt: now)
                log.log(.error, "delivery.endpoint_disabled", fields)
            }
        } catch {
            // The lease runs out and the row is claimed again: a duplicate at worst, with the same id.
            log.log(.error, "delivery.mark_failed", ["id": String(row.id), "reason": "\(error)"])
        }
        return decision
    }

    private func sendMail(_ row: OutboxRecord) async -> (DeliveryOutcome, String?) {
        do {
            let messageID = try MessageID(row.messageID)
            guard let smtp else {
                let directory = try EMLDirectory(path: configuration.mail.maildir)
                try directory.write(row.payload, messageID: messageID)
                return (.delivered, nil)
            }
            let result = try await smtp.send(
                rendered: row.payload, from: try MailAddress(configuration.mail.fromAddress), to: [try MailAddress(row.destination)])
            switch result {
            case .delivered: return (.delivered, nil)
            case .transient(let failure): return (result.outcome, failure.reason)
            case .permanent(let failure): return (result.outcome, failure.reason)
            }
        } catch let error as MailError {
            // A row that can never be sent as it is (a bad address, broken bytes): no point retrying.
            return (.permanent, "\(error)")
        } catch {
            return (.retryable(retryAfterSeconds: nil), "\(error)")
        }
    }

    private func sendWebhook(_ row: OutboxRecord) async -> (DeliveryOutcome, String?) {
        guard let settings = configuration.webhooks.first(where: { $0.url == row.destination }) else {
            return (.permanent, "endpoint \(row.destination) is no longer in the configuration")
        }
        // The sender allows http:// as soon as one endpoint does; each endpoint must opt in itself.
        if settings.url.lowercased().hasPrefix("http://") && !settings.allowPlainHTTP {
            return (.retryable(retryAfterSeconds: nil), "http:// endpoint refused: set allow_plain_http: true for it, or use https://")
        }
        do {
            // Read at every attempt, so a secret file replaced in place applies without a restart (a systemd
            // credential is a copy made at start: restart after rotating it). Several secrets
            // (one per line) sign with each, for a receiver in the middle of a rotation.
            let text = try SecretFile.read(path: settings.secretFile).revealed
            let secrets = try text.split(whereSeparator: { $0.isWhitespace }).map { try WebhookSecret(String($0)) }
            let endpoint = try WebhookEndpoint(url: settings.url, secrets: secrets)
            guard let sender = webhookSenders[row.destination] else { return (.retryable(retryAfterSeconds: nil), "no sender for this endpoint") }
            let result = await sender.send(id: try WebhookMessageID(row.messageID), body: row.payload, to: endpoint)
            switch result {
            case .delivered: return (.delivered, nil)
            case .gone(let status): return (.gone, "HTTP \(status) Gone")
            case .retry(_, let failure): return (result.outcome, failure.reason)
            }
        } catch {
            return (.retryable(retryAfterSeconds: nil), "\(error)")
        }
    }
}

/// Webhook URLs may carry a token in their query; logs show them without it.
enum WebhookURLForLog {
    static func redacted(_ url: String) -> String {
        guard let query = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return url }
        return String(url[..<query]) + "?…"
    }
}
