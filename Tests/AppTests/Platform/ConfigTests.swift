@testable import App
import Foundation
import Logging
import Testing

@Suite("Configuration")
struct ConfigTests {
    let noKey: (String) throws -> String = { _ in "generated-development-key-0123456789abcdef" }

    @Test func everyProblemIsListedAtOnce() throws {
        let environment = [
            "DATABASE_URL": "mysql://x", "AVA_PUBLIC_URL": "not a url", "TWILIO_ACCOUNT_SID": "AC123",
            "SMTP_URL": "ftp://host", "GOOGLE_CLIENT_ID": "id-only", "AVA_ENCRYPTION_KEYS": "short",
            "AVA_AUTH_RATE_LIMIT": "lots", "TWILIO_FROM_NUMBER": "0612",
        ]
        let error = try #require(throws: ConfigurationErrors.self) {
            try AppConfig.load(from: environment, isProduction: false, generatedSecretKey: noKey)
        }
        let text = error.description
        for name in ["DATABASE_URL", "AVA_PUBLIC_URL", "TWILIO_ACCOUNT_SID", "SMTP_URL", "GOOGLE_CLIENT_SECRET",
                     "AVA_ENCRYPTION_KEYS", "AVA_AUTH_RATE_LIMIT", "TWILIO_FROM_NUMBER"] {
            #expect(text.contains(name), "\(name) not reported")
        }
    }

    @Test func productionRequiresASecretKey() throws {
        let error = try #require(throws: ConfigurationErrors.self) {
            try AppConfig.load(from: [:], isProduction: true, generatedSecretKey: noKey)
        }
        #expect(error.description.contains("AVA_SECRET_KEY"))
    }

    @Test func secretsNeverAppearInProblems() throws {
        let error = try #require(throws: ConfigurationErrors.self) {
            try AppConfig.load(from: ["SMTP_URL": "smtp://user:hunter2secret@", "TWILIO_AUTH_TOKEN": "tok-secret-value"],
                               isProduction: false, generatedSecretKey: noKey)
        }
        #expect(!error.description.contains("hunter2secret"))
        #expect(!error.description.contains("tok-secret-value"))
    }

    @Test func developmentKeyIsGeneratedOnceAndKept() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ava-key-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let logger = Logger(label: "test")
        let first = try DevelopmentSecretKey.loadOrCreate(in: directory, logger: logger)
        let second = try DevelopmentSecretKey.loadOrCreate(in: directory, logger: logger)
        #expect(first == second)
        #expect(first.count >= 32)
        let attributes = try FileManager.default.attributesOfItem(atPath: directory + "/" + DevelopmentSecretKey.fileName)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    @Test func defaultsNeedNoSettings() throws {
        let config = try AppConfig.load(from: ["AVA_DATA_DIR": "/tmp/ava-x"], isProduction: false, generatedSecretKey: noKey)
        #expect(config.database == .sqlite(path: "/tmp/ava-x/ava.sqlite"))
        #expect(config.isSandbox)
        #expect(config.publicURL == "http://127.0.0.1:8080")
        #expect(config.authRateLimit == 5)
    }
}
