import Fluent
import Vapor

/// `GET /api/v1/dashboard?period=today|7d|30d`: the dashboard's figures as JSON (the same numbers as the page),
/// for the signed-in user's organisation, in its time zone.
struct DashboardAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("dashboard", use: show)
    }

    @Sendable func show(req: Request) async throws -> DashboardFigures {
        let user = try req.requireUser()
        let raw = try? req.query.get(String.self, at: "period")
        let period: DashboardPeriod
        if let raw {
            guard let known = DashboardPeriod(rawValue: raw) else { throw AppError.validation("dashboard_period_invalid", field: "period") }
            period = known
        } else {
            period = .week
        }
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        return try await DashboardStats(db: req.db, orgID: user.orgID).figures(period: period, timeZone: DashboardTexts.timeZone(of: org))
    }
}
