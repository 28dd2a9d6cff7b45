/// An error from parsing, building or computing with ``Timestamp``, ``TimeSpan``,
/// ``CalendarDate`` and ``ZoneSpec`` values.
///
/// Messages follow the project's diagnostic style: lower case, no final full stop, and they
/// name the offending text. The CEL evaluator adds the source span.
public enum TimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The text is not an RFC 3339 timestamp; `reason` names the part that is wrong.
    case invalidTimestamp(String, reason: String)
    /// The instant lies outside `0001-01-01T00:00:00Z` … `9999-12-31T23:59:59.999999999Z`.
    case timestampOutOfRange
    /// The text is not a CEL (Go) duration; `reason` names the part that is wrong.
    case invalidDuration(String, reason: String)
    /// The span lies outside ``TimeSpan/minimum`` … ``TimeSpan/maximum``.
    case durationOutOfRange
    /// The text is not a valid `YYYY-MM-DD` date; `reason` names the part that is wrong.
    case invalidDate(String, reason: String)
    /// Civil date-time fields passed to a constructor are out of range.
    case invalidDateTime(reason: String)
    /// The zone argument is not a known IANA time zone name.
    case unknownTimeZone(String)
    /// The zone argument looks like a fixed offset (it contains ':') but is not a valid one.
    case invalidTimeZoneOffset(String, reason: String)
    /// The zone name is well formed but this process has no time zone database to resolve it.
    case timeZoneDataUnavailable(String)

    public var description: String {
        switch self {
        case .invalidTimestamp(let text, let reason):
            "invalid timestamp '\(text)': \(reason)"
        case .timestampOutOfRange:
            "timestamp out of range; valid timestamps are 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z"
        case .invalidDuration(let text, let reason):
            "invalid duration '\(text)': \(reason)"
        case .durationOutOfRange:
            "duration out of range; durations are limited to about ±292 years (±9223372036.854775807s)"
        case .invalidDate(let text, let reason):
            "invalid date '\(text)': \(reason)"
        case .invalidDateTime(let reason):
            "invalid date-time: \(reason)"
        case .unknownTimeZone(let name):
            "unknown time zone '\(name)'; use an IANA name such as 'Asia/Tokyo' or 'UTC', or an offset such as '+09:00'"
        case .invalidTimeZoneOffset(let text, let reason):
            "invalid time zone offset '\(text)': \(reason)"
        case .timeZoneDataUnavailable(let name):
            "cannot resolve time zone '\(name)': no time zone database is available; install the tzdata package"
        }
    }
}
