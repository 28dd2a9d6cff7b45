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
    /// Prefix each line with its syslog priority (`<3>` error … `<7>` debug), which journald reads
    /// (`SyslogLevelPrefix=`, on by default), so `journalctl -p warning` finds the warnings.
    private let journalPriorities: Bool

    public init(minimum: Level = .info, journalPriorities: Bool = false) {
        self.minimum = minimum
        self.journalPriorities = journalPriorities
    }

    public func log(_ level: Level, _ event: String, _ fields: KeyValuePairs<String, String> = [:]) {
        log(level, event, fields.map { ($0.key, $0.value) })
    }

    public func log(_ level: Level, _ event: String, _ fields: [(String, String)]) {
        if level == .debug, minimum != .debug { return }
        var line = ""
        if journalPriorities {
            switch level {
            case .error: line = "<3>"
            case .warning: line = "<4>"
            case .info: line = "<6>"
            case .debug: line = "<7>"
            }
        }
        line += "level=\(level.rawValue) event=\(event)"
        for (key, value) in fields { line += " \(key)=\(EventLog.quote(value))" }
        line += "\n"
        lock.withLock { _ in
            fputs(line, stderr)
            fflush(stderr)
        }
    }

    /// A value as one token: plain if it can be, else quoted with every control character escaped
    /// (scalar by scalar, so a CR LF pair or a lone CR can never start a forged line).
    static func quote(_ value: String) -> String {
        let plain = !value.isEmpty && value.unicodeScalars.allSatisfy { scalar in
            scalar.value > 0x20 && scalar.value != 0x7F && scalar != "\"" && scalar != "=" && scalar != "\\"
                && !(0x80...0x9F).contains(scalar.value) && scalar != "\u{2028}" && scalar != "\u{2029}"
        }
        if plain { return value }
        var escaped = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) || scalar == "\u{2028}"
                    || scalar == "\u{2029}"
                {
                    escaped += "\\u{" + String(scalar.value, radix: 16) + "}"
                } else {
                    escaped.unicodeScalars.append(scalar)
                }
            }
        }
        return escaped + "\""
    }
}
