import Foundation
import Vapor

/// An Account SID and its Auth Token. The platform's come from the settings; an owner's own account
/// (their imported numbers) will come from the database, so the client takes them as a parameter.
///
/// The token is a password: it goes into the Authorization header and nowhere else. Printing or
/// logging a value of this type shows the SID only.
struct TwilioCredentials: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    let accountSID: String
    let authToken: String

    init(accountSID: String, authToken: String) {
        self.accountSID = accountSID
        self.authToken = authToken
    }

    var description: String { "Twilio account \(accountSID)" }
    var debugDescription: String { description }

    /// HTTP Basic, `AccountSid:AuthToken`, as Twilio's REST and Verify APIs expect.
    var authorizationHeader: String {
        "Basic " + Data("\(accountSID):\(authToken)".utf8).base64EncodedString()
    }
}

/// Where Twilio's two APIs live: the settings' addresses (tests point them at a fake on loopback).
struct TwilioEndpoints: Sendable {
    /// `https://api.twilio.com/2010-04-01`, without a trailing slash.
    var apiBaseURL: String
    /// `https://verify.twilio.com/v2`, without a trailing slash.
    var verifyBaseURL: String

    static let production = TwilioEndpoints(apiBaseURL: "https://api.twilio.com/2010-04-01",
                                            verifyBaseURL: "https://verify.twilio.com/v2")
}

extension AppConfig.Twilio {
    /// The platform's own account, when both settings are present.
    var platformCredentials: TwilioCredentials? {
        guard let accountSID, let authToken else { return nil }
        return TwilioCredentials(accountSID: accountSID, authToken: authToken)
    }

    var endpoints: TwilioEndpoints { TwilioEndpoints(apiBaseURL: apiBaseURL, verifyBaseURL: verifyBaseURL) }
}

extension Application {
    /// A client for `credentials` (the platform's by default), using this application's HTTP client.
    func twilio(_ credentials: TwilioCredentials) -> TwilioClient {
        TwilioClient(http: client, credentials: credentials, endpoints: appConfig.twilio.endpoints, logger: logger)
    }
}
