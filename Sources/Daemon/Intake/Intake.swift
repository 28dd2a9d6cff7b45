import Delivery
import Diagnostics
import ExpressionLanguage
import Foundation
import Hashing
import JSON
import RuleModel
import Store
import YAMLLoader

/// Takes dossier files from the spool (`incoming/`) into the store.
///
/// A valid file becomes the dossier's next revision, with its audit row, its notices and the
/// evaluation of the rolling programs, in one transaction; only after the commit does the file move
/// to `processed/`. A crash in between leaves the file in the spool, and taking it again finds the
/// revision already stored (same content hash), so nothing is stored or sent twice.
///
/// An invalid file moves to `rejected/` with a `.error.txt` beside it, every problem with its
/// line and column, and the applicant is told when an address can be read from the file.
struct Intake: Sendable {
    let layout: StateLayout
    let store: Store
    let clock: DaemonClock
    let log: EventLog

    /// Files larger than this are refused without being parsed.
    static let maximumFileSize = 8 << 20

    enum Outcome: Sendable, Equatable {
        case stored(dossier: String, revision: Int, late: Bool)
        /// The same content as the dossier's latest revision (a re-sent file, or one taken again after a crash).
        case unchanged(dossier: String, revision: Int)
        case rejected(problems: Int)
    }

