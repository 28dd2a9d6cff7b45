import ExpressionLanguage
import Foundation
import JSON
import RuleModel
import Store

/// Carries out operator requests on a store: by the daemon for the control channel, or by the CLI
/// itself when no daemon runs. One implementation, so both paths answer alike.
struct Operations: Sendable {
    let store: Store
    /// Nil when the rule set could not be loaded (status still answers, without rounds' deadlines).
    let context: RuleContext?
    let configuration: DaemonConfiguration
    let clock: DaemonClock
    let log: EventLog
    let daemonRunning: Bool

    func perform(_ request: OperatorRequest, operator name: String) async throws -> JSONValue {
        switch request {
        case .status: return try await status()
        case .closeRound(let id): return try await closeRound(id, operator: name)
        case .outboxList(let state, let limit): return try await outboxList(state: state, limit: limit)
        case .outboxRetry(let id): return try await outboxRetry(id, operator: name)
        case .endpointEnable(let url):
            try await store.enableEndpoint(url, at: clock.now, by: .operator(name))
            log.log(.info, "endpoint.enabled", ["url": WebhookURLForLog.redacted(url), "operator": name])
            return .object([("url", .string(url)), ("enabled", .bool(true))])
        }
    }

    private func time(_ nanoseconds: Int64?) -> JSONValue {
        guard let nanoseconds else { return .null }
        let zone = context?.ruleSet.calendar.zone ?? ZoneSpec.utc
        // Whole seconds: a deadline is the day's last nanosecond, shown as 23:59:59.
        let seconds = DaemonClock.timestamp(nanoseconds).seconds
        return .string(((try? Timestamp(seconds: seconds, nanoseconds: 0)) ?? DaemonClock.timestamp(nanoseconds)).rfc3339(in: zone))
    }

    func status() async throws -> JSONValue {
        let counts = try await store.status()
        let stored = Dictionary(uniqueKeysWithValues: try await store.rounds().map { ($0.id, $0) })
        let dossiersByRound = Dictionary(counts.rounds.compactMap { count in count.roundID.map { ($0, count.dossiers) } }, uniquingKeysWith: +)
        let now = clock.now
        var rounds: [JSONValue] = []
        var listed = Set<String>()
        for round in context?.ruleSet.calendar.rounds ?? [] {
            listed.insert(round.id)
            let record = stored[round.id]
            let state: String =
                if record?.state == .closed { "closed" } else if now < DaemonClock.nanoseconds(round.opens) { "upcoming" } else if now
                    <= DaemonClock.nanoseconds(round.deadline)
                { "open" } else { "due" }
            rounds.append(
                .object([
                    ("id", .string(round.id)), ("state", .string(state)), ("opens", time(DaemonClock.nanoseconds(round.opens))),
                    ("deadline", time(DaemonClock.nanoseconds(round.deadline))), ("dossiers", .number(dossiersByRound[round.id] ?? 0)),
                    ("closed_at", time(record?.closedAt)), ("closed_by", record?.closedBy.map { .string($0.description) } ?? .null),
                ]))
        }
        // Rounds the store knows that the rules no longer name (kept: their dossiers are still there).
        for (id, record) in stored.sorted(by: { $0.key < $1.key }) where !listed.contains(id) {
            rounds.append(
                .object([
                    ("id", .string(id)), ("state", .string(record.state.rawValue)), ("opens", .null), ("deadline", .null),
                    ("dossiers", .number(dossiersByRound[id] ?? 0)), ("closed_at", time(record.closedAt)),
                    ("closed_by", record.closedBy.map { .string($0.description) } ?? .null), ("in_rules", .bool(false)),
                ]))
        }
        let endpoints = try await store.endpoints().filter { $0.disabledAt != nil }
        return .object([
            ("rules_hash", context.map { .string($0.ruleSet.hash) } ?? .null), ("rules", .string(configuration.rulesDirectory)),
            ("state_dir", .string(configuration.stateDirectory)), ("daemon", .string(daemonRunning ? "running" : "stopped")),
            ("now", time(now)), ("rounds", .array(rounds)), ("dossiers", .number(counts.dossiers)), ("revisions", .number(counts.revisions)),
            (
                "outbox",
                .object(OutboxState.allCases.map { ($0.rawValue, JSONValue.number(counts.outbox[$0] ?? 0)) })
            ),
            (
                "disabled_endpoints",
                .array(endpoints.map { .object([("url", .string($0.url)), ("since", time($0.disabledAt)), ("reason", .string($0.reason ?? ""))]) })
            ),
        ])
    }

    func closeRound(_ id: String, operator name: String) async throws -> JSONValue {
        guard let context else { throw OperatorError("the rule set does not load; fix it before closing a round") }
        guard let round = context.ruleSet.calendar.round(id) else {
            throw OperatorError("unknown round '\(id)'; the rounds are " + context.ruleSet.calendar.rounds.map(\.id).joined(separator: ", "))
        }
        let closing = RoundClosing(store: store, clock: clock, log: log)
        switch try await closing.close(round, by: .operator(name), context: context) {
        case .closed(let dossiers, let notices):
            return .object([("round", .string(id)), ("closed", .bool(true)), ("dossiers", .number(dossiers)), ("notices", .number(notices))])
        case .alreadyClosed:
            let record = try await store.round(id)
            throw OperatorError(
                "round \(id) is already closed" + (record?.closedBy.map { " (by \($0)" + (record?.closedAt.map { ", \(time($0).stringValue ?? "")" } ?? "") + ")" } ?? ""))
        }
    }

    func outboxList(state: String?, limit: Int) async throws -> JSONValue {
        var filter: OutboxState?
        if let state {
            guard let parsed = OutboxState(rawValue: state) else {
                throw OperatorError("unknown state '\(state)'; states are " + OutboxState.allCases.map(\.rawValue).joined(separator: ", "))
            }
            filter = parsed
        }
        let rows = try await store.outbox(state: filter, limit: max(1, min(limit, 10_000)))
        return .array(
            rows.map { row in
                .object([
                    ("id", .number(row.id)), ("channel", .string(row.channel.rawValue)), ("event", .string(row.event)),
                    ("state", .string(row.state.rawValue)), ("attempts", .number(row.attempts)), ("message_id", .string(row.messageID)),
                    ("destination", .string(row.destination)), ("dossier", row.dossierID.map(JSONValue.string) ?? .null),
                    ("revision", row.revision.map { .number($0) } ?? .null), ("created_at", time(row.createdAt)),
                    ("next_attempt_at", row.state == .pending ? time(row.nextAttemptAt) : .null), ("sent_at", time(row.sentAt)),
                    ("last_error", row.lastError.map(JSONValue.string) ?? .null),
                ])
            })
    }

    func outboxRetry(_ id: Int64, operator name: String) async throws -> JSONValue {
        guard try await store.retry(id, at: clock.now, by: .operator(name)) else {
            let row = try await store.outboxRecord(id: id)
            throw OperatorError(row.map { "notice \(id) is \($0.state.rawValue), not dead; only dead notices are retried" } ?? "no notice \(id)")
        }
        log.log(.info, "outbox.retried", ["id": String(id), "operator": name])
        return .object([("id", .number(id)), ("state", .string("pending"))])
    }
}
