public import ExpressionLanguage
import Foundation

/// The daemon's notion of now, in Unix nanoseconds.
///
/// Real time by default. `DIACERT_FAKE_NOW=2027-06-30T23:59:58+09:00` starts the clock at that
/// instant and lets it run at real speed from there: tests and demonstrations use it to cross a
/// deadline without waiting for it. Deadlines are instants, so the process's TZ never matters.
public struct DaemonClock: Sendable {
    private let offset: Int64

    public init(environment: [String: String]) {
        if let fake = environment["DIACERT_FAKE_NOW"], let start = try? Timestamp(rfc3339: fake) {
            offset = DaemonClock.nanoseconds(start) - DaemonClock.realNow()
        } else {
            offset = 0
        }
    }

    public var now: Int64 { DaemonClock.realNow() + offset }
    public var nowTimestamp: Timestamp { DaemonClock.timestamp(now) }

    static func realNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    public static func nanoseconds(_ timestamp: Timestamp) -> Int64 {
        timestamp.seconds * 1_000_000_000 + Int64(timestamp.nanoseconds)
    }

    public static func timestamp(_ nanoseconds: Int64) -> Timestamp {
        let seconds = nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000
        return (try? Timestamp(seconds: seconds, nanoseconds: nanoseconds - seconds * 1_000_000_000)) ?? Timestamp.unixEpoch
    }
}
