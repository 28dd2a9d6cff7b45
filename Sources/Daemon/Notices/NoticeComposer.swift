import Delivery
import Diagnostics
import ExpressionLanguage
import Foundation
import Hashing
import JSON
import RuleModel
import Store

/// Turns results into outbox rows: the rendered e-mail and the webhook bodies, with identities
/// (Message-ID, webhook-id) derived from what the notice is about, so that writing the same notice
/// again (after a crash, say) finds the row already there instead of making a second one.
struct NoticeComposer: Sendable {
    let ruleSet: RuleSet
    let configuration: DaemonConfiguration
    let log: EventLog

    private var domain: String {
        let parts = configuration.mail.fromAddress.split(separator: "@")
        return parts.count == 2 ? String(parts[1]) : "diacert.invalid"
    }

    /// A stable hex identity for a notice: the same inputs always give the same identity.
    static func identity(_ parts: [String]) -> String {
        String(Digest.hex(Digest.sha256(parts.joined(separator: "\u{1F}"))).prefix(32))
    }

    func messageID(_ parts: [String]) -> String { "\(NoticeComposer.identity(parts))@\(domain)" }
    func webhookID(_ parts: [String]) -> String { "msg_\(NoticeComposer.identity(parts))" }

    // MARK: Mail

    /// The applicant's address from the dossier, when it is a plain, valid address.
    func recipient(of dossier: Dossier) -> String? {
        guard case .string(let text)? = dossier.field(configuration.mail.recipientField), (try? MailAddress(text)) != nil else {
            return nil
        }
        return text
    }

    /// ``recipient(of:)`` for a mail about to be written: when the dossier has an address that no mail
    /// can go to (the schema's check is laxer than ``MailAddress``, e.g. an all-digit top-level
    /// domain), the operator hears of it rather than the notice silently not being written.
    private func mailRecipient(of dossier: Dossier, notice kind: String) -> String? {
        if let address = recipient(of: dossier) { return address }
        if case .string(let text)? = dossier.field(configuration.mail.recipientField) {
            var reason = "not a plain address"
            do throws(MailError) { _ = try MailAddress(text) } catch { if case .invalidAddress(_, let why) = error { reason = why } }
            // The reason names the rule, never the text (which may hold line breaks).
            log.log(
                .warning, "mail.no_recipient",
                ["dossier": dossier.id, "notice": kind, "field": configuration.mail.recipientField, "reason": reason])
        }
        return nil
    }

    private func frameText(_ kind: String, _ bindings: NoticeTemplates.Bindings) -> (subject: String, header: String, footer: String) {
        guard let templates = ruleSet.templates, let frame = templates.mails[kind] else {
            let subject: String =
                switch kind {
                case "round": "【ダイア5市】審査結果のお知らせ"
                case "loan": "【ダイア5市】支援資金の判定のお知らせ"
                case "late": "【ダイア5市】受付期限後の到着について"
                default: "【ダイア5市】申請書を受け付けできませんでした"
                }
            return (subject, "", "")
        }
        return (templates.render(frame.subject, bindings), templates.render(frame.header, bindings), templates.render(frame.footer, bindings))
    }

    /// One program's section of a mail: its outcome's template, or the plain explanation.
    private func section(_ evaluation: DossierEvaluation, program: String, _ bindings: NoticeTemplates.Bindings) -> String {
        guard let result = evaluation.result(program) else { return "" }
        var local = bindings
        var json = ResultJSON.result(result)
        // The tier as the applicant reads it (プラチナ), beside its id (platinum).
        if case .certification(let certification) = result, let tier = certification.tier, case .object(var members) = json,
            let title = ruleSet.program(program)?.certification?.tiers.first(where: { $0.id == tier })?.title
        {
            members.append(("tier_title", .string(title.text(in: .ja))))
            json = .object(members)
        }
        let explanation = Explanation(ruleSet: ruleSet, language: .ja)
        // The award's category as the applicant reads it (小規模事業者部門), and whether a tie on the
        // score was decided by the tie-breaks (`tied`, `tie_break`: 削減実績、提出日時).
        if case .award(let award) = result, let rules = ruleSet.program(program)?.award, case .object(var members) = json {
            if let category = award.category, let title = rules.categories.first(where: { $0.id == category })?.title {
                members.append(("category_title", .string(title.text(in: .ja))))
            }
            let tieBreak = explanation.tieBreakTitles(award, rules: rules)
            members.append(("tied", .bool(tieBreak != nil)))
            members.append(("tie_break", .string(tieBreak ?? "")))
            json = .object(members)
        }
        local.result = ResultJSON.expressionValue(json)
        local.explanation = explanation.section(evaluation, program: program, headline: false)
        local.headline = explanation.headline(evaluation, program: program)
        if let templates = ruleSet.templates, let text = templates.sections[program]?[result.outcome] {
            return templates.render(text, local)
        }
        return explanation.section(evaluation, program: program)
    }

