import Testing

@testable import ExpressionLanguage

/// Parses an RFC 3339 test literal.
func timestamp(_ text: String) throws -> Timestamp { try Timestamp(rfc3339: text) }

/// RFC 3339 parsing, formatting and validation.
@Suite struct TimestampParsingTests {
    /// (input, canonical UTC text, seconds since the epoch, nanoseconds)
    static let roundTrips: [(String, String, Int64, Int32)] = [
        ("2009-02-13T23:31:30Z", "2009-02-13T23:31:30Z", 1_234_567_890, 0),
        ("2009-02-13T23:31:30.5Z", "2009-02-13T23:31:30.5Z", 1_234_567_890, 500_000_000),
        ("2009-02-13T23:31:30.100Z", "2009-02-13T23:31:30.1Z", 1_234_567_890, 100_000_000),
        ("2009-02-13T23:31:30.000Z", "2009-02-13T23:31:30Z", 1_234_567_890, 0),
        ("2009-02-13T23:31:30.000001Z", "2009-02-13T23:31:30.000001Z", 1_234_567_890, 1_000),
        ("2009-02-13T23:31:20.123456789Z", "2009-02-13T23:31:20.123456789Z", 1_234_567_880, 123_456_789),
        ("2009-02-13T23:31:30.000000001Z", "2009-02-13T23:31:30.000000001Z", 1_234_567_890, 1),
        ("2009-02-14T08:31:30+09:00", "2009-02-13T23:31:30Z", 1_234_567_890, 0),
        ("2009-02-13T18:01:30-05:30", "2009-02-13T23:31:30Z", 1_234_567_890, 0),
        ("2009-02-13T23:31:30-00:00", "2009-02-13T23:31:30Z", 1_234_567_890, 0),
        ("2023-02-03T23:31:20+00:00", "2023-02-03T23:31:20Z", 1_675_467_080, 0),
        ("2027-06-30T23:59:59.25+09:00", "2027-06-30T14:59:59.25Z", 1_814_367_599, 250_000_000),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z", 0, 0),
        ("1969-12-31T23:59:59.5Z", "1969-12-31T23:59:59.5Z", -1, 500_000_000),
        ("1945-05-07T02:41:00Z", "1945-05-07T02:41:00Z", -778_022_340, 0),
        ("2000-02-29T00:00:00Z", "2000-02-29T00:00:00Z", 951_782_400, 0),
        ("2024-02-29T12:00:00Z", "2024-02-29T12:00:00Z", 1_709_208_000, 0),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z", -62_135_596_800, 0),
        ("0001-01-01T09:00:00+09:00", "0001-01-01T00:00:00Z", -62_135_596_800, 0),
        ("9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59.999999999Z", 253_402_300_799, 999_999_999),
        ("9999-12-31T14:59:59.999999999-09:00", "9999-12-31T23:59:59.999999999Z", 253_402_300_799, 999_999_999),
        ("0099-03-01T00:00:00Z", "0099-03-01T00:00:00Z", -59_037_897_600, 0),
    ]

    @Test(arguments: roundTrips)
    func parsesAndFormats(input: String, canonical: String, seconds: Int64, nanoseconds: Int32) throws {
        let parsed = try Timestamp(rfc3339: input)
        #expect(parsed.seconds == seconds)
        #expect(parsed.nanoseconds == nanoseconds)
        #expect(parsed.rfc3339 == canonical)
        #expect(parsed.description == canonical)
        #expect(try Timestamp(rfc3339: canonical) == parsed)
    }

