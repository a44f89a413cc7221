@testable import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import Testing
import Vapor

/// `ava rotate-keys`, run in-process against a test application as the executable would run it.
@Suite("RotateKeys")
struct RotateKeysTests {
    /// Everything the command prints, in order.
    final class CapturingConsole: Console, @unchecked Sendable {
        private let buffer = NIOLockedValueBox("")
        var text: String { buffer.withLockedValue { $0 } }
        var size: (width: Int, height: Int) { (200, 50) }
        var userInfo: [AnySendableHashable: any Sendable] = [:]
        func input(isSecure: Bool) -> String { "" }
        func output(_ text: ConsoleText, newLine: Bool) { buffer.withLockedValue { $0 += text.description + (newLine ? "\n" : "") } }
        func clear(_ type: ConsoleClear) {}
        func report(error: String, newLine: Bool) { buffer.withLockedValue { $0 += error + (newLine ? "\n" : "") } }
    }

    /// Runs `ava <arguments>` through the application's commands; returns what it printed.
    @discardableResult
    static func ava(_ app: Application, _ arguments: String...) async throws -> String {
        let console = CapturingConsole()
        var context = CommandContext(console: console, input: CommandInput(arguments: ["ava"] + arguments))
        context.application = app
        try await console.run(app.asyncCommands.group(), with: context)
        return console.text
    }

    static func makeOrg(_ app: Application) async throws -> Org {
        let org = Org(name: "Cabinet Durand", country: "FR", timezone: "Europe/Paris", locale: "fr")
        try await org.save(on: app.db)
        return org
    }

    @discardableResult
    static func makeNumber(_ app: Application, org: Org, e164: String, token: String?) async throws -> PhoneNumberRecord {
        let record = PhoneNumberRecord()
        record.$org.id = try org.requireID()
        record.provider = .twilio
        record.e164 = e164
        record.status = "active"
        record.twilioAccountSID = "AC" + String(repeating: "0", count: 32)
        record.twilioAuthTokenEncrypted = token
        record.routingJSON = "{}"
        record.businessHoursJSON = "{}"
        record.voicemailJSON = "{}"
        try await record.save(on: app.db)
        return record
    }

    static func storedTokens(_ app: Application) async throws -> [String: String?] {
        var tokens: [String: String?] = [:]
        for record in try await PhoneNumberRecord.query(on: app.db).all() { tokens[record.e164] = record.twilioAuthTokenEncrypted }
        return tokens
    }

