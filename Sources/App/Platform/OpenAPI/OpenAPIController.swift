import Vapor

/// `/api/v1/openapi.json`: the description of every `/api/v1` route (Resources/OpenAPI/openapi.json,
/// kept true by `OpenAPITests`).
struct OpenAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get("openapi.json") { req async throws -> Response in
            let path = req.application.directory.resourcesDirectory + "OpenAPI/openapi.json"
            guard let data = FileManager.default.contents(atPath: path) else { throw AppError.notFound }
            let response = Response(status: .ok, body: .init(data: data))
            response.headers.contentType = .json
            response.headers.replaceOrAdd(name: .cacheControl, value: "public, max-age=300")
            return response
        }
    }
}
