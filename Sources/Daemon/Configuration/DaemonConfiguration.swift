public import Diagnostics
import Delivery
import Foundation
import YAMLLoader

/// The daemon's configuration file (`diacert serve --config FILE`).
///
/// ```yaml
/// rules: /etc/diacert/rules          # rule set directory (relative paths are relative to this file)
/// state_dir: /var/lib/diacert        # the SQLite database, the spool and the mail folder live here
/// mail:
///   from: {address: office@dia-cities.example.jp, name: ダイア5市脱炭素経営推進協議会}
///   smtp: {url: "smtp://mail.example.jp:587", starttls: required, username: diacert,
///          password_file: "${CREDENTIALS_DIRECTORY}/smtp-password"}
///   maildir: /var/lib/diacert/mail   # used when there is no smtp: mails become .eml files
///   charset: utf-8                   # or iso-2022-jp
/// webhooks:
///   - {url: "https://city.example.jp/hooks/diacert", secret_file: "${CREDENTIALS_DIRECTORY}/webhook-secret",
///      events: [round.closed, loan.evaluated]}   # all events when omitted
/// delivery: {timeout_s: 15, max_attempts: 10}     # also lease_s, poll_ms, backoff_initial_ms, backoff_max_s
/// intake: {poll_ms: 200, close_grace_s: 2}
/// ```
/// `${NAME}` in a path is replaced by the environment variable (systemd's `$CREDENTIALS_DIRECTORY`).
public struct DaemonConfiguration: Sendable {
    public struct SMTP: Sendable {
        public enum STARTTLS: String, Sendable { case required, optional, off }
        public var url: String
        public var starttls: STARTTLS
        public var username: String?
        public var passwordFile: String?
        public var caFile: String?
    }

    public struct Mail: Sendable {
        public var fromAddress: String
        public var fromName: String?
        public var smtp: SMTP?
        public var maildir: String
        public var charset: String
        /// The dossier field that holds the applicant's address.
        public var recipientField: String
    }

    public struct Webhook: Sendable {
        public var url: String
        public var secretFile: String
        /// Nil means every event.
        public var events: [String]?
        public var allowPlainHTTP: Bool
    }

    public struct Delivery: Sendable {
        public var timeoutSeconds: Int
        public var maxAttempts: Int
        /// A claimed notice is someone else's to send after this long; longer than the timeout.
        public var leaseSeconds: Int
        public var pollMilliseconds: Int
        /// The first retry comes after up to this long (full jitter), doubling up to `backoffMaxSeconds`.
        public var backoffInitialMilliseconds: Int
        public var backoffMaxSeconds: Int
    }

    public var file: String
    public var rulesDirectory: String
    public var stateDirectory: String
    public var mail: Mail
    public var webhooks: [Webhook]
    public var delivery: Delivery
    /// How often the spool and the control requests are looked at.
    public var intakePollMilliseconds: Int
    /// A round closes this long after its deadline, so that a file `diacert submit` stamped just
    /// before the deadline has landed in the spool and is counted.
    public var closeGraceSeconds: Int

    /// Every webhook event the daemon sends.
    public static let events = ["round.closed", "loan.evaluated", "dossier.received", "dossier.late", "dossier.rejected"]

