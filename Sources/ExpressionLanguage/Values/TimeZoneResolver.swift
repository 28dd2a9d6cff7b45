import Foundation
import Synchronization

/// A resolved time zone argument: `UTC`, a fixed offset from UTC, or an IANA zone.
///
/// Build one from a CEL zone argument with ``init(_:)`` once (for example when an expression
/// is compiled and the argument is a constant) and reuse it: resolution parses the text and
/// looks the name up in the time zone database, while offset queries afterwards are cheap.
///
/// Accepted forms (CEL's `TimeZone` grammar plus what cel-go accepts):
/// - `UTC`.
/// - A fixed offset `±HH:MM` (`+09:00`, `-02:30`, `-00:00`), hours 00–23, minutes 00–59.
///   An unsigned `HH:MM` (`02:00`) is read as east of UTC, as cel-go and the upstream
///   conformance suite do.
/// - An IANA time zone database name: `Area/Location` (`Asia/Tokyo`,
///   `America/Argentina/Buenos_Aires`, `US/Central`, `Etc/GMT+5`) or one of the database's
///   top-level names (`Japan`, `CET`, `EST5EDT`, …). Names are case-sensitive.
///
/// Abbreviations such as `PST` or `IST` and custom forms such as `GMT+5` or `UTC+9` are
/// rejected even though Foundation would accept some of them: they are ambiguous or, for
/// `GMT+5`, mean the opposite sign of the database's `Etc/GMT+5`.
///
/// The process's local zone (`TZ`, `/etc/localtime`) is never consulted.
///
/// Thread safety: values are immutable and `Sendable`; the name lookup cache is guarded by a
/// `Mutex`.
public struct ZoneSpec: Sendable, Hashable, CustomStringConvertible {
    enum Kind: Sendable, Hashable {
        case utc
        /// Seconds east of UTC.
        case fixed(Int)
        case named(String)
    }

    let kind: Kind
    /// The Foundation zone for `.named`; `nil` otherwise. Not part of equality.
    private let timeZone: TimeZone?

    private init(kind: Kind, timeZone: TimeZone?) {
        self.kind = kind
        self.timeZone = timeZone
    }

    /// Coordinated Universal Time.
    public static let utc = ZoneSpec(kind: .utc, timeZone: nil)

    /// Resolves a CEL time zone argument.
    ///
    /// - Parameter text: `UTC`, a fixed offset such as `+05:30`, or an IANA zone name.
    /// - Throws: ``TimeError/invalidTimeZoneOffset(_:reason:)`` for a malformed offset,
    ///   ``TimeError/unknownTimeZone(_:)`` for an unknown name, and
    ///   ``TimeError/timeZoneDataUnavailable(_:)`` when no zone database is available.
    public init(_ text: String) throws(TimeError) {
        if text == "UTC" {
            self = .utc
        } else if text.utf8.contains(UInt8(ascii: ":")) {
            self.init(kind: .fixed(try Self.parseOffset(text)), timeZone: nil)
        } else {
            self.init(kind: .named(text), timeZone: try TimeZoneResolver.timeZone(named: text))
        }
    }

    /// A fixed offset from UTC in seconds east of Greenwich (`32400` is `+09:00`).
    ///
    /// - Throws: ``TimeError/invalidTimeZoneOffset(_:reason:)`` unless the offset is less than
    ///   24 hours either way.
    public init(offsetSeconds: Int) throws(TimeError) {
        guard abs(offsetSeconds) < 86_400 else {
            throw .invalidTimeZoneOffset("\(offsetSeconds)s", reason: "offset must be less than 24 hours")
        }
        self.init(kind: .fixed(offsetSeconds), timeZone: nil)
    }

    /// `UTC`, the offset as `±HH:MM` (`±HH:MM:SS` if it has seconds), or the zone name.
    public var description: String {
        switch kind {
        case .utc:
            return "UTC"
        case .fixed(let seconds):
            let base = TimeFormatting.offset(minutes: seconds / 60)
            let extra = abs(seconds) % 60
            return extra == 0 ? base : base + ":" + TimeFormatting.padded(extra, width: 2)
        case .named(let name):
            return name
        }
    }

