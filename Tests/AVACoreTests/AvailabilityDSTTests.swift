import AVACore
import Foundation
import Testing

/// Daylight-saving weeks of 2026 in the three countries AVA serves. A clinic open around the clock shows
/// every edge: no slot may start or end in the missing hour, none may start in the doubled hour, and every
/// slot lasts exactly its duration in real time.
@Suite("Availability across daylight-saving changes")
struct AvailabilityDSTTests {
    struct Change: Sendable, CustomStringConvertible {
        var zone: String
        var day: String
        /// Local hours that are missing (spring) or doubled (autumn) that day.
        var hour: Int
        var isSpring: Bool
        var description: String { "\(zone) \(day)" }
    }

    static let changes: [Change] = [
        Change(zone: "Europe/Paris", day: "2026-03-29", hour: 2, isSpring: true),
        Change(zone: "Europe/Paris", day: "2026-10-25", hour: 2, isSpring: false),
        Change(zone: "Asia/Jerusalem", day: "2026-03-27", hour: 2, isSpring: true),
        Change(zone: "Asia/Jerusalem", day: "2026-10-25", hour: 1, isSpring: false),
        Change(zone: "America/New_York", day: "2026-03-08", hour: 2, isSpring: true),
        Change(zone: "America/New_York", day: "2026-11-01", hour: 1, isSpring: false),
    ]

    static let allDay: WeeklyHours = {
        let interval = OpeningInterval("00:00", "24:00")!
        return WeeklyHours(Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, [interval]) }))
    }()

    func engine(_ zone: String) -> AvailabilityEngine {
        AvailabilityEngine(timeZone: TimeZone(identifier: zone)!, minNoticeMinutes: 0, maxDaysAhead: 365, slotStepMinutes: 30)
    }

    func localParts(_ date: Date, _ zone: String) -> DateComponents {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        return calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
    }

    /// The week around the change: three days before to three days after.
    func weekSlots(_ change: Change, duration: Int) -> (slots: [FreeSlot], day: LocalDate) {
        let day = LocalDate(change.day)!
        let now = Date(timeIntervalSince1970: Double(day.adding(days: -10).dayNumber) * 86400)
        let slots = engine(change.zone).freeSlots(durationMinutes: duration, from: day.adding(days: -3), through: day.adding(days: 3),
                                                  calendars: [BookingCalendar(hours: Self.allDay)], now: now)
        return (slots, day)
    }

    @Test("slots never use a missing or doubled hour", arguments: changes)
    func noSlotInTheChangedHour(_ change: Change) {
        let (slots, day) = weekSlots(change, duration: 60)
        #expect(!slots.isEmpty)
        let onDay = slots.filter { $0.date == day }
        #expect(!onDay.contains { $0.minuteOfDay / 60 == change.hour }, "\(change): a slot starts in the changed hour")
        for slot in slots {
            // Real duration is exactly one hour: nothing straddles the change.
            #expect(slot.end.timeIntervalSince(slot.start) == 3600)
            // What the slot says about itself is what a calendar in that zone says.
            let parts = localParts(slot.start, change.zone)
            let (year, month, dayOfMonth) = slot.date.components
            #expect(parts.year == year && parts.month == month && parts.day == dayOfMonth)
            #expect(parts.hour! * 60 + parts.minute! == slot.minuteOfDay, "\(change) \(slot.date) \(slot.minuteOfDay)")
            let endParts = localParts(slot.end, change.zone)
            if change.isSpring && slot.date == day {
                #expect(endParts.hour != change.hour, "\(change): a slot ends in the missing hour")
            }
        }
        // Every instant appears once, in order.
        #expect(zip(slots, slots.dropFirst()).allSatisfy { $0.start < $1.start })
    }

    @Test("the day of the change loses exactly the slots touching the changed hour", arguments: changes)
    func countsOnTheDay(_ change: Change) {
        let (slots, day) = weekSlots(change, duration: 60)
        let normal = slots.filter { $0.date == day.adding(days: -1) }.count
        let onDay = slots.filter { $0.date == day }.count
        // 24 h on a 30-minute grid: 47 one-hour slots. Spring: starts h-1:00 and h-1:30 (ending in the
        // missing hour) and h:00, h:30 (starting in it) are gone. Autumn: the same four, ending or starting
        // in the doubled hour.
        #expect(normal == 47)
        #expect(onDay == 43, "\(change)")
    }

    @Test("business hours keep their local clock time on both sides of the change", arguments: changes)
    func nineOClockStaysNine(_ change: Change) {
        let day = LocalDate(change.day)!
        let nine = WeeklyHours(Dictionary(uniqueKeysWithValues: Weekday.allCases.map { ($0, [OpeningInterval("09:00", "10:00")!]) }))
        let now = Date(timeIntervalSince1970: Double(day.adding(days: -10).dayNumber) * 86400)
        let slots = engine(change.zone).freeSlots(durationMinutes: 60, from: day.adding(days: -1), through: day.adding(days: 1),
                                                  calendars: [BookingCalendar(hours: nine)], now: now)
        #expect(slots.count == 3)
        for slot in slots {
            #expect(localParts(slot.start, change.zone).hour == 9)
        }
        // The offset changed between the first and the last: 48 hours of calendar are 47 or 49 real hours.
        let real = slots[2].start.timeIntervalSince(slots[0].start) / 3600
        #expect(real == (change.isSpring ? 47 : 49))
    }

    @Test("a start in the doubled hour, or a stay across the missing one, is refused when booked directly", arguments: changes)
    func directBookingInTheChangedHour(_ change: Change) {
        let day = LocalDate(change.day)!
        let zone = TimeZone(identifier: change.zone)!
        let now = Date(timeIntervalSince1970: Double(day.adding(days: -10).dayNumber) * 86400)
        let calendar = BookingCalendar(hours: Self.allDay)
        let engine = engine(change.zone)
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(day.dayNumber - 1) * 86400))
        if change.isSpring {
            // h-1:30 exists once, but an hour from then the clock reads h+1:30 after 30 real minutes.
            let wall = day.dayNumber * 86400 + (change.hour - 1) * 3600 + 1800
            let instant = Date(timeIntervalSince1970: Double(wall - before))
            #expect(engine.problem(start: instant, durationMinutes: 60, calendar: calendar, now: now) == .outsideHours)
            #expect(engine.problem(start: instant, durationMinutes: 20, calendar: calendar, now: now) == nil)
        } else {
            // h:30 happens twice: neither is offered nor accepted.
            let wall = day.dayNumber * 86400 + change.hour * 3600 + 1800
            let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(day.dayNumber + 1) * 86400))
            for offset in [before, after] {
                let instant = Date(timeIntervalSince1970: Double(wall - offset))
                #expect(localParts(instant, change.zone).hour == change.hour)
                #expect(engine.problem(start: instant, durationMinutes: 30, calendar: calendar, now: now) == .outsideHours, "\(change)")
            }
        }
    }
}
