import AVACore
import Foundation
import Vapor

extension AppConfig {
    /// Reads the settings from `environment` (the process environment once `.env` is loaded).
    /// `generatedSecretKey` supplies a key in development when `AVA_SECRET_KEY` is unset.
    public static func load(
        from environment: [String: String],
        isProduction: Bool,
        generatedSecretKey: (_ dataDirectory: String) throws -> String
    ) throws -> AppConfig {
        var reader = SettingsReader(environment)
        let dataDirectory = reader.string("AVA_DATA_DIR") ?? FileManager.default.currentDirectoryPath

        let database: DatabaseSetting
        if let url = reader.string("DATABASE_URL") {
            if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
                database = .postgres(url: url)
            } else if url.hasPrefix("sqlite:") {
                database = .sqlite(path: String(url.dropFirst("sqlite:".count)).replacingOccurrences(of: "//", with: ""))
            } else {
                reader.problem("DATABASE_URL must start with postgres:// (or sqlite:path); leave it unset for the embedded database")
                database = .sqlite(path: "")
            }
        } else {
            database = .sqlite(path: (dataDirectory as NSString).appendingPathComponent("ava.sqlite"))
        }

        let publicURL = reader.url("AVA_PUBLIC_URL") ?? "http://127.0.0.1:8080"

        var secretKey = reader.string("AVA_SECRET_KEY") ?? ""
        if secretKey.isEmpty {
            if isProduction {
                reader.problem("AVA_SECRET_KEY is required in production (at least 32 random characters, e.g. `openssl rand -base64 48`)")
            } else {
                do { secretKey = try generatedSecretKey(dataDirectory) } catch {
                    reader.problem("AVA_SECRET_KEY is unset and no development key could be saved in \(dataDirectory): \(error)")
                }
            }
        } else if secretKey.count < 32 {
            reader.problem("AVA_SECRET_KEY must be at least 32 characters long")
        }

        let encryptionKeys = reader.list("AVA_ENCRYPTION_KEYS")
        for (index, key) in encryptionKeys.enumerated() where !Self.isFernetKey(key) {
            reader.problem("AVA_ENCRYPTION_KEYS entry \(index + 1) is not a Fernet key (32 bytes, URL-safe base64)")
        }

        var vapi: Vapi?
        if let apiKey = reader.string("VAPI_API_KEY") {
            vapi = Vapi(apiKey: apiKey, baseURL: reader.url("VAPI_BASE_URL") ?? "https://api.vapi.ai",
                        publicKey: reader.string("VAPI_PUBLIC_KEY"))
        } else {
            _ = reader.url("VAPI_BASE_URL")
        }

        let vapiWebhookSecret = reader.string("VAPI_WEBHOOK_SECRET")
        let vapiWebhookHMACSecret = reader.string("VAPI_WEBHOOK_HMAC_SECRET")
        for (name, value) in [("VAPI_WEBHOOK_SECRET", vapiWebhookSecret), ("VAPI_WEBHOOK_HMAC_SECRET", vapiWebhookHMACSecret)] {
            if let value, value.count < 16 { reader.problem("\(name) must be at least 16 characters long") }
        }

        let twilio = Twilio(
            accountSID: reader.matching("TWILIO_ACCOUNT_SID", pattern: "^AC[0-9a-fA-F]{32}$", hint: "AC followed by 32 hexadecimal characters"),
            authToken: reader.string("TWILIO_AUTH_TOKEN"),
            apiBaseURL: reader.url("TWILIO_API_BASE_URL") ?? "https://api.twilio.com/2010-04-01",
            verifyBaseURL: reader.url("TWILIO_VERIFY_BASE_URL") ?? "https://verify.twilio.com/v2",
            verifyServiceSID: reader.matching("TWILIO_VERIFY_SERVICE_SID", pattern: "^VA[0-9a-fA-F]{32}$", hint: "VA followed by 32 hexadecimal characters"),
            fromNumber: reader.phone("TWILIO_FROM_NUMBER")
        )
        if (twilio.accountSID == nil) != (twilio.authToken == nil) {
            reader.problem("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN go together: set both or neither")
        }

        var smtpURL: SMTPURL?
        if let raw = reader.string("SMTP_URL") {
            do { smtpURL = try SMTPURL(parsing: raw) } catch {
                reader.problem("SMTP_URL is malformed (expected smtp://user:pass@host:587 or smtps://user:pass@host:465): \(error)")
            }
        }
        var mailFrom = MailAddress(email: "no-reply@ava.localhost", name: "AVA")
        if let raw = reader.string("MAIL_FROM") {
            if let parsed = MailAddress.parse(raw) { mailFrom = parsed } else {
                reader.problem("MAIL_FROM must be an address such as `AVA <hello@example.com>`")
            }
        }

