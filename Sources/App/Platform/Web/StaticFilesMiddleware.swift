import Vapor

/// Serves Public/ through Vapor's FileMiddleware, but never lets a strange path become an error:
/// `/favicon.svg/x` (a file used as a folder) or a NUL byte falls through to the router, which answers 404.
struct StaticFilesMiddleware: AsyncMiddleware {
    let files: FileMiddleware

    init(publicDirectory: String) {
        files = FileMiddleware(publicDirectory: publicDirectory, defaultFile: nil)
    }

    /// Anything but a GET or HEAD (every webhook, every form) goes straight on, without the Task an async
    /// middleware starts for each request.
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard request.method == .GET || request.method == .HEAD else { return next.respond(to: request) }
        let promise = request.eventLoop.makePromise(of: Response.self)
        promise.completeWithTask {
            try await respond(to: request, chainingTo: AsyncBasicResponder { try await next.respond(to: $0).get() })
        }
        return promise.futureResult
    }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let path = request.url.path
        guard request.method == .GET || request.method == .HEAD, !path.contains("\0"), !path.lowercased().contains("%00") else {
            return try await next.respond(to: request)
        }
        do {
            return try await files.respond(to: request, chainingTo: next)
        } catch let error as any AbortError {
            throw error
        } catch {
            return try await next.respond(to: request)
        }
    }
}
