@preconcurrency import Glibc
import Foundation
import Synchronization

/// One line per event on stderr, `key=value`, for journald: `level=info event=dossier.stored dossier=abc revision=2`.
///
/// Values with spaces, quotes or `=` are quoted. Callers pass only values that may be logged: never
/// a password, a webhook secret or a mail body.
public final class EventLog: Sendable {
    public enum Level: String, Sendable { case debug, info, warning, error }

    private let lock = Mutex(())
    private let minimum: Level

    public init(minimum: Level = .info) { self.minimum = minimum }

    public func log(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(level, event, fields.map { ($0.key, $0.value) })
    }

    public func log(_ level: Level, _ event: String, _ fields: [(String, String)]) {
        if level == .debug, minimum != .debug { return }
        var line = "level=\(level.rawValue) event=\(event)"
        for (key, value) in fields { line += " \(key)=\(EventLog.quote(value))" }
        line += "\n"
        lock.withLock { _ in
            fputs(line, stderr)
            fflush(stderr)
        }
    }

    static func quote(_ value: String) -> String {
        let plain = !value.isEmpty && !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\n" || $0 == "\t" })
        if plain { return value }
        var escaped = "\""
        for character in value {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }
}
