import AVACore
import Foundation
import Vapor

/// How texts leave AVA, from the settings: Twilio Verify when `TWILIO_VERIFY_SERVICE_SID` is set (Verify
/// then writes, sends and checks the code), else Twilio's Messages API from `TWILIO_FROM_NUMBER`, else the
/// development outbox. In production without Twilio no SMS can go out, and the routes say so.
enum SMSRoute: Sendable {
    case verify(TwilioCredentials, service: String)
    case messages(TwilioCredentials, from: String)
    case outbox
    case unavailable

    init(_ config: AppConfig) {
        if let credentials = config.twilio.platformCredentials, let service = config.twilio.verifyServiceSID {
            self = .verify(credentials, service: service)
        } else if let credentials = config.twilio.platformCredentials, let from = config.twilio.fromNumber {
            self = .messages(credentials, from: from)
        } else {
            self = config.isProduction ? .unavailable : .outbox
        }
    }

    /// Verify holds the code; AVA only keeps the pending attempt (for its limits).
    var verifyOwnsCode: Bool {
        if case .verify = self { return true }
        return false
    }
}

struct SMSDelivery {
    let request: Request
    var route: SMSRoute { SMSRoute(request.application.appConfig) }

    /// Texts `code` to `phone` (`code` is nil when Verify writes it). Throws a localized `AppError`.
    func send(code: String?, to phone: String, locale: AppLocale) async throws {
        do {
            switch route {
            case .verify(let credentials, let service):
                _ = try await request.application.twilio(credentials)
                    .startVerification(service: service, to: phone, locale: locale.rawValue)
            case .messages(let credentials, let from):
                _ = try await request.application.twilio(credentials)
                    .sendSMS(to: phone, from: from, body: text(code: code ?? "", locale: locale))
            case .outbox:
                let message = OutboxMessage()
                message.sender = request.application.appConfig.twilio.fromNumber ?? "AVA"
                message.recipients = phone
                message.subject = "SMS"
                message.textBody = text(code: code ?? "", locale: locale)
                try await message.create(on: request.db)
                request.logger.info("SMS kept in the development outbox (/dev/outbox)")
            case .unavailable:
                request.logger.error("an SMS code was requested but Twilio is not configured (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_VERIFY_SERVICE_SID or TWILIO_FROM_NUMBER)")
                throw AppError.smsUnavailable
            }
        } catch let error as TwilioError {
            throw error.appError
        }
    }

    /// Asks Verify whether `code` is the one it sent to `phone`: true when approved, false when wrong.
    /// Throws `code_invalid` when Verify has nothing pending (expired, used), `code_too_many_attempts`
    /// when Verify stopped counting.
    func checkWithVerify(code: String, phone: String) async throws -> Bool {
        guard case .verify(let credentials, let service) = route else { return false }
        do {
            return try await request.application.twilio(credentials)
                .checkVerification(service: service, to: phone, code: code).isApproved
        } catch let error as TwilioError {
            throw error.checkAppError
        }
    }

    /// "123456 is your AVA code…", and, over HTTPS, the line that lets phones offer the code to the page
    /// (`@host #code`, the origin-bound one-time code format browsers read).
    func text(code: String, locale: AppLocale) -> String {
        var text = request.application.translations.text("sms_code_message", locale, [code])
        let publicURL = request.application.appConfig.publicURL
        if publicURL.hasPrefix("https://"), let host = URL(string: publicURL)?.host {
            text += "\n\n@\(host) #\(code)"
        }
        return text
    }
}
