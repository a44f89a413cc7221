import AVACore
import Fluent
import Vapor

/// Signing in with a code texted to the account's phone number: the steps the API and the pages share,
/// with the same rate limits (`sms-code`, `sms-code-verify`) whichever door a request comes through.
struct SMSSignIn {
    let request: Request

    /// Reads a phone number the way people type it, in the country of the request's language.
    static func parsePhone(_ raw: String?, country: CountryCode) throws -> PhoneNumber {
        let trimmed = raw?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard !trimmed.isEmpty else { throw AppError.phoneRequired }
        guard let phone = PhoneNumber(parsing: trimmed, defaultCountry: country) else {
            throw AppError.validation("invalid_phone", field: "phone")
        }
        return phone
    }

    /// Texts a code if an account has this number; answers the same either way (see `SMSCodeService.issue`).
    func sendCode(to phone: PhoneNumber, locale: AppLocale) async throws {
        try await request.limitAuthAttempt(route: "sms-code", identifier: phone.e164)
        let user = try await User.query(on: request.db).filter(\.$phone == phone.e164).first()
        try await SMSCodeService(request: request).issue(.signIn, to: phone.e164, user: user, locale: locale)
    }

    /// The account whose code this is. Owning the number is now proven, so it is marked verified.
    func verify(phone: PhoneNumber, code: String) async throws -> User {
        guard !code.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { throw AppError.codeRequired }
        try await request.limitAuthAttempt(route: "sms-code-verify", identifier: phone.e164)
        let row = try await SMSCodeService(request: request).check(.signIn, phone: phone.e164, userID: nil, input: code)
        // The number may have left the account since the code was sent.
        guard let userID = row.$user.id, let user = try await User.find(userID, on: request.db), user.phone == row.phone else {
            throw AppError.codeInvalid
        }
        if !user.phoneVerified {
            user.phoneVerified = true
            try await user.save(on: request.db)
        }
        return user
    }
}