    /// Reads and checks a configuration file; every problem comes back with its line and column.
    public static func load(path: String, environment: [String: String]) -> Result<DaemonConfiguration, DiagnosticError> {
        let node: YAMLNode
        switch YAMLLoader.loadDocument(atPath: path) {
        case .failure(let error): return .failure(error)
        case .success(let loaded): node = loaded
        }
        var problems: [Diagnostic] = []
        func error(_ message: String, _ at: YAMLNode) {
            problems.append(.error("config", LocalizedText(message), at: at.location))
        }
        let base = (path as NSString).deletingLastPathComponent
        func resolve(_ raw: String) -> String {
            var text = raw
            for (name, value) in environment { text = text.replacingOccurrences(of: "${\(name)}", with: value) }
            if text.hasPrefix("/") { return text }
            return DaemonConfiguration.tidied(((base.isEmpty ? "." : base) as NSString).appendingPathComponent(text))
        }
        func string(_ node: YAMLNode?, _ name: String) -> String? {
            guard let node else { return nil }
            switch node.asString() {
            case .success(let text): return text
            case .failure(let failure):
                problems += failure.diagnostics
                return nil
            }
        }
        func integer(_ node: YAMLNode?, default value: Int, _ name: String, range: ClosedRange<Int>) -> Int {
            guard let node else { return value }
            switch node.asInteger() {
            case .success(let number):
                guard range.contains(Int(number)) else {
                    error("\(name) must be between \(range.lowerBound) and \(range.upperBound)", node)
                    return value
                }
                return Int(number)
            case .failure(let failure):
                problems += failure.diagnostics
                return value
            }
        }
        func keys(_ node: YAMLNode, _ context: String, _ allowed: [String]) {
            for pair in node.mapping ?? [] {
                guard let key = pair.key.scalar?.text, !allowed.contains(key) else { continue }
                var message = "unknown key '\(key)' in \(context)"
                if let suggestion = Suggestion.nearest(to: key, among: allowed) { message += "; did you mean '\(suggestion)'?" }
                error(message, pair.key)
            }
        }
        guard node.mapping != nil else {
            return .failure(DiagnosticError(.error("config", "the configuration must be a mapping (rules:, state_dir:, …)", at: node.location)))
        }
        keys(node, "the configuration", ["rules", "state_dir", "mail", "webhooks", "delivery", "intake"])
        let rules = string(node["rules"], "rules").map(resolve) ?? resolve("rules")
        guard let stateNode = node["state_dir"], let stateDirectory = string(stateNode, "state_dir").map(resolve) else {
            error("the configuration needs state_dir: (where the database and the spool live)", node)
            return .failure(DiagnosticError(problems))
        }

        var mail = Mail(
            fromAddress: "diacert@localhost.localdomain", fromName: nil, smtp: nil, maildir: (stateDirectory as NSString).appendingPathComponent("mail"),
            charset: "utf-8", recipientField: "company.contact.email")
        if let mailNode = node["mail"] {
            keys(mailNode, "mail", ["from", "smtp", "maildir", "charset", "recipient_field"])
            if let from = mailNode["from"] {
                if from.mapping != nil {
                    keys(from, "mail.from", ["address", "name"])
                    mail.fromAddress = string(from["address"], "address") ?? mail.fromAddress
                    mail.fromName = string(from["name"], "name")
                } else if let text = string(from, "from") {
                    mail.fromAddress = text
                }
                // Checked now: a sender the mail code refuses would make every notice fail later.
                do {
                    _ = try Mailbox(address: mail.fromAddress, displayName: mail.fromName)
                } catch let problem {
                    error("mail.from is not usable as a sender: \(problem)", from["address"] ?? from)
                }
            }
            if let smtpNode = mailNode["smtp"] {
                keys(smtpNode, "mail.smtp", ["url", "starttls", "username", "password_file", "ca_file"])
                if let url = string(smtpNode["url"], "url") {
                    var starttls = SMTP.STARTTLS.required
                    if let modeNode = smtpNode["starttls"], let mode = string(modeNode, "starttls") {
                        if let parsed = SMTP.STARTTLS(rawValue: mode) { starttls = parsed } else { error("starttls must be required, optional or off", modeNode) }
                    }
                    mail.smtp = SMTP(
                        url: url, starttls: starttls, username: string(smtpNode["username"], "username"),
                        passwordFile: string(smtpNode["password_file"], "password_file").map(resolve),
                        caFile: string(smtpNode["ca_file"], "ca_file").map(resolve))
                } else {
                    error("mail.smtp needs url:", smtpNode)
                }
            }
            if let maildir = string(mailNode["maildir"], "maildir") { mail.maildir = resolve(maildir) }
            if let charsetNode = mailNode["charset"], let charset = string(charsetNode, "charset") {
                if ["utf-8", "iso-2022-jp"].contains(charset) { mail.charset = charset } else { error("charset must be utf-8 or iso-2022-jp", charsetNode) }
            }
            if let field = string(mailNode["recipient_field"], "recipient_field") { mail.recipientField = field }
        }

        var webhooks: [Webhook] = []
        for item in node["webhooks"]?.sequence ?? [] {
            keys(item, "a webhook", ["url", "secret_file", "events", "allow_plain_http"])
            guard let url = string(item["url"], "url"), let secret = string(item["secret_file"], "secret_file") else {
                error("a webhook needs url: and secret_file:", item)
                continue
            }
            var events: [String]?
            if let list = item["events"]?.sequence {
                events = list.compactMap { string($0, "event") }
                for eventNode in list {
                    if let event = eventNode.scalar?.text, !DaemonConfiguration.events.contains(event) {
                        error("unknown event '\(event)'; events are " + DaemonConfiguration.events.joined(separator: ", "), eventNode)
                    }
                }
            }
            var plain = false
            if let plainNode = item["allow_plain_http"], case .success(let value) = plainNode.asBool() { plain = value }
            webhooks.append(Webhook(url: url, secretFile: resolve(secret), events: events, allowPlainHTTP: plain))
        }

        var delivery = Delivery(
            timeoutSeconds: 15, maxAttempts: 10, leaseSeconds: 60, pollMilliseconds: 500, backoffInitialMilliseconds: 10_000,
            backoffMaxSeconds: 6 * 3600)
        if let deliveryNode = node["delivery"] {
            keys(deliveryNode, "delivery", ["timeout_s", "max_attempts", "lease_s", "poll_ms", "backoff_initial_ms", "backoff_max_s"])
            delivery.timeoutSeconds = integer(deliveryNode["timeout_s"], default: 15, "timeout_s", range: 1...600)
            delivery.maxAttempts = integer(deliveryNode["max_attempts"], default: 10, "max_attempts", range: 1...100)
            delivery.pollMilliseconds = integer(deliveryNode["poll_ms"], default: 500, "poll_ms", range: 10...60000)
            delivery.backoffInitialMilliseconds = integer(
                deliveryNode["backoff_initial_ms"], default: 10_000, "backoff_initial_ms", range: 1...3_600_000)
            delivery.backoffMaxSeconds = integer(deliveryNode["backoff_max_s"], default: 6 * 3600, "backoff_max_s", range: 1...7 * 86400)
            delivery.leaseSeconds = integer(
                deliveryNode["lease_s"], default: max(60, delivery.timeoutSeconds * 4), "lease_s", range: 2...86400)
            if delivery.leaseSeconds <= delivery.timeoutSeconds {
                error("lease_s must be longer than timeout_s, or two workers could send one notice at once", deliveryNode)
            }
        }
        var intakePoll = 200
        var grace = 2
        if let intake = node["intake"] {
            keys(intake, "intake", ["poll_ms", "close_grace_s"])
            intakePoll = integer(intake["poll_ms"], default: 200, "poll_ms", range: 10...60000)
            grace = integer(intake["close_grace_s"], default: 2, "close_grace_s", range: 0...3600)
        }
        if problems.hasErrors { return .failure(DiagnosticError(problems)) }
        return .success(
            DaemonConfiguration(
                file: path, rulesDirectory: rules, stateDirectory: stateDirectory, mail: mail, webhooks: webhooks, delivery: delivery,
                intakePollMilliseconds: intakePoll, closeGraceSeconds: grace))
    }
}

extension DaemonConfiguration {
    /// `demo/../rules` as `rules`, `./x` as `x`, so logs and `status` show the path a person would
    /// write. A `dir/..` stays when `dir` is a symbolic link (where `..` leads elsewhere).
    static func tidied(_ path: String) -> String {
        let absolute = path.hasPrefix("/")
        var parts: [String] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            if part == "." { continue }
            if part == "..", let last = parts.last, last != ".." {
                let prefix = (absolute ? "/" : "") + parts.joined(separator: "/")
                let isLink = (try? FileManager.default.destinationOfSymbolicLink(atPath: prefix)) != nil
                if !isLink {
                    parts.removeLast()
                    continue
                }
            }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return absolute ? "/" + joined : (joined.isEmpty ? "." : joined)
    }
}
