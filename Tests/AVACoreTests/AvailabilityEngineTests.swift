import AVACore
import Foundation
import Testing

@Suite("Availability engine")
struct AvailabilityEngineTests {
    let paris = TimeZone(identifier: "Europe/Paris")!
    /// Monday 2026-06-01 07:00 in Paris (05:00 UTC).
    let now = Date(timeIntervalSince1970: Double(LocalDate("2026-06-01")!.dayNumber) * 86400 + 5 * 3600)

    var engine: AvailabilityEngine { AvailabilityEngine(timeZone: paris, minNoticeMinutes: 60, maxDaysAhead: 30, slotStepMinutes: 30) }
    var frenchHours: WeeklyHours { WeeklyHours.defaults(country: "FR") }

    func at(_ day: String, _ hour: Int, _ minute: Int = 0) -> Date {
        // Paris is UTC+2 in June.
        Date(timeIntervalSince1970: Double(LocalDate(day)!.dayNumber) * 86400 + Double((hour - 2) * 3600 + minute * 60))
    }

    @Test func localDates() {
        #expect(LocalDate("2026-03-29")!.weekday == .sun)
        #expect(LocalDate("2026-06-01")!.weekday == .mon)
        #expect(LocalDate("2024-02-29") != nil && LocalDate("2026-02-29") == nil && LocalDate("2026-13-01") == nil)
        #expect(LocalDate("2026-6-1") == nil && LocalDate("junk") == nil)
        #expect(LocalDate("2026-12-31")!.adding(days: 1).description == "2027-01-01")
        #expect(LocalDate(dayNumber: 0).description == "1970-01-01")
    }

