@testable import App
import Crypto
import Foundation
import Testing

/// X-Twilio-Signature validation against the vectors of Twilio's own helper-library tests
/// (listed on the contracts page), the port and bodySHA256 variants, and tampering.
@Suite("TwilioSignature")
struct TwilioSignatureTests {
    static let token = "12345"
    static let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    static let params: [(String, String)] = [
        ("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
        ("From", "+14158675309"), ("To", "+18005551212"),
    ]
    static let body = #"{"property": "value", "boolean": true}"#
    static let bodyHash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"

    // MARK: Published vectors

    @Test func formParameters() {
        #expect(TwilioSignature.compute(url: Self.url, parameters: Self.params, authToken: Self.token) == "RSOYDt4T1cUTdK1PDd93/VVr8B8=")
        #expect(TwilioSignature.validate(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url, parameters: Self.params, authToken: Self.token))
        // The order the fields arrive in does not matter.
        #expect(TwilioSignature.validate(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url, parameters: Self.params.reversed(), authToken: Self.token))
    }

    @Test func repeatedParameterNames() {
        let params = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234")]
        #expect(TwilioSignature.compute(url: Self.url, parameters: params, authToken: Self.token) == "IK+Dwps556ElfBT0I3Rgjkr1wJU=")
        #expect(TwilioSignature.validate(signature: "IK+Dwps556ElfBT0I3Rgjkr1wJU=", url: Self.url, parameters: params, authToken: Self.token))
        #expect(TwilioSignature.validate(signature: "IK+Dwps556ElfBT0I3Rgjkr1wJU=", url: Self.url, parameters: params.reversed(), authToken: Self.token))
        // A repeated value is not the same as another one.
        let changed = [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1235")]
        #expect(!TwilioSignature.validate(signature: "IK+Dwps556ElfBT0I3Rgjkr1wJU=", url: Self.url, parameters: changed, authToken: Self.token))
    }

    @Test func explicitPort443() {
        let withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2"
        #expect(TwilioSignature.compute(url: withPort, parameters: Self.params, authToken: Self.token) == "kvajT1Ptam85bY51eRf/AJRuM3w=")
        // Twilio signed with the port, AVA sees the URL without it, and the other way round: both pass.
        #expect(TwilioSignature.validate(signature: "kvajT1Ptam85bY51eRf/AJRuM3w=", url: Self.url, parameters: Self.params, authToken: Self.token))
        #expect(TwilioSignature.validate(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: withPort, parameters: Self.params, authToken: Self.token))
        #expect(TwilioSignature.validate(signature: "kvajT1Ptam85bY51eRf/AJRuM3w=", url: withPort, parameters: Self.params, authToken: Self.token))
    }

    @Test func explicitPort80() {
        let plain = "http://mycompany.com/myapp.php?foo=1&bar=2", withPort = "http://mycompany.com:80/myapp.php?foo=1&bar=2"
        let signedPlain = TwilioSignature.compute(url: plain, parameters: Self.params, authToken: Self.token)
        let signedWithPort = TwilioSignature.compute(url: withPort, parameters: Self.params, authToken: Self.token)
        // Reference values computed independently (Python hmac/hashlib).
        #expect(signedPlain == "OyGYPqTF6ztdbRNCvuQO/oPvqQ4=")
        #expect(signedWithPort == "0ZXoZLH/DfblKGATFgpif+LLRf4=")
        #expect(TwilioSignature.validate(signature: signedWithPort, url: plain, parameters: Self.params, authToken: Self.token))
        #expect(TwilioSignature.validate(signature: signedPlain, url: withPort, parameters: Self.params, authToken: Self.token))
    }

    @Test func otherPortsAndSchemesAreNotInterchangeable() {
        #expect(TwilioSignature.urlVariants("https://a.example/x") == ["https://a.example/x", "https://a.example:443/x"])
        #expect(TwilioSignature.urlVariants("https://a.example:443/x?y=1") == ["https://a.example:443/x?y=1", "https://a.example/x?y=1"])
        #expect(TwilioSignature.urlVariants("http://a.example?y=1") == ["http://a.example?y=1", "http://a.example:80?y=1"])
        #expect(TwilioSignature.urlVariants("https://user:pass@a.example/x") == ["https://user:pass@a.example/x", "https://user:pass@a.example:443/x"])
        #expect(TwilioSignature.urlVariants("https://[::1]/x") == ["https://[::1]/x", "https://[::1]:443/x"])
        #expect(TwilioSignature.urlVariants("https://a.example:8443/x") == ["https://a.example:8443/x"])
        #expect(TwilioSignature.urlVariants("https://a.example:80/x") == ["https://a.example:80/x"])
        // The https signature does not pass for the same URL over http, nor with port 80.
        #expect(!TwilioSignature.validate(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: "http://mycompany.com/myapp.php?foo=1&bar=2",
                                          parameters: Self.params, authToken: Self.token))
        #expect(!TwilioSignature.validate(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: "https://mycompany.com:80/myapp.php?foo=1&bar=2",
                                          parameters: Self.params, authToken: Self.token))
    }

    @Test func jsonBodyWithBodySHA256() {
        let url = Self.url + "&bodySHA256=" + Self.bodyHash
        #expect(TwilioSignature.compute(url: url, parameters: [], authToken: Self.token) == "a9nBmqA0ju/hNViExpshrM61xv4=")
        #expect(TwilioSignature.validate(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: url, body: Data(Self.body.utf8), authToken: Self.token))
        // With the port variant too.
        let withPort = "https://mycompany.com:443/myapp.php?foo=1&bar=2&bodySHA256=" + Self.bodyHash
        #expect(TwilioSignature.validate(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: withPort, body: Data(Self.body.utf8), authToken: Self.token))
    }

    // MARK: Tampering

    @Test func tamperedBodyOrHashIsRefused() {
        let url = Self.url + "&bodySHA256=" + Self.bodyHash
        // Body changed (the URL, so the signature, is intact): the hash no longer matches.
        #expect(!TwilioSignature.validate(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: url,
                                          body: Data(#"{"property": "value", "boolean": false}"#.utf8), authToken: Self.token))
        // Hash rewritten to match a forged body: the signature over the URL breaks.
        let forged = Data(#"{"forged": true}"#.utf8)
        let forgedURL = Self.url + "&bodySHA256=" + sha256Hex(forged)
        #expect(!TwilioSignature.validate(signature: "a9nBmqA0ju/hNViExpshrM61xv4=", url: forgedURL, body: forged, authToken: Self.token))
        // No bodySHA256 at all: a JSON request cannot be validated.
        #expect(!TwilioSignature.validate(signature: TwilioSignature.compute(url: Self.url, parameters: [], authToken: Self.token),
                                          url: Self.url, body: Data(Self.body.utf8), authToken: Self.token))
    }

    @Test func tamperedFormRequestsAreRefused() {
        let good = "RSOYDt4T1cUTdK1PDd93/VVr8B8="
        func valid(signature: String = good, url: String = Self.url, params: [(String, String)] = Self.params, token: String = Self.token) -> Bool {
            TwilioSignature.validate(signature: signature, url: url, parameters: params, authToken: token)
        }
        #expect(valid())
        #expect(!valid(token: "12346"))
        #expect(!valid(url: "https://mycompany.com/myapp.php?foo=1&bar=3"))
        #expect(!valid(url: "https://evil.example/myapp.php?foo=1&bar=2"))
        #expect(!valid(params: Self.params.map { $0.0 == "Digits" ? ($0.0, "9999") : $0 }))
        #expect(!valid(params: Self.params + [("Extra", "1")]))
        #expect(!valid(params: Array(Self.params.dropLast())))
        // Names are case-sensitive.
        #expect(!valid(params: Self.params.map { $0.0 == "To" ? ("TO", $0.1) : $0 }))
        #expect(!valid(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8"))
        #expect(!valid(signature: "rsoydt4t1cutdk1pdd93/vvr8b8="))
        #expect(!valid(signature: ""))
    }

    @Test func formBodiesAreParsedWithRepeatsAndEncoding() {
        let fields = TwilioSignature.formParameters("CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&Digits=5678&Body=hello+world%21&Empty=&Bare")
        #expect(fields.map(\.0) == ["CallSid", "Caller", "Digits", "Digits", "Body", "Empty", "Bare"])
        #expect(fields.map(\.1) == ["CA1234567890ABCDE", "+14158675309", "1234", "5678", "hello world!", "", ""])
        let body = "CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309&To=%2B18005551212"
        #expect(TwilioSignature.validate(signature: "RSOYDt4T1cUTdK1PDd93/VVr8B8=", url: Self.url,
                                         parameters: TwilioSignature.formParameters(body), authToken: Self.token))
    }

    private func sha256Hex(_ data: Data) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }
}
