import AVACore
import Fluent
import Vapor

/// `/{locale}/calls`: the organisation's calls, newest first, with search and filters in a plain GET form and
/// an "older calls" link (a cursor, never an offset); `/{locale}/calls/{id}`: one call, its conversation and
/// what came of it, live while it lasts.
struct CallHistoryPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("calls")
        pages.get { req in try await list(req) }
        pages.get(":callID") { req in try await detail(req) }
    }

    // MARK: List

    struct Option: Encodable { var value: String; var label: String; var selected: Bool }

    struct Row: Encodable {
        var id: String
        var href: String
        var who: String
        /// The number under the name, when the caller gave a name.
        var number: String?
        var time: String
        var isoTime: String
        var duration: String?
        var outcome: String
        var outcomeLabel: String
        var summary: String?
        var inProgress: Bool
        var simulated: Bool
    }

    struct ListExtra: Encodable {
        var rows: [Row]
        var form: [String: String]
        var outcomes: [Option]
        var numbers: [Option]
        var olderHref: String?
        var newestHref: String?
        var filtered: Bool
        var formError: String?
        var errorField: String?
    }

    private func list(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let presenter = CallHistoryPresenter(locale: locale, timeZone: CallHistoryPresenter.timeZone(of: org),
                                             translations: req.application.translations)
        let query = (try? req.query.decode([String: String].self)) ?? [:]
        var form: [String: String] = [:]
        for key in ["q", "outcome", "from", "to", "number"] { form[key] = String((query[key] ?? "").prefix(200)) }
        let numbers = try await PhoneNumberRecord.query(on: req.db).filter(\.$org.$id == user.orgID).sort(\.$e164).all()

        var rows: [Row] = []
        var olderHref: String?
        var error: AppError?
        var filtered = false
        do {
            var filter = try CallHistoryFilter.parse(query, timeZone: presenter.timeZone)
            filter.limit = 25
            filtered = filter.isFiltered
            let page = try await CallHistoryQuery.page(orgID: user.orgID, filter: filter, on: req.db)
            rows = page.rows.map { row(for: $0, presenter: presenter) }
            if let next = page.nextCursor {
                var items = form.filter { !$0.value.isEmpty }.map { URLQueryItem(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
                items.append(URLQueryItem(name: "cursor", value: next.encoded))
                var components = URLComponents()
                components.queryItems = items
                olderHref = PageRenderer.path(locale, "/calls") + (components.string ?? "")
            }
        } catch let failure as AppError where failure.status == .unprocessableEntity {
            error = failure
            filtered = true
        }
        let newestHref: String? = query["cursor"].map { _ in
            var components = URLComponents()
            components.queryItems = form.filter { !$0.value.isEmpty }.map { URLQueryItem(name: $0.key, value: $0.value) }.sorted { $0.name < $1.name }
            return PageRenderer.path(locale, "/calls") + (components.queryItems?.isEmpty == false ? (components.string ?? "") : "")
        }
        let outcomes = CallHistoryFilter.Outcome.allCases.map {
            Option(value: $0.rawValue, label: presenter.outcomeLabel($0.rawValue == "none" ? nil : $0.rawValue),
                   selected: form["outcome"] == $0.rawValue)
        }
        let numberOptions = numbers.map {
            Option(value: $0.id!.uuidString, label: $0.e164, selected: form["number"]?.uppercased() == $0.id!.uuidString)
        }
        let extra = ListExtra(rows: rows, form: form, outcomes: outcomes, numbers: numberOptions, olderHref: olderHref,
                              newestHref: newestHref, filtered: filtered, formError: error.map(req.message), errorField: error?.field)
        return try await PageRenderer.render(req, "app/calls", page: "calls", titleKey: "title_calls",
                                             status: error == nil ? .ok : .unprocessableEntity, extra: extra)
    }

    private func row(for call: CallListRow, presenter: CallHistoryPresenter) -> Row {
        let name = call.callerName?.trimmingCharacters(in: .whitespaces)
        let who = (name?.isEmpty == false ? name : nil) ?? call.fromNumber ?? presenter.t("calls_unknown_caller")
        let summary = call.summary.map { text in
            let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
            return line.count > 160 ? String(line.prefix(157)) + "…" : line
        }
        return Row(id: call.id.uuidString, href: PageRenderer.path(locale, "/calls/\(call.id.uuidString)"), who: who,
                   number: name?.isEmpty == false ? call.fromNumber : nil,
                   time: presenter.when(call.at), isoTime: ISO8601DateFormatter().string(from: call.at),
                   duration: presenter.duration(call.durationSeconds), outcome: call.outcome ?? "none",
                   outcomeLabel: presenter.outcomeLabel(call.outcome), summary: summary,
                   inProgress: call.status != "ended", simulated: call.simulated)
    }

    // MARK: One call

    struct Line: Encodable { var role: String; var who: String; var text: String; var time: String? }
    struct AppointmentView: Encodable { var href: String; var when: String; var service: String; var status: String; var statusLabel: String }
    struct MessageView: Encodable { var reason: String; var name: String; var phone: String; var urgency: String; var urgencyLabel: String }

    struct DetailExtra: Encodable {
        var id: String
        var who: String
        var number: String?
        var telHref: String?
        var dialled: String?
        var time: String
        var isoTime: String
        var duration: String?
        var status: String
        var outcome: String
        var outcomeLabel: String
        var summary: String?
        var recordingURL: String?
        var endedReason: String?
        var endedReasonIsCode: Bool
        var cost: String?
        var lines: [Line]
        var appointments: [AppointmentView]
        var messages: [MessageView]
        var transferred: Bool
        var live: Bool
        /// The live stream's `since`: the id of the last line rendered (`LiveEventID`), "0" when none was, so a
        /// line stored between this render and the stream's opening is replayed, not lost.
        var liveSince: String
        var simulated: Bool
        var conversationDir: String
    }

    private func detail(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let details = try await CallDetails.load(req.parameters.get("callID"), orgID: user.orgID, on: req.db)
        guard let org = try await Org.find(user.orgID, on: req.db) else { throw AppError.notFound }
        let presenter = CallHistoryPresenter(locale: locale, timeZone: CallHistoryPresenter.timeZone(of: org),
                                             translations: req.application.translations)
        let call = details.call
        let at = call.startedAt ?? call.createdAt ?? Date()
        let name = call.callerName?.trimmingCharacters(in: .whitespaces)
        let who = (name?.isEmpty == false ? name : nil) ?? call.fromNumber ?? presenter.t("calls_unknown_caller")
        let clock = presenter
        let timeFormatter = DateFormatter()
        timeFormatter.locale = Locale(identifier: BookingTexts.localeIdentifier(locale))
        timeFormatter.timeZone = presenter.timeZone
        timeFormatter.setLocalizedDateFormatFromTemplate("jmmss")
        let callerLabel = name?.isEmpty == false ? name! : presenter.t("calls_caller")
        let ended = presenter.endedReason(call.endedReason)
        let orgLocale = AppLocale(rawValue: org.locale) ?? locale
        let extra = DetailExtra(
            id: call.id!.uuidString, who: who, number: call.fromNumber,
            telHref: call.fromNumber.flatMap { PhoneNumber(e164: $0) }.map { "tel:\($0.e164)" },
            dialled: call.toNumber, time: clock.when(at), isoTime: ISO8601DateFormatter().string(from: at),
            duration: presenter.duration(details.durationSeconds), status: call.status,
            outcome: call.outcome ?? "none", outcomeLabel: presenter.outcomeLabel(call.outcome), summary: call.summary,
            recordingURL: call.recordingURL.flatMap { $0.hasPrefix("https://") || $0.hasPrefix("http://") ? $0 : nil },
            endedReason: ended?.text, endedReasonIsCode: ended?.isCode ?? false, cost: call.simulated && (call.cost ?? 0) == 0 ? nil : presenter.cost(call.cost),
            lines: details.lines.map {
                Line(role: $0.role, who: $0.role == "assistant" ? "AVA" : callerLabel, text: $0.text,
                     time: $0.at.map { timeFormatter.string(from: $0) })
            },
            appointments: details.appointments.map {
                AppointmentView(href: PageRenderer.path(locale, "\(AppointmentPagesController.path)/\($0.id!.uuidString)"),
                                when: BookingTexts.when($0.startsAt, locale: locale, timeZoneID: presenter.timeZone.identifier),
                                service: $0.service.name, status: $0.status.rawValue,
                                statusLabel: presenter.t("appointment_status_\($0.status.rawValue)"))
            },
            messages: details.messages.map {
                MessageView(reason: $0.reason, name: $0.name, phone: $0.phone, urgency: $0.urgency.rawValue,
                            urgencyLabel: presenter.t("calls_urgency_\($0.urgency.rawValue)"))
            },
            transferred: call.outcome == "transferred", live: details.isLive,
            liveSince: details.lines.compactMap { line in line.at.map { LiveEventID(line: $0, role: line.role, text: line.text) } }
                .max()?.description ?? "0",
            simulated: call.simulated,
            conversationDir: orgLocale.direction)
        // The recording lives at Vapi's storage: this page alone may play media from that one origin.
        var headers: HTTPHeaders = [:]
        if let recording = extra.recordingURL, let url = URL(string: recording), let scheme = url.scheme, let host = url.host {
            let origin = "\(scheme)://\(host)" + (url.port.map { ":\($0)" } ?? "")
            headers.replaceOrAdd(name: "Content-Security-Policy",
                                 value: SecurityHeadersMiddleware.contentSecurityPolicy + "; media-src 'self' \(origin)")
        }
        return try await PageRenderer.render(req, "app/call", page: "calls", titleKey: "title_call", extra: extra, headers: headers)
    }
}
