import AVACore
import Vapor

/// Request bodies are decoded with every field optional, so a missing field is a clear, localized
/// validation error on that field rather than a generic "malformed JSON".
struct SignupRequest: Content {
    var email: String?
    var phone: String?
    var name: String?
    var password: String?
    var acceptTerms: Bool?
    var newsletter: Bool?
    var locale: String?
}

struct LoginRequest: Content {
    var identifier: String?
    var password: String?
    var rememberMe: Bool?
}

struct RefreshRequest: Content {
    var refreshToken: String?
}

struct UserDTO: Content {
    var id: UUID
    var email: String
    var phone: String?
    var phoneVerified: Bool
    var emailVerified: Bool
    var name: String
    var locale: String
    var twoFAEnabled: Bool
    var onboardingCompleted: Bool
    var onboardingStep: Int
    var createdAt: Date?

    init(_ user: User) {
        id = user.id!
        email = user.email
        phone = user.phone
        phoneVerified = user.phoneVerified
        emailVerified = user.isEmailVerified
        name = user.name
        locale = user.locale
        twoFAEnabled = user.twoFAEnabled
        onboardingCompleted = user.onboardingCompleted
        onboardingStep = user.onboardingStep
        createdAt = user.createdAt
    }
}

struct OrganisationDTO: Content {
    var id: UUID
    var name: String
    var country: String
    var timezone: String
    var locale: String
    var role: String

    init(_ org: Org, role: OrgUser.Role) {
        id = org.id!
        name = org.name
        country = org.country
        timezone = org.timezone
        locale = org.locale
        self.role = role.rawValue
    }
}

struct SessionTokensDTO: Content {
    var tokenType = "Bearer"
    var accessToken: String
    var accessTokenExpiresAt: Date
    var refreshToken: String
    var refreshTokenExpiresAt: Date

    init(_ tokens: SessionService.IssuedTokens) {
        accessToken = tokens.accessToken
        accessTokenExpiresAt = tokens.accessExpiresAt
        refreshToken = tokens.refreshToken ?? ""
        refreshTokenExpiresAt = tokens.refreshExpiresAt
    }
}

struct AccountDTO: Content {
    var user: UserDTO
    var organisation: OrganisationDTO
}

struct AuthResponse: Content {
    var user: UserDTO
    var organisation: OrganisationDTO
    var tokens: SessionTokensDTO
}

struct VerifyEmailResponse: Content {
    var emailVerified: Bool
}

struct AcceptedResponse: Content {
    var accepted: Bool
}

extension Request {
    /// Decodes a JSON body: 415 for another content type, 400 `invalid_json` for malformed JSON.
    func decodeJSON<T: Decodable>(_ type: T.Type) throws -> T {
        guard let contentType = headers.contentType, contentType.type == "application", contentType.subType == "json" else {
            throw AppError.unsupportedMediaType
        }
        do {
            return try content.decode(T.self, as: .json)
        } catch {
            throw AppError.invalidJSON
        }
    }
}
