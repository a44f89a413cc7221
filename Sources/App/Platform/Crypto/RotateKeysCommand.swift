import Fluent
import Vapor

/// `ava rotate-keys [--dry-run]`: re-encrypts every stored secret with the first key of `AVA_ENCRYPTION_KEYS`.
///
/// Rotation: put the new key first in `AVA_ENCRYPTION_KEYS` (keep the old ones after it), restart AVA, run
/// `ava rotate-keys`, and once it reports nothing left to re-encrypt, remove the old keys.
/// It prints counts only, never a secret. Running it again is harmless.
struct RotateKeysCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Flag(name: "dry-run", help: "Only count what would be re-encrypted; change nothing.")
        var dryRun: Bool

        init() {}
    }

    var help: String {
        """
        Re-encrypts every stored secret (today: the Twilio auth tokens of imported phone numbers) with the \
        first key of AVA_ENCRYPTION_KEYS, and prints how many were re-encrypted, already current, or \
        unreadable with every configured key. To rotate: prepend a new key to AVA_ENCRYPTION_KEYS, run \
        `ava rotate-keys`, then remove the old key.
        """
    }

    /// What a rotation found (and, unless a dry run, did).
    struct Report: Equatable, Sendable {
        /// Made with an older key: re-encrypted with the first (or, in a dry run, would be).
        var reencrypted = 0
        /// Already made with the first key.
        var current = 0
        /// Readable with none of the keys: left as they are (their owners must enter the secret again).
        var unreadable = 0
        /// The records holding the unreadable secrets (identifiers only).
        var unreadableRecords: [String] = []
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        // Production without AVA_ENCRYPTION_KEYS: a settings problem (the entry point exits with EX_CONFIG).
        guard let keyring = try? app.keyring else {
            throw ConfigurationErrors(problems: [
                "AVA_ENCRYPTION_KEYS is not set: there is no key to encrypt with. Set it (see README) and run `ava rotate-keys` again",
            ])
        }
        let report = try await Self.rotate(on: app.db, keyring: keyring, dryRun: signature.dryRun)
        let verb = signature.dryRun ? "to re-encrypt (dry run, nothing changed)" : "re-encrypted"
        context.console.print("Stored secrets: \(report.reencrypted) \(verb), \(report.current) already current, \(report.unreadable) unreadable.")
        if report.unreadable > 0 {
            context.console.warning(
                "Unreadable with every key in AVA_ENCRYPTION_KEYS (left unchanged; enter these credentials again): "
                    + report.unreadableRecords.joined(separator: ", "))
        }
    }

    /// Re-encrypts, with the first key, every stored secret that was made with another of the keyring's keys.
    static func rotate(on database: any Database, keyring: Keyring, dryRun: Bool) async throws -> Report {
        var report = Report()
        let records = try await PhoneNumberRecord.query(on: database)
            .filter(\.$twilioAuthTokenEncrypted != nil)
            .field(\.$id).field(\.$twilioAuthTokenEncrypted)
            .all()
        for record in records {
            guard let id = record.id, let token = record.twilioAuthTokenEncrypted else { continue }
            if !keyring.needsRotation(token) {
                report.current += 1
                continue
            }
            guard let secret = try? keyring.decrypt(token) else {
                report.unreadable += 1
                report.unreadableRecords.append("phone_numbers \(id.uuidString.lowercased())")
                continue
            }
            report.reencrypted += 1
            if dryRun { continue }
            // Only replaces the token that was read, so a secret changed meanwhile is not overwritten.
            try await PhoneNumberRecord.query(on: database)
                .filter(\.$id == id)
                .filter(\.$twilioAuthTokenEncrypted == token)
                .set(\.$twilioAuthTokenEncrypted, to: keyring.encrypt(secret))
                .update()
        }
        return report
    }
}
