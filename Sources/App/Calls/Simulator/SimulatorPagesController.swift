import AVACore
import Fluent
import Vapor

/// `/{locale}/simulator`: talk to your AVA by typing. Plain forms work without JavaScript (each post runs the
/// turn on the server, then shows the conversation again); with JavaScript the page uses the JSON API and the
/// live transcript, and offers voice where the browser can listen and speak (Public/js/simulator.js).
struct SimulatorPagesController {
    let locale: AppLocale
    static let path = "/simulator"

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("simulator")
        pages.get { req in try await page(req) }
        pages.post("start") { req in try await start(req) }
        pages.post(":callID", "say") { req in try await say(req) }
        pages.post(":callID", "hang-up") { req in try await hangUp(req) }
    }

    struct LineView: Encodable { var role: String; var who: String; var text: String }

    struct CallView: Encodable {
        var id: String
        var ended: Bool
        var lines: [LineView]
        /// The live stream's `since`: the id of the last line shown (`LiveEventID`), "0" before any.
        var liveSince: String
        var summary: String?
        var outcome: String?
        var outcomeLabel: String?
    }

    /// Everything `app/simulator-call.leaf` needs, under the key `simulator`. Another page (the onboarding's
    /// test call) can show a simulated call by putting `conversation(...)` in its context as `simulator`
    /// and `#extend("app/simulator-call")`; with `returnTo` set to that page, the forms come back to it.
    struct Conversation: Encodable {
        var call: CallView?
        var hasCall: Bool
        var showStart: Bool
        var scripted: Bool
        var formError: String?
        var errorField: String
        var text: String
        var callerName: String
        var callerNumber: String
        /// BCP 47 tag of the conversation's language, for speech recognition and synthesis.
        var speechLang: String
        var conversationDir: String
        var returnTo: String?
        /// Shown inside another page: no "new call" buttons after the summary.
        var embedded: Bool
    }

    struct Extra: Encodable { var simulator: Conversation }

    /// The simulated call `callID` (or the one named by `?call=`) of the signed-in user's organisation.
    static func conversation(_ req: Request, locale: AppLocale, callID: UUID? = nil, form: [String: String] = [:],
                             error: AppError? = nil, returnTo: String? = nil, embedded: Bool = false) async throws -> Conversation {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let id = callID ?? (try? req.query.get(String.self, at: "call")).flatMap(UUID.init(uuidString:))
        var call: SimulatedCall?
        if let id { call = try await req.application.simulatedCalls.get(id, orgID: user.orgID) }
        let orgLocale = AppLocale(rawValue: org.locale) ?? .fallback
        let t = { (key: String) in req.application.translations.text(key, locale) }
        let view = call.map { call in
            CallView(id: call.callID.uuidString, ended: call.ended,
                     lines: call.lines.map { LineView(role: $0.role, who: $0.role == "assistant" ? "AVA" : t("simulator_you"), text: $0.text) },
                     liveSince: call.lines.map { LiveEventID(line: $0.at, role: $0.role, text: $0.text) }.max()?.description ?? "0",
                     summary: call.summary, outcome: call.outcome,
                     outcomeLabel: call.ended ? t("simulator_outcome_\(call.outcome ?? "none")") : nil)
        }
        return Conversation(call: view, hasCall: view != nil, showStart: view?.ended ?? true,
                            scripted: req.application.appConfig.languageModel == nil,
                            formError: error.map(req.message), errorField: error?.field ?? "", text: form["text"] ?? "",
                            callerName: form["callerName"] ?? "", callerNumber: form["callerNumber"] ?? "",
                            speechLang: BookingTexts.localeIdentifier(orgLocale).replacingOccurrences(of: "_", with: "-"),
                            conversationDir: orgLocale.direction, returnTo: returnTo, embedded: embedded)
    }

    private func page(_ req: Request, callID: UUID? = nil, form: [String: String] = [:], error: AppError? = nil,
                      status: HTTPStatus = .ok) async throws -> Response {
        let conversation = try await Self.conversation(req, locale: locale, callID: callID, form: form, error: error,
                                                       returnTo: allowedReturn(form["returnTo"]))
        return try await PageRenderer.render(req, "app/simulator", page: "simulator", titleKey: "title_simulator",
                                             status: status, extra: Extra(simulator: conversation))
    }

    /// Only a page of AVA's onboarding may be returned to (a plain path: no scheme, host, query or "..").
    private func allowedReturn(_ value: String?) -> String? {
        guard let value, value.hasPrefix(PageRenderer.path(locale, "/onboarding")), value.count <= 100, !value.contains(".."),
              !value.contains("//"), value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "/" || $0 == "-") })
        else { return nil }
        return value
    }

    private func start(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            let body = SimulatorAPIController.StartRequest(callerNumber: form["callerNumber"], callerName: form["callerName"])
            let input = try await SimulatorAPIController.caller(body, orgID: user.orgID, db: req.db)
            let call = try await SimulatorEngine(app: req.application, logger: req.logger)
                .start(orgID: user.orgID, callerNumber: input.number, callerName: input.name)
            return req.redirect(to: afterPost(call.callID, form), redirectType: .normal)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .tooManyRequests {
            return try await page(req, form: form, error: error, status: error.status)
        }
    }

    private func say(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let id = req.parameters.get("callID", as: UUID.self),
              try await req.application.simulatedCalls.get(id, orgID: user.orgID) != nil else { throw AppError.notFound }
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            let text = try SimulatorAPIController.spoken(form["text"])
            _ = try await SimulatorEngine(app: req.application, logger: req.logger).say(text, callID: id, orgID: user.orgID)
            return req.redirect(to: afterPost(id, form) + "#say", redirectType: .normal)
        } catch let error as AppError where error.status == .unprocessableEntity || error.status == .conflict {
            return try await page(req, callID: id, form: form, error: error, status: error.status)
        }
    }

    private func hangUp(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let id = req.parameters.get("callID", as: UUID.self) else { throw AppError.notFound }
        let form = (try? req.content.decode([String: String].self)) ?? [:]
        do {
            _ = try await SimulatorEngine(app: req.application, logger: req.logger).hangUp(callID: id, orgID: user.orgID)
        } catch let error as AppError where error.status == .conflict {
            return try await page(req, callID: id, form: form, error: error, status: error.status)
        }
        return req.redirect(to: afterPost(id, form), redirectType: .normal)
    }

    private func afterPost(_ id: UUID, _ form: [String: String]) -> String {
        (allowedReturn(form["returnTo"]) ?? PageRenderer.path(locale, Self.path)) + "?call=\(id.uuidString)"
    }
}
