import AVACore
import Fluent
import Vapor

/// Remembers the devices each user signs in from, and emails the owner when a sign-in comes from one
/// never seen before ("was this you?"). A browser is known by a long-lived random cookie; an API client,
/// which keeps no cookie, by its user agent and address.
struct DeviceNotice {
    static let cookieName = "ava_device"
    let request: Request

    static func deviceID(of request: Request) -> String? {
        guard let value = request.cookies[cookieName]?.string, value.count == 43 else { return nil }
        return value
    }

    static func newDeviceID() -> String { Data([UInt8].random(count: 32)).base64URLEncodedString() }

    static func setCookie(_ id: String, on response: Response, secure: Bool) {
        response.cookies[cookieName] = HTTPCookies.Value(
            string: id, expires: Date().addingTimeInterval(400 * 86400), maxAge: 400 * 86400,
            domain: nil, path: "/", isSecure: secure, isHTTPOnly: true, sameSite: .lax)
    }

    /// Records the device; sends the email when it is new and the user had signed in elsewhere before.
    /// Never fails the sign-in: trouble is logged.
    func signedIn(_ user: User, method: SignInMethod, deviceID: String?) async {
        let userAgent = request.headers.first(name: .userAgent)
        let hash = sha256Hex(deviceID.map { "web:\($0)" } ?? "api:\(userAgent ?? "-"):\(request.clientAddress)")
        do {
            if let known = try await KnownDevice.query(on: request.db).filter(\.$user.$id == user.id!)
                .filter(\.$deviceHash == hash).first() {
                known.lastSeenAt = Date()
                try await known.save(on: request.db)
                return
            }
            let hadOthers = try await KnownDevice.query(on: request.db).filter(\.$user.$id == user.id!).count() > 0
            try await KnownDevice(userID: user.id!, deviceHash: hash, userAgent: userAgent).create(on: request.db)
            guard hadOthers else { return }
            await request.application.mailer.sendLogged(email(for: user, method: method, userAgent: userAgent), to: user, logger: request.logger)
        } catch {
            request.logger.error("could not record the sign-in device", metadata: ["error": "\(String(reflecting: type(of: error)))"])
        }
    }

    private func email(for user: User, method: SignInMethod, userAgent: String?) -> Email {
        let locale = AppLocale(rawValue: user.locale) ?? .fallback
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: locale.rawValue)
        formatter.dateStyle = .long
        formatter.timeStyle = .short
        formatter.timeZone = TimeZone(identifier: locale.defaultTimezone)
        let methodName = request.application.translations.text("method_\(method.rawValue)", locale)
        return Email(
            subject: .init("email_new_device_subject"),
            paragraphs: [.init("email_new_device_intro", Self.describe(userAgent), formatter.string(from: Date()), request.clientAddress),
                         .init("email_new_device_method", methodName)],
            button: (.init("email_new_device_button"), "\(request.application.appConfig.publicURL)/\(locale.rawValue)/forgot-password"),
            notes: [.init("email_new_device_warning")])
    }

    /// "Chrome on Android" from a user agent, good enough for a person to recognise their device.
    static func describe(_ userAgent: String?) -> String {
        guard let agent = userAgent, !agent.isEmpty else { return "?" }
        let browsers = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl")]
        let systems = [("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Mac OS X", "macOS"), ("Windows", "Windows"), ("Linux", "Linux")]
        let browser = browsers.first { agent.contains($0.0) }?.1
        let system = systems.first { agent.contains($0.0) }?.1
        switch (browser, system) {
        case let (b?, s?): return "\(b) · \(s)"
        case let (b?, nil): return b
        case let (nil, s?): return s
        default: return String(agent.prefix(60))
        }
    }
}
