import AVACore
import Fluent
import Vapor

/// How a user proved who they are; recorded in the new-device email and the logs.
enum SignInMethod: String, Codable, Sendable, CaseIterable {
    case password, magicLink = "magic_link", smsCode = "sms_code", google, microsoft
}

/// The one place every sign-in path ends: password, magic link, SMS code, Google, Microsoft.
///
/// A user with a second factor gets a challenge first (`TwoFactorChallenge`); otherwise the session
/// starts, the device is remembered (a new one earns the owner an email) and the user is sent on:
/// to onboarding on their very first sign-in, to the dashboard after that.
struct SignInFlow {
    let request: Request

    // MARK: API clients

    struct TwoFactorRequired: Content {
        var twoFactorRequired = true
        var challengeToken: String
        var challengeExpiresAt: Date
    }

    /// 200 with the session's tokens, or 200 `{twoFactorRequired, challengeToken}` when a code is needed.
    func apiResponse(for user: User, rememberMe: Bool, method: SignInMethod, status: HTTPStatus = .ok) async throws -> Response {
        if user.twoFAEnabled {
            let challenge = try await TwoFactorChallenge(request: request).begin(user: user, rememberMe: rememberMe, method: method)
            return try await TwoFactorRequired(challengeToken: challenge.secret, challengeExpiresAt: challenge.expiresAt)
                .encodeResponse(status: status, for: request)
        }
        return try await completeForAPI(user: user, rememberMe: rememberMe, method: method, status: status)
    }

    /// Starts the session now (the second factor, if any, is already checked).
    func completeForAPI(user: User, rememberMe: Bool, method: SignInMethod, status: HTTPStatus = .ok) async throws -> Response {
        let tokens = try await request.sessions.start(userID: user.id!, rememberMe: rememberMe)
        await DeviceNotice(request: request).signedIn(user, method: method, deviceID: nil)
        let body = AuthResponse(user: UserDTO(user), organisation: try await OrganisationDTO.primary(of: user, on: request.db),
                                tokens: SessionTokensDTO(tokens))
        return try await body.encodeResponse(status: status, for: request)
    }

    // MARK: The web

    /// Sets the session cookies and redirects (303), or sends the browser to the second-factor page.
    func webResponse(for user: User, rememberMe: Bool, method: SignInMethod, locale: AppLocale) async throws -> Response {
        if user.twoFAEnabled {
            let challenge = try await TwoFactorChallenge(request: request).begin(user: user, rememberMe: rememberMe, method: method)
            let response = request.redirect(to: PageRenderer.path(locale, "/login/2fa"), redirectType: .normal)
            TwoFactorChallenge.setCookie(challenge, on: response, secure: request.application.appConfig.usesHTTPS)
            return response
        }
        return try await completeForWeb(user: user, rememberMe: rememberMe, method: method, locale: locale)
    }

    func completeForWeb(user: User, rememberMe: Bool, method: SignInMethod, locale: AppLocale, flash: Flash? = nil) async throws -> Response {
        let firstSignIn = try await AuthSession.query(on: request.db).filter(\.$user.$id == user.id!).count() == 0
        let tokens = try await request.sessions.start(userID: user.id!, rememberMe: rememberMe)
        let destination = firstSignIn && !user.onboardingCompleted ? "/onboarding" : "/dashboard"
        let response = request.redirect(to: PageRenderer.path(locale, destination, flash: flash), redirectType: .normal)
        let secure = request.application.appConfig.usesHTTPS
        AuthCookies.set(tokens, on: response, secure: secure)
        let device = DeviceNotice.deviceID(of: request) ?? DeviceNotice.newDeviceID()
        DeviceNotice.setCookie(device, on: response, secure: secure)
        await DeviceNotice(request: request).signedIn(user, method: method, deviceID: device)
        return response
    }
}

extension OrganisationDTO {
    /// The organisation a user acts for: their first membership.
    static func primary(of user: User, on db: any Database) async throws -> OrganisationDTO {
        guard let membership = try await OrgUser.query(on: db).filter(\.$user.$id == user.id!).with(\.$org)
            .sort(\.$createdAt).first()
        else { throw AppError.unauthorized }
        return OrganisationDTO(membership.org, role: membership.role)
    }
}