    /// The files waiting in the spool, in the order they were submitted (`diacert submit` names
    /// them by time); hidden files are still being written.
    func waitingFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: layout.incoming)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The name the applicant gave the file: the spool name less the `<time>-<nonce>-` that `submit` adds.
    static func originalName(_ spoolName: String) -> String {
        let parts = spoolName.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        if parts.count == 3, parts[0].count >= 10, parts[0].allSatisfy(\.isNumber), parts[1].count == 8,
            parts[1].allSatisfy(\.isHexDigit)
        {
            return String(parts[2])
        }
        return spoolName
    }

    /// When `diacert submit` placed the file: the `<time>-` prefix of its spool name (Unix
    /// nanoseconds). That, not the moment the daemon gets to the file, is the receipt time, so a file
    /// submitted a second before the deadline is on time even if the daemon is busy or restarting.
    static func submissionTime(_ spoolName: String) -> Int64? {
        let parts = spoolName.split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, originalName(spoolName) != spoolName else { return nil }
        return Int64(parts[0])
    }

    /// The spool name for a file: `<time>-<nonce>-<name>` (the name less any directory).
    static func spoolName(for original: String, at time: Int64) -> String {
        "\(time)-\(Digest.hex(Digest.randomBytes(4)))-" + (original as NSString).lastPathComponent
    }

    /// Takes one file; throws only when the store cannot be written (the file then stays in the spool).
    func take(_ spoolName: String, context: RuleContext) async throws -> Outcome {
        let path = (layout.incoming as NSString).appendingPathComponent(spoolName)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw POSIXFailure("cannot read \(path)", errno)
        }
        let bytes = [UInt8](data)
        let name = Intake.originalName(spoolName)
        let contentHash = Digest.hex(Digest.sha256(bytes))
        var problems: [Diagnostic] = []
        var decoded: Dossier?
        if bytes.count > Intake.maximumFileSize {
            problems.append(
                .error(
                    "dossier.size",
                    LocalizedText(
                        "the file has \(bytes.count) bytes; a dossier may have at most \(Intake.maximumFileSize)",
                        ja: "ファイルが大きすぎます (\(bytes.count) バイト、上限 \(Intake.maximumFileSize) バイト)"),
                    at: SourceLocation(file: name, line: 1, column: 1)))
        } else {
            switch context.decoder.decode(bytes, source: name) {
            case .success(let dossier): decoded = dossier
            case .failure(let error): problems = error.diagnostics.errors
            }
        }
        if let dossier = decoded, let problem = Intake.roundProblem(dossier, bytes: bytes, name: name, calendar: context.ruleSet.calendar) {
            problems.append(problem)
            decoded = nil
        }
        guard let dossier = decoded, let roundID = dossier.round, let round = context.ruleSet.calendar.round(roundID) else {
            return try await reject(spoolName, name: name, bytes: bytes, contentHash: contentHash, problems: problems, context: context)
        }
        // The submission stamp, unless it is absurd (a day ahead of this clock: not from this machine's clock).
        let now = clock.now
        let stamped = Intake.submissionTime(spoolName).flatMap { $0 <= now + 86_400 * 1_000_000_000 ? $0 : nil }
        let receivedAt = stamped ?? now
        let outcome = try await store(
            dossier, round: round, name: name, bytes: bytes, contentHash: contentHash, receivedAt: receivedAt, context: context)
        try move(spoolName, to: layout.processed)
        switch outcome {
        case .stored(let id, let revision, let late):
            log.log(.info, "dossier.stored", ["dossier": id, "revision": String(revision), "round": round.id, "late": String(late), "file": name])
        case .unchanged(let id, let revision):
            log.log(.info, "dossier.unchanged", ["dossier": id, "revision": String(revision), "file": name])
        case .rejected: break
        }
        return outcome
    }

    /// The dossier must name a round of the rule set.
    static func roundProblem(_ dossier: Dossier, bytes: [UInt8], name: String, calendar: RoundCalendar) -> Diagnostic? {
        guard let roundID = dossier.round else {
            return .error("dossier.round", LocalizedText("the dossier names no round (round:)", ja: "募集回 (round) がありません"))
        }
        guard calendar.round(roundID) == nil else { return nil }
        let known = calendar.rounds.map(\.id)
        var location: SourceLocation?
        if case .success(let node) = YAMLLoader.loadDocument(bytes, path: name) { location = node["round"]?.location }
        var message = "unknown round '\(roundID)'; the rounds are " + known.joined(separator: ", ")
        if let suggestion = Suggestion.nearest(to: roundID, among: known) { message += "; did you mean '\(suggestion)'?" }
        return .error(
            "dossier.round", LocalizedText(message, ja: "募集回 '\(roundID)' はありません。募集回: " + known.joined(separator: "、")),
            at: location)
    }

    // MARK: A valid dossier

    private func store(
        _ dossier: Dossier, round: Round, name: String, bytes: [UInt8], contentHash: String, receivedAt: Int64, context: RuleContext
    ) async throws -> Outcome {
        let now = clock.now
        let composer = context.composer
        let engine = context.engine
        let withheld = context.roundPrograms
        let rolling = context.ruleSet.calendar.rolling
        let normalized = dossier.normalizedJSON.serialized()
        let recipient = composer.recipient(of: dossier)
        let deadline = DaemonClock.nanoseconds(round.deadline)
        return try await store.write { transaction in
            // After the deadline, or after an operator closed the round early: stored, never counted.
            let roundClosed = try transaction.round(round.id)?.state == .closed
            let late = receivedAt > deadline || roundClosed
            let inserted = try transaction.insertRevision(
                NewRevision(
                    dossierID: dossier.id, roundID: round.id, receivedAt: receivedAt, submittedAt: dossier.submittedAt.map(DaemonClock.nanoseconds),
                    late: late, contentHash: contentHash, sourceName: name, original: bytes, normalized: normalized,
                    contactEmail: recipient))
            guard inserted.isNew else { return .unchanged(dossier: dossier.id, revision: inserted.revision) }
            let revision = inserted.revision
            try transaction.audit(
                at: now, actor: .daemon, action: "dossier.received",
                detail: JSONValue.object([
                    ("dossier", .string(dossier.id)), ("revision", .number(revision)), ("round", .string(round.id)),
                    ("late", .bool(late)), ("file", .string(name)), ("content_hash", .string(contentHash)),
                ]).serialized())
            let key = [dossier.id, String(revision)]
            for entry in composer.webhooks(
                event: "dossier.received", key: key,
                body: { id in composer.receiptBody(type: "dossier.received", id: id, dossier: dossier, revision: revision, round: round, late: late, contentHash: contentHash, at: now) },
                dossier: dossier.id, revision: revision, at: now)
            {
                try transaction.enqueue(entry)
            }
            if late {
                if let mail = composer.lateMail(dossier, revision: revision, round: round, at: now) { try transaction.enqueue(mail) }
                for entry in composer.webhooks(
                    event: "dossier.late", key: key,
                    body: { id in composer.receiptBody(type: "dossier.late", id: id, dossier: dossier, revision: revision, round: round, late: late, contentHash: contentHash, at: now) },
                    dossier: dossier.id, revision: revision, at: now)
                {
                    try transaction.enqueue(entry)
                }
            }
            // The rolling programs (the loan) now. What this round decides is not known yet: a
            // certificate from an earlier round that is still valid stands meanwhile; without one, a
            // program that depends on it sees missing data and says so (`incomplete`).
            guard !rolling.isEmpty else { return .stored(dossier: dossier.id, revision: revision, late: late) }
            let standing = try Intake.standingCertificates(
                of: dossier.id, among: withheld, in: context.ruleSet, at: receivedAt, transaction: transaction)
            let evaluation = engine.evaluate(dossier, round: round, late: late, withheld: withheld, standing: standing.mapValues(\.result))
            for (program, certificate) in standing.sorted(by: { $0.key < $1.key }) {
                try transaction.audit(
                    at: now, actor: .daemon, action: "loan.standing_certificate",
                    detail: JSONValue.object([
                        ("dossier", .string(dossier.id)), ("revision", .number(revision)), ("program", .string(program)),
                        ("round", .string(certificate.round)), ("tier", certificate.result["tier"] ?? .null),
                        ("valid_until", certificate.result["valid_until"] ?? .null),
                    ]).serialized())
            }
            for program in rolling {
                guard let result = evaluation.result(program) else { continue }
                try transaction.insertResult(
                    NewResult(
                        dossierID: dossier.id, revision: revision, program: program, roundID: nil, rulesHash: evaluation.ruleSetHash,
                        outcome: result.outcome, resultJSON: ResultJSON.result(result).serialized(), evaluatedAt: now, trigger: .arrival))
                if let mail = composer.loanMail(evaluation, revision: revision, program: program, key: "arrival", at: now) {
                    try transaction.enqueue(mail)
                }
                for entry in composer.webhooks(
                    event: "loan.evaluated", key: key + [program, "arrival"],
                    body: { id in composer.evaluationBody(type: "loan.evaluated", id: id, evaluation: evaluation, revision: revision, programs: [program], at: now) },
                    dossier: dossier.id, revision: revision, at: now)
                {
                    try transaction.enqueue(entry)
                }
            }
            return .stored(dossier: dossier.id, revision: revision, late: late)
        }
    }

    /// The certificates in force for a dossier: for each withheld certification program, its latest
    /// result if a closed round certified it and it is still valid at `time`.
    static func standingCertificates(
        of dossier: String, among withheld: Set<String>, in ruleSet: RuleSet, at time: Int64, transaction: borrowing StoreTransaction
    ) throws -> [String: (round: String, result: JSONValue)] {
        var standing: [String: (round: String, result: JSONValue)] = [:]
        for program in ruleSet.programs where program.kind == .certification && withheld.contains(program.id) {
            guard let stored = try transaction.latestResult(dossier: dossier, program: program.id), let round = stored.roundID,
                stored.outcome == CertificationOutcome.certified.rawValue,
                case .success(let result) = JSONParser.parse(Array(stored.resultJSON.utf8)),
                let validUntil = result["valid_until"]?.stringValue.flatMap({ try? Timestamp(rfc3339: $0) }),
                DaemonClock.nanoseconds(validUntil) >= time
            else { continue }
            standing[program.id] = (round, result)
        }
        return standing
    }

    // MARK: An invalid file

    private func reject(
        _ spoolName: String, name: String, bytes: [UInt8], contentHash: String, problems: [Diagnostic], context: RuleContext
    ) async throws -> Outcome {
        let now = clock.now
        let composer = context.composer
        let lines = problems.map { $0.headline(in: .ja) }
        let address = Intake.lenientRecipient(bytes, field: composer.configuration.mail.recipientField)
        try await store.write { transaction in
            try transaction.audit(
                at: now, actor: .daemon, action: "dossier.rejected",
                detail: JSONValue.object([
                    ("file", .string(name)), ("content_hash", .string(contentHash)), ("problems", .number(problems.count)),
                    ("notified", .bool(address != nil)),
                ]).serialized())
            if let address, let mail = composer.rejectionMail(file: name, errors: lines, to: address, contentHash: contentHash, at: now) {
                try transaction.enqueue(mail)
            }
            for entry in composer.webhooks(
                event: "dossier.rejected", key: [contentHash],
                body: { id in
                    .object([
                        ("type", .string("dossier.rejected")), ("id", .string(id)), ("occurred_at", .string(DaemonClock.timestamp(now).rfc3339)),
                        ("file", .string(name)), ("content_hash", .string(contentHash)),
                        ("errors", .array(problems.map { .string($0.description) })),
                    ])
                },
                dossier: nil, revision: nil, at: now)
            {
                try transaction.enqueue(entry)
            }
        }
        var renderer = DiagnosticRenderer(language: .en)
        renderer.add(SourceText(path: name, text: String(decoding: bytes, as: UTF8.self)))
        let report =
            "\(name): \(problems.count) problem\(problems.count == 1 ? "" : "s"); the dossier was not stored.\n\n"
            + renderer.render(problems) + "\n\n" + lines.joined(separator: "\n") + "\n"
        try StateLayout.writeAtomically(Array(report.utf8), directory: layout.rejected, name: spoolName + ".error.txt")
        try move(spoolName, to: layout.rejected)
        log.log(
            .warning, "dossier.rejected",
            ["file": name, "problems": String(problems.count), "first": problems.first?.description ?? "", "notified": String(address != nil)])
        return .rejected(problems: problems.count)
    }

    /// The applicant's address from a file that may be broken: read from the YAML if it parses, else
    /// from an `email:` line; only a valid address (no CR, LF or other junk) is used.
    static func lenientRecipient(_ bytes: [UInt8], field: String) -> String? {
        func valid(_ text: String) -> String? { (try? MailAddress(text)) != nil ? text : nil }
        if case .success(let node) = YAMLLoader.loadDocument(bytes, path: "dossier") {
            var current: YAMLNode? = node
            for part in field.split(separator: ".") { current = current?[String(part)] }
            if let text = current?.scalar?.text { return valid(text) }
        }
        let leaf = field.split(separator: ".").last.map(String.init) ?? "email"
        for line in String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isNewline) {
            var text = line.trimmingCharacters(in: .whitespaces)
            for prefix in ["\"\(leaf)\":", "\(leaf):"] where text.hasPrefix(prefix) {
                text = String(text.dropFirst(prefix.count)).trimmingCharacters(in: CharacterSet(charactersIn: " \t\",'"))
                if let address = valid(text) { return address }
            }
        }
        return nil
    }

    /// Moves a spool file into `directory` (same file system: a rename) and makes the move durable.
    private func move(_ spoolName: String, to directory: String) throws {
        let source = (layout.incoming as NSString).appendingPathComponent(spoolName)
        let target = (directory as NSString).appendingPathComponent(spoolName)
        guard rename(source, target) == 0 else { throw POSIXFailure("cannot move \(source) to \(directory)", errno) }
        StateLayout.syncDirectory(directory)
        StateLayout.syncDirectory(layout.incoming)
    }
}
