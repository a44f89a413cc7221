import Vapor

/// The errors of SMS codes and phone verification. Codes are stable (documented in openapi.json);
/// messages are `error_<code>` in Resources/Locales.
extension AppError {
    /// Wrong, expired or already used: one answer, so it tells nothing about which (or whether an account exists).
    static let codeInvalid = AppError(status: .unauthorized, code: "code_invalid", messageKey: "error_code_invalid", field: "code")
    /// Five wrong tries: this code no longer works, a new one is needed.
    static let codeTooManyAttempts = AppError(status: .tooManyRequests, code: "code_too_many_attempts",
                                              messageKey: "error_code_too_many_attempts", field: "code")
    static let codeRequired = AppError.validation("code_required", field: "code")
    static let phoneRequired = AppError.validation("phone_required", field: "phone")
    static let phoneAlreadyVerified = AppError(status: .conflict, code: "phone_already_verified",
                                               messageKey: "error_phone_already_verified", field: "phone")
    /// Twilio's own per-number send limit (60203).
    static let smsSendLimit = AppError(status: .tooManyRequests, code: "sms_send_limit", messageKey: "error_sms_send_limit",
                                       headers: ["Retry-After": "600"])
    /// No SMS can go out now: Twilio unreachable or refusing the platform's credentials (logged for the operator).
    static let smsUnavailable = AppError(status: .serviceUnavailable, code: "sms_unavailable", messageKey: "error_sms_unavailable")
    /// Twilio refused this message for another reason.
    static let smsFailed = AppError(status: .badGateway, code: "sms_failed", messageKey: "error_sms_failed")

    /// AVA's own resend limit (one code per 30 seconds, five an hour, per number).
    static func smsResendWait(seconds: Int) -> AppError {
        AppError(status: .tooManyRequests, code: "sms_resend_wait", messageKey: "error_sms_resend_wait",
                 messageArguments: [String(seconds)], headers: ["Retry-After": String(seconds)])
    }
}
