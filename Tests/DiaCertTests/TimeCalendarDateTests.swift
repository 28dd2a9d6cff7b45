import Testing

@testable import ExpressionLanguage

/// `YYYY-MM-DD` dates, the civil-date algorithms, and days as spans of instants (deadlines).
@Suite struct TimeCalendarDateTests {
    /// (text, days since 1970-01-01, weekday (0 = Sunday), day of year)
    static let valid: [(String, Int64, Int, Int)] = [
        ("1970-01-01", 0, 4, 1),
        ("2000-03-01", 11_017, 3, 61),
        ("2000-02-29", 11_016, 2, 60),
        ("2024-02-29", 19_782, 4, 60),
        ("2027-06-30", 20_999, 3, 181),
        ("0001-01-01", -719_162, 1, 1),
        ("9999-12-31", 2_932_896, 5, 365),
        ("1969-12-31", -1, 3, 365),
        ("1600-12-31", -134_775, 0, 366),
    ]

    @Test(arguments: valid)
    func parsesValidDates(text: String, days: Int64, weekday: Int, dayOfYear: Int) throws {
        let date = try CalendarDate(text)
        #expect(date.description == text)
        #expect(date.daysSinceUnixEpoch == days)
        #expect(date.weekday == weekday)
        #expect(date.dayOfYear == dayOfYear)
        #expect(try CalendarDate(daysSinceUnixEpoch: days) == date)
        #expect(try CalendarDate(year: date.year, month: date.month, day: date.day) == date)
    }

    /// (text, reason)
    static let invalid: [(String, String)] = [
        ("2027-02-29", "day 29 out of range for February 2027 (2027 is not a leap year)"),
        ("1900-02-29", "day 29 out of range for February 1900 (1900 is not a leap year)"),
        ("2027-06-31", "day 31 out of range for June 2027"),
        ("2027-01-32", "day 32 out of range for January 2027"),
        ("2027-01-00", "day 0 out of range for January 2027"),
        ("2027-13-01", "month 13 out of range 1 to 12"),
        ("2027-00-01", "month 0 out of range 1 to 12"),
        ("0000-01-01", "year 0000 out of range 0001 to 9999"),
        ("2027-6-30", Self.shape),
        ("27-06-30", Self.shape),
        ("2027/06/30", Self.shape),
        ("20270630", Self.shape),
        ("2027-06-30T00:00:00Z", Self.shape),
        (" 2027-06-30", Self.shape),
        ("2027-06-30 ", Self.shape),
        ("2027-06-3a", Self.shape),
        ("+027-06-30", Self.shape),
        ("10000-01-01", Self.shape),
        ("２０２７-06-30", Self.shape),
        ("", Self.shape),
    ]
    static let shape = "expected YYYY-MM-DD, for example 2027-06-30"

    @Test(arguments: invalid)
    func rejectsWithReason(text: String, reason: String) {
        #expect(throws: TimeError.invalidDate(text, reason: reason)) { try CalendarDate(text) }
    }

