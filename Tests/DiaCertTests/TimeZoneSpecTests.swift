import Testing

@testable import ExpressionLanguage

/// Parsing and resolving CEL time zone arguments.
@Suite struct TimeZoneSpecTests {
    /// (argument, canonical description, fixed offset or nil for a named zone)
    static let accepted: [(String, String, Int?)] = [
        ("UTC", "UTC", 0),
        ("+05:30", "+05:30", 19_800),
        ("-02:30", "-02:30", -9_000),
        ("-09:30", "-09:30", -34_200),
        ("+11:00", "+11:00", 39_600),
        ("05:30", "+05:30", 19_800),  // unsigned, as cel-go
        ("02:00", "+02:00", 7_200),
        ("-00:00", "+00:00", 0),
        ("+00:00", "+00:00", 0),
        ("+23:59", "+23:59", 86_340),
        ("Asia/Tokyo", "Asia/Tokyo", nil),
        ("America/Los_Angeles", "America/Los_Angeles", nil),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", nil),
        ("US/Central", "US/Central", nil),
        ("Australia/Sydney", "Australia/Sydney", nil),
        ("America/St_Johns", "America/St_Johns", nil),
        ("Asia/Kathmandu", "Asia/Kathmandu", nil),
        ("Etc/GMT+5", "Etc/GMT+5", nil),
        ("Etc/UTC", "Etc/UTC", nil),
        ("Europe/Kyiv", "Europe/Kyiv", nil),
        ("Japan", "Japan", nil),
        ("CET", "CET", nil),
        ("EST5EDT", "EST5EDT", nil),
        ("GMT", "GMT", nil),
    ]

    @Test(arguments: accepted)
    func accepts(argument: String, description: String, fixedOffset: Int?) throws {
        let zone = try ZoneSpec(argument)
        #expect(zone.description == description)
        #expect(zone.fixedOffsetSeconds == fixedOffset)
    }

    @Test(arguments: [
        "Mars/Base", "PST", "IST", "JST", "GMT+5", "UTC+9", "utc", "Utc", "asia/tokyo", "ASIA/TOKYO", "Asia/Tokyo ",
        " Asia/Tokyo", "", "Local", "localtime", "Factory", "Z", "America/Nowhere", "Asia/", "/Asia/Tokyo",
        "Asia//Tokyo",
        "America/../Asia/Tokyo", "posix/Asia/Tokyo", "right/Asia/Tokyo", "SystemV/PST8", "Asia/Tōkyō",
        "America/Argentina/Buenos_Aires/Extra",
    ])
    func rejectsUnknownNames(argument: String) {
        #expect(throws: TimeError.unknownTimeZone(argument)) { try ZoneSpec(argument) }
    }

    /// (argument, reason)
    static let badOffsets: [(String, String)] = [
        ("+5:30", "expected ±HH:MM, for example '+09:00' or '-02:30'"),
        ("+0530:", "expected ±HH:MM, for example '+09:00' or '-02:30'"),
        ("+09:00:00", "expected ±HH:MM, for example '+09:00' or '-02:30'"),
        ("Asia:Tokyo", "expected ±HH:MM, for example '+09:00' or '-02:30'"),
        ("+-09:00", "expected ±HH:MM, for example '+09:00' or '-02:30'"),
        (":", "expected ±HH:MM, for example '+09:00' or '-02:30'"),
        ("+24:00", "hours 24 out of range 00 to 23"),
        ("-99:00", "hours 99 out of range 00 to 23"),
        ("+09:60", "minutes 60 out of range 00 to 59"),
    ]

    @Test(arguments: badOffsets)
    func rejectsMalformedOffsets(argument: String, reason: String) {
        #expect(throws: TimeError.invalidTimeZoneOffset(argument, reason: reason)) { try ZoneSpec(argument) }
    }

