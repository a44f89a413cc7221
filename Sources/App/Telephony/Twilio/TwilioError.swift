import Foundation
import Vapor

/// What went wrong talking to Twilio: its own error body (`{code, message, more_info, status}`), or no
/// usable answer at all. Carries no credential, so it can be logged as is.
struct TwilioError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable, Equatable {
        /// Twilio answered with an error body.
        case api(code: Int?, message: String, moreInfo: String?)
        /// No answer (connection refused, timeout) or one that could not be read.
        case transport(String)
    }

    var kind: Kind
    /// The HTTP status Twilio answered with (0 when there was no answer).
    var httpStatus: Int

    // Codes AVA treats specially (https://www.twilio.com/docs/api/errors).
    static let invalidParameter = 60200      // Verify: invalid parameter, in practice the `To` number
    static let invalidToNumber = 21211       // Messages: invalid 'To' phone number
    static let maxCheckAttempts = 60202
    static let maxSendAttempts = 60203
    static let authenticationFailed = 20003
    static let notFound = 20404              // Verify: no pending verification (expired, approved or never sent)

    var code: Int? {
        if case .api(let code, _, _) = kind { return code }
        return nil
    }

    var description: String {
        switch kind {
        case .api(let code, let message, _): "Twilio error \(code.map(String.init) ?? "-") (HTTP \(httpStatus)): \(message)"
        case .transport(let reason): "Twilio unreachable: \(reason)"
        }
    }

    /// The body Twilio sends with every 4xx/5xx. Anything else (an HTML page from a proxy) keeps the status only.
    static func from(status: HTTPResponseStatus, body: ByteBuffer?) -> TwilioError {
        struct Body: Decodable { var code: Int?; var message: String?; var more_info: String? }
        if let body, let decoded = try? JSONDecoder().decode(Body.self, from: body) {
            return TwilioError(kind: .api(code: decoded.code, message: decoded.message ?? status.reasonPhrase,
                                          moreInfo: decoded.more_info), httpStatus: Int(status.code))
        }
        return TwilioError(kind: .api(code: nil, message: status.reasonPhrase, moreInfo: nil), httpStatus: Int(status.code))
    }
}

extension TwilioError {
    /// The error shown to the person who asked for the SMS, in their language. Operator problems
    /// (bad credentials, Twilio down, a Verify service that does not exist) say "temporarily unavailable";
    /// `log` has already told the operator.
    var appError: AppError {
        switch code {
        case Self.invalidParameter?, Self.invalidToNumber?:
            return .validation("invalid_phone", field: "phone")
        case Self.maxSendAttempts?:
            return .smsSendLimit
        case Self.maxCheckAttempts?:
            return .codeTooManyAttempts
        case Self.authenticationFailed?, Self.notFound?:
            return .smsUnavailable
        default:
            if case .transport = kind { return .smsUnavailable }
            return httpStatus >= 500 ? .smsUnavailable : .smsFailed
        }
    }

    /// For a code check, 20404 means Verify has nothing pending for the number: the code expired or was used.
    var checkAppError: AppError { code == Self.notFound ? .codeInvalid : appError }

    /// Faults the operator must fix (credentials, configuration, Twilio down) are errors in the log;
    /// refusals caused by the user's number or pace are only noted.
    func log(_ logger: Logger, operation: String, account: String) {
        var metadata: Logger.Metadata = ["operation": "\(operation)", "account": "\(account)", "twilio": "\(self)"]
        let expiredCheck = code == Self.notFound && operation == "verification_check.create"
        switch appError.code {
        case AppError.smsUnavailable.code where !expiredCheck, AppError.smsFailed.code:
            if code == Self.authenticationFailed { metadata["hint"] = "the account SID or auth token is wrong" }
            logger.error("Twilio request failed", metadata: metadata)
        default:
            logger.notice("Twilio refused the request", metadata: metadata)
        }
    }
}
