import AVACore
import Vapor

/// What every page template receives (see base.leaf), merged with the page's own fields.
struct BasePage: Encodable {
    struct UserSummary: Encodable {
        var name: String
        var firstName: String
        var email: String
        var emailVerified: Bool
        var initials: String
    }

    var locale: String
    var dir: String
    var title: String
    var page: String
    var csrf: String
    /// The path after the locale, so the language switcher keeps the visitor on the same page.
    var path: String
    var user: UserSummary?
    var sandbox: Bool
    var showOutbox: Bool
    var flash: String?
    var flashKind: String?
    /// Messages callers left that nobody has read yet (the badge on "Messages" in the navigation).
    var unreadMessages: Int = 0
}

/// A page context: the base fields and the page's own, encoded side by side at the top level.
struct Page<Extra: Encodable>: Encodable {
    var base: BasePage
    var extra: Extra

    func encode(to encoder: any Encoder) throws {
        try base.encode(to: encoder)
        try extra.encode(to: encoder)
    }
}

struct NoExtra: Encodable {}

/// One-shot messages shown on the next page ("signed out", "email confirmed"), carried in the redirect URL
/// as a key (never free text, so a crafted link cannot show arbitrary words).
enum Flash: String, CaseIterable {
    case signedOut = "signed_out"
    case emailVerified = "email_verified"
    case verificationSent = "verification_sent"
    case welcome
    case passwordReset = "password_reset"
    case twoFactorDisabled = "two_factor_disabled"
    case numberAdded = "number_added"
    case numberReleased = "number_released"
    case onboardingDone = "onboarding_done"
    case accountDeleted = "account_deleted"

    var kind: String { self == .signedOut || self == .verificationSent || self == .accountDeleted ? "info" : "success" }

    /// The translation key of its message.
    var key: String { "flash_\(rawValue)" }
}
