import AVACore
import SQLKit
import Vapor

/// Renders Leaf pages with the base context filled from the request.
enum PageRenderer {
    static func render<Extra: Encodable>(
        _ request: Request, _ template: String, page: String, titleKey: String,
        status: HTTPResponseStatus = .ok, extra: Extra, headers: HTTPHeaders = [:]
    ) async throws -> Response {
        var base = baseContext(request, page: page, titleKey: titleKey)
        if let current = request.auth.get(CurrentUser.self), let sql = request.db as? any SQLDatabase {
            // One COUNT on (org_id, read_at) for the navigation's badge; a failure only hides the badge.
            base.unreadMessages = (try? await DashboardStats.unreadMessages(sql: sql, orgID: current.orgID)) ?? 0
        }
        let view = try await request.view.render(template, Page(base: base, extra: extra))
        let response = try await view.encodeResponse(for: request)
        response.status = status
        for (name, value) in headers { response.headers.replaceOrAdd(name: name, value: value) }
        return response
    }

    static func baseContext(_ request: Request, page: String, titleKey: String) -> BasePage {
        let locale = request.appLocale
        let current = request.auth.get(CurrentUser.self)
        let pathComponents = request.url.path.split(separator: "/", omittingEmptySubsequences: true)
        let path: String
        if let first = pathComponents.first, AppLocale(rawValue: String(first)) != nil {
            path = pathComponents.dropFirst().map { "/" + $0 }.joined()
        } else {
            path = ""
        }
        var flash: String?
        var flashKind: String?
        if let key = try? request.query.get(String.self, at: "flash"), let known = Flash(rawValue: key) {
            let argument = current?.user.firstName ?? ""
            flash = request.application.translations.text(known.key, locale, [argument])
            flashKind = known.kind
        }
        let config = request.application.appConfig
        return BasePage(
            locale: locale.rawValue,
            dir: locale.direction,
            title: request.application.translations.text(titleKey, locale),
            page: page,
            csrf: request.csrfToken,
            path: path,
            user: current.map { .init(name: $0.user.name, firstName: $0.user.firstName, email: $0.user.email,
                                      emailVerified: $0.user.isEmailVerified, initials: $0.user.initials) },
            sandbox: config.isSandbox,
            showOutbox: !config.isProduction && config.smtpURL == nil,
            flash: flash,
            flashKind: flashKind
        )
    }

    struct ErrorExtra: Encodable { var status: Int; var heading: String; var message: String }

    static func errorPage(_ request: Request, status: HTTPResponseStatus, message: String) async throws -> Response {
        let headingKey = status == .notFound ? "error_page_heading_404" : "error_page_heading_generic"
        let extra = ErrorExtra(status: Int(status.code), heading: request.t(headingKey), message: message)
        do {
            return try await render(request, "error", page: "error", titleKey: "title_error", status: status, extra: extra)
        } catch {
            // The error page itself failed (a broken template): answer plainly rather than not at all.
            request.logger.report(error: error)
            let response = Response(status: status, body: .init(string: "\(status.code) \(message)"))
            response.headers.contentType = .plainText
            return response
        }
    }

    /// `/{locale}/...` for links and redirects.
    static func path(_ locale: AppLocale, _ rest: String, flash: Flash? = nil) -> String {
        "/\(locale.rawValue)\(rest)" + (flash.map { "?flash=\($0.rawValue)" } ?? "")
    }
}
