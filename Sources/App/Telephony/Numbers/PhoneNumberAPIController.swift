import AVACore
import Fluent
import Vapor

/// `/api/v1/phone-numbers…`: the organisation's numbers. A free US number from Vapi, or a number imported
/// from the owner's Twilio account; in the sandbox, fictional numbers.
struct PhoneNumberAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let numbers = routes.grouped("phone-numbers")
        numbers.get(use: list)
        numbers.get("options", use: options)
        numbers.get("available", use: available)
        numbers.post("create-us", use: createUS)
        numbers.post("twilio", "verify", use: verifyTwilio)
        numbers.post("import-twilio", use: importTwilio)
        numbers.get(":numberID", use: show)
        numbers.delete(":numberID", use: release)
    }

    struct CreateUSRequest: Content { var areaCode: String?; var name: String? }
    struct TwilioRequest: Content { var accountSid: String?; var authToken: String?; var phoneNumber: String?; var name: String? }

    struct PhoneNumberList: Content { var phoneNumbers: [PhoneNumberDTO]; var sandbox: Bool }

    struct Options: Content {
        var country: String
        /// `vapi-free` or `twilio-import`.
        var recommended: String
        var freeNumbersAvailable: Bool
        var sandbox: Bool
    }

    struct VerifyResponse: Content {
        var valid: Bool
        var number: String?
        var country: String?
        var voiceCapable: Bool?
        var accountType: String?
        /// When not valid: `twilio_credentials_invalid`, `twilio_account_suspended`, `twilio_account_closed`,
        /// `twilio_number_not_on_account`, `twilio_number_no_voice`.
        var reason: String?
        var message: String?
        var field: String?
    }

    @Sendable func list(req: Request) async throws -> PhoneNumberList {
        let user = try req.requireUser()
        let records = try await PhoneNumberService(req: req, user: user).list()
        return PhoneNumberList(phoneNumbers: records.map(PhoneNumberDTO.init), sandbox: req.telephony.isSandbox)
    }

    @Sendable func options(req: Request) async throws -> Options {
        let user = try req.requireUser()
        let org = try await Org.find(user.orgID, on: req.db)
        let country = TelephonyCountry.detect(orgCountry: org?.country ?? "US", acceptLanguage: req.headers.first(name: .acceptLanguage))
        return Options(country: country, recommended: TelephonyCountry.recommendedPath(for: country),
                       freeNumbersAvailable: country == "US", sandbox: req.telephony.isSandbox)
    }

    @Sendable func available(req: Request) async throws -> FreeNumberPreview {
        let user = try req.requireUser()
        let areaCode = (try? req.query.get(String.self, at: "areaCode")) ?? ""
        return try await PhoneNumberService(req: req, user: user).previewFreeUS(areaCode: areaCode)
    }

    @Sendable func createUS(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let body = try req.decodeJSON(CreateUSRequest.self)
        let record = try await PhoneNumberService(req: req, user: user).createFreeUS(areaCode: body.areaCode ?? "", name: body.name)
        return try await PhoneNumberDTO(record).encodeResponse(status: .created, for: req)
    }

    /// 200 `{valid: true, …}`, or 200 `{valid: false, reason, message}` for what the owner can fix in Twilio;
    /// 422 for a malformed SID, token or number.
    @Sendable func verifyTwilio(req: Request) async throws -> VerifyResponse {
        let user = try req.requireUser()
        let input = try await Self.twilioInput(req, user: user)
        do {
            let passed = try await PhoneNumberService(req: req, user: user).verifyTwilio(input)
            return VerifyResponse(valid: true, number: passed.number, country: passed.country, voiceCapable: passed.voiceCapable,
                                  accountType: passed.accountType)
        } catch let failure as TwilioNumberCheck.Failure {
            let error = failure.appError
            return VerifyResponse(valid: false, number: input.phone.e164, country: input.phone.countryISO, reason: error.code,
                                  message: req.t(error.messageKey), field: error.field)
        }
    }

    @Sendable func importTwilio(req: Request) async throws -> Response {
        let user = try req.requireUser()
        let input = try await Self.twilioInput(req, user: user)
        let name = try req.decodeJSON(TwilioRequest.self).name
        do {
            let record = try await PhoneNumberService(req: req, user: user).importTwilio(input, name: name)
            return try await PhoneNumberDTO(record).encodeResponse(status: .created, for: req)
        } catch let failure as TwilioNumberCheck.Failure {
            throw failure.appError
        }
    }

    @Sendable func show(req: Request) async throws -> PhoneNumberDTO {
        let user = try req.requireUser()
        return PhoneNumberDTO(try await PhoneNumberService(req: req, user: user).find(try Self.numberID(req)))
    }

    @Sendable func release(req: Request) async throws -> HTTPStatus {
        let user = try req.requireUser()
        try await PhoneNumberService(req: req, user: user).release(try Self.numberID(req))
        return .noContent
    }

    private static func numberID(_ req: Request) throws -> UUID {
        guard let id = req.parameters.get("numberID", as: UUID.self) else { throw AppError.notFound }
        return id
    }

    private static func twilioInput(_ req: Request, user: CurrentUser) async throws -> TwilioImportInput {
        let body = try req.decodeJSON(TwilioRequest.self)
        let org = try await Org.find(user.orgID, on: req.db)
        let country = TelephonyCountry.defaultCountry(for: org?.country ?? "US")
        return try TwilioImportInput.validate(accountSid: body.accountSid ?? "", authToken: body.authToken ?? "",
                                              phoneNumber: body.phoneNumber ?? "", defaultCountry: country).get()
    }
}

/// A number as the API shows it. Never the Twilio auth token, encrypted or not.
struct PhoneNumberDTO: Content {
    var id: UUID
    /// E.164, or null while a free Vapi number is activating.
    var number: String?
    /// `vapi`, `twilio`, `sip` or `sandbox`.
    var provider: String
    /// `activating`, `active`, `blocked` or `sandbox`.
    var status: String
    var name: String?
    var country: String?
    var assistantId: UUID?
    var twilioAccountSid: String?
    var sandbox: Bool
    var createdAt: Date?

    init(_ record: PhoneNumberRecord) {
        id = record.id!
        number = record.number
        provider = record.provider.rawValue.lowercased()
        status = record.status
        name = record.name
        country = record.number.flatMap(PhoneNumber.init(e164:))?.countryISO
        assistantId = record.$assistant.id
        twilioAccountSid = record.twilioAccountSID
        sandbox = record.isSandbox
        createdAt = record.createdAt
    }
}