    /// (input, reason in the error)
    static let invalid: [(String, String)] = [
        ("2009-13-01T00:00:00Z", "month 13 out of range 1 to 12"),
        ("2009-00-10T00:00:00Z", "month 0 out of range 1 to 12"),
        ("2009-02-30T00:00:00Z", "day 30 out of range for February 2009"),
        ("2009-02-00T00:00:00Z", "day 0 out of range for February 2009"),
        ("2023-02-29T00:00:00Z", "day 29 out of range for February 2023 (2023 is not a leap year)"),
        ("1900-02-29T00:00:00Z", "day 29 out of range for February 1900 (1900 is not a leap year)"),
        ("2009-04-31T00:00:00Z", "day 31 out of range for April 2009"),
        ("2009-02-13T24:00:00Z", "hour 24 out of range 00 to 23"),
        ("2009-02-13T23:60:00Z", "minute 60 out of range 00 to 59"),
        ("2016-12-31T23:59:60Z", "second 60 out of range 00 to 59; leap seconds are not supported"),
        ("2009-02-13t23:31:30Z", "date and time must be separated by upper-case 'T'"),
        ("2009-02-13T23:31:30z", "UTC must be written as upper-case 'Z'"),
        ("2009-02-13T23:31:30", "missing time zone: add 'Z' for UTC or an offset such as '+09:00'"),
        ("2009-02-13T23:31:30.5", "missing time zone: add 'Z' for UTC or an offset such as '+09:00'"),
        ("2009-02-13T23:31:30.Z", "expected digits after '.'"),
        ("2009-02-13T23:31:30.1234567891Z", "fraction of a second has more than 9 digits"),
        ("2009-02-13T23:31:30+0900", "expected an offset of the form ±HH:MM"),
        ("2009-02-13T23:31:30+9:00", "expected an offset of the form ±HH:MM"),
        ("2009-02-13T23:31:30+24:00", "offset hours 24 out of range 00 to 23"),
        ("2009-02-13T23:31:30+09:60", "offset minutes 60 out of range 00 to 59"),
        ("2009-02-13T23:31:30Z ", "unexpected text after the time zone"),
        ("2009-02-13T23:31:30+09:00:00", "unexpected text after the time zone"),
        ("2009-02-13 23:31:30Z", Self.shape),
        ("2009-2-13T23:31:30Z", Self.shape),
        ("2009-02-13T3:31:30Z", Self.shape),
        ("2009-02-13", Self.shape),
        (" 2009-02-13T23:31:30Z", Self.shape),
        ("-2009-02-13T23:31:30Z", Self.shape),
        ("209-02-13T23:31:30Z", Self.shape),
        ("２００９-02-13T23:31:30Z", Self.shape),
        ("2009-02-13T23:31:30,5Z", Self.shape),
        ("", Self.shape),
    ]
    static let shape = "expected YYYY-MM-DDTHH:MM:SS[.fraction] followed by 'Z' or an offset such as '+09:00'"

    @Test(arguments: invalid)
    func rejectsWithReason(input: String, reason: String) {
        #expect(throws: TimeError.invalidTimestamp(input, reason: reason)) { try Timestamp(rfc3339: input) }
    }

