import Fluent
import Foundation

/// A person who signs in to AVA. Always owns or belongs to at least one organisation (see `SignupService`).
final class User: Model, @unchecked Sendable {
    static let schema = "users"

    @ID(key: .id) var id: UUID?
    /// Lower-cased; unique.
    @Field(key: "email") var email: String
    /// E.164; unique when present.
    @OptionalField(key: "phone") var phone: String?
    @Field(key: "phone_verified") var phoneVerified: Bool
    @OptionalField(key: "email_verified_at") var emailVerifiedAt: Date?
    @Field(key: "password_hash") var passwordHash: String
    @Field(key: "name") var name: String
    @Field(key: "locale") var locale: String
    @Field(key: "two_fa_enabled") var twoFAEnabled: Bool
    @Field(key: "onboarding_completed") var onboardingCompleted: Bool
    @Field(key: "onboarding_step") var onboardingStep: Int
    @Field(key: "newsletter") var newsletter: Bool
    @OptionalField(key: "terms_accepted_at") var termsAcceptedAt: Date?
    /// The TOTP secret, sealed with a key derived from AVA_SECRET_KEY (see `TOTPSecretBox`).
    @OptionalField(key: "totp_secret_encrypted") var totpSecretEncrypted: String?
    /// The last 30-second step whose code was accepted, so a code works only once.
    @OptionalField(key: "totp_last_step") var totpLastStep: Int64?
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) var updatedAt: Date?

    init() {}

    init(email: String, phone: String?, passwordHash: String, name: String, locale: String, newsletter: Bool) {
        self.email = email
        self.phone = phone
        self.phoneVerified = false
        self.passwordHash = passwordHash
        self.name = name
        self.locale = locale
        self.twoFAEnabled = false
        self.onboardingCompleted = false
        self.onboardingStep = 1
        self.newsletter = newsletter
        self.termsAcceptedAt = Date()
    }

    var isEmailVerified: Bool { emailVerifiedAt != nil }
    /// Accounts created through Google or Microsoft have no password until the user sets one.
    var hasPassword: Bool { !passwordHash.isEmpty }

    var firstName: String {
        name.split(separator: " ").first.map(String.init) ?? name
    }

    var initials: String {
        let letters = name.split(separator: " ").prefix(2).compactMap(\.first)
        return letters.isEmpty ? "?" : String(letters).uppercased()
    }
}
