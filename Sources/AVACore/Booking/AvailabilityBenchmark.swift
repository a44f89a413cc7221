import Foundation

/// Measures the availability engine on a busy calendar (see `ava bench-availability` and docs/PERFORMANCE.md).
/// Pure and deterministic: the same seed gives the same calendar and the same questions.
public enum AvailabilityBenchmark {
    public struct Result: Sendable {
        public var appointments: Int
        /// One-time cost: sorting the appointments into a `BusySchedule`.
        public var buildMilliseconds: Double
        /// "Next three free slots from a day" (the receptionist's checkAvailability), in milliseconds.
        public var nextSlotsP50: Double
        public var nextSlotsP99: Double
        /// "Every free slot of one day" (the availability API), in milliseconds.
        public var dayP50: Double
        public var dayP99: Double
        public var queries: Int
    }

    public static func run(appointments count: Int = 10_000, queries: Int = 2_000, seed: UInt64 = 42) -> Result {
        var random = SplitMix(seed: seed)
        let zone = TimeZone(identifier: "Europe/Paris")!
        let engine = AvailabilityEngine(timeZone: zone, minNoticeMinutes: 60, maxDaysAhead: 730, slotStepMinutes: 15)
        let today = LocalDate(now, in: zone)
        let hours = WeeklyHours.defaults(country: "FR")

        let intervals = busyIntervals(count: count, engine: engine, hours: hours, today: today, random: &random)
        let clock = ContinuousClock()
        var calendar: BookingCalendar?
        let build = clock.measure { calendar = BookingCalendar(hours: hours, busy: BusySchedule(intervals)) }
        let calendars = [calendar!]

        var next: [Double] = [], day: [Double] = []
        next.reserveCapacity(queries)
        day.reserveCapacity(queries)
        var sink = 0
        for _ in 0..<queries {
            let from = today.adding(days: Int(random.next() % 720))
            let part: PartOfDay? = [nil, .morning, .afternoon][Int(random.next() % 3)]
            let a = clock.measure {
                sink &+= engine.freeSlots(durationMinutes: 30, bufferMinutes: 10, from: from, partOfDay: part, limit: 3,
                                          calendars: calendars, now: now).count
            }
            let b = clock.measure {
                sink &+= engine.freeSlots(durationMinutes: 30, bufferMinutes: 10, from: from, through: from,
                                          calendars: calendars, now: now).count
            }
            next.append(milliseconds(a))
            day.append(milliseconds(b))
        }
        precondition(sink >= 0)
        return Result(appointments: count, buildMilliseconds: milliseconds(build),
                      nextSlotsP50: percentile(next, 0.50), nextSlotsP99: percentile(next, 0.99),
                      dayP50: percentile(day, 0.50), dayP99: percentile(day, 0.99), queries: queries)
    }

    /// The benchmark's calendar: the organisation's engine, hours, clock and appointments.
    public static let now = Date(timeIntervalSince1970: 1_790_000_000)  // 2026-09-21, Paris

    public static func calendar(appointments count: Int, seed: UInt64 = 42) -> (engine: AvailabilityEngine, hours: WeeklyHours, busy: [BusyInterval]) {
        var random = SplitMix(seed: seed)
        let zone = TimeZone(identifier: "Europe/Paris")!
        let engine = AvailabilityEngine(timeZone: zone, minNoticeMinutes: 60, maxDaysAhead: 730, slotStepMinutes: 15)
        let hours = WeeklyHours.defaults(country: "FR")
        return (engine, hours, busyIntervals(count: count, engine: engine, hours: hours, today: LocalDate(now, in: zone), random: &random))
    }

    /// Appointments of 30 minutes (plus a 10-minute buffer) on the 15-minute grid of open days over the next
    /// two years: with 10,000, about 19 a day, a busy calendar with gaps left.
    static func busyIntervals(count: Int, engine: AvailabilityEngine, hours: WeeklyHours, today: LocalDate, random: inout SplitMix) -> [BusyInterval] {
        var intervals: [BusyInterval] = []
        intervals.reserveCapacity(count)
        while intervals.count < count {
            let day = today.adding(days: 1 + Int(random.next() % 729))
            let open = hours.intervals(on: day.weekday)
            guard !open.isEmpty else { continue }
            let interval = open[Int(random.next() % UInt64(open.count))]
            let steps = (interval.end.minutes - interval.start.minutes - 30) / 15
            let minute = interval.start.minutes + 15 * Int(random.next() % UInt64(steps + 1))
            guard let start = engine.instant(date: day, minuteOfDay: minute) else { continue }
            intervals.append(BusyInterval(start: start, end: start.addingTimeInterval(40 * 60)))
        }
        return intervals
    }

    public static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }

    public static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    /// A tiny seeded generator, so runs are comparable.
    public struct SplitMix {
        var state: UInt64
        public init(seed: UInt64) { state = seed }
        public mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
