import Vapor

/// An error a user can act on: an HTTP status, a stable machine code, and a message key that is translated
/// into the request's language (see `ErrorMiddleware`). Internal details never go in here.
struct AppError: AbortError, Sendable {
    var status: HTTPResponseStatus
    /// Stable, documented in the OpenAPI description; clients switch on it.
    var code: String
    /// Key in Resources/Locales/*.json.
    var messageKey: String
    var messageArguments: [String] = []
    /// The form field at fault, when there is one.
    var field: String?
    var headers: HTTPHeaders = [:]

    var reason: String { code }

    static func validation(_ code: String, field: String?, _ arguments: String...) -> AppError {
        AppError(status: .unprocessableEntity, code: code, messageKey: "error_\(code)", messageArguments: arguments, field: field)
    }

    static func conflict(_ code: String, field: String) -> AppError {
        AppError(status: .conflict, code: code, messageKey: "error_\(code)", field: field)
    }

    static let invalidCredentials = AppError(status: .unauthorized, code: "invalid_credentials", messageKey: "error_invalid_credentials")
    static let unauthorized = AppError(status: .unauthorized, code: "unauthorized", messageKey: "error_unauthorized")
    static let refreshInvalid = AppError(status: .unauthorized, code: "refresh_invalid", messageKey: "error_refresh_invalid")
    static let tokenInvalid = AppError(status: .badRequest, code: "token_invalid", messageKey: "error_token_invalid")
    static let csrf = AppError(status: .forbidden, code: "csrf", messageKey: "error_csrf")
    static let notFound = AppError(status: .notFound, code: "not_found", messageKey: "error_not_found")
    static let unsupportedMediaType = AppError(status: .unsupportedMediaType, code: "unsupported_media_type", messageKey: "error_unsupported_media_type")
    static let invalidJSON = AppError(status: .badRequest, code: "invalid_json", messageKey: "error_invalid_json")

    static func rateLimited(retryAfter seconds: Int) -> AppError {
        AppError(status: .tooManyRequests, code: "rate_limited", messageKey: "error_rate_limited",
                 messageArguments: [String(seconds)], headers: ["Retry-After": String(seconds)])
    }
}
