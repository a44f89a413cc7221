import Crypto
import Foundation
import Vapor

/// The keys AVA encrypts secrets at rest with (`AVA_ENCRYPTION_KEYS`, Fernet keys): the first encrypts,
/// any of them decrypts. Rotation: put a new key first, run `ava rotate-keys`, then drop the old key.
struct Keyring: Sendable {
    private let fernets: [Fernet]

    /// Throws `AppError.encryptionNotConfigured` when there is no key, `Fernet.Failure.invalidKey` for a bad one.
    init(keys: [String]) throws {
        guard !keys.isEmpty else { throw AppError.encryptionNotConfigured }
        fernets = try keys.map { try Fernet(key: $0) }
    }

    /// A Fernet token of `plaintext`, made with the first key.
    func encrypt(_ plaintext: String) -> String {
        fernets[0].encrypt(Data(plaintext.utf8))
    }

    /// The plaintext of a token made with any of the keys. Throws `Fernet.Failure.invalidToken` otherwise
    /// (the error never carries the token nor the plaintext).
    func decrypt(_ token: String) throws -> String {
        for fernet in fernets {
            guard let data = try? fernet.decrypt(token) else { continue }
            guard let text = String(data: data, encoding: .utf8) else { throw Fernet.Failure.invalidToken }
            return text
        }
        throw Fernet.Failure.invalidToken
    }

    /// True when `token` was not made with the first key (an older key, or none of AVA's keys).
    func needsRotation(_ token: String) -> Bool {
        (try? fernets[0].decrypt(token)) == nil
    }

    /// The keyring the settings call for: the keys of `AVA_ENCRYPTION_KEYS`; in development, when that is
    /// empty, one key derived from `AVA_SECRET_KEY` (see `developmentKey`); in production without keys, none
    /// (then whatever needs encrypting fails with `encryption_not_configured`).
    static func configured(for config: AppConfig) throws -> Keyring? {
        if !config.encryptionKeys.isEmpty { return try Keyring(keys: config.encryptionKeys) }
        if config.isProduction { return nil }
        return try Keyring(keys: [developmentKey(secretKey: config.secretKey)])
    }

    /// Development only: the Fernet key `base64url(SHA-256("ava-encryption-key:" + AVA_SECRET_KEY))`, so the
    /// sandbox can store Twilio credentials without any set-up. It changes with `AVA_SECRET_KEY` (deleting
    /// `ava-secret.key` makes the stored tokens unreadable).
    static func developmentKey(secretKey: String) -> String {
        Fernet.encodeBase64URL(Data(SHA256.hash(data: Data("ava-encryption-key:\(secretKey)".utf8))))
    }
}

extension AppError {
    /// Production with no `AVA_ENCRYPTION_KEYS`, when something needs encrypting.
    static let encryptionNotConfigured = AppError(
        status: .serviceUnavailable, code: "encryption_not_configured", messageKey: "error_encryption_not_configured")
}

extension Application {
    private struct KeyringKey: StorageKey { typealias Value = Keyring }

    /// AVA's keyring for secrets at rest; throws `AppError.encryptionNotConfigured` when production has no
    /// `AVA_ENCRYPTION_KEYS`. `configure` installs it with `useKeyring(_:)`.
    var keyring: Keyring {
        get throws {
            guard let keyring = storage[KeyringKey.self] else { throw AppError.encryptionNotConfigured }
            return keyring
        }
    }

    func useKeyring(_ keyring: Keyring?) {
        storage[KeyringKey.self] = keyring
    }
}
