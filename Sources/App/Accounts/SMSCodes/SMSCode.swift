import Crypto
import Fluent
import Foundation

/// One code texted to a phone number, to sign in or to prove a number added to a profile.
///
/// The code itself is never stored: `codeHash` is an HMAC of it (see `SMSCodeHasher`), or nil when
/// Twilio Verify wrote and holds the code. A row with no user is a decoy: a request for a number no
/// account has is recorded like any other (same limits, same answers) but nothing is sent.
final class SMSCode: Model, @unchecked Sendable {
    static let schema = "sms_codes"

    enum Purpose: String, Codable, Sendable {
        case signIn = "sign_in"
        case verifyPhone = "verify_phone"
    }

    @ID(key: .id) var id: UUID?
    @Field(key: "purpose") var purpose: String
    /// E.164.
    @Field(key: "phone") var phone: String
    @OptionalParent(key: "user_id") var user: User?
    @OptionalField(key: "code_hash") var codeHash: String?
    /// Tries so far, counted before each comparison so that parallel guesses cannot exceed the limit.
    @Field(key: "attempts") var attempts: Int
    @Field(key: "expires_at") var expiresAt: Date
    /// Set when the code signs in, is replaced by a newer one, or Twilio says it is gone.
    @OptionalField(key: "consumed_at") var consumedAt: Date?
    @Field(key: "created_at") var createdAt: Date

    init() {}

    init(id: UUID, purpose: Purpose, phone: String, userID: UUID?, codeHash: String?, now: Date, lifetime: TimeInterval) {
        self.id = id
        self.purpose = purpose.rawValue
        self.phone = phone
        self.$user.id = userID
        self.codeHash = codeHash
        self.attempts = 0
        self.createdAt = now
        self.expiresAt = now.addingTimeInterval(lifetime)
    }

    var isDecoy: Bool { $user.id == nil }
}

/// Makes codes and their hashes.
///
/// HMAC-SHA256 keyed with a key derived from `AVA_SECRET_KEY`, rather than a salted SHA-256: a 6-digit
/// code has only a million values, so a salt stored beside its hash falls to brute force in milliseconds
/// once the database leaks. The HMAC key is not in the database, so a dump alone yields nothing. The
/// row's id and number are in the message, so a hash is worthless on any other row.
struct SMSCodeHasher: Sendable {
    private let key: SymmetricKey

    init(secretKey: String) {
        key = SymmetricKey(data: SHA256.hash(data: Data("ava-sms-code:\(secretKey)".utf8)))
    }

    func hash(_ code: String, id: UUID, phone: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id.uuidString)|\(phone)|\(code)".utf8), using: key)
        return mac.lowerHex
    }

    func matches(_ code: String, row: SMSCode) -> Bool {
        guard let stored = row.codeHash, let id = row.id else { return false }
        return constantTimeEquals(hash(code, id: id, phone: row.phone), stored)
    }

    /// Six digits, uniform, from the system's cryptographically secure generator.
    static func newCode() -> String {
        var generator = SystemRandomNumberGenerator()
        return String(format: "%06d", Int.random(in: 0..<1_000_000, using: &generator))
    }

    /// What a user typed, reduced to its digits ("123 456", "123-456"); nil when it cannot be a code.
    static func normalize(_ input: String) -> String? {
        let digits = input.filter { !$0.isWhitespace && $0 != "-" }
        guard digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return digits
    }
}
