@testable import App
import Crypto
import Fluent
import Testing
import Vapor
import VaporTesting

@Suite("Two-step verification")
struct TwoFactorTests {
    let password = "correct-horse-battery-42"

    /// The code an authenticator app would show now, from the base32 secret.
    /// The next step's code: accepted (one step of drift is allowed) and never the step `enable` used,
    /// which a code may only be used once.
    static func nextCode(_ base32: String) -> String { code(base32, at: Date().addingTimeInterval(30)) }

    static func code(_ base32: String, at time: Date = Date()) -> String {
        TOTP(key: SymmetricKey(data: Base32Decode(base32)), digest: .sha1, digits: .six, interval: 30).generate(time: time)
    }

    static func Base32Decode(_ text: String) -> [UInt8] {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        var buffer = 0, bits = 0, output: [UInt8] = []
        for character in text where character != " " {
            buffer = (buffer << 5) | alphabet.firstIndex(of: character)!
            bits += 5
            if bits >= 8 { output.append(UInt8((buffer >> (bits - 8)) & 0xFF)); bits -= 8 }
        }
        return output
    }

    func enable(_ app: Application, _ access: String) async throws -> (secret: String, recovery: [String]) {
        var setup: TwoFactorAPIController.SetupResponse?
        try await app.testing().test(.POST, "/api/v1/auth/2fa/setup", headers: .bearer(access), afterResponse: { res throws in
            #expect(res.status == .ok)
            setup = try res.content.decode(TwoFactorAPIController.SetupResponse.self)
        })
        let secret = try #require(setup).secret
        #expect(try #require(setup).otpauthURL.hasPrefix("otpauth://totp/AVA:"))
        var codes: [String] = []
        try await app.testing().test(.POST, "/api/v1/auth/2fa/enable", headers: .bearer(access), beforeRequest: { req in
            try req.content.encode(["code": Self.code(secret)], as: .json)
        }, afterResponse: { res throws in
            #expect(res.status == .ok)
            codes = try res.content.decode(TwoFactorAPIController.EnableResponse.self).recoveryCodes
        })
        return (secret, codes)
    }

    @Test func everyPasswordSignInAsksForTheCodeOnceEnabled() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let tokens = try await signUp(app, SignupBody(email: email)).tokens
            let (secret, recovery) = try await enable(app, tokens.accessToken)
            #expect(recovery.count == 10 && Set(recovery).count == 10)
            let stored = try await RecoveryCode.query(on: app.db).all()
            #expect(stored.count == 10 && !stored.contains { recovery.contains($0.codeHash) })
            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            #expect(user.twoFAEnabled && user.totpSecretEncrypted != nil && user.totpSecretEncrypted != secret)