        let google = reader.oauthPair("GOOGLE", discovery: "https://accounts.google.com/.well-known/openid-configuration")
        let microsoft = reader.oauthPair(
            "MICROSOFT", discovery: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration")

        var languageModel: LanguageModel?
        if let base = reader.url("AVA_LLM_BASE_URL") {
            languageModel = LanguageModel(baseURL: base, apiKey: reader.string("AVA_LLM_API_KEY"),
                                          model: reader.string("AVA_LLM_MODEL") ?? "gpt-4o-mini")
        } else {
            _ = reader.string("AVA_LLM_API_KEY"); _ = reader.string("AVA_LLM_MODEL")
        }

        let authRateLimit = reader.integer("AVA_AUTH_RATE_LIMIT", range: 1...100_000) ?? 5

        let trustProxy = reader.bool("AVA_TRUST_PROXY") ?? false

        let operatorEmails = Set(reader.list("AVA_OPERATOR_EMAILS").map { $0.lowercased() })

        let metricsToken = reader.string("AVA_METRICS_TOKEN")
        if let metricsToken, metricsToken.count < 16 { reader.problem("AVA_METRICS_TOKEN must be at least 16 characters long") }

        let databasePoolSize = reader.integer("AVA_DB_POOL_SIZE", range: 1...64) ?? 4
        let webhookBatches = reader.integer("AVA_WEBHOOK_BATCHES", range: 1...16) ?? 1

        if !reader.problems.isEmpty { throw ConfigurationErrors(problems: reader.problems) }
        var config = AppConfig(
            isProduction: isProduction, dataDirectory: dataDirectory, database: database, publicURL: publicURL,
            secretKey: secretKey, encryptionKeys: encryptionKeys, vapi: vapi, vapiWebhookSecret: vapiWebhookSecret,
            vapiWebhookHMACSecret: vapiWebhookHMACSecret, twilio: twilio, smtpURL: smtpURL,
            mailFrom: mailFrom, google: google, microsoft: microsoft, languageModel: languageModel,
            authRateLimit: authRateLimit, trustProxy: trustProxy
        )
        config.operatorEmails = operatorEmails
        config.metricsToken = metricsToken
        config.databasePoolSize = databasePoolSize
        config.webhookBatches = webhookBatches
        return config
    }

    static func isFernetKey(_ key: String) -> Bool {
        var base64 = key.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)?.count == 32
    }
}

/// Collects problems while reading settings, so all of them are reported together.
private struct SettingsReader {
    let environment: [String: String]
    var problems: [String] = []

    init(_ environment: [String: String]) { self.environment = environment }

    mutating func problem(_ text: String) { problems.append(text) }

    func string(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }

    mutating func url(_ name: String) -> String? {
        guard let value = string(name) else { return nil }
        guard let url = URL(string: value), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            problem("\(name) must be an http:// or https:// URL")
            return nil
        }
        return value.hasSuffix("/") ? String(value.dropLast()) : value
    }

    func list(_ name: String) -> [String] {
        string(name)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
    }

    mutating func matching(_ name: String, pattern: String, hint: String) -> String? {
        guard let value = string(name) else { return nil }
        guard value.range(of: pattern, options: .regularExpression) != nil else {
            problem("\(name) must be \(hint)")
            return nil
        }
        return value
    }

    mutating func phone(_ name: String) -> String? {
        guard let value = string(name) else { return nil }
        guard let number = PhoneNumber(e164: value) else {
            problem("\(name) must be a phone number in E.164 form, such as +14155550100")
            return nil
        }
        return number.e164
    }

    mutating func integer(_ name: String, range: ClosedRange<Int>) -> Int? {
        guard let value = string(name) else { return nil }
        guard let number = Int(value), range.contains(number) else {
            problem("\(name) must be a whole number between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return number
    }

    mutating func bool(_ name: String) -> Bool? {
        guard let value = string(name)?.lowercased() else { return nil }
        switch value {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problem("\(name) must be true or false")
            return nil
        }
    }

    mutating func oauthPair(_ prefix: String, discovery defaultDiscovery: String) -> AppConfig.OAuthClient? {
        let id = string("\(prefix)_CLIENT_ID"), secret = string("\(prefix)_CLIENT_SECRET")
        let discovery = url("\(prefix)_DISCOVERY_URL") ?? defaultDiscovery
        switch (id, secret) {
        case let (id?, secret?): return AppConfig.OAuthClient(clientID: id, clientSecret: secret, discoveryURL: discovery)
        case (nil, nil): return nil
        default:
            problem("\(prefix)_CLIENT_ID and \(prefix)_CLIENT_SECRET go together: set both or neither")
            return nil
        }
    }
}
