import Fluent
import Vapor

/// `/{locale}/operator/onboarding`: the onboarding funnel for AVA's operators (`AVA_OPERATOR_EMAILS`, with a
/// verified email), the same figures as `ava stats onboarding`. Anyone else gets a 404: the page's existence
/// is nobody else's business.
struct OperatorFunnelPage {
    struct Row: Encodable { var step: Int; var label: String; var entered: Int; var completed: Int; var rate: Int; var dropped: Int }
    struct Extra: Encodable { var rows: [Row]; var signups: Int; var medianMinutes: String?; var withCall: Int }

    func register(on routes: any RoutesBuilder) {
        routes.grouped(RequireSignInPage()).get("operator", "onboarding") { req in try await render(req) }
    }

    private func render(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard user.user.isEmailVerified, req.application.appConfig.operatorEmails.contains(user.user.email.lowercased()) else {
            throw AppError.notFound
        }
        let report = try await OnboardingStats.compute(on: req.db)
        var previous = report.signups
        let rows = report.rows.map { row -> Row in
            defer { previous = row.completed }
            return Row(step: row.step.rawValue, label: req.t("onb_step_\(row.step.key)"), entered: row.entered, completed: row.completed,
                       rate: row.entered == 0 ? 0 : row.completed * 100 / row.entered,
                       dropped: previous == 0 ? 0 : max(0, previous - row.entered) * 100 / previous)
        }
        let extra = Extra(rows: rows, signups: report.signups,
                          medianMinutes: report.medianToFirstCall.map { String(format: "%.1f", $0 / 60) }, withCall: report.withCall)
        return try await PageRenderer.render(req, "app/operator-funnel", page: "operator", titleKey: "title_operator_funnel", extra: extra)
    }
}
