import Crypto
import Foundation
import Vapor

/// A user's TOTP secret: 20 random bytes (RFC 4226's recommended length), shown as base32 for
/// authenticator apps, and stored sealed with AES-GCM under a key derived from AVA_SECRET_KEY, so a
/// database copy alone cannot mint codes.
struct TOTPSecret: Sendable {
    let bytes: [UInt8]

    static func generate() -> TOTPSecret { TOTPSecret(bytes: [UInt8].random(count: 20)) }

    var base32: String { Base32.encode(bytes) }

    /// "ABCD EFGH ..." for people typing it in.
    var grouped: String {
        stride(from: 0, to: base32.count, by: 4).map { offset -> String in
            let start = base32.index(base32.startIndex, offsetBy: offset)
            return String(base32[start..<base32.index(start, offsetBy: min(4, base32.count - offset))])
        }.joined(separator: " ")
    }

    func otpauthURL(account: String, issuer: String = "AVA") -> String {
        var components = URLComponents()
        components.scheme = "otpauth"
        components.host = "totp"
        components.path = "/\(issuer):\(account)"
        components.queryItems = [
            .init(name: "secret", value: base32), .init(name: "issuer", value: issuer),
            .init(name: "algorithm", value: "SHA1"), .init(name: "digits", value: "6"), .init(name: "period", value: "30"),
        ]
        return components.string ?? ""
    }

    /// The 30-second step whose code equals `code`, looking one step either side for clock drift.
    func matchingStep(for code: String, at time: Date = Date()) -> Int64? {
        let digits = code.filter(\.isNumber)
        guard digits.count == 6 else { return nil }
        let totp = TOTP(key: SymmetricKey(data: bytes), digest: .sha1, digits: .six, interval: 30)
        let step = Int64(time.timeIntervalSince1970 / 30)
        for candidate in [step, step - 1, step + 1] {
            let expected = totp.generate(time: Date(timeIntervalSince1970: TimeInterval(candidate * 30)))
            if constantTimeEquals(expected, digits) { return candidate }
        }
        return nil
    }

    // MARK: Sealing

    static func sealingKey(_ secretKey: String) -> SymmetricKey {
        SymmetricKey(data: SHA256.hash(data: Data("ava-totp-secret:\(secretKey)".utf8)))
    }

    func sealed(with key: SymmetricKey) throws -> String {
        try AES.GCM.seal(Data(bytes), using: key).combined!.base64EncodedString()
    }

    static func open(_ sealed: String, with key: SymmetricKey) throws -> TOTPSecret {
        guard let data = Data(base64Encoded: sealed) else { throw AppError.twoFactorSetupMissing }
        return TOTPSecret(bytes: Array(try AES.GCM.open(AES.GCM.SealedBox(combined: data), using: key)))
    }
}

/// RFC 4648 base32, which authenticator apps expect for the secret.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

    static func encode(_ bytes: [UInt8]) -> String {
        var output = "", buffer = 0, bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                output.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { output.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return output
    }
}

extension AppError {
    /// Same stable code as a wrong SMS code (`code_invalid`), with words about the authenticator app.
    static let totpCodeInvalid = AppError(status: .unauthorized, code: "code_invalid", messageKey: "error_totp_code_invalid", field: "code")
    static let challengeExpired = AppError(status: .unauthorized, code: "challenge_expired", messageKey: "error_challenge_expired")
    static let twoFactorSetupMissing = AppError(status: .conflict, code: "two_factor_setup_missing", messageKey: "error_two_factor_setup_missing")
    static let twoFactorAlreadyEnabled = AppError(status: .conflict, code: "two_factor_already_enabled", messageKey: "error_two_factor_already_enabled")
    static let twoFactorNotEnabled = AppError(status: .conflict, code: "two_factor_not_enabled", messageKey: "error_two_factor_not_enabled")
    static let reauthRequired = AppError(status: .unauthorized, code: "reauth_required", messageKey: "error_reauth_required")
}
