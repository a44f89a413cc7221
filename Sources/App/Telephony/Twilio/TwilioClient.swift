import Foundation
import NIOCore
import NIOHTTP1
import Vapor

/// Twilio's REST API (2010-04-01) and Verify (v2), as AVA uses them: form-encoded bodies, HTTP Basic
/// with the account's SID and token, JSON answers. Built against `shared/contracts/twilio-*.json`.
///
/// The credentials are a parameter, so the same client serves the platform's account (SMS codes) and,
/// later, each owner's own account (imported numbers).
struct TwilioClient: Sendable {
    let http: any Client
    let credentials: TwilioCredentials
    let endpoints: TwilioEndpoints
    let logger: Logger
    /// Twilio answers in well under a second; a sign-in must not hang on it.
    var timeout: TimeAmount = .seconds(10)

    // MARK: Operations

    /// `POST /Accounts/{Sid}/Messages.json` → 201.
    func sendSMS(to: String, from: String, body: String) async throws -> TwilioMessage {
        try await send(.POST, apiURL("/Accounts/\(credentials.accountSID)/Messages.json"),
                       form: [("To", to), ("From", from), ("Body", body)], operation: "messages.create")
    }

    /// `POST /Services/{VA…}/Verifications` with `Channel=sms` → 201. Twilio writes and sends the code;
    /// `locale` picks the language of its message.
    func startVerification(service: String, to: String, locale: String?) async throws -> TwilioVerification {
        var form = [("To", to), ("Channel", "sms")]
        if let locale { form.append(("Locale", locale)) }
        return try await send(.POST, verifyURL("/Services/\(service)/Verifications"), form: form, operation: "verifications.create")
    }

    /// `POST /Services/{VA…}/VerificationCheck`: `approved`, or `pending` for a wrong code.
    /// No pending verification (expired, already approved) is a 404 with code 20404.
    func checkVerification(service: String, to: String, code: String) async throws -> TwilioVerificationCheck {
        try await send(.POST, verifyURL("/Services/\(service)/VerificationCheck"), form: [("To", to), ("Code", code)],
                       operation: "verification_check.create")
    }

    /// `GET /Accounts/{Sid}.json`: proves the credentials work and tells the account's status and type.
    func fetchAccount() async throws -> TwilioAccount {
        try await send(.GET, apiURL("/Accounts/\(credentials.accountSID).json"), form: nil, operation: "accounts.fetch")
    }

    /// `GET /Accounts/{Sid}/IncomingPhoneNumbers.json?PhoneNumber=+33…`: the number on this account, or nil
    /// when the account has no such number (Twilio answers an empty list).
    func findIncomingNumber(_ e164: String) async throws -> TwilioIncomingNumber? {
        let query = "?PhoneNumber=\(Self.percentEncode(e164))&PageSize=20"
        let page: TwilioIncomingNumberPage = try await send(
            .GET, apiURL("/Accounts/\(credentials.accountSID)/IncomingPhoneNumbers.json") + query, form: nil,
            operation: "incoming_phone_numbers.list")
        return page.incomingPhoneNumbers.first { $0.phoneNumber == e164 }
    }

    // MARK: HTTP

    private func apiURL(_ path: String) -> String { endpoints.apiBaseURL + path }
    private func verifyURL(_ path: String) -> String { endpoints.verifyBaseURL + path }

    private func send<Answer: Decodable>(_ method: HTTPMethod, _ url: String, form: [(String, String)]?,
                                         operation: String) async throws -> Answer {
        var request = ClientRequest(method: method, url: URI(string: url), timeout: timeout)
        request.headers.replaceOrAdd(name: .authorization, value: credentials.authorizationHeader)
        request.headers.replaceOrAdd(name: .accept, value: "application/json")
        if let form {
            request.headers.contentType = .urlEncodedForm
            request.body = ByteBuffer(string: Self.formEncode(form))
        }
        let response: ClientResponse
        do {
            response = try await http.send(request)
        } catch {
            // Connection errors name the host at most, never the request's headers.
            let failure = TwilioError(kind: .transport(String(String(describing: error).prefix(200))), httpStatus: 0)
            failure.log(logger, operation: operation, account: credentials.accountSID)
            throw failure
        }
        guard (200..<300).contains(response.status.code) else {
            let failure = TwilioError.from(status: response.status, body: response.body)
            failure.log(logger, operation: operation, account: credentials.accountSID)
            throw failure
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: response.body ?? ByteBuffer())
        } catch {
            let failure = TwilioError(kind: .transport("unreadable answer"), httpStatus: Int(response.status.code))
            failure.log(logger, operation: operation, account: credentials.accountSID)
            throw failure
        }
    }

    /// `application/x-www-form-urlencoded`, every byte outside A–Z a–z 0–9 `-._~` percent-encoded
    /// (Vapor's encoder would leave non-ASCII letters raw, and SMS bodies are French and Hebrew).
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    static func percentEncode(_ value: String) -> String { percentEncodeUnreserved(value) }
}

// MARK: Answers (only the fields AVA reads)

struct TwilioMessage: Decodable, Sendable {
    var sid: String
    var status: String?
}

struct TwilioVerification: Decodable, Sendable {
    var sid: String
    var status: String?
}

struct TwilioVerificationCheck: Decodable, Sendable {
    var status: String?
    var isApproved: Bool { status == "approved" }
}

/// An `IncomingPhoneNumber` (a number the account owns), with what AVA checks before importing it.
struct TwilioIncomingNumber: Decodable, Sendable {
    var sid: String
    var phoneNumber: String
    var friendlyName: String?
    var capabilities: Capabilities?
    /// Where Twilio sends the number's calls now (Vapi replaces it on import).
    var voiceURL: String?

    struct Capabilities: Decodable, Sendable { var voice: Bool?; var sms: Bool? }

    var voiceCapable: Bool { capabilities?.voice ?? false }

    enum CodingKeys: String, CodingKey {
        case sid, phoneNumber = "phone_number", friendlyName = "friendly_name", capabilities, voiceURL = "voice_url"
    }
}

struct TwilioIncomingNumberPage: Decodable, Sendable {
    var incomingPhoneNumbers: [TwilioIncomingNumber]
    enum CodingKeys: String, CodingKey { case incomingPhoneNumbers = "incoming_phone_numbers" }
}

/// The account, without the `auth_token` Twilio includes in this answer: AVA never keeps it from here.
struct TwilioAccount: Decodable, Sendable {
    var sid: String
    var status: String?
    var type: String?
    var friendlyName: String?

    enum CodingKeys: String, CodingKey { case sid, status, type, friendlyName = "friendly_name" }
}
