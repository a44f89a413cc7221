import AVACore
import Fluent
import SQLKit
import Vapor

/// Issues and checks SMS codes: 6 digits, 10 minutes, 5 tries, single use; at most one text per number
/// every 30 seconds and five an hour.
struct SMSCodeService {
    static let lifetime: TimeInterval = 10 * 60
    static let maxAttempts = 5
    static let resendInterval: TimeInterval = 30
    static let sendsPerHour = 5

    let request: Request
    private var db: any Database { request.db }
    private var sql: any SQLDatabase { request.db as! any SQLDatabase }
    private var hasher: SMSCodeHasher { SMSCodeHasher(secretKey: request.application.appConfig.secretKey) }
    private var delivery: SMSDelivery { SMSDelivery(request: request) }

    /// Texts a new code to `phone`. With no `user` (no account has this number) the request is recorded
    /// as a decoy and takes as long, but no text is sent: answers are the same and nobody can use AVA
    /// to send texts to numbers of their choosing.
    func issue(_ purpose: SMSCode.Purpose, to phone: String, user: User?, locale: AppLocale) async throws {
        let now = Date(), id = UUID()
        let route = delivery.route
        if case .unavailable = route {
            // For every number alike, so that even a misconfigured server does not tell which have accounts.
            try await delivery.send(code: nil, to: phone, locale: locale)
        }
        let code = SMSCodeHasher.newCode()
        // Verify writes the real code; a decoy keeps the hash of a code nobody will ever see.
        let hash: String? = user != nil && route.verifyOwnsCode ? nil : hasher.hash(code, id: id, phone: phone)
        let row = SMSCode(id: id, purpose: purpose, phone: phone, userID: user?.id, codeHash: hash, now: now, lifetime: Self.lifetime)
        // Recorded before the limits are counted, as the rate limiter does, so that parallel requests
        // cannot all slip under them.
        try await row.create(on: db)
        do {
            try await enforceResendLimits(purpose, phone: phone, newID: id, now: now)
            if user != nil {
                try await DecoyTiming.shared.measure("send") {
                    try await delivery.send(code: route.verifyOwnsCode ? nil : code, to: phone, locale: locale)
                }
            } else if !route.isLocal {
                await DecoyTiming.shared.imitate("send")
            }
        } catch {
            // Nothing went out: the number keeps its previous code and the attempt does not count.
            try? await row.delete(on: db)
            throw error
        }
        // The new code replaces any earlier one for this number (and, for verification, this user's others).
        try await sql.update(SMSCode.schema).set("consumed_at", to: SQLBind(now))
            .where("purpose", .equal, SQLBind(purpose.rawValue)).where("consumed_at", .is, SQLLiteral.null)
            .where("id", .notEqual, SQLBind(id))
            .where { group in
                let samePhone = group.where("phone", .equal, SQLBind(phone))
                guard purpose == .verifyPhone, let userID = user?.id else { return samePhone }
                return samePhone.orWhere("user_id", .equal, SQLBind(userID))
            }
            .run()
        if Int.random(in: 0..<50) == 0 {
            try? await sql.delete(from: SMSCode.schema).where("expires_at", .lessThan, SQLBind(now.addingTimeInterval(-3600))).run()
        }
    }

    private func enforceResendLimits(_ purpose: SMSCode.Purpose, phone: String, newID: UUID, now: Date) async throws {
        let recent = try await SMSCode.query(on: db).filter(\.$phone == phone).filter(\.$purpose == purpose.rawValue)
            .filter(\.$createdAt > now.addingTimeInterval(-3600)).filter(\.$id != newID)
            .sort(\.$createdAt, .descending).all()
        if let last = recent.first, now.timeIntervalSince(last.createdAt) < Self.resendInterval {
            throw AppError.smsResendWait(seconds: Int((Self.resendInterval - now.timeIntervalSince(last.createdAt)).rounded(.up)))
        }
        if recent.count >= Self.sendsPerHour {
            let freesAt = recent[Self.sendsPerHour - 1].createdAt.addingTimeInterval(3600)
            throw AppError.smsResendWait(seconds: max(1, Int(freesAt.timeIntervalSince(now).rounded(.up))))
        }
    }

    /// Uses up the code if `input` is right and returns its row. The pending code is found by number
    /// (sign-in) or by user (phone verification). Throws `code_invalid` or `code_too_many_attempts`.
    func check(_ purpose: SMSCode.Purpose, phone: String?, userID: UUID?, input: String) async throws -> SMSCode {
        let now = Date()
        var query = SMSCode.query(on: db).filter(\.$purpose == purpose.rawValue).filter(\.$consumedAt == nil)
        if let phone { query = query.filter(\.$phone == phone) }
        if let userID { query = query.filter(\.$user.$id == userID) }
        guard let row = try await query.sort(\.$createdAt, .descending).first(), row.expiresAt > now else {
            throw AppError.codeInvalid
        }
        // Count the try first: only `maxAttempts` tries ever reach the comparison, however many run at once.
        let plusOne = SQLBinaryExpression(SQLIdentifier("attempts"), .add, SQLLiteral.numeric("1"))
        let counted = try await sql.update(SMSCode.schema).set(SQLIdentifier("attempts"), to: plusOne)
            .where("id", .equal, SQLBind(row.id!)).where("attempts", .lessThan, SQLBind(Self.maxAttempts))
            .where("consumed_at", .is, SQLLiteral.null).returning("attempts").all()
        guard let attempts = try counted.first?.decode(column: "attempts", as: Int.self) else {
            throw row.attempts >= Self.maxAttempts ? AppError.codeTooManyAttempts : AppError.codeInvalid
        }
        let code = SMSCodeHasher.normalize(input)
        let matches: Bool
        if row.codeHash == nil {
            matches = try await checkWithVerify(code, row: row)
        } else {
            // With Verify a real code is checked by a call to Twilio; a decoy must take as long.
            if row.isDecoy, code != nil, delivery.route.verifyOwnsCode { await DecoyTiming.shared.imitate("check") }
            matches = code.map { hasher.matches($0, row: row) } ?? false
        }
        guard matches else {
            throw attempts >= Self.maxAttempts ? AppError.codeTooManyAttempts : AppError.codeInvalid
        }
        let claimed = try await sql.update(SMSCode.schema).set("consumed_at", to: SQLBind(now))
            .where("id", .equal, SQLBind(row.id!)).where("consumed_at", .is, SQLLiteral.null).returning("id").all()
        guard !claimed.isEmpty else { throw AppError.codeInvalid }
        return row
    }

    private func checkWithVerify(_ code: String?, row: SMSCode) async throws -> Bool {
        guard let code else { return false }  // not six digits: no need to ask Twilio
        do {
            return try await DecoyTiming.shared.measure("check") {
                try await delivery.checkWithVerify(code: code, phone: row.phone)
            }
        } catch let error as AppError where error.code == AppError.codeInvalid.code {
            // Verify has nothing pending (expired or used there): this row is dead too.
            try await sql.update(SMSCode.schema).set("consumed_at", to: SQLBind(Date())).where("id", .equal, SQLBind(row.id!)).run()
            throw error
        } catch let error as AppError where error.code == AppError.codeTooManyAttempts.code {
            try await sql.update(SMSCode.schema).set("attempts", to: SQLBind(Self.maxAttempts)).where("id", .equal, SQLBind(row.id!)).run()
            throw error
        }
    }
}

extension SMSRoute {
    /// The outbox answers without a network round trip, so there is no timing to imitate.
    var isLocal: Bool {
        switch self {
        case .outbox, .unavailable: true
        case .verify, .messages: false
        }
    }
}