    private func bindings(_ evaluation: DossierEvaluation, revision: Int, programs: [String]) -> NoticeTemplates.Bindings {
        var bindings = NoticeTemplates.Bindings()
        bindings.dossier = .record(evaluation.dossier.value)
        bindings.round = evaluation.round.map { round in
            .record(
                RecordValue(
                    type: RoundRecordType.type,
                    fields: [.string(round.id), .int(Int64(round.year)), .timestamp(round.opens), .timestamp(round.deadline)]))
        }
        bindings.revision = revision
        var results = MapValue()
        for program in programs {
            if let result = evaluation.result(program) {
                _ = try? results.insert(key: .string(program), value: ResultJSON.expressionValue(ResultJSON.result(result)))
            }
        }
        bindings.results = .map(results)
        return bindings
    }

    private func mail(
        kind: String, to address: String, subject: String, body: String, messageID: String, at now: Int64
    ) -> [UInt8]? {
        let offset = ruleSet.calendar.zone.utcOffsetSeconds(at: DaemonClock.timestamp(now)) / 60
        do {
            let from = try Mailbox(address: configuration.mail.fromAddress, displayName: configuration.mail.fromName)
            let to = try Mailbox(address: address)
            let charset: MailCharset = configuration.mail.charset == "iso-2022-jp" ? .iso2022jp : .utf8
            var message = MailMessage(
                from: from, to: to, subject: subject, body: body, charset: charset, messageID: try MessageID(messageID),
                date: MailDate(secondsSince1970: now / 1_000_000_000, utcOffsetMinutes: offset),
                extraHeaders: [try MailHeader("X-DiaCert-Notice", kind)])
            do {
                return try message.render()
            } catch {
                // A character ISO-2022-JP cannot carry, even after the documented substitutions:
                // the mail goes out in UTF-8 rather than with a character missing.
                guard charset == .iso2022jp else { throw error }
                log.log(.warning, "mail.charset_fallback", ["message_id": messageID, "reason": "\(error)"])
                message.charset = .utf8
                return try message.render()
            }
        } catch {
            log.log(.error, "mail.render_failed", ["message_id": messageID, "reason": "\(error)"])
            return nil
        }
    }

    /// The mail after a round closes: one section per program of the round.
    func roundMail(_ evaluation: DossierEvaluation, revision: Int, round: Round, at now: Int64) -> OutboxEntry? {
        guard let address = mailRecipient(of: evaluation.dossier, notice: "round") else { return nil }
        let programs = round.programs.filter { evaluation.result($0) != nil }
        let bindings = bindings(evaluation, revision: revision, programs: programs)
        let frame = frameText("round", bindings)
        let sections = programs.map { section(evaluation, program: $0, bindings) }
        let body = ([frame.header] + sections + [frame.footer]).filter { !$0.isEmpty }.joined(separator: "\n")
        let id = messageID(["round", round.id, evaluation.dossier.id, String(revision), address])
        guard let bytes = mail(kind: "round", to: address, subject: frame.subject, body: body, messageID: id, at: now) else { return nil }
        return OutboxEntry(
            channel: .email, messageID: id, destination: address, event: "round.closed", dossierID: evaluation.dossier.id,
            revision: revision, payload: bytes, createdAt: now)
    }

    /// The mail of a loan evaluation; `key` tells evaluations apart (arrival, or the round that changed the certification).
    func loanMail(_ evaluation: DossierEvaluation, revision: Int, program: String, key: String, at now: Int64) -> OutboxEntry? {
        guard let address = mailRecipient(of: evaluation.dossier, notice: "loan") else { return nil }
        let bindings = bindings(evaluation, revision: revision, programs: [program])
        let frame = frameText("loan", bindings)
        let body = [frame.header, section(evaluation, program: program, bindings), frame.footer].filter { !$0.isEmpty }.joined(separator: "\n")
        let id = messageID(["loan", program, evaluation.dossier.id, String(revision), key, address])
        guard let bytes = mail(kind: "loan", to: address, subject: frame.subject, body: body, messageID: id, at: now) else { return nil }
        return OutboxEntry(
            channel: .email, messageID: id, destination: address, event: "loan.evaluated", dossierID: evaluation.dossier.id,
            revision: revision, payload: bytes, createdAt: now)
    }

