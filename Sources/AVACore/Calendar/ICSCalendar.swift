import Foundation

/// One event of an iCalendar feed (RFC 5545 VEVENT). Times are instants, written in UTC (`…Z`), so no
/// VTIMEZONE is needed and every client shows them in its own zone.
public struct ICSEvent: Sendable, Equatable {
    public enum Status: String, Sendable { case confirmed = "CONFIRMED", tentative = "TENTATIVE", cancelled = "CANCELLED" }

    /// Stable across fetches (clients match updates by it): `appointment-id@host`.
    public var uid: String
    public var start: Date
    public var end: Date
    public var summary: String
    public var description: String?
    public var location: String?
    public var status: Status
    /// When the event last changed; written as DTSTAMP and LAST-MODIFIED (falls back to the feed's time).
    public var lastModified: Date?
    /// Grows with each change that clients should notice (a move, a cancellation).
    public var sequence: Int

    public init(uid: String, start: Date, end: Date, summary: String, description: String? = nil, location: String? = nil,
                status: Status = .confirmed, lastModified: Date? = nil, sequence: Int = 0) {
        self.uid = uid
        self.start = start
        self.end = end
        self.summary = summary
        self.description = description
        self.location = location
        self.status = status
        self.lastModified = lastModified
        self.sequence = sequence
    }
}

/// A VCALENDAR to publish (`METHOD:PUBLISH`), such as an organisation's appointments feed.
public struct ICSCalendar: Sendable, Equatable {
    public var productID: String
    /// Shown by clients as the calendar's name (X-WR-CALNAME).
    public var name: String?
    /// The IANA zone clients may use to display it (X-WR-TIMEZONE); event times stay in UTC.
    public var timeZoneID: String?
    /// How often subscribers should fetch again (REFRESH-INTERVAL, X-PUBLISHED-TTL), in minutes.
    public var refreshMinutes: Int
    public var events: [ICSEvent]

    public init(productID: String = "-//AVA//Booking//EN", name: String? = nil, timeZoneID: String? = nil,
                refreshMinutes: Int = 15, events: [ICSEvent] = []) {
        self.productID = productID
        self.name = name
        self.timeZoneID = timeZoneID
        self.refreshMinutes = refreshMinutes
        self.events = events
    }
}
