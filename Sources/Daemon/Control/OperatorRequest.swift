public import JSON

/// An operator's command (`diacert status`, `rounds close`, `outbox list|retry`, `endpoints enable`).
///
/// Carried as JSON through `control/requests` to a running daemon, which owns the database; when no
/// daemon runs, the CLI performs it itself (see ``OperatorClient``).
public enum OperatorRequest: Sendable, Equatable {
    case status
    case closeRound(id: String)
    case outboxList(state: String?, limit: Int)
    case outboxRetry(id: Int64)
    case endpointEnable(url: String)

    public var json: JSONValue {
        switch self {
        case .status: .object([("command", .string("status"))])
        case .closeRound(let id): .object([("command", .string("rounds.close")), ("round", .string(id))])
        case .outboxList(let state, let limit):
            .object([("command", .string("outbox.list")), ("state", state.map(JSONValue.string) ?? .null), ("limit", .number(limit))])
        case .outboxRetry(let id): .object([("command", .string("outbox.retry")), ("id", .number(id))])
        case .endpointEnable(let url): .object([("command", .string("endpoints.enable")), ("url", .string(url))])
        }
    }

    public init?(json: JSONValue) {
        switch json["command"]?.stringValue {
        case "status": self = .status
        case "rounds.close":
            guard let id = json["round"]?.stringValue else { return nil }
            self = .closeRound(id: id)
        case "outbox.list":
            self = .outboxList(state: json["state"]?.stringValue, limit: json["limit"]?.numberText.flatMap { Int($0) } ?? 50)
        case "outbox.retry":
            guard let id = json["id"]?.numberText.flatMap({ Int64($0) }) else { return nil }
            self = .outboxRetry(id: id)
        case "endpoints.enable":
            guard let url = json["url"]?.stringValue else { return nil }
            self = .endpointEnable(url: url)
        default: return nil
        }
    }

    /// Whether the request changes anything (audited, with the operator's name).
    var changesState: Bool {
        switch self {
        case .status, .outboxList: false
        case .closeRound, .outboxRetry, .endpointEnable: true
        }
    }
}

/// Why an operator's request failed: a message for the person at the terminal.
public struct OperatorError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