    @Test func messagesNameTheZone() {
        #expect(TimeError.unknownTimeZone("Mars/Base").description.hasPrefix("unknown time zone 'Mars/Base'"))
        #expect(
            TimeError.invalidTimeZoneOffset("+24:00", reason: "hours 24 out of range 00 to 23").description
                == "invalid time zone offset '+24:00': hours 24 out of range 00 to 23"
        )
        let missing = TimeError.timeZoneDataUnavailable("Asia/Tokyo").description
        #expect(missing.contains("'Asia/Tokyo'") && missing.contains("tzdata"))
    }

    @Test func programmaticOffsets() throws {
        #expect(try ZoneSpec(offsetSeconds: 32_400) == ZoneSpec("+09:00"))
        #expect(try ZoneSpec(offsetSeconds: -28_378).description == "-07:52:58")
        #expect(try ZoneSpec(offsetSeconds: 0).fixedOffsetSeconds == 0)
        #expect(throws: TimeError.self) { try ZoneSpec(offsetSeconds: 86_400) }
        #expect(throws: TimeError.self) { try ZoneSpec(offsetSeconds: -86_400) }
    }

    @Test func equalityAndHashing() throws {
        #expect(try ZoneSpec("UTC") == .utc)
        #expect(try ZoneSpec("-00:00") == ZoneSpec("+00:00"))
        #expect(try ZoneSpec("05:30") == ZoneSpec("+05:30"))
        #expect(try ZoneSpec("Asia/Tokyo") == ZoneSpec("Asia/Tokyo"))
        #expect(try ZoneSpec("Asia/Tokyo") != ZoneSpec("+09:00"))
        let set: Set<ZoneSpec> = try [
            ZoneSpec("Asia/Tokyo"), ZoneSpec("Asia/Tokyo"), ZoneSpec("+09:00"), .utc, ZoneSpec("UTC"),
        ]
        #expect(set.count == 3)
    }

    /// (zone, instant, offset) around DST transitions and far from the present.
    static let offsets: [(String, String, Int)] = [
        ("Asia/Tokyo", "2027-01-15T00:00:00Z", 32_400),
        ("Asia/Tokyo", "2027-07-15T00:00:00Z", 32_400),
        ("America/Los_Angeles", "2024-03-10T09:59:59Z", -28_800),
        ("America/Los_Angeles", "2024-03-10T10:00:00Z", -25_200),
        ("America/Los_Angeles", "2024-11-03T08:59:59Z", -25_200),
        ("America/Los_Angeles", "2024-11-03T09:00:00Z", -28_800),
        ("America/New_York", "2024-03-10T06:59:59Z", -18_000),
        ("America/New_York", "2024-03-10T07:00:00Z", -14_400),
        ("America/New_York", "2024-11-03T05:59:59Z", -14_400),
        ("America/New_York", "2024-11-03T06:00:00Z", -18_000),
        // The fraction of a second never changes the offset.
        ("America/New_York", "2024-03-10T06:59:59.999999999Z", -18_000),
        // Future rules keep applying (daylight time in July 9998), and local mean time before 1883.
        ("America/Los_Angeles", "9998-07-01T00:00:00Z", -25_200),
        ("America/Los_Angeles", "1800-01-01T00:00:00Z", -28_378),
        ("Etc/GMT+5", "2027-01-01T00:00:00Z", -18_000),
        ("-02:30", "2027-01-01T00:00:00Z", -9_000),
    ]

    @Test(arguments: offsets)
    func offsetAtInstant(zone: String, instant: String, offset: Int) throws {
        #expect(try ZoneSpec(zone).utcOffsetSeconds(at: timestamp(instant)) == offset)
    }

    @Test func resolvesConcurrently() async throws {
        let names = [
            "Asia/Tokyo", "America/Los_Angeles", "America/New_York", "Europe/Paris", "Australia/Sydney", "UTC",
            "+09:00",
        ]
        let instant = try timestamp("2009-02-13T23:31:30Z")
        let expected = try names.map { try instant.localDateTime(in: ZoneSpec($0)).description }
        let results = try await withThrowingTaskGroup(of: [String].self) { group in
            for _ in 0..<32 {
                group.addTask { try names.map { try instant.localDateTime(in: ZoneSpec($0)).description } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 32)
        #expect(results.allSatisfy { $0 == expected })
    }

    @Test func nameShapeCheck() {
        #expect(TimeZoneResolver.isWellFormedName("America/Argentina/Buenos_Aires"))
        #expect(TimeZoneResolver.isWellFormedName("Etc/GMT-14"))
        #expect(TimeZoneResolver.isWellFormedName("NZ-CHAT"))
        #expect(!TimeZoneResolver.isWellFormedName("Asia/Tokyo/"))
        #expect(!TimeZoneResolver.isWellFormedName("Asia/Tokyo.txt"))
        #expect(!TimeZoneResolver.isWellFormedName("PST"))
    }
}
