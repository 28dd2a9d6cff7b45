/// Proleptic Gregorian calendar arithmetic on day counts since 1970-01-01.
///
/// These are Howard Hinnant's `days_from_civil` / `civil_from_days` algorithms
/// (<https://howardhinnant.github.io/date_algorithms.html>). They are exact for every year that
/// fits in `Int64` day counts, including year 0 and negative years, which can appear as the
/// *local* year of an instant near the edge of the CEL range in a far-off zone.
enum CivilCalendar {
    static let secondsPerDay: Int64 = 86_400
    static let nanosecondsPerSecond: Int64 = 1_000_000_000

    /// Days from 1970-01-01 to the given date. `month` is 1...12, `day` is 1...31 (not checked).
    static func daysFromCivil(year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400  // [0, 399]
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)  // March = 0
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1  // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The date that is `days` days after 1970-01-01.
    static func civilFromDays(_ days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097  // [0, 146096]
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365  // [0, 399]
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)  // [0, 365]
        let shiftedMonth = (5 * dayOfYear + 2) / 153  // [0, 11], March = 0
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// Day of the week for a day count: 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday).
    static func weekday(days: Int64) -> Int {
        Int(floorMod(days + 4, 7))
    }

    static func isLeapYear(_ year: Int64) -> Bool {
        year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
    }

    static func daysInMonth(year: Int64, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        a - floorDiv(a, b) * b
    }

    /// Checks civil fields and returns a reason when one is out of range.
    static func validationFailure(year: Int64, month: Int, day: Int) -> String? {
        guard (1...12).contains(month) else { return "month \(month) out of range 1 to 12" }
        let limit = daysInMonth(year: year, month: month)
        guard (1...limit).contains(day) else {
            let leapNote = month == 2 && day == 29 ? " (\(year) is not a leap year)" : ""
            return "day \(day) out of range for \(monthNames[month - 1]) \(year)\(leapNote)"
        }
        return nil
    }
}

/// ASCII formatting helpers shared by the time types (no Foundation, no locale).
enum TimeFormatting {
    /// `value` in decimal, left-padded with zeros to `width` digits (sign first if negative).
    static func padded(_ value: Int64, width: Int) -> String {
        let digits = String(value.magnitude)
        let padding = String(repeating: "0", count: max(0, width - digits.count))
        return (value < 0 ? "-" : "") + padding + digits
    }

    static func padded(_ value: Int, width: Int) -> String {
        padded(Int64(value), width: width)
    }

    /// A fraction of a second with trailing zeros removed, or "" for zero; the sign is ignored.
    ///
    /// This is Go's `.999999999` layout: `500000000` → `.5`, `1` → `.000000001`.
    /// - Precondition: `abs(nanoseconds) < 1_000_000_000`.
    static func trimmedFraction(nanoseconds: Int64) -> String {
        precondition(nanoseconds.magnitude < 1_000_000_000, "fraction of a second out of range")
        guard nanoseconds != 0 else { return "" }
        var digits = Array(padded(Int64(nanoseconds.magnitude), width: 9))
        while digits.last == "0" { digits.removeLast() }
        return "." + String(digits)
    }

    /// `±HH:MM` for an offset in whole minutes.
    static func offset(minutes: Int) -> String {
        let sign = minutes < 0 ? "-" : "+"
        let magnitude = abs(minutes)
        return sign + padded(magnitude / 60, width: 2) + ":" + padded(magnitude % 60, width: 2)
    }
}

/// The calendar and clock fields of an instant as seen in one time zone.
///
/// Fields use natural numbering (`month` 1...12, `day` 1...31, `dayOfYear` 1...366). CEL's
/// accessors number some of them from zero; ``CELTimestampAccessor`` does that mapping.
///
/// `year` is usually 1...9999, but the local year of an instant at the very edge of the
/// timestamp range can be 0 or 10000 (for example `0001-01-01T00:00:00Z` seen at `-08:00`).
public struct LocalDateTime: Sendable, Hashable, CustomStringConvertible {
    /// The proleptic Gregorian year.
    public let year: Int
    /// The month, 1 (January) … 12 (December).
    public let month: Int
    /// The day of the month, 1 … 31.
    public let day: Int
    /// The hour, 0 … 23.
    public let hour: Int
    /// The minute, 0 … 59.
    public let minute: Int
    /// The second, 0 … 59 (there are no leap seconds).
    public let second: Int
    /// The fraction of the second in nanoseconds, 0 … 999 999 999.
    public let nanosecond: Int
    /// The day of the week, 0 (Sunday) … 6 (Saturday).
    public let weekday: Int
    /// The day of the year, 1 … 366.
    public let dayOfYear: Int
    /// The zone's offset from UTC at this instant, in seconds east of Greenwich.
    public let utcOffsetSeconds: Int

    init(localSeconds: Int64, nanosecond: Int32, utcOffsetSeconds: Int) {
        let days = CivilCalendar.floorDiv(localSeconds, CivilCalendar.secondsPerDay)
        let secondOfDay = Int(localSeconds - days * CivilCalendar.secondsPerDay)
        let civil = CivilCalendar.civilFromDays(days)
        year = Int(civil.year)
        month = civil.month
        day = civil.day
        hour = secondOfDay / 3600
        minute = secondOfDay / 60 % 60
        second = secondOfDay % 60
        self.nanosecond = Int(nanosecond)
        weekday = CivilCalendar.weekday(days: days)
        dayOfYear = Int(days - CivilCalendar.daysFromCivil(year: civil.year, month: 1, day: 1)) + 1
        self.utcOffsetSeconds = utcOffsetSeconds
    }

    /// The date part, if the local year is within 1...9999.
    public var date: CalendarDate? {
        try? CalendarDate(year: year, month: month, day: day)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction]` without an offset, for messages and debugging.
    public var description: String {
        TimeFormatting.padded(year, width: 4) + "-" + TimeFormatting.padded(month, width: 2) + "-"
            + TimeFormatting.padded(day, width: 2) + "T" + TimeFormatting.padded(hour, width: 2) + ":"
            + TimeFormatting.padded(minute, width: 2) + ":" + TimeFormatting.padded(second, width: 2)
            + TimeFormatting.trimmedFraction(nanoseconds: Int64(nanosecond))
    }
}