    @Test(arguments: [
        "0000-01-01T00:00:00Z",
        "0000-12-31T23:59:59.999999999Z",
        "10000-01-01T00:00:00Z",
        "123456-01-01T00:00:00Z",
        "0001-01-01T00:00:00+01:00",
        "0001-01-01T08:59:59.999999999+09:00",
        "9999-12-31T23:59:59-01:00",
        "9999-12-31T23:00:00-23:59",
    ])
    func rejectsOutOfRange(input: String) {
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp(rfc3339: input) }
    }

    @Test func errorMessagesNameTheInput() {
        #expect(
            TimeError.invalidTimestamp("2009-02-30T00:00:00Z", reason: "day 30 out of range for February 2009")
                .description == "invalid timestamp '2009-02-30T00:00:00Z': day 30 out of range for February 2009"
        )
        #expect(TimeError.timestampOutOfRange.description.hasPrefix("timestamp out of range"))
    }

    /// (instant, zone, RFC 3339 text in that zone)
    static let zonedFormats: [(String, String, String)] = [
        ("2027-06-30T14:59:59.999999999Z", "Asia/Tokyo", "2027-06-30T23:59:59.999999999+09:00"),
        ("2024-11-03T08:30:00Z", "America/Los_Angeles", "2024-11-03T01:30:00-07:00"),
        ("2024-11-03T09:30:00Z", "America/Los_Angeles", "2024-11-03T01:30:00-08:00"),
        ("2009-02-13T23:31:30Z", "-02:30", "2009-02-13T21:01:30-02:30"),
        ("2009-02-13T23:31:30Z", "UTC", "2009-02-13T23:31:30Z"),
        ("2009-02-13T23:31:30Z", "Europe/London", "2009-02-13T23:31:30Z"),
        // Local mean time -07:52:58 is truncated to -07:52 and the wall time follows it.
        ("1800-01-01T00:00:00Z", "America/Los_Angeles", "1799-12-31T16:08:00-07:52"),
    ]

    @Test(arguments: zonedFormats)
    func formatsInAZoneAndParsesBackToTheSameInstant(instant: String, zone: String, expected: String) throws {
        let value = try timestamp(instant)
        let text = value.rfc3339(in: try ZoneSpec(zone))
        #expect(text == expected)
        #expect(try timestamp(text) == value)
    }

    @Test func buildsFromUnixSecondsWithRangeCheck() throws {
        #expect(try Timestamp(seconds: 1_234_567_890).rfc3339 == "2009-02-13T23:31:30Z")
        #expect(
            try Timestamp(seconds: 253_402_300_799)
                == Timestamp.maximum.subtracting(TimeSpan(totalNanoseconds: 999_999_999))
        )
        #expect(try Timestamp(seconds: -62_135_596_800) == .minimum)
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp(seconds: 253_402_300_800) }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp(seconds: -62_135_596_801) }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp(seconds: .max, nanoseconds: 1_000_000_000) }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp(seconds: .min) }
        // Fractions carry into the seconds.
        #expect(try Timestamp(seconds: -1, nanoseconds: 500_000_000).rfc3339 == "1969-12-31T23:59:59.5Z")
        #expect(try Timestamp(seconds: 0, nanoseconds: -1).rfc3339 == "1969-12-31T23:59:59.999999999Z")
        #expect(try Timestamp(seconds: 1, nanoseconds: 2_500_000_000).rfc3339 == "1970-01-01T00:00:03.5Z")
        #expect(Timestamp.unixEpoch.rfc3339 == "1970-01-01T00:00:00Z")
        #expect(Timestamp.minimum.rfc3339 == "0001-01-01T00:00:00Z")
        #expect(Timestamp.maximum.rfc3339 == "9999-12-31T23:59:59.999999999Z")
    }

    @Test func ordersByInstantNotByText() throws {
        let values = try [
            "2009-02-13T23:31:30.5Z", "2009-02-14T08:31:30+09:00", "1969-12-31T23:59:59.999999999Z",
            "0001-01-01T00:00:00Z",
            "1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z",
        ].map(timestamp)
        #expect(
            values.sorted().map(\.rfc3339) == [
                "0001-01-01T00:00:00Z", "1969-12-31T23:59:59.999999999Z", "1970-01-01T00:00:00Z",
                "2009-02-13T23:31:30Z",
                "2009-02-13T23:31:30.5Z", "9999-12-31T23:59:59.999999999Z",
            ]
        )
        #expect(try timestamp("2009-02-14T08:31:30+09:00") == timestamp("2009-02-13T23:31:30Z"))
        #expect(Set(try ["2009-02-14T08:31:30+09:00", "2009-02-13T23:31:30Z"].map(timestamp)).count == 1)
    }
}

