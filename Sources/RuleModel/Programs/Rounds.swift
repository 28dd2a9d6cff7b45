public import Diagnostics
public import ExpressionLanguage
import YAMLLoader

/// An application round: which programs it decides and when it opens and closes.
public final class Round: Sendable {
    public let id: String
    public let programs: [String]
    public let opens: Timestamp
    /// The last instant that still counts: a date means the end of that day in the rule set's zone.
    public let deadline: Timestamp
    public let title: LocalizedText?
    public let location: SourceLocation

    /// The calendar year of the deadline, in the rule set's zone (`round.year` in expressions).
    public let year: Int

    public func isLate(_ submittedAt: Timestamp) -> Bool { submittedAt > deadline }

    init(id: String, programs: [String], opens: Timestamp, deadline: Timestamp, title: LocalizedText?, location: SourceLocation, year: Int) {
        self.id = id
        self.programs = programs
        self.opens = opens
        self.deadline = deadline
        self.title = title
        self.location = location
        self.year = year
    }
}

/// `rounds.yaml`: the rounds, the rolling programs, and the zone deadlines are in.
public struct RoundCalendar: Sendable {
    public let rounds: [Round]
    /// Programs evaluated whenever a dossier arrives, outside rounds (the loan).
    public let rolling: [String]
    public let zone: ZoneSpec
    public let zoneName: String

    public func round(_ id: String) -> Round? { rounds.first { $0.id == id } }

    static let defaultZone = "Asia/Tokyo"

    static func read(_ node: YAMLNode, reader: inout RuleFileReader) -> RoundCalendar? {
        guard let top = reader.mapping(node, "rounds.yaml", allowed: ["timezone", "rounds", "rolling"]) else { return nil }
        var zoneName = defaultZone
        if let zoneNode = top["timezone"], let text = reader.string(zoneNode) { zoneName = text }
        let zone: ZoneSpec
        do throws(TimeError) {
            zone = try ZoneSpec(zoneName)
        } catch {
            reader.error("rounds.timezone", "unknown time zone '\(zoneName)': \(error)", at: top["timezone"] ?? node)
            return nil
        }
        var rounds: [Round] = []
        for item in top["rounds"].map({ reader.sequence($0, "rounds") }) ?? [] {
            guard
                let entries = reader.mapping(item, "a round", allowed: ["id", "title", "programs", "opens", "deadline"]),
                let idNode = reader.require(entries, "id", in: "a round", at: item), let id = reader.string(idNode),
                let opensNode = reader.require(entries, "opens", in: "round '\(id)'", at: item),
                let deadlineNode = reader.require(entries, "deadline", in: "round '\(id)'", at: item),
                let opens = instant(opensNode, endOfDay: false, zone: zone, reader: &reader),
                let deadline = instant(deadlineNode, endOfDay: true, zone: zone, reader: &reader)
            else { continue }
            if rounds.contains(where: { $0.id == id }) {
                reader.error("rounds.duplicate", "round '\(id)' is defined twice", at: idNode)
                continue
            }
            if deadline <= opens {
                reader.error("rounds.order", "round '\(id)' closes before it opens", at: deadlineNode)
            }
            let programs = entries["programs"].map { reader.stringList($0, "programs of round '\(id)'") } ?? []
            let title = entries["title"].flatMap { reader.localized($0, "title of round '\(id)'") }
            let year = deadline.localDateTime(in: zone).year
            rounds.append(
                Round(id: id, programs: programs, opens: opens, deadline: deadline, title: title, location: item.location, year: year))
        }
        let rolling = top["rolling"].map { reader.stringList($0, "rolling") } ?? []
        return RoundCalendar(rounds: rounds, rolling: rolling, zone: zone, zoneName: zoneName)
    }

    /// A date (`2027-06-30`: its start, or its end for deadlines) or a full timestamp.
    private static func instant(_ node: YAMLNode, endOfDay: Bool, zone: ZoneSpec, reader: inout RuleFileReader) -> Timestamp? {
        guard let text = reader.string(node) else { return nil }
        if let date = try? CalendarDate(text) {
            return endOfDay ? try? date.endOfDay(in: zone) : try? date.startOfDay(in: zone)
        }
        if let timestamp = try? Timestamp(rfc3339: text) { return timestamp }
        reader.error(
            "rounds.date", "expected a date like 2027-06-30 or a time like 2027-06-30T17:00:00+09:00, found '\(text)'",
            ja: "2027-06-30 のような日付が必要です ('\(text)')", at: node)
        return nil
    }

    /// The record type of `round` in expressions.
    static let recordType = RecordType(
        name: "round",
        fields: [
            .init(name: "id", type: .string), .init(name: "year", type: .int), .init(name: "opens", type: .timestamp),
            .init(name: "deadline", type: .timestamp),
        ])

    static func value(of round: Round) -> Value {
        .record(
            RecordValue(
                type: recordType,
                fields: [.string(round.id), .int(Int64(round.year)), .timestamp(round.opens), .timestamp(round.deadline)]))
    }
}
