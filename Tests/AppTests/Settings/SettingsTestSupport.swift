@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Shared steps of the settings tests: API calls with a bearer token, inviting and joining a team.
enum SettingsFixture {
    static let password = "correct-horse-battery-42"

    struct Person {
        var email: String
        var token: String
        var userID: UUID
    }

    static func owner(_ app: Application, name: String = "Camille Durand") async throws -> Person {
        let email = uniqueEmail("owner")
        let answer = try await signUp(app, SignupBody(email: email, name: name, locale: "fr"))
        return Person(email: email, token: answer.tokens.accessToken, userID: answer.user.id)
    }

    /// Sends a JSON request; returns status and body.
    @discardableResult
    static func api(_ app: Application, _ method: HTTPMethod, _ path: String, token: String, json: [String: String]? = nil,
                    language: String = "fr") async throws -> (status: HTTPStatus, body: String) {
        var result: (HTTPStatus, String) = (.internalServerError, "")
        var headers = HTTPHeaders.bearer(token)
        headers.add(name: "Accept-Language", value: language)
        try await app.testing().test(method, path, headers: headers, beforeRequest: { req in
            if let json { try req.content.encode(json, as: .json) }
        }, afterResponse: { res throws in
            result = (res.status, res.body.string)
        })
        return result
    }

    static func errorCode(_ body: String) -> String? {
        (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.utf8)))?.error.code
    }

    static func errorMessage(_ body: String) -> String? {
        (try? JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.utf8)))?.error.message
    }

    /// The invitation link's path (`/fr/invite/…`) in the newest mail to `email`.
    static func invitePath(_ app: Application, to email: String) async throws -> String {
        let text = try await mailText(app, to: email)
        return try #require(linkPath(in: text), "no link in: \(text)")
    }

    /// Invites `role` through the API, accepts through the page as a new person, signs them in through the API.
    static func join(_ app: Application, owner: Person, role: String) async throws -> Person {
        let email = uniqueEmail(role)
        let (status, body) = try await api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": email, "role": role])
        #expect(status == .created, "\(body)")
        let path = try await invitePath(app, to: email)
        let web = WebClient(app)
        let joined = try await web.post(path, form: ["name": "Noa Levi", "password": password, "acceptTerms": "true"], csrfFrom: path)
        #expect(joined.status == .seeOther, "\(joined.body.string)")
        var login: AuthResponse?
        try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
            try req.content.encode(["identifier": email, "password": password], as: .json)
        }, afterResponse: { res throws in
            login = try? res.content.decode(AuthResponse.self)
        })
        let answer = try #require(login)
        return Person(email: email, token: answer.tokens.accessToken, userID: answer.user.id)
    }

    /// A browser signed in with a password.
    static func browser(_ app: Application, _ person: Person, locale: String = "fr") async throws -> WebClient {
        let web = WebClient(app)
        let login = try await web.post("/\(locale)/login", form: ["identifier": person.email, "password": password], csrfFrom: "/\(locale)/login")
        #expect(login.status == .seeOther)
        return web
    }
}
