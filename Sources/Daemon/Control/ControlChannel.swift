@preconcurrency import Glibc
import Foundation
public import JSON
import Store

/// Operator requests handed to a running daemon as files: the CLI writes
/// `control/requests/<name>.json` atomically, the daemon answers in `control/responses/<name>.json`.
///
/// Files rather than a socket: the state directory's permissions already say who may operate the
/// daemon, nothing listens on the network, and a request survives a daemon restart.
struct ControlInbox: Sendable {
    let layout: StateLayout
    let log: EventLog

    /// Answers every waiting request.
    func serve(_ operations: Operations) async {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: layout.requests)) ?? []).filter {
            !$0.hasPrefix(".") && $0.hasSuffix(".json")
        }.sorted()
        for name in names {
            let path = (layout.requests as NSString).appendingPathComponent(name)
            let response: JSONValue
            if let data = FileManager.default.contents(atPath: path), case .success(let json) = JSONParser.parse([UInt8](data)),
                let requestJSON = json["request"], let request = OperatorRequest(json: requestJSON)
            {
                let name = json["operator"]?.stringValue ?? "unknown"
                if request.changesState {
                    log.log(.info, "operator.request", ["command": requestJSON["command"]?.stringValue ?? "", "operator": name])
                }
                do {
                    response = .object([("ok", .bool(true)), ("result", try await operations.perform(request, operator: name))])
                } catch {
                    response = .object([("ok", .bool(false)), ("error", .string("\(error)"))])
                }
            } else {
                response = .object([("ok", .bool(false)), ("error", .string("the daemon could not read this request"))])
            }
            do {
                try StateLayout.writeAtomically(Array(response.serialized().utf8), directory: layout.responses, name: name)
            } catch {
                log.log(.error, "control.response_failed", ["request": name, "reason": "\(error)"])
            }
            unlink(path)
        }
    }
}

/// The CLI side of operator requests: asks the running daemon, or does the work itself when no
/// daemon holds the state directory (taking the daemon lock meanwhile, so none starts under it).
public enum OperatorClient {
    public static func perform(
        _ request: OperatorRequest, configuration: DaemonConfiguration, environment: [String: String], timeout: Duration = .seconds(120)
    ) async throws -> JSONValue {
        let layout = StateLayout(root: configuration.stateDirectory)
        let name = environment["SUDO_USER"] ?? environment["USER"] ?? environment["LOGNAME"] ?? "uid\(getuid())"
        if geteuid() == 0, let owner = StateLayout.owner(of: layout.root), owner.uid != 0, DaemonLock.isFree(path: layout.lockFile) {
            // Opening the database as root would leave root-owned journal files the daemon cannot write.
            let name = getpwuid(owner.uid).map { String(cString: $0.pointee.pw_name) } ?? "uid \(owner.uid)"
            throw OperatorError(
                "no daemon is running and the state directory belongs to \(name): run this as that user (sudo -u \(name) diacert …)")
        }
        do {
            try layout.create()
        } catch {
            throw OperatorError("cannot use the state directory \(configuration.stateDirectory): \(error)")
        }
        if let lock = DaemonLock(path: layout.lockFile) {
            // No daemon: the CLI is the only one using the database.
            let log = EventLog(minimum: .warning)
            let store: Store
            do {
                store = try await Store.open(path: layout.database)
            } catch {
                throw OperatorError("cannot open \(layout.database): \(error)")
            }
            let context = RuleContext.load(directory: configuration.rulesDirectory, configuration: configuration, log: log).context
            let operations = Operations(
                store: store, context: context, configuration: configuration, clock: DaemonClock(environment: environment), log: log,
                daemonRunning: false)
            defer { withExtendedLifetime(lock) {} }
            let result: JSONValue
            do {
                result = try await operations.perform(request, operator: name)
            } catch {
                try? await store.close()
                throw error
            }
            try? await store.close()
            return result
        }
        let file = "\(DaemonClock.realNow())-\(UUID().uuidString.lowercased()).json"
        let body = JSONValue.object([("request", request.json), ("operator", .string(name))])
        do {
            try StateLayout.writeAtomically(Array(body.serialized().utf8), directory: layout.requests, name: file)
        } catch {
            throw OperatorError("cannot hand the request to the daemon: \(error)")
        }
        let responsePath = (layout.responses as NSString).appendingPathComponent(file)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let data = FileManager.default.contents(atPath: responsePath) {
                unlink(responsePath)
                guard case .success(let json) = JSONParser.parse([UInt8](data)) else { throw OperatorError("the daemon's answer is not JSON") }
                if json["ok"]?.boolValue == true { return json["result"] ?? .null }
                throw OperatorError(json["error"]?.stringValue ?? "the daemon refused the request")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw OperatorError("the daemon did not answer within \(timeout) (see its log; the request stays in \(layout.requests))")
    }
}
