import AVACore
import Fluent
import Vapor

/// `/api/v1/auth/sms-code…` (sign in with a texted code) and `/api/v1/auth/verify-phone…` (prove the
/// number on one's profile).
struct SMSCodeAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let auth = routes.grouped("auth")
        auth.post("sms-code", use: sendCode)
        auth.post("sms-code", "verify", use: verifyCode)
        auth.post("verify-phone", use: sendVerification)
        auth.post("verify-phone", "confirm", use: confirmVerification)
    }

    struct SendCodeRequest: Content { var phone: String? }
    struct VerifyCodeRequest: Content { var phone: String?; var code: String?; var rememberMe: Bool? }
    struct VerifyPhoneRequest: Content { var phone: String? }
    struct ConfirmPhoneRequest: Content { var code: String? }
    struct SentResponse: Content { var sent = true }
    struct PhoneVerifiedResponse: Content { var phone: String; var phoneVerified: Bool }

    /// 202 `{sent: true}` whether or not an account has the number.
    @Sendable func sendCode(req: Request) async throws -> Response {
        let body = try req.decodeJSON(SendCodeRequest.self)
        let phone = try SMSSignIn.parsePhone(body.phone, country: req.appLocale.defaultCountry)
        try await SMSSignIn(request: req).sendCode(to: phone, locale: req.appLocale)
        return try await SentResponse().encodeResponse(status: .accepted, for: req)
    }

    /// Tokens (or a second-factor challenge) for the account whose code this is.
    @Sendable func verifyCode(req: Request) async throws -> Response {
        let body = try req.decodeJSON(VerifyCodeRequest.self)
        let phone = try SMSSignIn.parsePhone(body.phone, country: req.appLocale.defaultCountry)
        let user = try await SMSSignIn(request: req).verify(phone: phone, code: body.code ?? "")
        return try await SignInFlow(request: req).apiResponse(for: user, rememberMe: body.rememberMe ?? false, method: .smsCode)
    }

    /// Texts a code to the signed-in user's number, or to the new number given.
    @Sendable func sendVerification(req: Request) async throws -> Response {
        let current = try req.requireUser()
        // The body is optional: no body means "my current number".
        let body = req.body.data == nil && req.headers.contentType == nil ? VerifyPhoneRequest() : try req.decodeJSON(VerifyPhoneRequest.self)
        let phone = try SMSSignIn.parsePhone(body.phone ?? current.user.phone, country: req.appLocale.defaultCountry)
        if phone.e164 == current.user.phone, current.user.phoneVerified { throw AppError.phoneAlreadyVerified }
        // Limited before `phone_taken` can answer, so nobody can sweep numbers to learn which have accounts.
        try await req.limitAuthAttempt(route: "verify-phone", identifier: current.userID.uuidString)
        try await Self.requireFree(phone.e164, for: current.user, on: req.db)
        try await SMSCodeService(request: req).issue(.verifyPhone, to: phone.e164, user: current.user, locale: req.appLocale)
        return try await SentResponse().encodeResponse(status: .accepted, for: req)
    }

    /// Checks the code; the number becomes the user's, verified.
    @Sendable func confirmVerification(req: Request) async throws -> PhoneVerifiedResponse {
        let current = try req.requireUser()
        let body = try req.decodeJSON(ConfirmPhoneRequest.self)
        guard let code = body.code, !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw AppError.codeRequired }
        try await req.limitAuthAttempt(route: "verify-phone-confirm", identifier: current.userID.uuidString)
        let row = try await SMSCodeService(request: req).check(.verifyPhone, phone: nil, userID: current.userID, input: code)
        // Someone else may have taken the number while the code travelled.
        try await Self.requireFree(row.phone, for: current.user, on: req.db)
        let user = current.user
        user.phone = row.phone
        user.phoneVerified = true
        do {
            try await user.save(on: req.db)
        } catch let error as any DatabaseError where error.isConstraintFailure {
            throw AppError.conflict("phone_taken", field: "phone")
        }
        return PhoneVerifiedResponse(phone: row.phone, phoneVerified: true)
    }

    static func requireFree(_ phone: String, for user: User, on db: any Database) async throws {
        let holder = try await User.query(on: db).filter(\.$phone == phone).filter(\.$id != user.id!).first()
        if holder != nil { throw AppError.conflict("phone_taken", field: "phone") }
    }
}