/// Timestamp ± duration and timestamp − timestamp.
@Suite struct TimestampArithmeticTests {
    /// (timestamp, duration, timestamp + duration)
    static let additions: [(String, String, String)] = [
        ("2009-02-13T23:00:00Z", "240s", "2009-02-13T23:04:00Z"),
        ("2009-02-13T23:01:00Z", "120s", "2009-02-13T23:03:00Z"),
        ("0001-01-01T00:00:01.000000001Z", "-999999999ns", "0001-01-01T00:00:00.000000002Z"),
        ("0001-01-01T00:00:01.999999999Z", "999999999ns", "0001-01-01T00:00:02.999999998Z"),
        ("1970-01-01T00:00:00Z", "-1ns", "1969-12-31T23:59:59.999999999Z"),
        ("1969-12-31T23:59:59.5Z", "0.75s", "1970-01-01T00:00:00.25Z"),
        ("2024-02-28T12:00:00Z", "24h", "2024-02-29T12:00:00Z"),
        ("9999-12-31T23:59:59Z", "999999999ns", "9999-12-31T23:59:59.999999999Z"),
        ("0001-01-01T00:00:00.5Z", "-0.5s", "0001-01-01T00:00:00Z"),
        ("2000-01-01T00:00:00Z", "2562047h47m16.854775807s", "2292-04-10T23:47:16.854775807Z"),
    ]

    @Test(arguments: additions)
    func addsAndSubtracts(start: String, span: String, end: String) throws {
        let a = try timestamp(start)
        let d = try TimeSpan(celText: span)
        let b = try timestamp(end)
        #expect(try a.adding(d) == b)
        #expect(try b.subtracting(d) == a)
        #expect(try b.difference(a) == d)
        #expect(try a.difference(b) == d.negated())
    }

    @Test func rangeErrors() throws {
        let oneNanosecond = TimeSpan(totalNanoseconds: 1)
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp.maximum.adding(oneNanosecond) }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp.minimum.subtracting(oneNanosecond) }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp.minimum.adding(TimeSpan(seconds: -1)) }
        #expect(throws: TimeError.timestampOutOfRange) {
            try timestamp("9999-12-31T23:59:59Z").adding(TimeSpan(seconds: 1))
        }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp.maximum.adding(.maximum) }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp.minimum.adding(.minimum) }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp.minimum.subtracting(.maximum) }
        #expect(try Timestamp.unixEpoch.adding(.maximum).rfc3339 == "2262-04-11T23:47:16.854775807Z")
        #expect(try Timestamp.unixEpoch.adding(.minimum).rfc3339 == "1677-09-21T00:12:43.145224192Z")
    }

    @Test func differenceIsLimitedToTheDurationRange() throws {
        // cel-spec timestamp_range/sub_time_duration_under and _over.
        #expect(throws: TimeError.durationOutOfRange) {
            try timestamp("0001-01-01T00:00:00Z").difference(timestamp("9999-12-31T23:59:59Z"))
        }
        #expect(throws: TimeError.durationOutOfRange) {
            try timestamp("9999-12-31T23:59:59Z").difference(timestamp("0001-01-01T00:00:00Z"))
        }
        let edge = try Timestamp.unixEpoch.adding(.maximum)
        #expect(try edge.difference(.unixEpoch) == .maximum)
        #expect(throws: TimeError.durationOutOfRange) {
            try edge.adding(TimeSpan(totalNanoseconds: 1)).difference(.unixEpoch)
        }
        #expect(try Timestamp.unixEpoch.difference(edge) == TimeSpan(totalNanoseconds: -Int64.max))
    }

    @Test func differenceKeepsSecondsAndNanosecondsOfTheSameSign() throws {
        let early = try timestamp("2009-02-13T23:31:01.25Z")
        let late = try timestamp("2009-02-13T23:31:02.5Z")
        let forward = try late.difference(early)
        #expect(forward.seconds == 1 && forward.nanoseconds == 250_000_000)
        let backward = try early.difference(late)
        #expect(backward.seconds == -1 && backward.nanoseconds == -250_000_000)
        let lateButSmallerFraction = try timestamp("2009-02-13T23:31:03.1Z")
        let mixed = try lateButSmallerFraction.difference(late)
        #expect(mixed.seconds == 0 && mixed.nanoseconds == 600_000_000)
        #expect(try late.difference(lateButSmallerFraction).celText == "-0.6s")
    }
}

