import AVACore
import Foundation
import Vapor

/// Every setting AVA reads, read once at boot into one typed value.
///
/// Settings come from the environment and `.env` (loaded by Vapor). `AppConfig.load` lists every missing or
/// malformed setting at once, so an operator fixes them in one go instead of one restart per mistake.
public struct AppConfig: Sendable {
    public enum DatabaseSetting: Sendable, Equatable {
        case sqlite(path: String)
        /// `schema`: an optional PostgreSQL schema to use instead of `public` (tests isolate themselves this way).
        case postgres(url: String, schema: String? = nil)
    }

    public struct Vapi: Sendable { public var apiKey: String; public var baseURL: String; public var publicKey: String? }
    public struct Twilio: Sendable {
        public var accountSID: String?
        public var authToken: String?
        public var apiBaseURL: String
        public var verifyBaseURL: String
        public var verifyServiceSID: String?
        public var fromNumber: String?
    }
    public struct OAuthClient: Sendable {
        public var clientID: String
        public var clientSecret: String
        /// The provider's OpenID Connect discovery document (configurable so tests can use a fake provider).
        public var discoveryURL: String
    }
    public struct LanguageModel: Sendable { public var baseURL: String; public var apiKey: String?; public var model: String }

    public var isProduction: Bool
    public var dataDirectory: String
    public var database: DatabaseSetting
    public var publicURL: String
    public var secretKey: String
    public var encryptionKeys: [String]
    public var vapi: Vapi?
    /// Shared secret Vapi sends with each server message (`Authorization: Bearer` or `X-Vapi-Secret`), when set.
    public var vapiWebhookSecret: String?
    /// Key of Vapi's HMAC signature (`x-signature`, hex HMAC-SHA256 of the raw body), when set.
    public var vapiWebhookHMACSecret: String?
    public var twilio: Twilio
    public var smtpURL: SMTPURL?
    public var mailFrom: MailAddress
    public var google: OAuthClient?
    public var microsoft: OAuthClient?
    public var languageModel: LanguageModel?
    /// Sign-in, sign-up and verification attempts allowed per minute, per client address and per identifier.
    public var authRateLimit: Int
    /// Behind a reverse proxy, the client address comes from `X-Forwarded-For` (`AVA_TRUST_PROXY=true`).
    public var trustProxy: Bool
    /// Emails of the AVA operators who may see the operator pages (the onboarding funnel), lowercased.
    public var operatorEmails: Set<String> = []
    /// Bearer token that opens `/metrics` to scrapers not on this machine (`AVA_METRICS_TOKEN`); unset: loopback only.
    public var metricsToken: String?
    /// PostgreSQL connections per event loop (`AVA_DB_POOL_SIZE`, default 4: 8 per process on two cores). With one,
    /// a webhook's transaction and the answer it works out at the same time would wait for each other.
    public var databasePoolSize = 4
    /// PostgreSQL: webhook batches committed at once (`AVA_WEBHOOK_BATCHES`, default 1). Measured on two cores, a
    /// second one did not shorten tool answers, and it slowed ingest when events of one call split over two batches
    /// (each waits for the other's lock on the call); with many cores and many calls at once, more may help.
    public var webhookBatches = 1

    /// No Vapi key: calls are simulated and the pages say so.
    public var isSandbox: Bool { vapi == nil }
    /// Cookies are `Secure` and HSTS is sent whenever AVA is reached over HTTPS or runs in production.
    public var usesHTTPS: Bool { isProduction || publicURL.hasPrefix("https://") }
}

/// Every problem found in the settings, each naming the variable and what is wrong (never a secret's value).
public struct ConfigurationErrors: Error, CustomStringConvertible {
    public var problems: [String]
    public var description: String {
        "AVA cannot start; fix these settings (environment or .env):\n" + problems.map { "  - \($0)" }.joined(separator: "\n")
    }
}
