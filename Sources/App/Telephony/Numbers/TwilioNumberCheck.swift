import AVACore
import Vapor

/// What the owner typed to import a number from their own Twilio account, checked and normalised.
struct TwilioImportInput: Sendable {
    var credentials: TwilioCredentials
    var phone: PhoneNumber

    /// Account SIDs are `AC` + 32 hex digits; auth tokens 32 hex digits. Checked before anything is sent,
    /// so a typo gets a precise answer instead of Twilio's generic 401.
    static func validate(accountSid: String, authToken: String, phoneNumber: String,
                         defaultCountry: CountryCode) -> Result<TwilioImportInput, FieldErrors> {
        var errors = FieldErrors()
        let sid = accountSid.trimmingCharacters(in: .whitespacesAndNewlines)
        let token = authToken.trimmingCharacters(in: .whitespacesAndNewlines)
        if sid.range(of: #"^AC[0-9a-fA-F]{32}$"#, options: .regularExpression) == nil {
            errors.add(.validation("twilio_sid_invalid", field: "accountSid"))
        }
        if token.range(of: #"^[0-9a-fA-F]{32}$"#, options: .regularExpression) == nil {
            errors.add(.validation("twilio_token_invalid", field: "authToken"))
        }
        let phone = PhoneNumber(parsing: phoneNumber, defaultCountry: defaultCountry)
        if phone == nil { errors.add(.validation("invalid_phone", field: "phoneNumber")) }
        guard errors.isEmpty, let phone else { return .failure(errors) }
        return .success(TwilioImportInput(credentials: TwilioCredentials(accountSID: "AC" + sid.dropFirst(2).lowercased(),
                                                                         authToken: token.lowercased()),
                                          phone: phone))
    }
}

/// Asks the owner's Twilio account whether the number can be imported: the credentials work, the account
/// is active, the number is on it and takes calls.
struct TwilioNumberCheck {
    /// Why a number cannot be imported. The raw values are the API's `reason` codes (and `error_<code>` keys).
    enum Failure: String, Sendable, Error {
        case credentialsInvalid = "twilio_credentials_invalid"
        case accountSuspended = "twilio_account_suspended"
        case accountClosed = "twilio_account_closed"
        case numberNotOnAccount = "twilio_number_not_on_account"
        case noVoice = "twilio_number_no_voice"

        var appError: AppError {
            AppError(status: .unprocessableEntity, code: rawValue, messageKey: "error_\(rawValue)",
                     field: self == .numberNotOnAccount || self == .noVoice ? "phoneNumber" : "accountSid")
        }
    }

    struct Passed: Sendable {
        var number: String
        var country: String?
        var voiceCapable: Bool
        /// `Trial` or `Full`: trial accounts only call verified numbers, which the owner should know.
        var accountType: String?
        var currentVoiceURL: String?
    }

    let client: TwilioClient

    /// Throws `Failure` for what the owner can fix, `AppError.twilioUnavailable` when Twilio cannot be reached.
    func run(_ input: TwilioImportInput) async throws -> Passed {
        let account: TwilioAccount
        do {
            account = try await client.fetchAccount()
        } catch let error as TwilioError {
            throw Self.translate(error)
        }
        switch account.status?.lowercased() {
        case "suspended": throw Failure.accountSuspended
        case "closed": throw Failure.accountClosed
        default: break
        }
        let found: TwilioIncomingNumber?
        do {
            found = try await client.findIncomingNumber(input.phone.e164)
        } catch let error as TwilioError {
            throw Self.translate(error)
        }
        guard let found else { throw Failure.numberNotOnAccount }
        guard found.voiceCapable else { throw Failure.noVoice }
        return Passed(number: input.phone.e164, country: input.phone.countryISO, voiceCapable: true,
                      accountType: account.type, currentVoiceURL: found.voiceURL)
    }

    private static func translate(_ error: TwilioError) -> any Error {
        if error.code == TwilioError.authenticationFailed || error.httpStatus == 401 || error.httpStatus == 403
            || error.httpStatus == 404 {
            return Failure.credentialsInvalid
        }
        return AppError.twilioUnavailable
    }
}

extension AppError {
    /// Twilio did not answer (or answered 5xx) while checking an owner's account.
    static let twilioUnavailable = AppError(status: .serviceUnavailable, code: "twilio_unavailable",
                                            messageKey: "error_twilio_unavailable")
}
