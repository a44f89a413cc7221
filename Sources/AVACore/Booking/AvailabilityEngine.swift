import Foundation

/// A span of time a calendar is taken: an appointment from its start to the end of its buffer.
public struct BusyInterval: Sendable, Hashable {
    public var start: Date
    public var end: Date

    public init(start: Date, end: Date) {
        self.start = start
        self.end = end
    }
}

/// The busy time of one calendar, sorted once, so each overlap test is a binary search: among intervals
/// starting before the candidate ends, the latest end (a running maximum) says whether any reaches into it.
public struct BusySchedule: Sendable {
    private let starts: [Double]
    private let maxEnds: [Double]

    public init(_ intervals: [BusyInterval]) {
        let sorted = intervals.sorted { $0.start < $1.start }
        starts = sorted.map(\.start.timeIntervalSince1970)
        var running = -Double.infinity
        maxEnds = sorted.map { interval in
            running = max(running, interval.end.timeIntervalSince1970)
            return running
        }
    }

    public var count: Int { starts.count }

    /// Whether [start, end) meets any busy interval.
    public func overlaps(start: Double, end: Double) -> Bool {
        var low = 0, high = starts.count
        while low < high {
            let mid = (low + high) / 2
            if starts[mid] < end { low = mid + 1 } else { high = mid }
        }
        return low > 0 && maxEnds[low - 1] > start
    }
}

/// One bookable calendar: the organisation, or one staff member or room.
public struct BookingCalendar: Sendable {
    public var id: UUID?
    public var hours: WeeklyHours
    /// Closed days as inclusive ranges of `LocalDate.dayNumber`.
    public var closedDays: [ClosedRange<Int>]
    public var busy: BusySchedule

    public init(id: UUID? = nil, hours: WeeklyHours, closedDays: [ClosedRange<Int>] = [], busy: BusySchedule = BusySchedule([])) {
        self.id = id
        self.hours = hours
        self.closedDays = closedDays
        self.busy = busy
    }

    func isClosed(_ day: LocalDate) -> Bool { closedDays.contains { $0.contains(day.dayNumber) } }
}

public enum PartOfDay: String, Sendable, Codable, CaseIterable {
    case morning, afternoon, evening

    /// Which part a start time (minutes after local midnight) belongs to.
    public init(minuteOfDay: Int) {
        switch minuteOfDay {
        case ..<720: self = .morning
        case ..<1020: self = .afternoon
        default: self = .evening
        }
    }
}

/// A free start time, with its local day and minute for phrasing it.
public struct FreeSlot: Sendable, Hashable {
    public var start: Date
    public var end: Date
    public var date: LocalDate
    public var minuteOfDay: Int
    /// The calendar (staff member) it is free on; nil for the organisation's single calendar.
    public var calendarID: UUID?
}

/// Why a given start time cannot be booked.
public enum SlotProblem: String, Error, Sendable, Equatable {
    case inPast = "slot_in_past"
    case tooSoon = "slot_too_soon"
    case tooFarAhead = "slot_too_far_ahead"
    case closed = "slot_closed"
    case outsideHours = "slot_outside_hours"
    case doesNotFit = "service_does_not_fit"
    case overlapping = "slot_taken"
}

/// Free slots = opening hours − closures − busy time (appointments with their buffers) − minimum notice,
/// up to the booking horizon, in the organisation's time zone, on a grid of `slotStepMinutes` from each
/// interval's opening. Slots never start or end in a local time that does not exist (spring forward) or
/// exists twice (fall back), and never straddle a change, so a customer is never told an ambiguous time.
public struct AvailabilityEngine: Sendable {
    public var timeZone: TimeZone
    public var minNoticeMinutes: Int
    public var maxDaysAhead: Int
    public var slotStepMinutes: Int

    public init(timeZone: TimeZone, minNoticeMinutes: Int, maxDaysAhead: Int, slotStepMinutes: Int) {
        self.timeZone = timeZone
        self.minNoticeMinutes = max(0, minNoticeMinutes)
        self.maxDaysAhead = max(0, maxDaysAhead)
        self.slotStepMinutes = max(5, slotStepMinutes)
    }

