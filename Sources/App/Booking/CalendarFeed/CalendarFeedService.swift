import AVACore
import Crypto
import Fluent
import Foundation
import SQLKit
import Vapor

/// Makes, shows and regenerates an organisation's private calendar address, and writes its feed.
enum CalendarFeedService {
    /// What the owner sees: the address (nil when it can no longer be shown: regenerate to get a new one).
    struct Address: Content {
        var url: String?
        var createdAt: Date?
    }

    /// 32 random bytes, base64url: unguessable, and safe in a path.
    static func newToken() -> String {
        Fernet.encodeBase64URL(Data(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }))
            .trimmingCharacters(in: CharacterSet(charactersIn: "="))
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).lowerHex
    }

    static func url(for token: String, app: Application) -> String {
        app.appConfig.publicURL + "/calendar/\(token).ics"
    }

    /// The organisation's address, made on first use (of two first visits at once, both see the same one).
    static func address(orgID: UUID, app: Application, on db: any Database) async throws -> Address {
        for attempt in 1...8 {
            if let feed = try await CalendarFeed.query(on: db).filter(\.$org.$id == orgID).first() {
                let token = feed.tokenEncrypted.flatMap { try? app.keyring.decrypt($0) }
                return Address(url: token.map { url(for: $0, app: app) }, createdAt: feed.updatedAt ?? feed.createdAt)
            }
            let token = newToken()
            let feed = CalendarFeed()
            feed.$org.id = orgID
            feed.tokenHash = hash(token)
            feed.tokenEncrypted = try? app.keyring.encrypt(token)
            do {
                try await feed.create(on: db)
                return Address(url: url(for: token, app: app), createdAt: feed.createdAt)
            } catch {
                // Another first visit created it (read it next round), or SQLite was busy (try again).
                let raced = (error as? any DatabaseError)?.isConstraintFailure == true || AppointmentService.isLockConflict(error)
                guard raced else { throw error }
                try await Task.sleep(nanoseconds: UInt64(attempt) * 10_000_000)
            }
        }
        throw AppError.notFound
    }

    /// A new address; the old one stops working at once.
    static func regenerate(orgID: UUID, app: Application, on db: any Database) async throws -> Address {
        let token = newToken()
        let sealed = try? app.keyring.encrypt(token)
        // Single statements, no read-then-write transaction: on SQLite (WAL) a transaction that read first
        // cannot write after another connection did, and two first visits may race here.
        var attempt = 0
        while true {
            do {
                if try await replaceToken(orgID: orgID, hash: hash(token), sealed: sealed, on: db) { break }
                let feed = CalendarFeed()
                feed.$org.id = orgID
                feed.tokenHash = hash(token)
                feed.tokenEncrypted = sealed
                try await feed.create(on: db)
                break
            } catch {
                attempt += 1
                let raced = (error as? any DatabaseError)?.isConstraintFailure == true || AppointmentService.isLockConflict(error)
                guard raced, attempt < 8 else { throw error }
                try await Task.sleep(nanoseconds: UInt64(attempt) * 10_000_000)
            }
        }
        let feed = try await CalendarFeed.query(on: db).filter(\.$org.$id == orgID).first()
        return Address(url: url(for: token, app: app), createdAt: feed?.updatedAt ?? feed?.createdAt)
    }

    /// Puts a new token on the organisation's row; false when it has none yet.
    private static func replaceToken(orgID: UUID, hash: String, sealed: String?, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        let updated = try await sql.update(CalendarFeed.schema)
            .set("token_hash", to: SQLBind(hash))
            .set("token_encrypted", to: sealed.map { SQLBind($0) as any SQLExpression } ?? SQLLiteral.null)
            .set("updated_at", to: SQLBind(Date()))
            .where("org_id", .equal, SQLBind(orgID))
            .returning("id").all()
        return !updated.isEmpty
    }

    /// The organisation whose address carries `token`, if any.
    static func orgID(forToken token: String, on db: any Database) async throws -> UUID? {
        guard token.count >= 20, token.count <= 100 else { return nil }
        return try await CalendarFeed.query(on: db).filter(\.$tokenHash == hash(token)).first()?.$org.id
    }

    /// The feed: appointments from 60 days ago to a year ahead, cancelled ones marked so subscribers remove them.
    static func feed(orgID: UUID, app: Application, on db: any Database, now: Date = Date()) async throws -> String {
        guard let org = try await Org.find(orgID, on: db) else { throw AppError.notFound }
        let locale = AppLocale(rawValue: org.locale) ?? .fallback
        let appointments = try await Appointment.query(on: db)
            .filter(\.$org.$id == orgID)
            .filter(\.$startsAt >= now.addingTimeInterval(-60 * 24 * 3600))
            .filter(\.$startsAt <= now.addingTimeInterval(366 * 24 * 3600))
            .sort(\.$startsAt).limit(5000)
            .with(\.$service).with(\.$customer)
            .all()
        let t = { (key: String, args: [String]) in app.translations.text(key, locale, args) }
        let host = URL(string: app.appConfig.publicURL)?.host ?? "ava"
        let events = appointments.map { appointment -> ICSEvent in
            var lines = [t("calendar_event_phone", [appointment.customer.phone])]
            if let email = appointment.customer.email, !email.isEmpty { lines.append(t("calendar_event_email", [email])) }
            if let notes = appointment.notes, !notes.isEmpty { lines.append(t("calendar_event_notes", [notes])) }
            if appointment.status != .booked { lines.append(t("appointment_status_\(appointment.status.rawValue)", [])) }
            let changed = appointment.updatedAt ?? appointment.createdAt
            // Grows with every change, as RFC 5545 asks of SEQUENCE.
            let sequence = max(0, Int(min((changed ?? now).timeIntervalSince(appointment.createdAt ?? now), 2_000_000_000)))
            return ICSEvent(
                uid: "\(appointment.id!.uuidString.lowercased())@\(host)",
                start: appointment.startsAt, end: appointment.endsAt,
                summary: "\(appointment.service.name) – \(appointment.customer.name)",
                description: lines.joined(separator: "\n"),
                status: appointment.status == .cancelled ? .cancelled : .confirmed,
                lastModified: changed, sequence: sequence)
        }
        let calendar = ICSCalendar(name: "AVA – \(org.name)", timeZoneID: org.timezone, events: events)
        return ICSWriter.write(calendar, now: now)
    }
}