    @Test func reencryptsWithTheFirstKeyAndCountsWithoutPrintingSecrets() async throws {
        let old = Fernet.generateKey(), new = Fernet.generateKey(), lost = Fernet.generateKey()
        try await withAVA(settings: ["AVA_ENCRYPTION_KEYS": "\(new),\(old)"]) { app in
            let org = try await Self.makeOrg(app)
            let secrets = ["+33612345601": "old-secret-1", "+33612345602": "old-secret-2", "+33612345603": "new-secret", "+33612345604": "lost-secret"]
            let oldFernet = try Fernet(key: old)
            try await Self.makeNumber(app, org: org, e164: "+33612345601", token: oldFernet.encrypt(Data("old-secret-1".utf8)))
            try await Self.makeNumber(app, org: org, e164: "+33612345602", token: oldFernet.encrypt(Data("old-secret-2".utf8)))
            try await Self.makeNumber(app, org: org, e164: "+33612345603", token: try app.keyring.encrypt("new-secret"))
            let unreadable = try await Self.makeNumber(app, org: org, e164: "+33612345604",
                                                       token: try Fernet(key: lost).encrypt(Data("lost-secret".utf8)))
            try await Self.makeNumber(app, org: org, e164: "+33612345605", token: nil)
            let before = try await Self.storedTokens(app)

            // A dry run counts and changes nothing.
            let dry = try await Self.ava(app, "rotate-keys", "--dry-run")
            #expect(dry.contains("2 to re-encrypt (dry run, nothing changed), 1 already current, 1 unreadable"), "\(dry)")
            #expect(try await Self.storedTokens(app) == before)

            let output = try await Self.ava(app, "rotate-keys")
            #expect(output.contains("2 re-encrypted, 1 already current, 1 unreadable"), "\(output)")
            #expect(output.contains(try unreadable.requireID().uuidString.lowercased()))
            let after = try await Self.storedTokens(app)
            let newFernet = try Fernet(key: new)
            for e164 in ["+33612345601", "+33612345602", "+33612345603"] {
                let token = try #require(after[e164] ?? nil)
                // Now readable with the new key alone, and still the same secret.
                #expect(try newFernet.decrypt(token) == Data(secrets[e164]!.utf8), "\(e164)")
            }
            #expect(after["+33612345601"] != before["+33612345601"])
            #expect(after["+33612345603"] == before["+33612345603"], "a current token is left alone")
            #expect(after["+33612345604"] == before["+33612345604"], "an unreadable token is left alone")
            #expect(after["+33612345605"] == .some(nil))

            // Neither the secrets nor their tokens are ever printed.
            for text in [dry, output] {
                for secret in secrets.values { #expect(!text.contains(secret)) }
                for token in before.values.compactMap({ $0 }) + after.values.compactMap({ $0 }) { #expect(!text.contains(token)) }
            }

            // Once done, the old key can go: everything readable stays readable.
            let withoutOld = try Keyring(keys: [new])
            #expect(try withoutOld.decrypt(after["+33612345601"]!!) == "old-secret-1")

            // Running it again finds nothing left to do.
            let again = try await Self.ava(app, "rotate-keys")
            #expect(again.contains("0 re-encrypted, 3 already current, 1 unreadable"), "\(again)")
        }
    }

    @Test func helpDescribesTheCommand() async throws {
        try await withAVA { app in
            let help = try await Self.ava(app, "rotate-keys", "--help")
            #expect(help.contains("AVA_ENCRYPTION_KEYS"), "\(help)")
            #expect(help.contains("--dry-run"), "\(help)")
            #expect(help.contains("Only count what would be re-encrypted"), "\(help)")
            // And it is listed among AVA's commands.
            let all = try await Self.ava(app, "--help")
            #expect(all.contains("rotate-keys"), "\(all)")
        }
    }

    @Test func withoutKeysItSaysWhatToSet() async throws {
        try await withAVA { app in
            app.useKeyring(nil)  // production with no AVA_ENCRYPTION_KEYS
            let console = CapturingConsole()
            var context = CommandContext(console: console, input: CommandInput(arguments: ["ava", "rotate-keys"]))
            context.application = app
            do {
                try await console.run(app.asyncCommands.group(), with: context)
                Issue.record("rotate-keys ran without a key")
            } catch let error as ConfigurationErrors {
                // Reported like every settings problem (exit code 78), naming the setting.
                #expect(error.description.contains("AVA_ENCRYPTION_KEYS is not set"), "\(error)")
            }
            #expect(console.text.isEmpty)
        }
    }

    @Test func developmentKeyStoresAndRotatesToo() async throws {
        // In development without AVA_ENCRYPTION_KEYS, the key derived from AVA_SECRET_KEY is in use; setting a
        // real key later (with the development key after it) and rotating moves the stored secrets over.
        let secretKey = "a-development-secret-key-that-is-long-enough"
        let devKey = Keyring.developmentKey(secretKey: secretKey)
        let real = Fernet.generateKey()
        try await withAVA(settings: ["AVA_SECRET_KEY": secretKey, "AVA_ENCRYPTION_KEYS": "\(real),\(devKey)"]) { app in
            let org = try await Self.makeOrg(app)
            try await Self.makeNumber(app, org: org, e164: "+14155550101",
                                      token: try Keyring(keys: [devKey]).encrypt("sandbox-secret"))
            let output = try await Self.ava(app, "rotate-keys")
            #expect(output.contains("1 re-encrypted, 0 already current, 0 unreadable"), "\(output)")
            let token = try #require(try await Self.storedTokens(app)["+14155550101"] ?? nil)
            #expect(try Keyring(keys: [real]).decrypt(token) == "sandbox-secret")
        }
    }
}
