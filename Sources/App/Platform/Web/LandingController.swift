import AVACore
import Vapor

/// `/` sends visitors to their language (`Accept-Language`); `/{locale}` is the landing page.
struct LandingController {
    static func register(root: any RoutesBuilder) {
        root.get { req -> Response in
            let locale = AppLocale.negotiate(acceptLanguage: req.headers.first(name: .acceptLanguage))
            let response = req.redirect(to: "/\(locale.rawValue)")
            response.headers.replaceOrAdd(name: .vary, value: "Accept-Language")
            return response
        }
    }

    static func register(localized routes: any RoutesBuilder) {
        routes.get { req in
            try await PageRenderer.render(req, "landing", page: "landing", titleKey: "title_landing", extra: NoExtra())
        }
    }
}