    /// The mail to an applicant whose dossier came after the deadline.
    func lateMail(_ dossier: Dossier, revision: Int, round: Round, at now: Int64) -> OutboxEntry? {
        guard let address = mailRecipient(of: dossier, notice: "late") else { return nil }
        var bindings = NoticeTemplates.Bindings()
        bindings.dossier = .record(dossier.value)
        bindings.round = .record(
            RecordValue(
                type: RoundRecordType.type,
                fields: [.string(round.id), .int(Int64(round.year)), .timestamp(round.opens), .timestamp(round.deadline)]))
        bindings.revision = revision
        let frame = frameText("late", bindings)
        let body = [frame.header, frame.footer].filter { !$0.isEmpty }.joined(separator: "\n")
        let id = messageID(["late", round.id, dossier.id, String(revision), address])
        guard let bytes = mail(kind: "late", to: address, subject: frame.subject, body: body, messageID: id, at: now) else { return nil }
        return OutboxEntry(
            channel: .email, messageID: id, destination: address, event: "dossier.late", dossierID: dossier.id, revision: revision,
            payload: bytes, createdAt: now)
    }

    /// The rejection notice for an invalid file; `contentHash` identifies the file.
    func rejectionMail(file: String, errors: [String], to address: String, contentHash: String, at now: Int64) -> OutboxEntry? {
        var bindings = NoticeTemplates.Bindings()
        bindings.errors = errors
        bindings.file = file
        let frame = frameText("rejected", bindings)
        var body = [frame.header, frame.footer].filter { !$0.isEmpty }.joined(separator: "\n")
        if ruleSet.templates?.mails["rejected"] == nil { body = errors.joined(separator: "\n") }
        let id = messageID(["rejected", contentHash, address])
        guard let bytes = mail(kind: "rejected", to: address, subject: frame.subject, body: body, messageID: id, at: now) else {
            return nil
        }
        return OutboxEntry(
            channel: .email, messageID: id, destination: address, event: "dossier.rejected", dossierID: nil, revision: nil,
            payload: bytes, createdAt: now)
    }

    // MARK: Webhooks

    /// One row per endpoint subscribed to `event`; the same body bytes for each and on every attempt.
    func webhooks(event: String, key: [String], body: (String) -> JSONValue, dossier: String?, revision: Int?, at now: Int64) -> [OutboxEntry] {
        configuration.webhooks.filter { $0.events?.contains(event) ?? true }.map { endpoint in
            let id = webhookID([event] + key + [endpoint.url])
            let json = body(id)
            return OutboxEntry(
                channel: .webhook, messageID: id, destination: endpoint.url, event: event, dossierID: dossier, revision: revision,
                payload: Array(json.serialized().utf8), createdAt: now)
        }
    }

    /// The facts of a receipt (`dossier.received`, `dossier.late`) for a webhook body.
    func receiptBody(
        type: String, id: String, dossier: Dossier, revision: Int, round: Round, late: Bool, contentHash: String, at now: Int64
    ) -> JSONValue {
        .object([
            ("type", .string(type)), ("id", .string(id)), ("occurred_at", .string(DaemonClock.timestamp(now).rfc3339(in: ruleSet.calendar.zone))),
            ("dossier", .string(dossier.id)), ("revision", .number(revision)), ("round", .string(round.id)),
            ("deadline", .string(round.deadline.rfc3339(in: ruleSet.calendar.zone))), ("late", .bool(late)),
            ("company", .object(company(dossier))), ("content_hash", .string(contentHash)),
        ])
    }

    private func company(_ dossier: Dossier) -> [(String, JSONValue)] {
        var company: [(String, JSONValue)] = []
        for field in ["name", "city_code", "corporate_number"] {
            if case .string(let text)? = dossier.field("company.\(field)") { company.append((field, .string(text))) }
        }
        return company
    }

    /// The facts of an evaluation for a webhook body: the same as the mail, plus the revision.
    func evaluationBody(
        type: String, id: String, evaluation: DossierEvaluation, revision: Int, programs: [String], at now: Int64
    ) -> JSONValue {
        .object([
            ("type", .string(type)), ("id", .string(id)), ("occurred_at", .string(DaemonClock.timestamp(now).rfc3339(in: ruleSet.calendar.zone))),
            ("dossier", .string(evaluation.dossier.id)), ("revision", .number(revision)),
            ("round", evaluation.round.map { .string($0.id) } ?? .null), ("late", .bool(evaluation.late)),
            ("rules", .string(evaluation.ruleSetHash)), ("company", .object(company(evaluation.dossier))),
            ("results", .object(programs.compactMap { program in evaluation.result(program).map { (program, ResultJSON.result($0)) } })),
        ])
    }
}

/// The record type of `round` in templates (the same fields as in rule expressions).
enum RoundRecordType {
    static let type = RecordType(
        name: "round",
        fields: [
            .init(name: "id", type: .string), .init(name: "year", type: .int), .init(name: "opens", type: .timestamp),
            .init(name: "deadline", type: .timestamp),
        ])
}
