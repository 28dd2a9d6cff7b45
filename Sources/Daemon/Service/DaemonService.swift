@preconcurrency import Glibc
import Diagnostics
import Dispatch
import ExpressionLanguage
import Foundation
import JSON
import RuleModel
import Store
import Synchronization

/// `diacert serve`: the daemon's life from start to a clean stop.
///
/// One loop does the work in order at every tick (operator requests, the spool, rounds whose
/// deadline has passed); the delivery relay runs beside it. Signals only set flags the loop reads:
/// SIGHUP reloads the rules, SIGTERM and SIGINT stop it.
public enum DaemonService {
    /// Exit statuses, as sysexits.h has them (systemd shows them by name).
    public enum Exit {
        public static let success: Int32 = 0
        public static let failure: Int32 = 1
        /// Another daemon holds the state directory.
        public static let unavailable: Int32 = 69
        public static let software: Int32 = 70
        public static let cannotCreate: Int32 = 73
        public static let configuration: Int32 = 78
    }

    public static func run(configurationPath: String, environment: [String: String]) async -> Int32 {
        // JOURNAL_STREAM is set when stderr goes to journald (systemd.exec(5)).
        let log = EventLog(
            minimum: environment["DIACERT_LOG_LEVEL"] == "debug" ? .debug : .info, journalPriorities: environment["JOURNAL_STREAM"] != nil)
        let configuration: DaemonConfiguration
        switch DaemonConfiguration.load(path: configurationPath, environment: environment) {
        case .success(let loaded): configuration = loaded
        case .failure(let error):
            for diagnostic in error.diagnostics { log.log(.error, "config.invalid", ["diagnostic": diagnostic.description]) }
            return Exit.configuration
        }
        let layout = StateLayout(root: configuration.stateDirectory)
        do {
            try layout.create()
        } catch {
            log.log(.error, "state.unusable", ["state_dir": configuration.stateDirectory, "reason": "\(error)"])
            return Exit.cannotCreate
        }
        guard let lock = DaemonLock(path: layout.lockFile) else {
            log.log(.error, "daemon.already_running", ["state_dir": configuration.stateDirectory])
            return Exit.unavailable
        }
        defer { withExtendedLifetime(lock) {} }

        let loaded = RuleContext.load(directory: configuration.rulesDirectory, configuration: configuration, log: log)
        logDiagnostics(loaded.diagnostics, event: "rules.invalid", log: log)
        guard let initialContext = loaded.context else {
            log.log(.error, "rules.unusable", ["rules": configuration.rulesDirectory])
            return Exit.configuration
        }
        let store: Store
        do {
            store = try await Store.open(path: layout.database)
        } catch {
            log.log(.error, "store.unusable", ["database": layout.database, "reason": "\(error)"])
            return Exit.failure
        }
        let clock = DaemonClock(environment: environment)
        if let fake = environment["DIACERT_FAKE_NOW"] {
            // A test and demonstration knob; in production it would move every deadline.
            log.log(.warning, "clock.fake", ["DIACERT_FAKE_NOW": fake, "now": clock.nowTimestamp.rfc3339])
        }
        let relay: DeliveryRelay
        do {
            relay = try DeliveryRelay(store: store, configuration: configuration, clock: clock, log: log)
        } catch {
            // A password file that cannot be read, an SMTP URL that is refused: the configuration's
            // fault, so systemd should not restart in a loop (RestartPreventExitStatus=78).
            log.log(.error, "config.delivery_unusable", ["reason": "\(error)"])
            return Exit.configuration
        }
        let notifier = SystemdNotifier(environment: environment)
        let signals = SignalFlags()
        let signalSources = signals.install()
        defer { withExtendedLifetime(signalSources) {} }

        var context = initialContext
        await recordRules(context, store: store, clock: clock, reason: "started")
        log.log(
            .info, "daemon.started",
            [
                "pid": String(getpid()), "rules": context.ruleSet.hash, "state_dir": configuration.stateDirectory,
                "mail": configuration.mail.smtp == nil ? "maildir:\(configuration.mail.maildir)" : "smtp",
                "webhooks": String(configuration.webhooks.count), "now": clock.nowTimestamp.rfc3339(in: context.ruleSet.calendar.zone),
            ])

        layout.removeStaleTemporaryFiles(maildir: configuration.mail.maildir, log: log)
        let intake = Intake(layout: layout, store: store, clock: clock, log: log)
        let closing = RoundClosing(store: store, clock: clock, log: log)
        let inbox = ControlInbox(layout: layout, log: log)
        let relayTask = Task { await relay.run() }
        notifier.ready()

        var retryAt: [String: ContinuousClock.Instant] = [:]
        var lastWatchdog = ContinuousClock.now
        while !signals.stopRequested {
            if signals.takeReload() {
                notifier.reloading()
                context = reload(keeping: context, configuration: configuration, log: log)
                await recordRules(context, store: store, clock: clock, reason: "reloaded")
                notifier.ready()
            }
            let operations = Operations(
                store: store, context: context, configuration: configuration, clock: clock, log: log, daemonRunning: true)
            await inbox.serve(operations)
            await takeSpool(intake, context: context, retryAt: &retryAt, signals: signals)
            do {
                let due = try await closing.dueRounds(context, grace: configuration.closeGraceSeconds)
                if !due.isEmpty {
                    // Whatever landed in the spool up to now was submitted before the round closes.
                    await takeSpool(intake, context: context, retryAt: &retryAt, signals: signals)
                    for round in due { _ = try await closing.close(round, by: .deadline, context: context) }
                }
            } catch {
                log.log(.error, "round.close_failed", ["reason": "\(error)"])
            }
            if let interval = notifier.watchdogInterval, ContinuousClock.now - lastWatchdog >= interval {
                notifier.watchdog()
                lastWatchdog = ContinuousClock.now
            }
            await signals.pause(milliseconds: configuration.intakePollMilliseconds)
        }

        notifier.stopping()
        log.log(.info, "daemon.stopping", ["signal": signals.stopSignal])
        relay.stop()
        await relayTask.value
        do {
            try await store.write { transaction in
                try transaction.audit(at: clock.now, actor: .daemon, action: "daemon.stopped", detail: "{}")
            }
            try await store.close()
        } catch {
            log.log(.error, "store.close_failed", ["reason": "\(error)"])
        }
        log.log(.info, "daemon.stopped")
        return Exit.success
    }

