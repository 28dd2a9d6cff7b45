import Foundation
import JSON
import RuleModel
import Store

/// Closes application rounds: evaluates every dossier that counts, ranks the award over the round,
/// and writes the results, the notices and the closed mark in one transaction.
///
/// Exactly once: the transaction starts by marking the round closed, which succeeds only for an
/// open round; if it was closed already (an earlier run, an operator) the transaction writes
/// nothing. A crash before the commit leaves the round open, and the next start closes it.
struct RoundClosing: Sendable {
    let store: Store
    let clock: DaemonClock
    let log: EventLog

    enum Outcome: Sendable, Equatable {
        case closed(dossiers: Int, notices: Int)
        case alreadyClosed
    }

    /// The rounds whose deadline (plus `grace` seconds) has passed and that the store does not have as closed.
    func dueRounds(_ context: RuleContext, grace: Int) async throws -> [Round] {
        let now = clock.now - Int64(grace) * 1_000_000_000
        let closed = Set(try await store.rounds().filter { $0.state == .closed }.map(\.id))
        return context.ruleSet.calendar.rounds.filter { DaemonClock.nanoseconds($0.deadline) < now && !closed.contains($0.id) }
    }

    /// Closes `round` now; the revisions that count are each dossier's latest received by the deadline.
    func close(_ round: Round, by closer: RoundCloser, context: RuleContext) async throws -> Outcome {
        let now = clock.now
        let started = ContinuousClock.now
        let engine = context.engine
        let decoder = context.decoder
        let composer = context.composer
        let rolling = context.ruleSet.calendar.rolling
        let hash = context.ruleSet.hash
        let deadline = DaemonClock.nanoseconds(round.deadline)
        let outcome = try await store.write { transaction -> Outcome in
            guard try transaction.closeRound(round.id, by: closer, rulesHash: hash, at: now) else { return .alreadyClosed }
            let revisions = try transaction.latestRevisions(round: round.id, receivedBy: deadline)
            var counted: [(revision: StoredRevision, dossier: Dossier)] = []
            for stored in revisions {
                guard case .success(let json) = JSONParser.parse(Array(stored.normalized.utf8)),
                    let dossier = decoder.dossier(fromNormalized: json, source: stored.sourceName, contentHash: stored.contentHash)
                else {
                    // Stored dossiers were valid when received; one the current schema cannot read is
                    // left out of the round, loudly, rather than failing the whole round.
                    log.log(.error, "round.dossier_unreadable", ["round": round.id, "dossier": stored.dossierID, "revision": String(stored.revision)])
                    continue
                }
                counted.append((stored, dossier))
            }
            let activation = engine.makeActivation()
            var evaluations = counted.map { engine.evaluate($0.dossier, round: round, activation: activation, late: false) }
            engine.rank(&evaluations)
            var notices = 0
            for (index, evaluation) in evaluations.enumerated() {
                let revision = counted[index].revision.revision
                let dossierID = evaluation.dossier.id
                for program in round.programs {
                    guard let result = evaluation.result(program) else { continue }
                    try transaction.insertResult(
                        NewResult(
                            dossierID: dossierID, revision: revision, program: program, roundID: round.id, rulesHash: hash,
                            outcome: result.outcome, resultJSON: ResultJSON.result(result).serialized(), evaluatedAt: now,
                            trigger: closer == .deadline ? .roundClose : .operator))
                }
                if let mail = composer.roundMail(evaluation, revision: revision, round: round, at: now) {
                    try transaction.enqueue(mail)
                    notices += 1
                }
                for entry in composer.webhooks(
                    event: "round.closed", key: [round.id, dossierID, String(revision)],
                    body: { id in
                        composer.evaluationBody(type: "round.closed", id: id, evaluation: evaluation, revision: revision, programs: round.programs, at: now)
                    },
                    dossier: dossierID, revision: revision, at: now)
                {
                    try transaction.enqueue(entry)
                    notices += 1
                }
                // The rolling programs again, now that the round's results are known: a new result
                // and a notice only when what the applicant was told (outcome, terms, notes) changes;
                // a reason that is merely known now ("not certified" instead of "not decided yet") for
                // the same refusal is no news worth a second mail.
                for program in rolling {
                    guard let result = evaluation.result(program) else { continue }
                    let resultJSON = ResultJSON.result(result)
                    let json = resultJSON.serialized()
                    let previous = try transaction.latestResult(dossier: dossierID, program: program)
                    if let previous, previous.outcome == result.outcome,
                        case .success(let previousJSON) = JSONParser.parse(Array(previous.resultJSON.utf8)),
                        RoundClosing.told(previousJSON) == RoundClosing.told(resultJSON)
                    {
                        continue
                    }
                    try transaction.insertResult(
                        NewResult(
                            dossierID: dossierID, revision: revision, program: program, roundID: nil, rulesHash: hash,
                            outcome: result.outcome, resultJSON: json, evaluatedAt: now, trigger: .certificationChanged))
                    if let mail = composer.loanMail(evaluation, revision: revision, program: program, key: "round:\(round.id)", at: now) {
                        try transaction.enqueue(mail)
                        notices += 1
                    }
                    for entry in composer.webhooks(
                        event: "loan.evaluated", key: [dossierID, String(revision), program, "round:\(round.id)"],
                        body: { id in
                            composer.evaluationBody(type: "loan.evaluated", id: id, evaluation: evaluation, revision: revision, programs: [program], at: now)
                        },
                        dossier: dossierID, revision: revision, at: now)
                    {
                        try transaction.enqueue(entry)
                        notices += 1
                    }
                }
            }
            return .closed(dossiers: evaluations.count, notices: notices)
        }
        switch outcome {
        case .closed(let dossiers, let notices):
            let elapsed = ContinuousClock.now - started
            log.log(
                .info, "round.closed",
                [
                    "round": round.id, "by": closer.description, "dossiers": String(dossiers), "notices": String(notices), "rules": hash,
                    "ms": String(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
                ])
        case .alreadyClosed:
            log.log(.info, "round.already_closed", ["round": round.id, "by": closer.description])
        }
        return outcome
    }
}

extension RoundClosing {
    /// The facts of a rolling result that its notice tells the applicant.
    static func told(_ result: JSONValue) -> String {
        JSONValue.object([("outcome", result["outcome"] ?? .null), ("terms", result["terms"] ?? .null), ("notes", result["notes"] ?? .null)])
            .serialized()
    }
}
