import Crypto
import _CryptoExtras
import Foundation

/// Fernet symmetric encryption, exactly as specified at https://github.com/fernet/spec and as Python's
/// `cryptography.fernet` implements it, so tokens move freely between the two.
///
/// Key: URL-safe base64 of 32 bytes, the first 16 sign (HMAC-SHA256) and the last 16 encrypt (AES-128-CBC).
/// Token: URL-safe base64 of `0x80 ‖ timestamp (8 bytes, big-endian seconds) ‖ IV (16) ‖ ciphertext ‖ HMAC (32)`,
/// the HMAC covering everything before it. The HMAC is checked in constant time before anything is decrypted.
struct Fernet: Sendable {
    enum Failure: Error, Equatable, CustomStringConvertible {
        /// The key is not URL-safe base64 of exactly 32 bytes.
        case invalidKey
        /// Malformed, forged, tampered with, expired or made with another key: deliberately one case, like
        /// Python's `InvalidToken`, so a caller learns nothing more than "this token is not good".
        case invalidToken

        var description: String {
            switch self {
            case .invalidKey: "not a Fernet key (32 bytes, URL-safe base64)"
            case .invalidToken: "invalid Fernet token"
            }
        }
    }

    static let version: UInt8 = 0x80
    /// How far in the future a token's timestamp may be when a `ttl` is checked (Python uses the same 60 s).
    static let maxClockSkew: TimeInterval = 60

    private let signingKey: SymmetricKey
    private let encryptionKey: SymmetricKey

    init(key: String) throws {
        guard let bytes = Self.decodeBase64URL(key), bytes.count == 32 else { throw Failure.invalidKey }
        signingKey = SymmetricKey(data: bytes.prefix(16))
        encryptionKey = SymmetricKey(data: bytes.suffix(16))
    }

    /// A new random key, in the form `AVA_ENCRYPTION_KEYS` takes.
    static func generateKey() -> String {
        encodeBase64URL(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
    }

    /// Encrypts `data`. `at` and `iv` exist for the spec's test vectors; leave them out otherwise
    /// (a fresh random IV for every token is what makes Fernet safe).
    func encrypt(_ data: Data, at date: Date = Date(), iv: [UInt8]? = nil) -> String {
        let ivBytes = iv ?? Array(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        precondition(ivBytes.count == 16, "a Fernet IV is 16 bytes")
        let ciphertext: Data
        do {
            // Cannot fail: the key is 16 bytes and the IV 16 bytes, both checked above.
            ciphertext = try AES._CBC.encrypt(data, using: encryptionKey, iv: AES._CBC.IV(ivBytes: ivBytes))
        } catch {
            preconditionFailure("AES-CBC encryption failed: \(error)")
        }
        var token = Data([Self.version])
        let seconds = UInt64(max(0, date.timeIntervalSince1970.rounded(.down)))
        withUnsafeBytes(of: seconds.bigEndian) { token.append(contentsOf: $0) }
        token.append(contentsOf: ivBytes)
        token.append(ciphertext)
        token.append(contentsOf: HMAC<SHA256>.authenticationCode(for: token, using: signingKey))
        return Self.encodeBase64URL(token)
    }

    /// Verifies and decrypts `token`. With a `ttl`, a token older than `ttl` seconds (or dated more than a
    /// minute in the future) is refused too.
    func decrypt(_ token: String, ttl: TimeInterval? = nil, now: Date = Date()) throws -> Data {
        guard let bytes = Self.decodeBase64URL(token) else { throw Failure.invalidToken }
        // version (1) + timestamp (8) + IV (16) + at least one cipher block (16) + HMAC (32)
        guard bytes.count >= 1 + 8 + 16 + 16 + 32, bytes[bytes.startIndex] == Self.version else { throw Failure.invalidToken }
        let data = Array(bytes)
        let timestamp = data[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        if let ttl {
            let current = now.timeIntervalSince1970.rounded(.down)
            guard timestamp <= UInt64(Int64.max) else { throw Failure.invalidToken }
            let issued = TimeInterval(timestamp)
            if issued + ttl < current { throw Failure.invalidToken }
            if current + Self.maxClockSkew < issued { throw Failure.invalidToken }
        }
        let signed = data[..<(data.count - 32)]
        let mac = data[(data.count - 32)...]
        // `isValidAuthenticationCode` compares in constant time.
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: signed, using: signingKey) else {
            throw Failure.invalidToken
        }
        let iv = data[9..<25]
        let ciphertext = data[25..<(data.count - 32)]
        guard ciphertext.count % 16 == 0 else { throw Failure.invalidToken }
        do {
            return try AES._CBC.decrypt(ciphertext, using: encryptionKey, iv: AES._CBC.IV(ivBytes: iv))
        } catch {
            throw Failure.invalidToken  // bad padding
        }
    }

    // MARK: - URL-safe base64

    static func encodeBase64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
    }

    /// Decodes URL-safe base64, padded or not. Like Python's `urlsafe_b64decode` (and `AppConfig.isFernetKey`),
    /// the standard alphabet's `+` and `/` are accepted too; anything else is refused.
    static func decodeBase64URL(_ text: String) -> Data? {
        var body = Substring(text)
        while body.hasSuffix("=") { body = body.dropLast() }
        guard text.count - body.count <= 2,
              body.utf8.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2B || $0 == 0x2F })
        else { return nil }
        var base64 = body.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        if base64.count % 4 == 1 { return nil }
        while base64.count % 4 != 0 { base64 += "=" }
        return Data(base64Encoded: base64)
    }
}
