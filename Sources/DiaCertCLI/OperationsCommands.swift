import Daemon
import Diagnostics
import Foundation
import JSON

/// The daemon's commands: serve, submit, status, rounds close, outbox list|retry, endpoints enable.
enum OperationsCommands {
    static var all: [Command] { [serve, submit, status, roundsClose, outboxList, outboxRetry, endpointsEnable] }

    static let configOption = OptionSpec(
        "config", .value(placeholder: "FILE"),
        .init(
            "the daemon's configuration (default: $DIACERT_CONFIG, else /etc/diacert/diacert.yaml)",
            ja: "デーモンの設定ファイル (既定: $DIACERT_CONFIG、なければ /etc/diacert/diacert.yaml)"))
    static let formatOption = OptionSpec("format", .value(placeholder: "text|json"), .init("output format (default: text)", ja: "出力形式 (既定: text)"))

    static func configuration(_ arguments: Arguments, _ console: Console) -> DaemonConfiguration? {
        let path = arguments.value("config") ?? console.environment["DIACERT_CONFIG"] ?? "/etc/diacert/diacert.yaml"
        switch DaemonConfiguration.load(path: path, environment: console.environment) {
        case .success(let configuration): return configuration
        case .failure(let error):
            console.err(RuleSetSupport.render(error.diagnostics, language: console.language))
            return nil
        }
    }

    static func format(_ arguments: Arguments) throws -> String {
        let format = arguments.value("format") ?? "text"
        guard ["text", "json"].contains(format) else { throw UsageError(.init("--format must be text or json")) }
        return format
    }

    /// Runs an operator request (through the daemon if it runs) and prints the answer.
    static func request(
        _ request: OperatorRequest, _ arguments: Arguments, _ console: Console, text: (JSONValue) -> String
    ) async throws -> Int32 {
        let format = try format(arguments)
        guard let configuration = configuration(arguments, console) else { return ExitStatus.failure }
        do {
            let result = try await OperatorClient.perform(request, configuration: configuration, environment: console.environment)
            console.out(format == "json" ? result.serialized(pretty: true) : text(result))
            return ExitStatus.success
        } catch {
            console.err("diacert: \(error)")
            return ExitStatus.failure
        }
    }

    // MARK: serve

    static let serve = Command(
        name: "serve",
        summary: .init("run the daemon: intake, round closing, notifications", ja: "デーモンを実行 (受付・締切時の審査・通知)"),
        usage: "[--config FILE]",
        options: [configOption],
        examples: ["diacert serve --config /etc/diacert/diacert.yaml"],
        run: { arguments, console in
            let path = arguments.value("config") ?? console.environment["DIACERT_CONFIG"] ?? "/etc/diacert/diacert.yaml"
            return await DaemonService.run(configurationPath: path, environment: console.environment)
        })

    // MARK: submit

    static let submit = Command(
        name: "submit",
        summary: .init("hand dossiers to the daemon (placed in its spool atomically)", ja: "申請書をデーモンに渡す (受付フォルダに安全に配置)"),
        usage: "[--config FILE] DOSSIER...|DIR",
        options: [configOption],
        examples: ["diacert submit --config demo/diacert.yaml fixtures/dossiers/"],
        run: { arguments, console in
            guard !arguments.positionals.isEmpty else {
                throw UsageError(.init("name at least one dossier file or directory", ja: "申請書のファイルかディレクトリを指定してください"))
            }
            guard let configuration = configuration(arguments, console) else { return ExitStatus.failure }
            let paths = try RuleSetSupport.dossierPaths(arguments.positionals)
            do {
                let placed = try Submission.place(paths, configuration: configuration, environment: console.environment)
                for (path, spoolName) in zip(paths, placed) { console.out("\(path) → incoming/\(spoolName)") }
                console.out(
                    console.language == .ja
                        ? "\(placed.count) 件を受付フォルダに置きました。審査はデーモンが行います (diacert status で確認)。"
                        : "\(placed.count) file\(placed.count == 1 ? "" : "s") placed in the spool; the daemon takes them in (see diacert status).")
                return ExitStatus.success
            } catch {
                console.err("diacert submit: \(error)")
                return ExitStatus.failure
            }
        })

    // MARK: status

    static let status = Command(
        name: "status",
        summary: .init("the daemon's state: rules, rounds, dossiers, outbox", ja: "デーモンの状態 (ルール・募集回・申請・送信待ち)"),
        usage: "[--config FILE] [--format text|json]",
        options: [configOption, formatOption],
        examples: ["diacert status --config demo/diacert.yaml", "diacert status --format json"],
        run: { arguments, console in
            try await request(.status, arguments, console) { json in
                var lines = [
                    "daemon:    \(json["daemon"]?.stringValue ?? "?")",
                    "rules:     \(json["rules"]?.stringValue ?? "?")  sha256:\(json["rules_hash"]?.stringValue ?? "(does not load)")",
                    "dossiers:  \(json["dossiers"]?.numberText ?? "0") (\(json["revisions"]?.numberText ?? "0") revisions)",
                ]
                let outbox = json["outbox"]
                lines.append(
                    "outbox:    " + ["pending", "sending", "sent", "dead"].map { "\($0) \(outbox?[$0]?.numberText ?? "0")" }.joined(separator: ", "))
                lines.append("rounds:")
                for round in json["rounds"]?.arrayValue ?? [] {
                    var line = "  \(round["id"]?.stringValue ?? "?")  \(round["state"]?.stringValue ?? "?")"
                    line += "  deadline \(round["deadline"]?.stringValue ?? "—")  dossiers \(round["dossiers"]?.numberText ?? "0")"
                    if let closed = round["closed_at"]?.stringValue { line += "  closed \(closed) by \(round["closed_by"]?.stringValue ?? "?")" }
                    lines.append(line)
                }
                for endpoint in json["disabled_endpoints"]?.arrayValue ?? [] {
                    lines.append("disabled webhook endpoint: \(endpoint["url"]?.stringValue ?? "?") (\(endpoint["reason"]?.stringValue ?? ""))")
                }
                return lines.joined(separator: "\n")
            }
        })