    /// The offset from UTC for `UTC` and fixed-offset zones; `nil` for named zones, whose
    /// offset depends on the instant.
    public var fixedOffsetSeconds: Int? {
        switch kind {
        case .utc: 0
        case .fixed(let seconds): seconds
        case .named: nil
        }
    }

    /// The zone's offset from UTC, in seconds east of Greenwich, at an instant.
    public func utcOffsetSeconds(at instant: Timestamp) -> Int {
        offset(atUnixSeconds: instant.seconds)
    }

    public static func == (lhs: ZoneSpec, rhs: ZoneSpec) -> Bool { lhs.kind == rhs.kind }

    public func hash(into hasher: inout Hasher) { hasher.combine(kind) }

    // MARK: Offsets and local-time resolution (internal)

    /// Offset in seconds east of UTC at `seconds` since the epoch.
    ///
    /// Zone transitions fall on whole seconds, so the fraction of a second never matters.
    func offset(atUnixSeconds seconds: Int64) -> Int {
        switch kind {
        case .utc:
            return 0
        case .fixed(let offset):
            return offset
        case .named:
            // A Double holds every whole second of the CEL range (|s| < 2^53) exactly.
            return timeZone!.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
        }
    }

    /// The instants (whole seconds since the epoch) at which the zone's wall clock reads
    /// `localSeconds` (seconds since 1970-01-01T00:00:00 *local*).
    func resolve(localSeconds: Int64) -> LocalResolution {
        switch kind {
        case .utc:
            return .unique(localSeconds)
        case .fixed(let offset):
            return .unique(localSeconds - Int64(offset))
        case .named:
            return resolveNamed(localSeconds: localSeconds)
        }
    }

    private func resolveNamed(localSeconds local: Int64) -> LocalResolution {
        // Every real offset is within ±16 h (local mean time included), so any instant whose
        // wall clock can read `local` lies within ±16 h of it, and the offsets 30 h either side
        // are the ones in force before and after any transition that matters here.
        let window: Int64 = 30 * 3600
        let before = offset(atUnixSeconds: local - window)
        let after = offset(atUnixSeconds: local + window)
        var candidates = [before, after]
        candidates.append(offset(atUnixSeconds: local - Int64(before)))
        candidates.append(offset(atUnixSeconds: local - Int64(after)))
        let instants = Set(candidates)
            .filter { offset(atUnixSeconds: local - Int64($0)) == $0 }
            .map { local - Int64($0) }
            .sorted()
        if let earliest = instants.first, let latest = instants.last {
            return earliest == latest ? .unique(earliest) : .repeated(earlier: earliest, later: latest)
        }
        // No instant shows this wall time: it is in a gap (clocks jumped forward). The gap
        // lies between `local - after` (still before the jump) and `local - before` (after it).
        var low = local - Int64(after)
        var high = local - Int64(before)
        let lowOffset = offset(atUnixSeconds: low)
        guard low < high, offset(atUnixSeconds: high) != lowOffset else {
            // Only reachable with several transitions within hours; take the pre-jump reading.
            return .unique(local - Int64(before))
        }
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if offset(atUnixSeconds: middle) == lowOffset { low = middle } else { high = middle }
        }
        return .skipped(transition: high, offsetBefore: lowOffset, offsetAfter: offset(atUnixSeconds: high))
    }

    /// Parses `[+-]HH:MM`; returns seconds east of UTC.
    private static func parseOffset(_ text: String) throws(TimeError) -> Int {
        let bytes = Array(text.utf8)
        var index = 0
        var sign = 1
        if let first = bytes.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-") {
            sign = first == UInt8(ascii: "-") ? -1 : 1
            index = 1
        }
        let body = bytes[index...]
        guard body.count == 5, body[index + 2] == UInt8(ascii: ":"),
            let hours = ASCIIDigits.value(bytes, at: index, count: 2),
            let minutes = ASCIIDigits.value(bytes, at: index + 3, count: 2)
        else {
            throw .invalidTimeZoneOffset(text, reason: "expected ±HH:MM, for example '+09:00' or '-02:30'")
        }
        guard hours <= 23 else {
            throw .invalidTimeZoneOffset(text, reason: "hours \(hours) out of range 00 to 23")
        }
        guard minutes <= 59 else {
            throw .invalidTimeZoneOffset(text, reason: "minutes \(minutes) out of range 00 to 59")
        }
        return sign * (hours * 3600 + minutes * 60)
    }
}

