import Delivery
import Foundation
import Hashing
import Store
import Synchronization

/// Sends what the outbox holds: claims due rows under a lease, sends each once, and records the
/// outcome (sent, retry later, dead, endpoint disabled).
///
/// Mail and webhooks go out side by side on their own curl handles, so a slow webhook receiver
/// does not hold the mails back. A row is marked only by the worker that holds its lease; a lease
/// is longer than a request may take, so no two workers ever send one row at the same time.
final class DeliveryRelay: Sendable {
    let store: Store
    let configuration: DaemonConfiguration
    let clock: DaemonClock
    let log: EventLog
    /// Unique per process run, so that leases of a killed daemon are never mistaken for this one's.
    let owner: String
    private let policy: RetryPolicy
    private let smtp: SMTPSender?
    private let webhookSender: WebhookSender
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
            var smtpConfiguration = try SMTPConfiguration(
                url: settings.url,
                starttls: settings.starttls == .required ? .required : settings.starttls == .optional ? .optional : .off,
                username: settings.username, password: password, caFile: settings.caFile,
                connectTimeout: .seconds(min(10, delivery.timeoutSeconds)), timeout: .seconds(delivery.timeoutSeconds))
            smtpConfiguration.caFile = settings.caFile
            smtp = SMTPSender(configuration: smtpConfiguration, worker: CurlWorker(label: "diacert.smtp"))
        } else {
            smtp = nil
        }
        var webhookConfiguration = WebhookConfiguration()
        webhookConfiguration.timeout = .seconds(delivery.timeoutSeconds)
        webhookConfiguration.connectTimeout = .seconds(min(10, delivery.timeoutSeconds))
        webhookConfiguration.allowPlainHTTP = configuration.webhooks.contains { $0.allowPlainHTTP }
        webhookSender = WebhookSender(configuration: webhookConfiguration, worker: CurlWorker(label: "diacert.webhooks"))
    }

    /// Asks the loop to stop: no new claims; sends in flight finish; claimed rows not yet started are released.
    func stop() { stopping.store(true, ordering: .sequentiallyConsistent) }

    private var isStopping: Bool { stopping.load(ordering: .sequentiallyConsistent) }

    /// Runs until ``stop()``; then gives back every lease it still holds.
    func run() async {
        let leaseNanoseconds = Int64(configuration.delivery.leaseSeconds) * 1_000_000_000
        while !isStopping {
            var claimed: [OutboxRecord] = []
            do {
                claimed = try await store.claimDue(now: clock.now, limit: 32, leaseDuration: leaseNanoseconds, owner: owner)
            } catch {
                log.log(.error, "delivery.claim_failed", ["reason": "\(error)"])
            }
            if claimed.isEmpty {
                await pause(milliseconds: configuration.delivery.pollMilliseconds)
                continue
            }
            let mails = claimed.filter { $0.channel == .email }
            let webhooks = claimed.filter { $0.channel == .webhook }
            async let mailsDone: Void = sendAll(mails)
            async let webhooksDone: Void = sendAll(webhooks)
            _ = await (mailsDone, webhooksDone)
        }
        do {
            let released = try await store.releaseAll(owner: owner)
            if released > 0 { log.log(.info, "delivery.released", ["rows": String(released)]) }
        } catch {
            log.log(.error, "delivery.release_failed", ["reason": "\(error)"])
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

    /// One row after another; rows not started when a stop comes are released untouched, and so are
    /// the rows for an endpoint that answered 410 Gone earlier in the batch: claimed before it was
    /// disabled, they must not be sent to it now (they wait, pending, until it is enabled again).
    private func sendAll(_ rows: [OutboxRecord]) async {
        var disabled: Set<String> = []
        for row in rows {
            if isStopping || (row.channel == .webhook && disabled.contains(row.destination)) {
                _ = try? await store.release(row.id, owner: owner)
                continue
            }
            if await send(row) == .disableEndpoint { disabled.insert(row.destination) }
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
            // Read at every attempt, so a rotated secret applies without a restart. Several secrets
            // (one per line) sign with each, for a receiver in the middle of a rotation.
            let text = try SecretFile.read(path: settings.secretFile).revealed
            let secrets = try text.split(whereSeparator: { $0.isWhitespace }).map { try WebhookSecret(String($0)) }
            let endpoint = try WebhookEndpoint(url: settings.url, secrets: secrets)
            let result = await webhookSender.send(id: try WebhookMessageID(row.messageID), body: row.payload, to: endpoint)
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