    // MARK: rounds close

    static let roundsClose = Command(
        name: "rounds close",
        summary: .init("close a round now: evaluate it and notify (an operator's action, audited)", ja: "募集回を今すぐ締め切って審査・通知 (操作は監査ログに記録)"),
        usage: "[--config FILE] [--format text|json] ROUND",
        options: [configOption, formatOption],
        examples: ["diacert rounds close 2027-1 --config demo/diacert.yaml"],
        run: { arguments, console in
            guard arguments.positionals.count == 1, let id = arguments.positionals.first else {
                throw UsageError(.init("name one round, e.g. 2027-1", ja: "募集回を1つ指定してください (例: 2027-1)"))
            }
            return try await request(.closeRound(id: id), arguments, console) { json in
                "round \(id) closed: \(json["dossiers"]?.numberText ?? "0") dossiers evaluated, \(json["notices"]?.numberText ?? "0") notices queued"
            }
        })

    // MARK: outbox

    static let outboxList = Command(
        name: "outbox list",
        summary: .init("the notices in the outbox, newest first", ja: "送信キューの通知 (新しい順)"),
        usage: "[--config FILE] [--state pending|sending|sent|dead] [--limit N] [--format text|json]",
        options: [
            configOption, formatOption,
            OptionSpec("state", .value(placeholder: "STATE"), .init("only notices in this state", ja: "この状態の通知のみ")),
            OptionSpec("limit", .value(placeholder: "N"), .init("at most N notices (default 50)", ja: "最大 N 件 (既定 50)")),
        ],
        examples: ["diacert outbox list --state dead", "diacert outbox list --limit 10 --format json"],
        run: { arguments, console in
            var limit = 50
            if let text = arguments.value("limit") {
                guard let number = Int(text), number > 0 else { throw UsageError(.init("--limit must be a positive number")) }
                limit = number
            }
            // Text asks for one row more, to say when the list was cut at the limit.
            let text = (arguments.value("format") ?? "text") != "json"
            return try await request(.outboxList(state: arguments.value("state"), limit: text ? limit + 1 : limit), arguments, console) { json in
                let all = json.arrayValue ?? []
                if all.isEmpty { return "(no notices)" }
                let rows = all.prefix(limit)
                let more =
                    all.count > limit
                    ? [
                        console.text(
                            .init(
                                "… more notices not shown: raise --limit (now \(limit)) or narrow with --state",
                                ja: "… ほかにも通知があります: --limit (現在 \(limit)) を増やすか --state で絞り込んでください"))
                    ] : []
                return (rows.map { row in
                    var line = [
                        row["id"]?.numberText ?? "?", row["state"]?.stringValue ?? "?", row["channel"]?.stringValue ?? "?",
                        row["event"]?.stringValue ?? "?", row["dossier"]?.stringValue ?? "-", "attempts=\(row["attempts"]?.numberText ?? "0")",
                        row["message_id"]?.stringValue ?? "",
                    ].joined(separator: "  ")
                    if let error = row["last_error"]?.stringValue { line += "  last_error=\"\(error)\"" }
                    return line
                } + more).joined(separator: "\n")
            }
        })

    static let outboxRetry = Command(
        name: "outbox retry",
        summary: .init("send a dead notice again (same Message-ID / webhook-id)", ja: "送信を諦めた通知を再送 (同じ Message-ID / webhook-id)"),
        usage: "[--config FILE] ID",
        options: [configOption, formatOption],
        examples: ["diacert outbox retry 42"],
        run: { arguments, console in
            guard arguments.positionals.count == 1, let id = arguments.positionals.first.flatMap({ Int64($0) }) else {
                throw UsageError(.init("name one notice id (see diacert outbox list)", ja: "通知の ID を1つ指定してください (diacert outbox list で確認)"))
            }
            return try await request(.outboxRetry(id: id), arguments, console) { _ in "notice \(id) is pending again" }
        })

    static let endpointsEnable = Command(
        name: "endpoints enable",
        summary: .init("resume webhooks to an endpoint disabled after 410 Gone", ja: "410 Gone で止めた Webhook 送信先を再開"),
        usage: "[--config FILE] URL",
        options: [configOption, formatOption],
        examples: ["diacert endpoints enable https://city.example.jp/hooks/diacert"],
        run: { arguments, console in
            guard arguments.positionals.count == 1, let url = arguments.positionals.first else {
                throw UsageError(.init("name one endpoint URL"))
            }
            return try await request(.endpointEnable(url: url), arguments, console) { _ in "webhooks to \(url) resume" }
        })
}
