import AVACore
import Fluent
import Vapor

/// Creates an account: the user, their organisation (they own it) and its trial plan, all in one
/// transaction, so a user without an organisation never exists. Then sends the verification email.
struct SignupService {
    struct Input: Sendable {
        var email: String
        var phone: String?
        var name: String
        var password: String
        var acceptTerms: Bool
        var newsletter: Bool
        var locale: AppLocale
    }

    /// The checked and normalised form of `Input`.
    struct Valid: Sendable {
        var email: String
        var phone: PhoneNumber?
        var name: String
        var password: String
        var newsletter: Bool
        var locale: AppLocale
    }

    let request: Request

    /// Every problem with the input, by field, so a form can show them all at once.
    static func validate(_ input: Input) -> Result<Valid, FieldErrors> {
        var errors = FieldErrors()
        let name = input.name.cleanedLine
        if name.isEmpty || name.count > 120 { errors.add(.validation("name_required", field: "name")) }
        let email = EmailAddress.normalize(input.email)
        if email == nil { errors.add(.validation("invalid_email", field: "email")) }
        var phone: PhoneNumber?
        if let raw = input.phone?.trimmingCharacters(in: .whitespacesAndNewlines), !raw.isEmpty {
            phone = PhoneNumber(parsing: raw, defaultCountry: input.locale.defaultCountry)
            if phone == nil { errors.add(.validation("invalid_phone", field: "phone")) }
        }
        switch PasswordPolicy.standard.check(input.password) {
        case .tooShort(let minimum)?: errors.add(.validation("password_too_short", field: "password", String(minimum)))
        case .tooLong?: errors.add(.validation("password_too_long", field: "password", String(PasswordPolicy.maximumLength)))
        case .common?: errors.add(.validation("password_common", field: "password"))
        case nil: break
        }
        if !input.acceptTerms { errors.add(.validation("terms_required", field: "acceptTerms")) }
        guard errors.isEmpty, let email else { return .failure(errors) }
        return .success(Valid(email: email, phone: phone, name: name, password: input.password,
                              newsletter: input.newsletter, locale: input.locale))
    }

    func signUp(_ input: Input) async throws -> User {
        let valid = try Self.validate(input).get()
        try await request.limitAuthAttempt(route: "signup", identifier: valid.email)
        try await ensureUnique(valid)
        let hash = try await request.password.async.hash(valid.password)
        let user = User(email: valid.email, phone: valid.phone?.e164, passwordHash: hash, name: valid.name,
                        locale: valid.locale.rawValue, newsletter: valid.newsletter)
        do {
            try await request.db.transaction { db in
                try await Self.createAccount(user, orgName: valid.name, locale: valid.locale, on: db)
            }
        } catch where (error as? any DatabaseError)?.isConstraintFailure == true {
            // Two sign-ups raced past `ensureUnique`; the database's unique index decided.
            try await ensureUnique(valid)
            throw error
        }
        await EmailVerification(request: request).send(to: user)
        return user
    }

    /// The user, their organisation (they own it) and its trial plan. Call inside a transaction. Google and
    /// Microsoft sign-in (Accounts/OIDC) create accounts through here too, so every way in makes the same account.
    static func createAccount(_ user: User, orgName: String, locale: AppLocale, on db: any Database) async throws {
        try await user.create(on: db)
        let org = Org(name: orgName, country: locale.defaultCountry.rawValue,
                      timezone: locale.defaultTimezone, locale: locale.rawValue)
        try await org.create(on: db)
        try await OrgUser(orgID: org.id!, userID: user.id!, role: .owner).create(on: db)
        try await PlanSubscription(orgID: org.id!, plan: "trial", status: "trialing",
                                   currentPeriodEnd: Date().addingTimeInterval(14 * 24 * 3600)).create(on: db)
    }

    private func ensureUnique(_ valid: Valid) async throws {
        if try await User.query(on: request.db).filter(\.$email == valid.email).count() > 0 {
            throw AppError.conflict("email_taken", field: "email")
        }
        if let phone = valid.phone, try await User.query(on: request.db).filter(\.$phone == phone.e164).count() > 0 {
            throw AppError.conflict("phone_taken", field: "phone")
        }
    }
}

/// Validation problems by field. Thrown as its first error (API); shown all together on forms.
struct FieldErrors: Error, Sendable {
    private(set) var errors: [AppError] = []
    var isEmpty: Bool { errors.isEmpty }
    mutating func add(_ error: AppError) { errors.append(error) }

    func messages(_ request: Request) -> [String: String] {
        var result: [String: String] = [:]
        for error in errors {
            guard let field = error.field, result[field] == nil else { continue }
            result[field] = request.application.translations.text(error.messageKey, request.appLocale, error.messageArguments)
        }
        return result
    }
}

extension Result where Failure == FieldErrors {
    /// For the API: the first problem becomes the error answer.
    func get() throws -> Success {
        switch self {
        case .success(let value): return value
        case .failure(let errors): throw errors.errors.first ?? AppError.invalidJSON
        }
    }
}
