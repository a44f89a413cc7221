import AVACore
import Vapor

/// The signed-in shell: Dashboard, Calls and Settings. Later issues fill each page; for now each says
/// honestly what will appear there.
struct ShellController {
    func register(on routes: any RoutesBuilder) {
        let signedIn = routes.grouped(RequireSignInPage())
        signedIn.get("dashboard") { req in
            try await PageRenderer.render(req, "app/dashboard", page: "dashboard", titleKey: "title_dashboard", extra: NoExtra())
        }
        signedIn.get("calls") { req in
            try await PageRenderer.render(req, "app/calls", page: "calls", titleKey: "title_calls", extra: NoExtra())
        }
        signedIn.get("settings") { req in
            try await PageRenderer.render(req, "app/settings", page: "settings", titleKey: "title_settings", extra: NoExtra())
        }
    }
}