/// Calendar fields and CEL accessors in UTC, named zones (with DST) and fixed offsets.
@Suite struct TimestampFieldTests {
    /// (instant, zone, expected LocalDateTime description, weekday, day of year, offset)
    static let fields: [(String, String, String, Int, Int, Int)] = [
        ("2009-02-13T23:31:30Z", "UTC", "2009-02-13T23:31:30", 5, 44, 0),
        ("2009-02-13T23:31:30Z", "Asia/Tokyo", "2009-02-14T08:31:30", 6, 45, 32_400),
        ("2009-02-13T23:31:30Z", "America/Los_Angeles", "2009-02-13T15:31:30", 5, 44, -28_800),
        ("2009-07-01T12:00:00Z", "America/Los_Angeles", "2009-07-01T05:00:00", 3, 182, -25_200),
        ("2009-02-13T23:31:30Z", "Asia/Kathmandu", "2009-02-14T05:16:30", 6, 45, 20_700),
        ("2009-02-13T02:00:00Z", "America/St_Johns", "2009-02-12T22:30:00", 4, 43, -12_600),
        ("2009-02-13T23:31:30Z", "Australia/Sydney", "2009-02-14T10:31:30", 6, 45, 39_600),
        ("2009-02-13T23:31:30Z", "US/Central", "2009-02-13T17:31:30", 5, 44, -21_600),
        ("2009-02-13T23:31:30Z", "+11:00", "2009-02-14T10:31:30", 6, 45, 39_600),
        ("2009-02-13T02:00:00Z", "-02:30", "2009-02-12T23:30:00", 4, 43, -9_000),
        ("2009-02-13T23:31:30Z", "02:00", "2009-02-14T01:31:30", 6, 45, 7_200),
        ("2009-02-13T23:31:30Z", "-00:00", "2009-02-13T23:31:30", 5, 44, 0),
        // Los Angeles, spring forward 2024-03-10 02:00 PST -> 03:00 PDT (10:00Z).
        ("2024-03-10T09:59:59.999Z", "America/Los_Angeles", "2024-03-10T01:59:59.999", 0, 70, -28_800),
        ("2024-03-10T10:00:00Z", "America/Los_Angeles", "2024-03-10T03:00:00", 0, 70, -25_200),
        // Los Angeles, fall back 2024-11-03 02:00 PDT -> 01:00 PST (09:00Z): 01:30 happens twice.
        ("2024-11-03T08:30:00Z", "America/Los_Angeles", "2024-11-03T01:30:00", 0, 308, -25_200),
        ("2024-11-03T09:30:00Z", "America/Los_Angeles", "2024-11-03T01:30:00", 0, 308, -28_800),
        // New York, 2024-03-10 07:00Z and 2024-11-03 06:00Z.
        ("2024-03-10T06:59:59Z", "America/New_York", "2024-03-10T01:59:59", 0, 70, -18_000),
        ("2024-03-10T07:00:00Z", "America/New_York", "2024-03-10T03:00:00", 0, 70, -14_400),
        ("2024-11-03T05:59:59Z", "America/New_York", "2024-11-03T01:59:59", 0, 308, -14_400),
        ("2024-11-03T06:00:00Z", "America/New_York", "2024-11-03T01:00:00", 0, 308, -18_000),
        // Leap day and year ends.
        ("2024-12-31T23:59:59Z", "UTC", "2024-12-31T23:59:59", 2, 366, 0),
        ("2024-12-31T15:00:00Z", "Asia/Tokyo", "2025-01-01T00:00:00", 3, 1, 32_400),
        // Range edges: the local year can be 0 or 10000.
        ("0001-01-01T00:00:00Z", "UTC", "0001-01-01T00:00:00", 1, 1, 0),
        ("0001-01-01T00:00:00Z", "-08:00", "0000-12-31T16:00:00", 0, 366, -28_800),
        ("9999-12-31T23:59:59.999999999Z", "UTC", "9999-12-31T23:59:59.999999999", 5, 365, 0),
        ("9999-12-31T23:59:59.999999999Z", "Asia/Tokyo", "10000-01-01T08:59:59.999999999", 6, 1, 32_400),
    ]

