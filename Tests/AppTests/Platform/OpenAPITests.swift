@testable import App
import Foundation
import Testing
import VaporTesting

@Suite("The OpenAPI description")
struct OpenAPITests {
    @Test func describesEveryRegisteredAPIRoute() async throws {
        try await withAVA { app in
            var document: [String: Any] = [:]
            try await app.testing().test(.GET, "/api/v1/openapi.json", afterResponse: { res throws in
                #expect(res.status == .ok)
                document = try #require(try JSONSerialization.jsonObject(with: Data(res.body.string.utf8)) as? [String: Any])
            })
            let paths = try #require(document["paths"] as? [String: [String: Any]])
            let routes = app.routes.all.filter { $0.path.first?.description == "api" }
            #expect(!routes.isEmpty)
            for route in routes {
                let path = "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
                let method = route.method.rawValue.lowercased()
                #expect(paths[path]?[method] != nil, "\(method.uppercased()) \(path) is missing from openapi.json")
            }
            // And nothing described that does not exist.
            let registered = Set(routes.map { route in
                "/" + route.path.map { component -> String in
                    if case .parameter(let name) = component { return "{\(name)}" }
                    return component.description
                }.joined(separator: "/")
            })
            for path in paths.keys { #expect(registered.contains(path), "\(path) is described but not registered") }
        }
    }
}
