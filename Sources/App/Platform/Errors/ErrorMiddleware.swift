import AVACore
import FluentPostgresDriver
import Vapor

/// Turns every error into an answer the user understands, in their language, with the right status:
/// JSON `{error: {code, message, field?}}` under `/api`, a localized page elsewhere.
/// Unexpected errors are logged in full and answered with a generic 500 that reveals nothing.
struct AppErrorMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        do {
            return try await next.respond(to: request)
        } catch {
            let appError = Self.appError(for: error, request: request)
            if appError.status.code >= 500 {
                request.logger.report(error: error)
            }
            let locale = request.appLocale
            let message = request.application.translations.text(appError.messageKey, locale, appError.messageArguments)
            let response: Response
            if request.isAPI {
                response = Response(status: appError.status)
                try response.content.encode(ErrorBody(error: .init(code: appError.code, message: message, field: appError.field)))
            } else {
                response = try await PageRenderer.errorPage(request, status: appError.status, message: message)
            }
            for (name, value) in appError.headers { response.headers.replaceOrAdd(name: name, value: value) }
            return response
        }
    }

    struct ErrorBody: Content {
        struct Detail: Content { var code: String; var message: String; var field: String? }
        var error: Detail
    }

    /// Maps framework errors (routing, body decoding, size limits) to stable codes.
    static func appError(for error: any Error, request: Request) -> AppError {
        switch error {
        case let appError as AppError:
            return appError
        case is DecodingError:
            return .invalidJSON
        case let psql as PSQLError where psql.serverInfo?[.sqlState]?.hasPrefix("22") == true:
            // PostgreSQL's "data exception" class: input it cannot store (a NUL byte, an out-of-range value).
            return AppError(status: .badRequest, code: "bad_request", messageKey: "error_bad_request")
        case let outage where DatabaseOutage.isOutage(outage):
            return .databaseUnavailable
        case let abort as any AbortError:
            switch abort.status {
            case .notFound: return .notFound
            case .payloadTooLarge: return AppError(status: .payloadTooLarge, code: "payload_too_large", messageKey: "error_payload_too_large")
            case .unsupportedMediaType: return .unsupportedMediaType
            case .methodNotAllowed: return AppError(status: .methodNotAllowed, code: "method_not_allowed", messageKey: "error_method_not_allowed")
            case .unauthorized: return .unauthorized
            case .tooManyRequests: return .rateLimited(retryAfter: 60)
            case .badRequest:
                // Vapor reports malformed JSON bodies as 400 with a decoding reason.
                return request.headers.contentType == .json ? .invalidJSON
                    : AppError(status: .badRequest, code: "bad_request", messageKey: "error_bad_request")
            default:
                if abort.status.code >= 500 { break }
                return AppError(status: abort.status, code: "bad_request", messageKey: "error_bad_request")
            }
        default:
            break
        }
        return AppError(status: .internalServerError, code: "internal", messageKey: "error_internal")
    }
}

extension Request {
    var isAPI: Bool { url.path.hasPrefix("/api/") || url.path == "/api" }
}