    /// Free start times for a service, in order, from `from` through `through` (default: the horizon),
    /// at most `limit`. With several calendars a time is listed once, on the first calendar free then.
    public func freeSlots(durationMinutes: Int, bufferMinutes: Int = 0, from: LocalDate, through: LocalDate? = nil,
                          partOfDay: PartOfDay? = nil, limit: Int = .max, calendars: [BookingCalendar], now: Date) -> [FreeSlot] {
        guard durationMinutes > 0, limit > 0, !calendars.isEmpty else { return [] }
        let today = LocalDate(now, in: timeZone)
        let horizon = today.adding(days: maxDaysAhead)
        let first = max(from, today)
        let last = min(through ?? horizon, horizon)
        guard first <= last else { return [] }
        let earliest = now.timeIntervalSince1970 + Double(minNoticeMinutes * 60)
        let duration = durationMinutes * 60
        let blocked = Double((durationMinutes + max(0, bufferMinutes)) * 60)
        var result: [FreeSlot] = []

        for dayNumber in first.dayNumber...last.dayNumber {
            let day = LocalDate(dayNumber: dayNumber)
            let clock = DayClock(day: day, timeZone: timeZone)
            // The day's candidate starts over every calendar, earliest first, each kept once.
            var candidates: [(minute: Int, calendar: Int)] = []
            for (index, calendar) in calendars.enumerated() where !calendar.isClosed(day) {
                for interval in calendar.hours.intervals(on: day.weekday) {
                    var minute = interval.start.minutes
                    while minute + durationMinutes <= interval.end.minutes {
                        if partOfDay == nil || PartOfDay(minuteOfDay: minute) == partOfDay {
                            candidates.append((minute, index))
                        }
                        minute += slotStepMinutes
                    }
                }
            }
            if calendars.count > 1 {
                candidates.sort { ($0.minute, $0.calendar) < ($1.minute, $1.calendar) }
            }
            var lastMinute = -1
            for candidate in candidates where candidate.minute != lastMinute {
                guard let start = clock.instant(wallSeconds: candidate.minute * 60, durationSeconds: duration),
                      Double(start) >= earliest,
                      !calendars[candidate.calendar].busy.overlaps(start: Double(start), end: Double(start) + blocked)
                else { continue }
                lastMinute = candidate.minute
                result.append(FreeSlot(start: Date(timeIntervalSince1970: Double(start)),
                                       end: Date(timeIntervalSince1970: Double(start + duration)),
                                       date: day, minuteOfDay: candidate.minute, calendarID: calendars[candidate.calendar].id))
                if result.count >= limit { return result }
            }
        }
        return result
    }

    /// The instant a local day and time mean, nil when that time does not exist or exists twice that day.
    public func instant(date: LocalDate, minuteOfDay: Int) -> Date? {
        guard (0..<1440).contains(minuteOfDay),
              let seconds = DayClock(day: date, timeZone: timeZone).instant(wallSeconds: minuteOfDay * 60) else { return nil }
        return Date(timeIntervalSince1970: Double(seconds))
    }

    /// Why `start` cannot be booked on `calendar` for this service, or nil when it can.
    /// Any minute inside the hours is accepted, not only the grid, so owners can book by hand at 10:05.
    public func problem(start: Date, durationMinutes: Int, bufferMinutes: Int = 0, calendar: BookingCalendar, now: Date) -> SlotProblem? {
        let startSeconds = start.timeIntervalSince1970
        if startSeconds < now.timeIntervalSince1970 { return .inPast }
        if startSeconds < now.timeIntervalSince1970 + Double(minNoticeMinutes * 60) { return .tooSoon }
        let day = LocalDate(start, in: timeZone)
        if day > LocalDate(now, in: timeZone).adding(days: maxDaysAhead) { return .tooFarAhead }
        if calendar.isClosed(day) { return .closed }
        let wall = Int(floor(startSeconds)) + timeZone.secondsFromGMT(for: start) - day.dayNumber * 86400
        let minute = wall / 60
        guard let interval = calendar.hours.intervals(on: day.weekday).first(where: { $0.start.minutes <= minute && minute < $0.end.minutes })
        else { return .outsideHours }
        if wall + durationMinutes * 60 > interval.end.minutes * 60 { return .doesNotFit }
        // The same test the slot list uses: the local start and end exist once each, with no change between.
        let clock = DayClock(day: day, timeZone: timeZone)
        guard clock.instant(wallSeconds: wall, durationSeconds: durationMinutes * 60) == Int(floor(startSeconds)) else {
            return .outsideHours
        }
        let blocked = Double((durationMinutes + max(0, bufferMinutes)) * 60)
        if calendar.busy.overlaps(start: startSeconds, end: startSeconds + blocked) { return .overlapping }
        return nil
    }
}

/// Converts local wall-clock times of one day into instants. Most days have one UTC offset throughout,
/// found with two look-ups; on a day with a change, each time is solved against both offsets.
struct DayClock {
    let midnightWall: Int
    let timeZone: TimeZone
    let offsetBefore: Int
    let offsetAfter: Int

    init(day: LocalDate, timeZone: TimeZone) {
        self.timeZone = timeZone
        midnightWall = day.dayNumber * 86400
        // Offsets two days either side: no zone changes twice within five days.
        offsetBefore = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(midnightWall - 2 * 86400)))
        offsetAfter = timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(midnightWall + 3 * 86400)))
    }

    /// The single instant of a wall time (seconds after local midnight), nil when it does not exist or exists twice.
    func instant(wallSeconds: Int) -> Int? {
        let wall = midnightWall + wallSeconds
        if offsetBefore == offsetAfter { return wall - offsetBefore }
        var found: Int?
        for offset in [offsetBefore, offsetAfter] {
            let candidate = wall - offset
            if timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(candidate))) == offset {
                if let found, found != candidate { return nil }  // the doubled hour
                found = candidate
            }
        }
        return found
    }

    /// The start instant when both the start and the end of a stay exist once and no change falls between.
    func instant(wallSeconds: Int, durationSeconds: Int) -> Int? {
        guard let start = instant(wallSeconds: wallSeconds) else { return nil }
        if offsetBefore == offsetAfter { return start }
        guard let end = instant(wallSeconds: wallSeconds + durationSeconds), end - start == durationSeconds else { return nil }
        return start
    }
}
