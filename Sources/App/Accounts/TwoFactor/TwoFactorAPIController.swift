import Vapor

/// `/api/v1/auth/2fa/...`: finishing a challenged sign-in, and turning the second factor on and off.
struct TwoFactorAPIController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let twoFA = routes.grouped("auth", "2fa")
        twoFA.post("verify", use: verify)
        twoFA.post("setup", use: setUp)
        twoFA.post("enable", use: enable)
        twoFA.post("disable", use: disable)
    }

    struct VerifyRequest: Content { var challengeToken: String?; var code: String? }
    struct SetupResponse: Content { var secret: String; var otpauthURL: String }
    struct CodeRequest: Content { var code: String? }
    struct EnableResponse: Content { var recoveryCodes: [String] }
    struct DisableRequest: Content { var code: String?; var password: String? }

    @Sendable func verify(req: Request) async throws -> Response {
        let body = try req.decodeJSON(VerifyRequest.self)
        let (user, payload) = try await TwoFactorChallenge(request: req).complete(secret: body.challengeToken ?? "", code: body.code ?? "")
        return try await SignInFlow(request: req).completeForAPI(user: user, rememberMe: payload.rememberMe, method: payload.method)
    }

    @Sendable func setUp(req: Request) async throws -> SetupResponse {
        let current = try req.requireUser()
        let secret = try await TwoFactorService(request: req).setUp(current.user)
        return SetupResponse(secret: secret.base32, otpauthURL: secret.otpauthURL(account: current.user.email))
    }

    @Sendable func enable(req: Request) async throws -> EnableResponse {
        let current = try req.requireUser()
        let body = try req.decodeJSON(CodeRequest.self)
        try await req.limitAuthAttempt(route: "2fa-enable", identifier: current.user.email)
        return EnableResponse(recoveryCodes: try await TwoFactorService(request: req).enable(current.user, code: body.code ?? ""))
    }

    @Sendable func disable(req: Request) async throws -> HTTPStatus {
        let current = try req.requireUser()
        let body = try req.decodeJSON(DisableRequest.self)
        try await req.limitAuthAttempt(route: "2fa-disable", identifier: current.user.email)
        try await TwoFactorService(request: req).disable(current.user, code: body.code, password: body.password)
        return .noContent
    }
}