            var challenge = ""
            try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
                try req.content.encode(["identifier": email, "password": password], as: .json)
            }, afterResponse: { res throws in
                #expect(res.status == .ok)
                let body = try res.content.decode(SignInFlow.TwoFactorRequired.self)
                #expect(body.twoFactorRequired)
                challenge = body.challengeToken
                #expect(!res.body.string.contains("accessToken"))
            })
            try await verify(app, challenge, "000000", expect: .unauthorized)
            try await verify(app, challenge, Self.nextCode(secret), expect: .ok)
            // The challenge is used up, and the same TOTP code does not work twice.
            try await verify(app, challenge, Self.nextCode(secret), expect: .unauthorized)
            let replay = try await passwordChallenge(app, email)
            try await verify(app, replay, Self.nextCode(secret), expect: .unauthorized)

            // A recovery code works once.
            let second = try await passwordChallenge(app, email)
            try await verify(app, second, recovery[0].uppercased(), expect: .ok)
            let third = try await passwordChallenge(app, email)
            try await verify(app, third, recovery[0], expect: .unauthorized)
        }
    }

    @Test func fiveWrongCodesKillTheChallenge() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let tokens = try await signUp(app, SignupBody(email: email)).tokens
            let (secret, _) = try await enable(app, tokens.accessToken)
            let challenge = try await passwordChallenge(app, email)
            for _ in 0..<5 { try await verify(app, challenge, "123456", expect: .unauthorized) }
            try await verify(app, challenge, Self.nextCode(secret), expect: .unauthorized)
        }
    }

    @Test func theWebAsksForTheCodeBeforeTheSessionStarts() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            let tokens = try await signUp(app, SignupBody(email: email)).tokens
            let (secret, _) = try await enable(app, tokens.accessToken)
            let web = WebClient(app)
            let login = try await web.post("/fr/login", form: ["identifier": email, "password": password], csrfFrom: "/fr/login")
            #expect(login.headers.first(name: .location) == "/fr/login/2fa")
            #expect(web.cookies[AuthCookies.access] == nil)
            #expect(try await web.get("/fr/dashboard").status == .seeOther)
            let wrong = try await web.post("/fr/login/2fa", form: ["code": "111111"], csrfFrom: "/fr/login/2fa")
            #expect(wrong.status == .unauthorized)
            let right = try await web.post("/fr/login/2fa", form: ["code": Self.nextCode(secret)], csrfFrom: "/fr/login/2fa")
            #expect(right.status == .seeOther)
            #expect(try await web.get("/fr/dashboard").status == .ok)
        }
    }

    @Test func settingUpAndTurningOffFromSettings() async throws {
        try await withAVA { app in
            let email = uniqueEmail()
            try await signUp(app, SignupBody(email: email))
            let web = WebClient(app)
            _ = try await web.post("/en/login", form: ["identifier": email, "password": password], csrfFrom: "/en/login")
            let setup = try await web.post("/en/settings/security/2fa/setup", form: [:], csrfFrom: "/en/settings")
            #expect(setup.status == .ok)
            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            #expect(!user.twoFAEnabled)  // not in force before the first code
            let secret = try TOTPSecret.open(user.totpSecretEncrypted!, with: TOTPSecret.sealingKey(app.appConfig.secretKey))
            #expect(setup.body.string.contains(secret.grouped))
            let wrong = try await web.post("/en/settings/security/2fa/enable", form: ["code": "999999"], csrfFrom: "/en/settings")
            #expect(wrong.status == .unprocessableEntity)
            let enabled = try await web.post("/en/settings/security/2fa/enable", form: ["code": Self.code(secret.base32)], csrfFrom: "/en/settings")
            #expect(enabled.status == .ok)
            #expect(enabled.body.string.components(separatedBy: "<code").count - 1 >= 10)
            // Turning it off needs a code or the password.
            let refused = try await web.post("/en/settings/security/2fa/disable", form: [:], csrfFrom: "/en/settings")
            #expect(refused.status == .unauthorized)
            let off = try await web.post("/en/settings/security/2fa/disable", form: ["password": password], csrfFrom: "/en/settings")
            #expect(off.status == .seeOther)
            let after = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            #expect(!after.twoFAEnabled && after.totpSecretEncrypted == nil)
            #expect(try await RecoveryCode.query(on: app.db).count() == 0)
        }
    }

    func passwordChallenge(_ app: Application, _ email: String) async throws -> String {
        var challenge = ""
        try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
            try req.content.encode(["identifier": email, "password": password], as: .json)
        }, afterResponse: { res throws in
            challenge = try res.content.decode(SignInFlow.TwoFactorRequired.self).challengeToken
        })
        return challenge
    }

    func verify(_ app: Application, _ challenge: String, _ code: String, expect status: HTTPStatus) async throws {
        try await app.testing().test(.POST, "/api/v1/auth/2fa/verify", beforeRequest: { req in
            try req.content.encode(["challengeToken": challenge, "code": code], as: .json)
        }, afterResponse: { res throws in
            #expect(res.status == status, "\(res.body.string)")
            if status == .ok { #expect(try res.content.decode(AuthResponse.self).tokens.accessToken.isEmpty == false) }
        })
    }
}
