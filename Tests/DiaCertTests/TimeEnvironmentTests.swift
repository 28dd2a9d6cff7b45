import Testing

@testable import ExpressionLanguage

#if canImport(Glibc)
    import Glibc
#endif

/// Results must not depend on the process's `TZ` variable: nothing may use the local zone.
///
/// Serialized because it changes the process environment; `TZ` is restored after each test.
@Suite(.serialized) struct TimeEnvironmentIndependenceTests {
    /// A sample of every zone-sensitive operation, as text.
    static func sample() throws -> [String] {
        let instant = try Timestamp(rfc3339: "2009-02-13T23:31:30.123Z")
        let deadline = try CalendarDate("2027-06-30").endOfDay(in: "Asia/Tokyo")
        return [
            deadline.rfc3339,
            deadline.rfc3339(in: try ZoneSpec("Asia/Tokyo")),
            "\(try Timestamp(rfc3339: "2027-06-30T23:59:59+09:00") <= deadline)",
            "\(try Timestamp(rfc3339: "2027-07-01T00:00:01+09:00") <= deadline)",
            try CalendarDate("2024-03-10").startOfDay(in: "America/Los_Angeles").rfc3339,
            try CalendarDate("2024-11-03").endOfDay(in: "America/New_York").rfc3339,
            try CalendarDate("2027-06-30").endOfDay(in: .utc).rfc3339,
            try Timestamp(year: 2024, month: 3, day: 10, hour: 2, minute: 30, in: "America/New_York").rfc3339,
            try Timestamp(year: 2027, month: 6, day: 30, hour: 12, in: .utc).rfc3339,
            instant.rfc3339,
            instant.localDateTime().description,
            instant.localDateTime(in: try ZoneSpec("America/Los_Angeles")).description,
            instant.localDateTime(in: try ZoneSpec("+05:30")).description,
            "\(instant.celValue(.getHours))",
            "\(instant.celValue(.getDayOfWeek))",
            "\(try instant.calendarDate(in: .utc))",
        ]
    }

    static let expected = [
        "2027-06-30T14:59:59.999999999Z",
        "2027-06-30T23:59:59.999999999+09:00",
        "true",
        "false",
        "2024-03-10T08:00:00Z",
        "2024-11-04T04:59:59.999999999Z",
        "2027-06-30T23:59:59.999999999Z",
        "2024-03-10T07:30:00Z",
        "2027-06-30T12:00:00Z",
        "2009-02-13T23:31:30.123Z",
        "2009-02-13T23:31:30.123",
        "2009-02-13T15:31:30.123",
        "2009-02-14T05:01:30.123",
        "23",
        "5",
        "2009-02-13",
    ]

    #if canImport(Glibc)
        @Test(arguments: [
            "America/New_York", "Asia/Tokyo", "Pacific/Kiritimati", "Pacific/Pago_Pago", "UTC", "EST5EDT",
            "<+0530>-5:30",
        ])
        func resultsDoNotDependOnTZ(zone: String) throws {
            let baseline = try Self.sample()
            #expect(baseline == Self.expected)

            let saved = getenv("TZ").map { String(cString: $0) }
            defer {
                if let saved { setenv("TZ", saved, 1) } else { unsetenv("TZ") }
                tzset()
            }
            setenv("TZ", zone, 1)
            tzset()
            #expect(try Self.sample() == baseline)
        }

        /// The same check in a fresh process whose `TZ` is set before anything touches Foundation.
        @Test func resultsDoNotDependOnTZInAFreshProcess() async {
            await #expect(processExitsWith: .success) {
                setenv("TZ", "America/New_York", 1)
                tzset()
                exit(
                    (try? TimeEnvironmentIndependenceTests.sample()) == TimeEnvironmentIndependenceTests.expected
                        ? 0 : 1
                )
            }
        }
    #endif
}
