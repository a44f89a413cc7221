import Fluent
import SQLKit
import Vapor

/// Turning the second factor on and off, and checking its codes.
///
/// Turning it on takes two steps: `setUp` keeps a new secret (not yet in force) and shows it; `enable`
/// needs a first valid code from the app, which proves the app holds the secret, and hands out ten
/// recovery codes. Each TOTP code works once (the accepted step is remembered); each recovery code once.
struct TwoFactorService {
    static let recoveryCodeCount = 10
    let request: Request
    var db: any Database { request.db }
    var key: SymmetricKey { TOTPSecret.sealingKey(request.application.appConfig.secretKey) }

    func setUp(_ user: User) async throws -> TOTPSecret {
        guard !user.twoFAEnabled else { throw AppError.twoFactorAlreadyEnabled }
        let secret = TOTPSecret.generate()
        user.totpSecretEncrypted = try secret.sealed(with: key)
        user.totpLastStep = nil
        try await user.save(on: db)
        return secret
    }

    /// The pending secret of a setup in progress (to show it again).
    func pendingSecret(_ user: User) throws -> TOTPSecret {
        guard !user.twoFAEnabled, let sealed = user.totpSecretEncrypted else { throw AppError.twoFactorSetupMissing }
        return try TOTPSecret.open(sealed, with: key)
    }

    /// Confirms the setup with a first code; returns the recovery codes (shown once, stored hashed).
    func enable(_ user: User, code: String) async throws -> [String] {
        guard !user.twoFAEnabled else { throw AppError.twoFactorAlreadyEnabled }
        let secret = try pendingSecret(user)
        // The user is signed in: a wrong first code is a form error (422), not a failed sign-in.
        guard let step = secret.matchingStep(for: code) else {
            throw AppError(status: .unprocessableEntity, code: "code_invalid", messageKey: "error_totp_code_invalid", field: "code")
        }
        let codes = (0..<Self.recoveryCodeCount).map { _ in Self.newRecoveryCode() }
        try await db.transaction { db in
            user.twoFAEnabled = true
            user.totpLastStep = step
            try await user.save(on: db)
            try await RecoveryCode.query(on: db).filter(\.$user.$id == user.id!).delete()
            for code in codes { try await RecoveryCode(userID: user.id!, codeHash: sha256Hex(Self.normalize(code))).create(on: db) }
        }
        return codes
    }

    /// Needs a current code (or a recovery code) or the account's password.
    func disable(_ user: User, code: String?, password: String?) async throws {
        guard user.twoFAEnabled else { throw AppError.twoFactorNotEnabled }
        var allowed = false
        if let code, !code.isEmpty { allowed = try await verify(user, code: code) }
        if !allowed, let password, !password.isEmpty, user.hasPassword {
            allowed = (try? await request.password.async.verify(password, created: user.passwordHash)) ?? false
        }
        guard allowed else { throw (code?.isEmpty ?? true) && (password?.isEmpty ?? true) ? AppError.reauthRequired : AppError.totpCodeInvalid }
        try await db.transaction { db in
            user.twoFAEnabled = false
            user.totpSecretEncrypted = nil
            user.totpLastStep = nil
            try await user.save(on: db)
            try await RecoveryCode.query(on: db).filter(\.$user.$id == user.id!).delete()
        }
    }

    /// A TOTP code (each step once) or an unused recovery code (used up now).
    func verify(_ user: User, code: String) async throws -> Bool {
        guard user.twoFAEnabled, let sealed = user.totpSecretEncrypted else { return false }
        let secret = try TOTPSecret.open(sealed, with: key)
        if let step = secret.matchingStep(for: code) {
            guard step > (user.totpLastStep ?? .min) else { return false }  // a replayed code
            // Claim the step atomically: two requests with the same code cannot both pass.
            let claimed = try await (db as! any SQLDatabase).update(User.schema)
                .set("totp_last_step", to: SQLBind(step))
                .where("id", .equal, SQLBind(user.id!))
                .where(group: { $0.where("totp_last_step", .is, SQLLiteral.null).orWhere("totp_last_step", .lessThan, SQLBind(step)) })
                .returning("id").all()
            guard !claimed.isEmpty else { return false }
            user.totpLastStep = step
            return true
        }
        let normalized = Self.normalize(code)
        guard normalized.count == 10 else { return false }
        guard let recovery = try await RecoveryCode.query(on: db).filter(\.$user.$id == user.id!)
            .filter(\.$codeHash == sha256Hex(normalized)).filter(\.$usedAt == nil).first()
        else { return false }
        recovery.usedAt = Date()
        try await recovery.save(on: db)
        return true
    }

    /// Ten characters from an alphabet without look-alikes, shown as "abcde-fghjk".
    static func newRecoveryCode() -> String {
        let alphabet = Array("23456789abcdefghjkmnpqrstuvwxyz")
        let characters = (0..<10).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] }
        return String(characters[0..<5]) + "-" + String(characters[5...])
    }

    static func normalize(_ code: String) -> String {
        code.lowercased().filter { $0.isLetter || $0.isNumber }
    }
}