    @Test func errorMessageAndFieldConstructor() {
        #expect(
            TimeError.invalidDate(
                "2027-02-29",
                reason: "day 29 out of range for February 2027 (2027 is not a leap year)"
            )
            .description == "invalid date '2027-02-29': day 29 out of range for February 2027 (2027 is not a leap year)"
        )
        #expect(throws: TimeError.invalidDate("10000-01-01", reason: "year 10000 out of range 1 to 9999")) {
            try CalendarDate(year: 10_000, month: 1, day: 1)
        }
        #expect(throws: TimeError.invalidDate("2027-02-30", reason: "day 30 out of range for February 2027")) {
            try CalendarDate(year: 2027, month: 2, day: 30)
        }
    }

    @Test func comparesAndSorts() throws {
        let dates = try ["2027-06-30", "2027-01-31", "0001-01-01", "2026-12-31", "9999-12-31", "2027-06-29"].map {
            try CalendarDate($0)
        }
        #expect(
            dates.sorted().map(\.description) == [
                "0001-01-01", "2026-12-31", "2027-01-31", "2027-06-29", "2027-06-30", "9999-12-31",
            ]
        )
        #expect(try CalendarDate("2027-06-30") == CalendarDate(year: 2027, month: 6, day: 30))
        #expect(CalendarDate.minimum.description == "0001-01-01")
        #expect(CalendarDate.maximum.description == "9999-12-31")
    }

    @Test func addsDays() throws {
        #expect(try CalendarDate("2024-02-28").adding(days: 1).description == "2024-02-29")
        #expect(try CalendarDate("2023-02-28").adding(days: 1).description == "2023-03-01")
        #expect(try CalendarDate("2027-06-30").adding(days: 1).description == "2027-07-01")
        #expect(try CalendarDate("2027-01-01").adding(days: -1).description == "2026-12-31")
        #expect(try CalendarDate("2000-01-01").adding(days: 366).description == "2001-01-01")
        #expect(throws: TimeError.self) { try CalendarDate.maximum.adding(days: 1) }
        #expect(throws: TimeError.self) { try CalendarDate.minimum.adding(days: -1) }
        #expect(throws: TimeError.self) { try CalendarDate.minimum.adding(days: .max) }
    }

    /// Walks every day from 0001-01-01 to 9999-12-31 by incrementing (year, month, day) by hand,
    /// and checks both directions of the day-count conversion and the weekday cycle.
    @Test func civilAlgorithmsAgreeWithADayByDayWalk() {
        var year: Int64 = 1
        var month = 1
        var day = 1
        var weekday = 1  // 0001-01-01 was a Monday (proleptic Gregorian).
        var mismatches: [String] = []
        for days in Int64(-719_162)...Int64(2_932_896) {
            if CivilCalendar.daysFromCivil(year: year, month: month, day: day) != days
                || CivilCalendar.civilFromDays(days) != (year, month, day)
                || CivilCalendar.weekday(days: days) != weekday
            {
                mismatches.append("\(year)-\(month)-\(day)")
                if mismatches.count > 5 { break }
            }
            weekday = (weekday + 1) % 7
            day += 1
            if day > CivilCalendar.daysInMonth(year: year, month: month) {
                day = 1
                month += 1
                if month > 12 {
                    month = 1
                    year += 1
                }
            }
        }
        #expect(mismatches.isEmpty)
        #expect(year == 10_000 && month == 1 && day == 1)
    }

    @Test func leapYears() {
        #expect(CivilCalendar.isLeapYear(2000))
        #expect(CivilCalendar.isLeapYear(2024))
        #expect(CivilCalendar.isLeapYear(0))
        #expect(CivilCalendar.isLeapYear(-4))
        #expect(!CivilCalendar.isLeapYear(1900))
        #expect(!CivilCalendar.isLeapYear(2100))
        #expect(!CivilCalendar.isLeapYear(2027))
    }
}

/// Start and end of a day in a zone, and the deadline rule built on them.
@Suite struct TimeDayBoundaryTests {
    /// (date, zone, start of day, end of day), all instants in UTC.
    static let boundaries: [(String, String, String, String)] = [
        ("2027-06-30", "Asia/Tokyo", "2027-06-29T15:00:00Z", "2027-06-30T14:59:59.999999999Z"),
        ("2027-06-30", "UTC", "2027-06-30T00:00:00Z", "2027-06-30T23:59:59.999999999Z"),
        ("2027-06-30", "+09:00", "2027-06-29T15:00:00Z", "2027-06-30T14:59:59.999999999Z"),
        ("2027-06-30", "-05:30", "2027-06-30T05:30:00Z", "2027-07-01T05:29:59.999999999Z"),
        ("2027-06-30", "America/Los_Angeles", "2027-06-30T07:00:00Z", "2027-07-01T06:59:59.999999999Z"),
        ("2027-01-15", "America/Los_Angeles", "2027-01-15T08:00:00Z", "2027-01-16T07:59:59.999999999Z"),
        // A 23-hour day (spring forward) and a 25-hour day (fall back).
        ("2024-03-10", "America/Los_Angeles", "2024-03-10T08:00:00Z", "2024-03-11T06:59:59.999999999Z"),
        ("2024-11-03", "America/Los_Angeles", "2024-11-03T07:00:00Z", "2024-11-04T07:59:59.999999999Z"),
        ("2024-03-10", "America/New_York", "2024-03-10T05:00:00Z", "2024-03-11T03:59:59.999999999Z"),
        ("2024-11-03", "America/New_York", "2024-11-03T04:00:00Z", "2024-11-04T04:59:59.999999999Z"),
        // Havana skips midnight in spring (00:00 -> 01:00): the day starts at the jump.
        ("2024-03-10", "America/Havana", "2024-03-10T05:00:00Z", "2024-03-11T03:59:59.999999999Z"),
        ("2024-03-09", "America/Havana", "2024-03-09T05:00:00Z", "2024-03-10T04:59:59.999999999Z"),
        // Havana repeats 00:00-01:00 in autumn: the day starts at the first midnight.
        ("2024-11-03", "America/Havana", "2024-11-03T04:00:00Z", "2024-11-04T04:59:59.999999999Z"),
        ("2024-11-02", "America/Havana", "2024-11-02T04:00:00Z", "2024-11-03T03:59:59.999999999Z"),
        // Santiago sets clocks back from 24:00 to 23:00: the day ends at the *second* 23:59:59.
        ("2024-04-06", "America/Santiago", "2024-04-06T03:00:00Z", "2024-04-07T03:59:59.999999999Z"),
        // Santiago skips midnight in September.
        ("2024-09-08", "America/Santiago", "2024-09-08T04:00:00Z", "2024-09-09T02:59:59.999999999Z"),
        ("2024-09-07", "America/Santiago", "2024-09-07T04:00:00Z", "2024-09-08T03:59:59.999999999Z"),
        // Range edges.
        ("0001-01-01", "UTC", "0001-01-01T00:00:00Z", "0001-01-01T23:59:59.999999999Z"),
        ("0001-01-01", "-01:00", "0001-01-01T01:00:00Z", "0001-01-02T00:59:59.999999999Z"),
        ("9999-12-31", "UTC", "9999-12-31T00:00:00Z", "9999-12-31T23:59:59.999999999Z"),
        ("9999-12-31", "+01:00", "9999-12-30T23:00:00Z", "9999-12-31T22:59:59.999999999Z"),
    ]

