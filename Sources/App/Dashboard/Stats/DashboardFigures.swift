import Foundation
import Vapor

/// What the dashboard shows, computed by `DashboardStats`; also the JSON of `GET /api/v1/dashboard`.
struct DashboardFigures: Content, Sendable {
    /// A count this period and the previous one; `changePercent` is nil when the previous period had none.
    struct Count: Codable, Sendable, Equatable {
        var current: Int
        var previous: Int
        var changePercent: Int?

        init(current: Int, previous: Int) {
            self.current = current
            self.previous = previous
            changePercent = previous > 0 ? Int((Double(current - previous) / Double(previous) * 100).rounded()) : nil
        }
    }

    /// A percentage (0-100) this period and the previous one; nil when there was nothing to measure.
    /// `changePoints` is the difference in percentage points.
    struct Rate: Codable, Sendable, Equatable {
        var current: Double?
        var previous: Double?
        var changePoints: Double?
        /// How many calls the current figure is based on.
        var basis: Int

        init(current: Double?, previous: Double?, basis: Int) {
            self.current = current.map(Self.round)
            self.previous = previous.map(Self.round)
            self.basis = basis
            if let current = self.current, let previous = self.previous { changePoints = Self.round(current - previous) } else { changePoints = nil }
        }

        static func round(_ value: Double) -> Double { (value * 10).rounded() / 10 }
    }

    struct DayCount: Codable, Sendable, Equatable {
        /// Local date, `YYYY-MM-DD`.
        var date: String
        var calls: Int
    }

    struct CallSummary: Codable, Sendable, Equatable {
        var id: UUID
        var callerName: String?
        var fromNumber: String?
        var startedAt: Date
        var status: String
        /// `booked`, `message`, `transferred`, `answered`, `missed` or `in-progress`.
        var outcome: String
        var summary: String?
        var simulated: Bool
    }

    var period: String
    var timezone: String
    var from: Date
    var to: Date
    var previousFrom: Date
    var calls: Count
    /// Appointments AVA booked during calls (created in the period with source `call`).
    var appointmentsBooked: Count
    /// Every appointment created in the period, whoever made it.
    var appointmentsCreated: Int
    /// Answered calls over all calls, in percent (see `DashboardStats.answeredSQL`).
    var answerRate: Rate
    /// The average of Vapi's success evaluations, normalised to percent (`SatisfactionScore`).
    var satisfaction: Rate
    /// One entry per local day of the period.
    var callsPerDay: [DayCount]
    /// 24 counts: calls of the period by local hour of the day (0 = midnight to 1 am).
    var callsByHour: [Int]
    /// Messages nobody has read yet (all time).
    var unreadMessages: Int
    var recentCalls: [CallSummary]
    var inProgress: [CallSummary]
}