    @Test(arguments: fields)
    func localFields(
        instant: String,
        zone: String,
        expected: String,
        weekday: Int,
        dayOfYear: Int,
        offset: Int
    ) throws {
        let value = try timestamp(instant)
        let spec = try ZoneSpec(zone)
        let local = value.localDateTime(in: spec)
        #expect(local.description == expected)
        #expect(local.weekday == weekday)
        #expect(local.dayOfYear == dayOfYear)
        #expect(local.utcOffsetSeconds == offset)
        #expect(spec.utcOffsetSeconds(at: value) == offset)
    }

    @Test func celAccessorsUseCELNumbering() throws {
        let value = try timestamp("2009-02-13T23:31:20.123456789Z")
        let expected: [CELTimestampAccessor: Int64] = [
            .getFullYear: 2009, .getMonth: 1, .getDate: 13, .getDayOfMonth: 12, .getDayOfYear: 43,
            .getDayOfWeek: 5, .getHours: 23, .getMinutes: 31, .getSeconds: 20, .getMilliseconds: 123,
        ]
        for accessor in CELTimestampAccessor.allCases {
            #expect(value.celValue(accessor) == expected[accessor], "\(accessor)")
        }
        let tokyo = try ZoneSpec("Asia/Tokyo")
        #expect(value.celValue(.getDate, in: tokyo) == 14)
        #expect(value.celValue(.getDayOfMonth, in: tokyo) == 13)
        #expect(value.celValue(.getDayOfWeek, in: tokyo) == 6)
        #expect(value.celValue(.getHours, in: tokyo) == 8)
        #expect(CELTimestampAccessor(rawValue: "getDayOfYear") == .getDayOfYear)
        #expect(CELTimestampAccessor(rawValue: "getYear") == nil)
    }

    @Test func firstAndLastDaysOfTheYearAreZeroBasedInCEL() throws {
        #expect(try timestamp("2023-01-01T00:00:00Z").celValue(.getDayOfYear) == 0)
        #expect(try timestamp("2023-01-01T00:00:00Z").celValue(.getMonth) == 0)
        #expect(try timestamp("2023-12-31T00:00:00Z").celValue(.getDayOfYear) == 364)
        #expect(try timestamp("2024-12-31T00:00:00Z").celValue(.getDayOfYear) == 365)
        #expect(try timestamp("2023-12-31T00:00:00Z").celValue(.getMonth) == 11)
        #expect(try timestamp("2023-12-31T00:00:00Z").celValue(.getDayOfMonth) == 30)
    }

    @Test func calendarDateInAZone() throws {
        let value = try timestamp("2027-06-30T15:00:00Z")
        #expect(try value.calendarDate(in: .utc) == CalendarDate("2027-06-30"))
        #expect(try value.calendarDate(in: ZoneSpec("Asia/Tokyo")) == CalendarDate("2027-07-01"))
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp.maximum.calendarDate(in: ZoneSpec("+09:00")) }
    }
}

