import Foundation

/// A time of day in minutes after local midnight, written "HH:mm" in JSON ("24:00" closes at midnight).
public struct LocalTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let minutes: Int

    public init?(minutes: Int) {
        guard (0...1440).contains(minutes) else { return nil }
        self.minutes = minutes
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let hours = Int(parts[0]), let minutes = Int(parts[1]),
              (0...24).contains(hours), (0...59).contains(minutes) else { return nil }
        self.init(minutes: hours * 60 + minutes)
    }

    public var hour: Int { minutes / 60 }
    public var minute: Int { minutes % 60 }
    public var description: String { String(format: "%02d:%02d", hour, minute) }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutes < rhs.minutes }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = LocalTime(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "expected HH:mm"))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// One opening interval of a day, such as 09:00–12:30.
public struct OpeningInterval: Sendable, Hashable, Codable {
    public var start: LocalTime
    public var end: LocalTime

    public init(start: LocalTime, end: LocalTime) {
        self.start = start
        self.end = end
    }

    /// "09:00", "12:30"; nil when either is malformed.
    public init?(_ start: String, _ end: String) {
        guard let start = LocalTime(start), let end = LocalTime(end) else { return nil }
        self.init(start: start, end: end)
    }
}

/// Days of the week as stored in the hours JSON. Raw values follow `Calendar`'s weekday numbers (Sunday = 1).
public enum Weekday: String, Sendable, CaseIterable, Codable {
    case sun, mon, tue, wed, thu, fri, sat

    public init?(calendarWeekday: Int) {
        guard (1...7).contains(calendarWeekday) else { return nil }
        self = Weekday.allCases[calendarWeekday - 1]
    }

    public var calendarWeekday: Int { Weekday.allCases.firstIndex(of: self)! + 1 }
}

/// Opening hours for each weekday, with several intervals per day for lunch breaks.
/// JSON: `{"mon": [{"start": "09:00", "end": "12:30"}, ...], ...}`; a missing day is closed.
public struct WeeklyHours: Sendable, Hashable, Codable {
    public var days: [Weekday: [OpeningInterval]]

    public init(_ days: [Weekday: [OpeningInterval]] = [:]) {
        self.days = days
    }

    public func intervals(on day: Weekday) -> [OpeningInterval] { days[day] ?? [] }

    public enum Problem: Error, Equatable, Sendable {
        /// An interval whose end is not after its start.
        case emptyInterval(Weekday)
        /// Two intervals of one day overlap (touching is fine).
        case overlapping(Weekday)
    }

    /// Intervals sorted, each non-empty, none overlapping another of its day.
    public func validated() throws(Problem) -> WeeklyHours {
        var result: [Weekday: [OpeningInterval]] = [:]
        for (day, intervals) in days {
            let sorted = intervals.sorted { $0.start < $1.start }
            for (index, interval) in sorted.enumerated() {
                guard interval.start < interval.end else { throw .emptyInterval(day) }
                if index > 0, sorted[index - 1].end > interval.start { throw .overlapping(day) }
            }
            if !sorted.isEmpty { result[day] = sorted }
        }
        return WeeklyHours(result)
    }

    /// Usual hours of a small business in each country AVA serves (Israel works Sunday to Friday noon).
    public static func defaults(country: String) -> WeeklyHours {
        func day(_ pairs: [(String, String)]) -> [OpeningInterval] { pairs.compactMap { OpeningInterval($0.0, $0.1) } }
        switch country.uppercased() {
        case "IL":
            let full = day([("09:00", "13:00"), ("14:00", "18:00")])
            return WeeklyHours([.sun: full, .mon: full, .tue: full, .wed: full, .thu: full, .fri: day([("09:00", "13:00")])])
        case "US":
            let full = day([("09:00", "17:00")])
            return WeeklyHours([.mon: full, .tue: full, .wed: full, .thu: full, .fri: full])
        default:
            let full = day([("09:00", "12:30"), ("14:00", "18:30")])
            return WeeklyHours([.mon: full, .tue: full, .wed: full, .thu: full, .fri: full])
        }
    }

    /// The default IANA zone of a country, for organisations that have none yet.
    public static func defaultTimeZone(country: String) -> String {
        switch country.uppercased() {
        case "IL": "Asia/Jerusalem"
        case "US": "America/New_York"
        default: "Europe/Paris"
        }
    }

    // MARK: JSON with "mon".."sun" keys

    public init(from decoder: any Decoder) throws {
        let raw = try decoder.singleValueContainer().decode([String: [OpeningInterval]].self)
        var days: [Weekday: [OpeningInterval]] = [:]
        for (key, intervals) in raw {
            guard let day = Weekday(rawValue: key) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown day \(key)"))
            }
            days[day] = intervals
        }
        self.days = days
    }

    public func encode(to encoder: any Encoder) throws {
        var raw: [String: [OpeningInterval]] = [:]
        for (day, intervals) in days { raw[day.rawValue] = intervals }
        var container = encoder.singleValueContainer()
        try container.encode(raw)
    }

    /// The stored text form (sorted keys, so equal hours give equal text).
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }

    public init?(jsonText: String) {
        guard let value = try? JSONDecoder().decode(WeeklyHours.self, from: Data(jsonText.utf8)) else { return nil }
        self = value
    }
}