    @Test func hoursJSONAndValidation() throws {
        let text = #"{"mon":[{"start":"14:00","end":"18:00"},{"start":"09:00","end":"12:00"}]}"#
        let hours = try #require(WeeklyHours(jsonText: text))
        let valid = try hours.validated()
        #expect(valid.intervals(on: .mon).first?.start.description == "09:00")
        #expect(WeeklyHours(jsonText: #"{"xyz":[]}"#) == nil)
        #expect(WeeklyHours(jsonText: #"{"mon":[{"start":"9h","end":"12:00"}]}"#) == nil)
        let overlapping = WeeklyHours(jsonText: #"{"tue":[{"start":"09:00","end":"12:00"},{"start":"11:00","end":"13:00"}]}"#)!
        #expect(throws: WeeklyHours.Problem.overlapping(.tue)) { try overlapping.validated() }
        let empty = WeeklyHours(jsonText: #"{"tue":[{"start":"12:00","end":"12:00"}]}"#)!
        #expect(throws: WeeklyHours.Problem.emptyInterval(.tue)) { try empty.validated() }
        #expect(WeeklyHours(jsonText: valid.jsonText) == valid)
    }

    @Test func countryDefaults() {
        let israel = WeeklyHours.defaults(country: "IL")
        #expect(israel.intervals(on: .sun).count == 2 && israel.intervals(on: .fri).count == 1 && israel.intervals(on: .sat).isEmpty)
        #expect(WeeklyHours.defaults(country: "US").intervals(on: .mon).first?.end.description == "17:00")
        #expect(frenchHours.intervals(on: .sat).isEmpty && frenchHours.intervals(on: .mon).count == 2)
    }

    @Test func noticeLunchAndClosing() {
        let slots = engine.freeSlots(durationMinutes: 60, from: LocalDate("2026-06-01")!, through: LocalDate("2026-06-01")!,
                                     calendars: [BookingCalendar(hours: frenchHours)], now: at("2026-06-01", 9, 10))
        // Notice: nothing before 10:10; lunch 12:30–14:00; last start 17:30 for a close at 18:30.
        #expect(slots.first?.minuteOfDay == 10 * 60 + 30)
        #expect(!slots.contains { $0.minuteOfDay == 12 * 60 }) // would end at 13:00, in the lunch break
        #expect(slots.contains { $0.minuteOfDay == 11 * 60 + 30 })
        #expect(slots.last?.minuteOfDay == 17 * 60 + 30)
        #expect(slots.first?.start == at("2026-06-01", 10, 30))
    }

    @Test func appointmentsWithBuffersClosuresAndHorizon() {
        let busy = BusySchedule([BusyInterval(start: at("2026-06-02", 10), end: at("2026-06-02", 11, 15))])
        let closed = LocalDate("2026-06-03")!.dayNumber...LocalDate("2026-06-04")!.dayNumber
        let calendar = BookingCalendar(hours: frenchHours, closedDays: [closed], busy: busy)
        let slots = engine.freeSlots(durationMinutes: 30, bufferMinutes: 15, from: LocalDate("2026-06-02")!, through: LocalDate("2026-06-05")!,
                                     calendars: [calendar], now: now)
        let tuesday = slots.filter { $0.date == LocalDate("2026-06-02")! }.map(\.minuteOfDay)
        // 09:30 + 30 min + 15 min buffer reaches 10:15: taken. 10:00 to 11:00 inside the appointment. 11:30 free.
        #expect(tuesday.contains(9 * 60) && !tuesday.contains(9 * 60 + 30) && !tuesday.contains(10 * 60 + 30))
        #expect(!tuesday.contains(11 * 60) && tuesday.contains(11 * 60 + 30))
        #expect(!slots.contains { $0.date == LocalDate("2026-06-03")! || $0.date == LocalDate("2026-06-04")! })
        #expect(slots.contains { $0.date == LocalDate("2026-06-05")! })
        // Beyond 30 days: nothing.
        let far = engine.freeSlots(durationMinutes: 30, from: LocalDate("2026-07-02")!, calendars: [calendar], now: now)
        #expect(far.isEmpty)
        #expect(engine.freeSlots(durationMinutes: 30, from: LocalDate("2026-06-02")!, limit: 3, calendars: [calendar], now: now).count == 3)
    }

    @Test func partOfDay() {
        let afternoon = engine.freeSlots(durationMinutes: 30, from: LocalDate("2026-06-02")!, partOfDay: .afternoon, limit: 50,
                                         calendars: [BookingCalendar(hours: frenchHours)], now: now)
        #expect(afternoon.allSatisfy { (720..<1020).contains($0.minuteOfDay) })
        #expect(afternoon.first?.minuteOfDay == 12 * 60)  // 12:00–12:30, before lunch
    }

    @Test func severalCalendars() {
        let anna = UUID(), ben = UUID()
        let busyAnna = BusySchedule([BusyInterval(start: at("2026-06-02", 9), end: at("2026-06-02", 12, 30))])
        let slots = engine.freeSlots(durationMinutes: 60, from: LocalDate("2026-06-02")!, through: LocalDate("2026-06-02")!,
                                     calendars: [BookingCalendar(id: anna, hours: frenchHours, busy: busyAnna),
                                                 BookingCalendar(id: ben, hours: frenchHours)], now: now)
        #expect(slots.first?.calendarID == ben && slots.first?.minuteOfDay == 9 * 60)
        #expect(Set(slots.map(\.minuteOfDay)).count == slots.count)  // each time once
        #expect(slots.contains { $0.calendarID == anna })  // afternoon goes to the first calendar again
    }

    @Test func problemsOfADirectBooking() {
        let busy = BusySchedule([BusyInterval(start: at("2026-06-02", 10), end: at("2026-06-02", 11))])
        let calendar = BookingCalendar(hours: frenchHours, closedDays: [LocalDate("2026-06-05")!.dayNumber...LocalDate("2026-06-05")!.dayNumber], busy: busy)
        func problem(_ date: Date, _ duration: Int = 60) -> SlotProblem? {
            engine.problem(start: date, durationMinutes: duration, calendar: calendar, now: now)
        }
        #expect(problem(at("2026-05-30", 10)) == .inPast)
        #expect(problem(at("2026-06-01", 7, 30)) == .tooSoon)
        #expect(problem(at("2026-08-03", 10)) == .tooFarAhead)
        #expect(problem(at("2026-06-05", 10)) == .closed)
        #expect(problem(at("2026-06-06", 10)) == .outsideHours)  // Saturday
        #expect(problem(at("2026-06-02", 13)) == .outsideHours)  // lunch
        #expect(problem(at("2026-06-02", 12)) == .doesNotFit)
        #expect(problem(at("2026-06-02", 10, 30)) == .overlapping)
        #expect(problem(at("2026-06-02", 9, 30)) == .overlapping)
        #expect(problem(at("2026-06-02", 9)) == nil)
        #expect(problem(at("2026-06-02", 11, 5)) == nil)  // any minute, not only the grid
    }

    @Test func busyScheduleOverlap() {
        let base = Date(timeIntervalSince1970: 0)
        let schedule = BusySchedule([
            BusyInterval(start: base.addingTimeInterval(100), end: base.addingTimeInterval(1000)),
            BusyInterval(start: base.addingTimeInterval(200), end: base.addingTimeInterval(300)),
            BusyInterval(start: base.addingTimeInterval(2000), end: base.addingTimeInterval(2100)),
        ])
        #expect(schedule.overlaps(start: 500, end: 600))    // inside the long one
        #expect(!schedule.overlaps(start: 1000, end: 2000)) // touching both ends is fine
        #expect(schedule.overlaps(start: 0, end: 101))
        #expect(!schedule.overlaps(start: 0, end: 100))
        #expect(!schedule.overlaps(start: 3000, end: 4000))
    }

    @Test("10,000 future appointments: slots found by binary search, not a scan")
    func manyAppointments() {
        var intervals: [BusyInterval] = []
        var start = at("2026-06-02", 9)
        for _ in 0..<10_000 {
            intervals.append(BusyInterval(start: start, end: start.addingTimeInterval(1800)))
            start = start.addingTimeInterval(3 * 3600 + 600)
        }
        let calendar = BookingCalendar(hours: frenchHours, busy: BusySchedule(intervals.shuffled()))
        let wide = AvailabilityEngine(timeZone: paris, minNoticeMinutes: 60, maxDaysAhead: 2000, slotStepMinutes: 15)
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for _ in 0..<100 {
                _ = wide.freeSlots(durationMinutes: 30, from: LocalDate("2026-09-01")!, limit: 5, calendars: [calendar], now: now)
            }
        }
        let slots = wide.freeSlots(durationMinutes: 30, from: LocalDate("2026-09-01")!, limit: 5, calendars: [calendar], now: now)
        #expect(slots.count == 5)
        #expect(slots.allSatisfy { slot in !intervals.contains { $0.start < slot.end && $0.end > slot.start } })
        #expect(elapsed < .seconds(2), "100 queries took \(elapsed) (debug build)")
    }
}

@Suite("Slots said aloud")
struct SpokenTimeTests {
    let today = LocalDate("2026-04-10")!  // a Friday

