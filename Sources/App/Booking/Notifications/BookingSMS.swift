import Fluent
import Foundation
import Vapor

/// How an organisation's texts leave AVA: from its own Twilio number when it imported one, else from the
/// platform's Twilio number (`TWILIO_FROM_NUMBER`), else (development) into the outbox.
enum BookingSMSRoute: Sendable {
    case twilio(TwilioCredentials, from: String)
    case outbox(from: String)
    case unavailable

    static func forOrg(_ orgID: UUID, app: Application, on db: any Database) async throws -> BookingSMSRoute {
        let imported = try await PhoneNumberRecord.query(on: db)
            .filter(\.$org.$id == orgID).filter(\.$provider == .twilio)
            .filter(\.$twilioAccountSID != nil).filter(\.$twilioAuthTokenEncrypted != nil)
            .sort(\.$createdAt).first()
        if let imported, let sid = imported.twilioAccountSID, let sealed = imported.twilioAuthTokenEncrypted {
            do {
                let token = try app.keyring.decrypt(sealed)
                return .twilio(TwilioCredentials(accountSID: sid, authToken: token), from: imported.e164)
            } catch {
                // A key was rotated away: the owner must enter the token again; meanwhile, the platform sends.
                app.logger.error("cannot decrypt an imported number's Twilio token; using the platform's SMS",
                                 metadata: ["phone_number": "\(imported.id?.uuidString ?? "-")"])
            }
        }
        let config = app.appConfig
        if let credentials = config.twilio.platformCredentials, let from = config.twilio.fromNumber {
            return .twilio(credentials, from: from)
        }
        return config.isProduction ? .unavailable : .outbox(from: config.twilio.fromNumber ?? "AVA")
    }
}

enum BookingSMS {
    /// Sends `text` to `phone` for the organisation. Throws (for the job to retry) when Twilio fails.
    static func send(_ text: String, to phone: String, orgID: UUID, app: Application, logger: Logger) async throws {
        switch try await BookingSMSRoute.forOrg(orgID, app: app, on: app.db) {
        case .twilio(let credentials, let from):
            _ = try await app.twilio(credentials).sendSMS(to: phone, from: from, body: text)
        case .outbox(let from):
            let message = OutboxMessage()
            message.sender = from
            message.recipients = phone
            message.subject = "SMS"
            message.textBody = text
            try await message.create(on: app.db)
            logger.info("booking SMS kept in the development outbox (/dev/outbox)")
        case .unavailable:
            throw JobFailure("no SMS route: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER, or import a Twilio number")
        }
    }
}

/// Twilio's errors carry no credential (see `TwilioError`): safe to keep as a job's last error.
extension TwilioError: JobReportableError {
    var jobErrorDescription: String { description }
}
