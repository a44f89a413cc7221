import AVACore
import Fluent
import Vapor

/// `/{locale}/settings/phone-numbers`: the organisation's numbers, with the two ways to add one (a free US
/// number, or an import from the owner's Twilio account) and a release button. Plain forms: no JavaScript needed.
struct PhoneNumberPagesController {
    let locale: AppLocale

    func register(on routes: any RoutesBuilder) {
        let pages = routes.grouped(RequireSignInPage()).grouped("settings", "phone-numbers")
        pages.get { req in try await render(req) }
        pages.post("create-us") { req in try await createUS(req) }
        pages.post("import-twilio") { req in try await importTwilio(req) }
        pages.post(":numberID", "release") { req in try await release(req) }
    }

    struct NumberRow: Encodable {
        var id: String
        var number: String
        var name: String?
        var provider: String
        var providerLabel: String
        var status: String
        var statusLabel: String
        var statusKind: String
        /// The assistant answering this number (nil: none linked yet, so calls are not answered by AVA).
        var assistantName: String?
    }

    struct Extra: Encodable {
        var numbers: [NumberRow]
        var recommended: String
        /// The country national numbers typed in the import form belong to (for the live preview).
        var phoneCountry: String
        var sandbox: Bool
        var canManage: Bool
        var emailVerified: Bool
        var form: [String: String]
        var errors: [String: String]
        var formError: String?
        /// Which form the error belongs to (`us` or `twilio`), so it opens on re-render.
        var openForm: String?
    }

    struct USForm: Content { var areaCode: String?; var name: String? }
    struct TwilioForm: Content { var accountSid: String?; var authToken: String?; var phoneNumber: String?; var name: String? }

    private func render(_ req: Request, form: [String: String] = [:], errors: [String: String] = [:], formError: String? = nil,
                        openForm: String? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let user = try req.requireUser()
        let records = try await PhoneNumberService(req: req, user: user).list()
        let org = try await Org.find(user.orgID, on: req.db)
        let country = TelephonyCountry.detect(orgCountry: org?.country ?? "US", acceptLanguage: req.headers.first(name: .acceptLanguage))
        let assistants = try await Assistant.query(on: req.db).filter(\.$org.$id == user.orgID).all()
        let rows = records.map { record in
            NumberRow(id: record.id!.uuidString, number: record.number.map(Self.display) ?? req.t("numbers_pending_number"),
                      name: record.name, provider: record.provider.rawValue.lowercased(),
                      providerLabel: req.t("numbers_provider_\(record.provider.rawValue.lowercased())"),
                      status: record.status, statusLabel: req.t("numbers_status_\(Self.knownStatus(record.status))"),
                      statusKind: record.status == "active" ? "success" : record.status == "blocked" ? "danger" : "warning",
                      assistantName: assistants.first { $0.id != nil && $0.id == record.$assistant.id }?.name)
        }
        // Passwords never go back into a page, even one the owner just typed.
        var safeForm = form
        safeForm["authToken"] = nil
        let extra = Extra(numbers: rows, recommended: TelephonyCountry.recommendedPath(for: country),
                          phoneCountry: TelephonyCountry.defaultCountry(for: org?.country ?? "US").rawValue, sandbox: req.telephony.isSandbox,
                          canManage: user.role == .owner || user.role == .admin, emailVerified: user.user.isEmailVerified,
                          form: safeForm, errors: errors, formError: formError, openForm: openForm)
        return try await PageRenderer.render(req, "app/phone-numbers", page: "settings", titleKey: "title_phone_numbers",
                                             status: status, extra: extra)
    }

    private func createUS(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(USForm.self)
        do {
            _ = try await PhoneNumberService(req: req, user: user).createFreeUS(areaCode: form.areaCode ?? "", name: form.name)
            return req.redirect(to: PageRenderer.path(locale, "/settings/phone-numbers", flash: .numberAdded))
        } catch let error as AppError {
            return try await failed(req, error, form: ["areaCode": form.areaCode ?? "", "name": form.name ?? ""], openForm: "us")
        }
    }

    private func importTwilio(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        let form = try req.content.decode(TwilioForm.self)
        let echo = ["accountSid": form.accountSid ?? "", "phoneNumber": form.phoneNumber ?? "", "name": form.name ?? ""]
        let org = try await Org.find(user.orgID, on: req.db)
        switch TwilioImportInput.validate(accountSid: form.accountSid ?? "", authToken: form.authToken ?? "",
                                          phoneNumber: form.phoneNumber ?? "",
                                          defaultCountry: TelephonyCountry.defaultCountry(for: org?.country ?? "US")) {
        case .failure(let errors):
            return try await render(req, form: echo, errors: errors.messages(req), openForm: "twilio", status: .unprocessableEntity)
        case .success(let input):
            do {
                _ = try await PhoneNumberService(req: req, user: user).importTwilio(input, name: form.name)
                return req.redirect(to: PageRenderer.path(locale, "/settings/phone-numbers", flash: .numberAdded))
            } catch let failure as TwilioNumberCheck.Failure {
                return try await failed(req, failure.appError, form: echo, openForm: "twilio")
            } catch let error as AppError {
                return try await failed(req, error, form: echo, openForm: "twilio")
            }
        }
    }

    private func release(_ req: Request) async throws -> Response {
        let user = try req.requireUser()
        guard let id = req.parameters.get("numberID", as: UUID.self) else { throw AppError.notFound }
        do {
            try await PhoneNumberService(req: req, user: user).release(id)
            return req.redirect(to: PageRenderer.path(locale, "/settings/phone-numbers", flash: .numberReleased))
        } catch let error as AppError where error.status != .notFound {
            return try await failed(req, error, form: [:], openForm: nil)
        }
    }

    /// Field errors under their field, the rest at the top of the form.
    private func failed(_ req: Request, _ error: AppError, form: [String: String], openForm: String?) async throws -> Response {
        let message = req.application.translations.text(error.messageKey, req.appLocale, error.messageArguments)
        let status: HTTPStatus = error.status.code >= 500 ? .serviceUnavailable : error.status
        if let field = error.field, form.keys.contains(field) || field == "authToken" {
            return try await render(req, form: form, errors: [field: message], openForm: openForm, status: status)
        }
        return try await render(req, form: form, formError: message, openForm: openForm, status: status)
    }

    /// `+33 6 12 34 56 78` style grouping is country-specific; E.164 with a space after the country code reads well everywhere.
    static func display(_ e164: String) -> String {
        guard let phone = PhoneNumber(e164: e164) else { return e164 }
        if e164.hasPrefix("+1"), e164.count == 12 {
            let d = Array(e164.dropFirst(2))
            return "+1 (\(String(d[0..<3]))) \(String(d[3..<6]))-\(String(d[6..<10]))"
        }
        let code = ["972", "33"].first { e164.dropFirst().hasPrefix($0) } ?? String(e164.dropFirst().prefix(2))
        return "+\(code) \(phone.e164.dropFirst(1 + code.count))"
    }

    private static func knownStatus(_ status: String) -> String {
        ["active", "activating", "blocked", "sandbox"].contains(status) ? status : "other"
    }
}