/// Building instants from wall-clock readings, including DST gaps and overlaps.
@Suite struct TimestampCivilConstructionTests {
    /// (year, month, day, hour, minute, zone, expected UTC instant)
    static let cases: [(Int, Int, Int, Int, Int, String, String)] = [
        (2027, 6, 30, 23, 59, "Asia/Tokyo", "2027-06-30T14:59:00Z"),
        (2009, 2, 13, 23, 31, "UTC", "2009-02-13T23:31:00Z"),
        (2009, 2, 13, 18, 1, "-05:30", "2009-02-13T23:31:00Z"),
        (2024, 7, 4, 12, 0, "America/New_York", "2024-07-04T16:00:00Z"),
        (2024, 1, 4, 12, 0, "America/New_York", "2024-01-04T17:00:00Z"),
        // Gaps: read with the offset before the jump, i.e. shifted forward by the gap length.
        (2024, 3, 10, 2, 30, "America/New_York", "2024-03-10T07:30:00Z"),  // = 03:30 EDT
        (2024, 3, 10, 2, 0, "America/New_York", "2024-03-10T07:00:00Z"),  // = 03:00 EDT, the jump
        (2024, 3, 10, 2, 30, "America/Los_Angeles", "2024-03-10T10:30:00Z"),  // = 03:30 PDT
        (2024, 3, 10, 3, 0, "America/Los_Angeles", "2024-03-10T10:00:00Z"),
        (2024, 3, 10, 1, 59, "America/Los_Angeles", "2024-03-10T09:59:00Z"),
        // Overlaps: the earlier instant (daylight time).
        (2024, 11, 3, 1, 30, "America/New_York", "2024-11-03T05:30:00Z"),  // 01:30 EDT, not EST
        (2024, 11, 3, 1, 30, "America/Los_Angeles", "2024-11-03T08:30:00Z"),  // 01:30 PDT, not PST
        (2024, 11, 3, 2, 0, "America/Los_Angeles", "2024-11-03T10:00:00Z"),
        // Santiago sets clocks back from 24:00 to 23:00: 23:30 happens twice.
        (2024, 4, 6, 23, 30, "America/Santiago", "2024-04-07T02:30:00Z"),
        // Havana skips 00:00-01:00.
        (2024, 3, 10, 0, 30, "America/Havana", "2024-03-10T05:30:00Z"),
        // Range edges.
        (1, 1, 1, 0, 0, "UTC", "0001-01-01T00:00:00Z"),
        (1, 1, 1, 9, 0, "+09:00", "0001-01-01T00:00:00Z"),
        (9999, 12, 31, 14, 59, "-09:00", "9999-12-31T23:59:00Z"),
    ]

    @Test(arguments: cases)
    func resolvesWallTime(year: Int, month: Int, day: Int, hour: Int, minute: Int, zone: String, expected: String)
        throws
    {
        let value = try Timestamp(year: year, month: month, day: day, hour: hour, minute: minute, in: zone)
        #expect(value.rfc3339 == expected)
    }

    @Test func keepsTheNanosecond() throws {
        let value = try Timestamp(
            year: 2027,
            month: 6,
            day: 30,
            hour: 23,
            minute: 59,
            second: 59,
            nanosecond: 999_999_999,
            in: "Asia/Tokyo"
        )
        #expect(value.rfc3339 == "2027-06-30T14:59:59.999999999Z")
    }

    @Test func rejectsInvalidFieldsAndRange() {
        #expect(throws: TimeError.invalidDateTime(reason: "month 13 out of range 1 to 12")) {
            try Timestamp(year: 2027, month: 13, day: 1, in: .utc)
        }
        #expect(
            throws: TimeError.invalidDateTime(reason: "day 29 out of range for February 2027 (2027 is not a leap year)")
        ) {
            try Timestamp(year: 2027, month: 2, day: 29, in: .utc)
        }
        #expect(throws: TimeError.invalidDateTime(reason: "hour 24 out of range 0 to 23")) {
            try Timestamp(year: 2027, month: 2, day: 1, hour: 24, in: .utc)
        }
        #expect(throws: TimeError.invalidDateTime(reason: "second 60 out of range 0 to 59")) {
            try Timestamp(year: 2027, month: 2, day: 1, second: 60, in: .utc)
        }
        #expect(throws: TimeError.invalidDateTime(reason: "nanosecond 1000000000 out of range 0 to 999999999")) {
            try Timestamp(year: 2027, month: 2, day: 1, nanosecond: 1_000_000_000, in: .utc)
        }
        #expect(throws: TimeError.invalidDateTime(reason: "year 0 out of range 1 to 9999")) {
            try Timestamp(year: 0, month: 12, day: 31, in: .utc)
        }
        #expect(throws: TimeError.timestampOutOfRange) { try Timestamp(year: 1, month: 1, day: 1, in: "+00:01") }
        #expect(throws: TimeError.timestampOutOfRange) {
            try Timestamp(year: 9999, month: 12, day: 31, hour: 23, in: "-01:00")
        }
        #expect(throws: TimeError.unknownTimeZone("Mars/Base")) {
            try Timestamp(year: 2027, month: 1, day: 1, in: "Mars/Base")
        }
    }
}