/// How a local wall-clock reading maps to instants in a zone.
enum LocalResolution: Equatable {
    /// Exactly one instant shows this wall time.
    case unique(Int64)
    /// Clocks were set back: two instants show this wall time.
    case repeated(earlier: Int64, later: Int64)
    /// Clocks jumped forward over this wall time; `transition` is the first instant after the
    /// jump, when the offset changed from `offsetBefore` to `offsetAfter`.
    case skipped(transition: Int64, offsetBefore: Int, offsetAfter: Int)
}

/// Reads fixed-width runs of ASCII digits.
enum ASCIIDigits {
    /// The decimal value of `count` ASCII digits at `offset`, or `nil` if any is not a digit
    /// or the run does not fit in `bytes`.
    static func value(_ bytes: [UInt8], at offset: Int, count: Int) -> Int? {
        guard offset >= 0, offset + count <= bytes.count else { return nil }
        var value = 0
        for byte in bytes[offset..<offset + count] {
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }

    static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }
}

/// Looks up IANA zone names in Foundation's time zone database and caches the results.
///
/// Foundation on Linux resolves names from the ICU data it ships with, so results do not
/// depend on the `TZ` variable or `/etc/localtime`.
enum TimeZoneResolver {
    /// Resolved zones by name. Only names that resolved are stored, so the cache is bounded
    /// by the size of the database.
    private static let cache = Mutex<[String: TimeZone]>([:])

    /// The first component of every `Area/Location` name in the IANA database.
    static let areas: Set<String> = [
        "Africa", "America", "Antarctica", "Arctic", "Asia", "Atlantic", "Australia", "Brazil",
        "Canada", "Chile", "Etc", "Europe", "Indian", "Mexico", "Pacific", "US",
    ]

    /// The IANA database's names without an area (zones and backward-compatible links).
    static let topLevelNames: Set<String> = [
        "CET", "CST6CDT", "Cuba", "EET", "EST", "EST5EDT", "Egypt", "Eire", "GB", "GB-Eire", "GMT",
        "GMT+0", "GMT-0", "GMT0", "Greenwich", "HST", "Hongkong", "Iceland", "Iran", "Israel",
        "Jamaica", "Japan", "Kwajalein", "Libya", "MET", "MST", "MST7MDT", "NZ", "NZ-CHAT",
        "Navajo", "PRC", "PST8PDT", "Poland", "Portugal", "ROC", "ROK", "Singapore", "Turkey",
        "UCT", "UTC", "Universal", "W-SU", "WET", "Zulu",
    ]

    /// Whether `name` has the shape of an IANA database name (not whether it exists).
    static func isWellFormedName(_ name: String) -> Bool {
        if topLevelNames.contains(name) { return true }
        let components = name.split(separator: "/", omittingEmptySubsequences: false)
        guard (2...3).contains(components.count), areas.contains(String(components[0])) else { return false }
        return components.dropFirst().allSatisfy { component in
            !component.isEmpty
                && component.utf8.allSatisfy { byte in
                    ASCIIDigits.isDigit(byte) || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                        || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+")
                }
        }
    }

    /// The Foundation zone for an IANA name.
    static func timeZone(named name: String) throws(TimeError) -> TimeZone {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        guard isWellFormedName(name) else { throw .unknownTimeZone(name) }
        guard let zone = TimeZone(identifier: name) else {
            // Tell "no such zone" apart from "no database at all".
            if TimeZone(identifier: "America/New_York") == nil, TimeZone(identifier: "Europe/London") == nil {
                throw .timeZoneDataUnavailable(name)
            }
            throw .unknownTimeZone(name)
        }
        cache.withLock { $0[name] = zone }
        return zone
    }
}