    /// Every file waiting in the spool; one that cannot be stored (the disk is full, say) stays
    /// there and is tried again after a pause.
    private static func takeSpool(
        _ intake: Intake, context: RuleContext, retryAt: inout [String: ContinuousClock.Instant], signals: SignalFlags
    ) async {
        for file in intake.waitingFiles() {
            if signals.stopRequested { return }
            if let next = retryAt[file], ContinuousClock.now < next { continue }
            do {
                _ = try await intake.take(file, context: context)
                retryAt[file] = nil
            } catch let failure as POSIXFailure {
                // This file cannot be read or moved; the others can still be taken.
                intake.log.log(.error, "intake.failed", ["file": file, "reason": "\(failure)", "retry_in_s": "5"])
                retryAt[file] = ContinuousClock.now + .seconds(5)
            } catch {
                // The store refused: stop here, so that no later revision is stored before this one.
                intake.log.log(.error, "intake.failed", ["file": file, "reason": "\(error)", "retry_in_s": "5"])
                retryAt[file] = ContinuousClock.now + .seconds(5)
                return
            }
        }
    }

    /// The reloaded rules, or on any error the running ones (and the errors in the log).
    private static func reload(keeping current: RuleContext, configuration: DaemonConfiguration, log: EventLog) -> RuleContext {
        let loaded = RuleContext.load(directory: configuration.rulesDirectory, configuration: configuration, log: log)
        logDiagnostics(loaded.diagnostics, event: loaded.context == nil ? "rules.reload_error" : "rules.reload_warning", log: log)
        guard let context = loaded.context else {
            log.log(
                .error, "rules.reload_failed",
                ["errors": String(loaded.diagnostics.errors.count), "keeping": current.ruleSet.hash, "rules": configuration.rulesDirectory])
            return current
        }
        log.log(.info, "rules.reloaded", ["rules": context.ruleSet.hash, "previous": current.ruleSet.hash])
        return context
    }

    private static func logDiagnostics(_ diagnostics: [Diagnostic], event: String, log: EventLog) {
        for diagnostic in diagnostics {
            log.log(diagnostic.severity == .error ? .error : .warning, event, ["diagnostic": diagnostic.description])
        }
    }

    /// The rules hash in force goes into the store (`status` shows it) and the audit log.
    private static func recordRules(_ context: RuleContext, store: Store, clock: DaemonClock, reason: String) async {
        let hash = context.ruleSet.hash
        _ = try? await store.write { transaction in
            let previous = try transaction.meta("rules_hash")
            try transaction.setMeta("rules_hash", to: hash)
            if previous != hash || reason == "started" {
                try transaction.audit(
                    at: clock.now, actor: .daemon, action: "rules.\(reason)",
                    detail: JSONValue.object([("rules_hash", .string(hash)), ("previous", previous.map(JSONValue.string) ?? .null)]).serialized())
            }
        }
    }
}

/// What the signal handlers tell the loop. Handlers run on a dispatch queue and only set flags.
final class SignalFlags: Sendable {
    private let reload = Atomic<Bool>(false)
    private let stop = Atomic<Int32>(0)

    var stopRequested: Bool { stop.load(ordering: .sequentiallyConsistent) != 0 }
    var stopSignal: String {
        switch stop.load(ordering: .sequentiallyConsistent) {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "none"
        }
    }

    func takeReload() -> Bool { reload.exchange(false, ordering: .sequentiallyConsistent) }

    func install() -> [any DispatchSourceSignal] {
        signal(SIGPIPE, SIG_IGN)
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGHUP, SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                if number == SIGHUP {
                    reload.store(true, ordering: .sequentiallyConsistent)
                } else {
                    stop.store(number, ordering: .sequentiallyConsistent)
                }
            }
            source.resume()
            sources.append(source)
        }
        return sources
    }

    /// Sleeps up to `milliseconds`, waking early for a stop or a reload.
    func pause(milliseconds: Int) async {
        var left = milliseconds
        while left > 0, !stopRequested, !reload.load(ordering: .sequentiallyConsistent) {
            let step = min(left, 25)
            try? await Task.sleep(for: .milliseconds(step))
            left -= step
        }
    }
}
