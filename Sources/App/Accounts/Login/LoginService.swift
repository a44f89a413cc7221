import AVACore
import Fluent
import Vapor

/// Checks an identifier (email or phone number) and password.
///
/// An unknown identifier and a wrong password get the same answer, after the same bcrypt work, so neither
/// the message nor the timing tells whether an account exists.
struct LoginService {
    let request: Request

    func authenticate(identifier raw: String, password: String, locale: AppLocale) async throws -> User {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw AppError.validation("identifier_required", field: "identifier") }
        guard !password.isEmpty else { throw AppError.validation("password_required", field: "password") }
        // Nothing longer than an email address can be, or carrying control characters, names an account.
        let plausible = trimmed.utf8.count <= 254 && !trimmed.unicodeScalars.contains { $0.properties.generalCategory == .control }
        let identifier = plausible ? Identifier.detect(trimmed, defaultCountry: locale.defaultCountry) : nil
        let key: String = switch identifier {
        case .email(let email)?: email
        case .phone(let phone)?: phone.e164
        case nil: trimmed.lowercased()
        }
        try await request.limitAuthAttempt(route: "login", identifier: key)

        let user: User? = switch identifier {
        case .email(let email)?: try await User.query(on: request.db).filter(\.$email == email).first()
        case .phone(let phone)?: try await User.query(on: request.db).filter(\.$phone == phone.e164).first()
        case nil: nil
        }
        let hash: String
        if let user { hash = user.passwordHash } else { hash = try await DummyPasswordHash.shared.value() }
        let matches = (try? await request.password.async.verify(password, created: hash)) ?? false
        guard let user, matches else { throw AppError.invalidCredentials }
        return user
    }
}

/// A bcrypt hash of a random secret, verified against when the account does not exist, so that answer
/// costs the same time as a wrong password. Computed once per process, in the background from boot
/// (bcrypt at cost 12 takes a quarter of a second; start-up does not wait for it).
actor DummyPasswordHash {
    static let shared = DummyPasswordHash()
    private var task: Task<String, any Error>?

    func value() async throws -> String {
        if let task { return try await task.value }
        let task = Task.detached(priority: .utility) {
            try Bcrypt.hash(Data([UInt8].random(count: 24)).base64EncodedString(), cost: 12)
        }
        self.task = task
        return try await task.value
    }
}
