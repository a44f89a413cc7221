import AVACore
import Vapor

/// The signed-in shell: Dashboard, Calls, Settings (the onboarding wizard is Onboarding/). Later issues fill each
/// page; for now each says honestly what will appear there.
struct ShellController {
    func register(on routes: any RoutesBuilder) {
        let signedIn = routes.grouped(RequireSignInPage())
        signedIn.get("dashboard") { req in
            try await DashboardPage.render(req)
        }
        signedIn.get("settings") { req in
            try await SettingsPage.render(req, user: try req.requireUser().user)
        }
    }
}

/// Settings: for now the account's security (two-step verification).
enum SettingsPage {
    struct Extra: Encodable { var twoFAEnabled: Bool; var hasPassword: Bool; var formError: String? }

    static func render(_ req: Request, user: User, formError: String? = nil, status: HTTPStatus = .ok) async throws -> Response {
        try await PageRenderer.render(req, "app/settings", page: "settings", titleKey: "title_settings", status: status,
                                      extra: Extra(twoFAEnabled: user.twoFAEnabled, hasPassword: user.hasPassword, formError: formError))
    }
}