    @Test func french() {
        #expect(SpokenTime.phrase(date: LocalDate("2026-04-14")!, minuteOfDay: 600, locale: .fr, today: today) == "mardi 14 à 10 h")
        #expect(SpokenTime.phrase(date: LocalDate("2026-04-14")!, minuteOfDay: 870, locale: .fr, today: today) == "mardi 14 à 14 h 30")
        #expect(SpokenTime.phrase(date: LocalDate("2026-05-01")!, minuteOfDay: 540, locale: .fr, today: today) == "vendredi 1er mai à 9 h")
        #expect(SpokenTime.phrase(date: LocalDate("2026-04-11")!, minuteOfDay: 540, locale: .fr, today: today) == "demain à 9 h")
    }

    @Test func english() {
        #expect(SpokenTime.phrase(date: LocalDate("2026-04-14")!, minuteOfDay: 600, locale: .en, today: today) == "Tuesday the 14th at 10 am")
        #expect(SpokenTime.phrase(date: LocalDate("2026-04-22")!, minuteOfDay: 750, locale: .en, today: today) == "Wednesday the 22nd at 12:30 pm")
        #expect(SpokenTime.phrase(date: LocalDate("2026-05-01")!, minuteOfDay: 0, locale: .en, today: today) == "Friday the 1st of May at 12 am")
        #expect(SpokenTime.phrase(date: today, minuteOfDay: 900, locale: .en, today: today) == "today at 3 pm")
        #expect(SpokenTime.list(["a", "b", "c"], locale: .en) == "a, b or c")
    }

    @Test func hebrew() {
        #expect(SpokenTime.phrase(date: LocalDate("2026-04-12")!, minuteOfDay: 600, locale: .he, today: today) == "יום ראשון ה-12 בשעה 10:00")
        #expect(SpokenTime.phrase(date: LocalDate("2026-05-03")!, minuteOfDay: 870, locale: .he, today: today) == "יום ראשון ה-3 במאי בשעה 14:30")
        #expect(SpokenTime.phrase(date: LocalDate("2026-04-11")!, minuteOfDay: 540, locale: .he, today: today) == "מחר בשעה 9:00")
    }
}
