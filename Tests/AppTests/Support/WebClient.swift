@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// A tiny browser for page tests: keeps cookies between requests and reads the CSRF field from forms.
final class WebClient: @unchecked Sendable {
    let app: Application
    var cookies: [String: String] = [:]
    var acceptLanguage = "fr-FR"

    init(_ app: Application) { self.app = app }

    @discardableResult
    func get(_ path: String) async throws -> TestingHTTPResponse {
        var response: TestingHTTPResponse?
        try await app.testing().test(.GET, path, headers: headers(), afterResponse: { res throws in
            self.keepCookies(res)
            response = res
        })
        return try #require(response)
    }

    @discardableResult
    func post(_ path: String, form: [String: String], csrfFrom page: String? = nil) async throws -> TestingHTTPResponse {
        var fields = form
        if let page {
            let html = try await get(page).body.string
            fields["_csrf"] = Self.csrf(in: html)
        }
        var response: TestingHTTPResponse?
        try await app.testing().test(.POST, path, headers: headers(), beforeRequest: { req in
            try req.content.encode(fields, as: .urlEncodedForm)
        }, afterResponse: { res throws in
            self.keepCookies(res)
            response = res
        })
        return try #require(response)
    }

    private func headers() -> HTTPHeaders {
        var headers: HTTPHeaders = ["Accept-Language": acceptLanguage, "Accept": "text/html"]
        if !cookies.isEmpty {
            headers.add(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        return headers
    }

    private func keepCookies(_ response: TestingHTTPResponse) {
        for (name, value) in response.headers.setCookie?.all ?? [:] {
            if value.string.isEmpty || value.maxAge == 0 { cookies[name] = nil } else { cookies[name] = value.string }
        }
    }

    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