    @Test(arguments: boundaries)
    func startAndEndOfDay(date: String, zone: String, start: String, end: String) throws {
        let day = try CalendarDate(date)
        #expect(try day.startOfDay(in: zone).rfc3339 == start)
        #expect(try day.endOfDay(in: zone).rfc3339 == end)
        // Each end is one nanosecond before the next day's start.
        if day < .maximum {
            let next = try day.adding(days: 1)
            #expect(try day.endOfDay(in: zone).adding(TimeSpan(totalNanoseconds: 1)) == next.startOfDay(in: zone))
        }
    }

    @Test func samoaSkippedAWholeDay() throws {
        // Pacific/Apia went from 2011-12-29 24:00 (-10) straight to 2011-12-31 00:00 (+14).
        let apia = try ZoneSpec("Pacific/Apia")
        let skipped = try CalendarDate("2011-12-30")
        let jump = try timestamp("2011-12-30T10:00:00Z")
        #expect(try skipped.startOfDay(in: apia) == jump)
        #expect(try CalendarDate("2011-12-29").endOfDay(in: apia).rfc3339 == "2011-12-30T09:59:59.999999999Z")
        #expect(try CalendarDate("2011-12-31").startOfDay(in: apia) == jump)
        #expect(jump.localDateTime(in: apia).description == "2011-12-31T00:00:00")
    }

    @Test func rangeErrors() throws {
        #expect(throws: TimeError.timestampOutOfRange) { try CalendarDate.minimum.startOfDay(in: "+09:00") }
        #expect(throws: TimeError.timestampOutOfRange) { try CalendarDate.maximum.endOfDay(in: "-01:00") }
        #expect(throws: TimeError.timestampOutOfRange) { try CalendarDate.maximum.endOfDay(in: "America/Los_Angeles") }
        #expect(try CalendarDate.maximum.endOfDay(in: .utc) == .maximum)
        #expect(try CalendarDate.minimum.startOfDay(in: .utc) == .minimum)
        #expect(throws: TimeError.unknownTimeZone("Mars/Base")) { try CalendarDate.maximum.endOfDay(in: "Mars/Base") }
    }

    /// (submission, on time for a deadline of 2027-06-30 in Asia/Tokyo?)
    static let submissions: [(String, Bool)] = [
        ("2027-06-30T23:59:59+09:00", true),
        ("2027-06-30T23:59:59.999999999+09:00", true),
        ("2027-06-30T14:59:59.999999999Z", true),
        ("2027-06-30T00:00:00+09:00", true),
        ("2027-06-30T10:00:00-04:00", true),  // 23:00 in Tokyo
        ("2027-07-01T00:00:00+09:00", false),
        ("2027-07-01T00:00:01+09:00", false),
        ("2027-06-30T15:00:00Z", false),
        ("2027-06-30T23:59:59Z", false),  // still 30 June in UTC, but 1 July in Tokyo
        ("2027-06-30T11:00:00-04:00", false),
    ]

    @Test(arguments: submissions)
    func deadlineAtEndOfDayInTokyo(submission: String, onTime: Bool) throws {
        let deadline = try CalendarDate("2027-06-30").endOfDay(in: "Asia/Tokyo")
        #expect(deadline.rfc3339 == "2027-06-30T14:59:59.999999999Z")
        #expect(deadline.rfc3339(in: try ZoneSpec("Asia/Tokyo")) == "2027-06-30T23:59:59.999999999+09:00")
        #expect((try timestamp(submission) <= deadline) == onTime)
    }
}
