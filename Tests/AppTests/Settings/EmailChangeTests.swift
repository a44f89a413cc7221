@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// Changing the email address: password first, a link to the new address (24 h, single use), a notice to
/// the old one, and the switch only when the link is opened; through the page and through the API.
@Suite("Email change")
struct EmailChangeTests {
    typealias F = SettingsFixture

    /// The newest mail to `address` whose subject contains `subject` (waiting for the background send).
    static func mail(_ app: Application, to address: String, subject: String) async throws -> OutboxMessage {
        for _ in 0..<100 {
            if let found = try await OutboxMessage.query(on: app.db).filter(\.$recipients == address)
                .sort(\.$createdAt, .descending).all().first(where: { $0.subject.contains(subject) }) { return found }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no mail to \(address) about \(subject)")
        throw Abort(.notFound)
    }

    static func login(_ app: Application, _ identifier: String, password: String = F.password) async throws -> HTTPStatus {
        var status: HTTPStatus = .internalServerError
        try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
            try req.content.encode(["identifier": identifier, "password": password], as: .json)
        }, afterResponse: { res throws in status = res.status })
        return status
    }

    /// A JSON request with no session at all (the link may be opened anywhere).
    static func anonymous(_ app: Application, _ path: String, json: [String: String]) async throws -> (status: HTTPStatus, body: String) {
        var result: (HTTPStatus, String) = (.internalServerError, "")
        try await app.testing().test(.POST, path, headers: ["Accept-Language": "fr"], beforeRequest: { req in
            try req.content.encode(json, as: .json)
        }, afterResponse: { res throws in result = (res.status, res.body.string) })
        return result
    }

    /// Asks through the API; returns the secret from the link mailed to the new address.
    static func ask(_ app: Application, _ person: F.Person, newEmail: String) async throws -> String {
        let (status, body) = try await F.api(app, .POST, "/api/v1/account/email", token: person.token,
                                             json: ["newEmail": newEmail, "password": F.password])
        #expect(status == .accepted, "\(body)")
        let mail = try await mail(app, to: newEmail, subject: "nouvelle adresse")
        return try #require(token(inLinkOf: mail.textBody))
    }

    @Test("page flow: the old address works until the link is opened, then only the new one")
    func happyPathThroughThePages() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let web = try await F.browser(app, owner)
            let newEmail = uniqueEmail("new")
            let asked = try await web.post("/fr/settings/account/email", form: ["newEmail": "  \(newEmail.uppercased()) ", "password": F.password],
                                           csrfFrom: "/fr/settings/account")
            #expect(asked.status == .seeOther)
            #expect(asked.headers.first(name: .location) == "/fr/settings/account?saved=email#email")
            let page = try await web.get("/fr/settings/account?saved=email").body.string
            #expect(page.contains("ouvrez le lien que nous venons d’envoyer à"))
            #expect(page.contains(newEmail))

            // The confirmation goes to the new address, the notice to the old one; neither shows the password,
            // and the token only inside the link.
            let confirmation = try await Self.mail(app, to: newEmail, subject: "Confirmez votre nouvelle adresse")
            let notice = try await Self.mail(app, to: owner.email, subject: "Changement d’adresse")
            let secret = try #require(token(inLinkOf: confirmation.textBody))
            for mail in [confirmation, notice] {
                #expect(!mail.textBody.contains(F.password) && !(mail.htmlBody ?? "").contains(F.password))
            }
            #expect(confirmation.textBody.components(separatedBy: secret).count == 2, "the token appears once: in the link")
            #expect(!notice.textBody.contains(secret) && !(notice.htmlBody ?? "").contains(secret))
            #expect(notice.textBody.contains(newEmail))

            // Nothing changed yet.
            #expect(try await User.find(owner.userID, on: app.db)?.email == owner.email)
            #expect(try await Self.login(app, owner.email) == .ok)
            #expect(try await Self.login(app, newEmail) == .unauthorized)

            // The link shows a button (opening it changes nothing), the button confirms.
            let link = try #require(linkPath(in: confirmation.textBody))
            #expect(link.hasPrefix("/fr/account/email/confirm?token="))
            let other = WebClient(app)  // another device, signed out
            let shown = try await other.get(link)
            #expect(shown.status == .ok)
            #expect(shown.body.string.contains(newEmail))
            #expect(try await User.find(owner.userID, on: app.db)?.email == owner.email)
            let confirmed = try await other.post("/fr/account/email/confirm", form: ["token": secret], csrfFrom: link)
            #expect(confirmed.status == .ok)
            #expect(confirmed.body.string.contains("Adresse e-mail changée"))

            let user = try #require(try await User.find(owner.userID, on: app.db))
            #expect(user.email == newEmail)
            #expect(user.emailVerifiedAt != nil)
            #expect(try await Self.login(app, newEmail) == .ok)
            #expect(try await Self.login(app, owner.email) == .unauthorized)
            // Still signed in on the first device, showing the new address.
            #expect(try await web.get("/fr/settings/account").body.string.contains(newEmail))

            // The same link again: refused, clearly.
            let again = try await other.post("/fr/account/email/confirm", form: ["token": secret], csrfFrom: "/fr/login")
            #expect(again.status == .gone)
            #expect(again.body.string.contains("a déjà servi"))
            #expect(try await other.get(link).status == .gone)
        }
    }

    @Test("API flow: ask, confirm once; a used, replaced or expired link is refused")
    func apiFlowAndSingleUse() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let first = uniqueEmail("first")
            let firstSecret = try await Self.ask(app, owner, newEmail: first)
            // Asking again replaces the first link.
            let second = uniqueEmail("second")
            let secret = try await Self.ask(app, owner, newEmail: second)
            let (replaced, replacedBody) = try await Self.anonymous(app, "/api/v1/account/email/confirm", json: ["token": firstSecret])
            #expect(replaced == .gone)
            #expect(F.errorCode(replacedBody) == "link_invalid")

            var status: HTTPStatus = .internalServerError
            var body = ""
            try await app.testing().test(.POST, "/api/v1/account/email/confirm", beforeRequest: { req in
                try req.content.encode(["token": secret], as: .json)
            }, afterResponse: { res throws in status = res.status; body = res.body.string })
            #expect(status == .ok, "\(body)")
            #expect(body.contains(second))
            #expect(try await User.find(owner.userID, on: app.db)?.email == second)

            let (reused, reusedBody) = try await F.api(app, .POST, "/api/v1/account/email/confirm", token: owner.token, json: ["token": secret])
            #expect(reused == .gone)
            #expect(F.errorCode(reusedBody) == "link_invalid")

            // Expired: 24 hours and one second later.
            let third = uniqueEmail("third")
            let late = try await Self.ask(app, owner, newEmail: third)
            let token = try #require(try await OneTimeToken.query(on: app.db).filter(\.$tokenHash == sha256Hex(late)).first())
            #expect(abs(token.expiresAt.timeIntervalSinceNow - 24 * 3600) < 60)
            token.expiresAt = Date().addingTimeInterval(-1)
            try await token.save(on: app.db)
            let (expired, expiredBody) = try await F.api(app, .POST, "/api/v1/account/email/confirm", token: owner.token, json: ["token": late])
            #expect(expired == .gone)
            #expect(F.errorCode(expiredBody) == "link_invalid")
            #expect(try await User.find(owner.userID, on: app.db)?.email == second)
            let web = WebClient(app)
            #expect(try await web.get("/fr/account/email/confirm?token=\(late)").status == .gone)
            #expect(try await web.get("/fr/account/email/confirm?token=made-up").status == .gone)
        }
    }

    @Test("refused: an address another account has, a wrong password, an invalid address; nothing is written")
    func refusals() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let other = try await F.owner(app, name: "Noa Levi")
            let cases: [(json: [String: String], status: HTTPStatus, code: String, field: String, message: String)] = [
                (["newEmail": other.email, "password": F.password], .conflict, "email_taken", "newEmail", "Un compte existe déjà"),
                (["newEmail": other.email.uppercased(), "password": F.password], .conflict, "email_taken", "newEmail", "Un compte existe déjà"),
                (["newEmail": uniqueEmail("x"), "password": "not-the-password"], .unprocessableEntity, "current_password_wrong", "password", "pas le bon"),
                (["newEmail": uniqueEmail("x"), "password": ""], .unprocessableEntity, "current_password_required", "password", "mot de passe actuel"),
                (["newEmail": "not an email", "password": F.password], .unprocessableEntity, "invalid_email", "newEmail", "adresse e-mail valide"),
                (["newEmail": owner.email, "password": F.password], .unprocessableEntity, "email_change_same", "newEmail", "déjà l’adresse"),
            ]
            for item in cases {
                let (status, body) = try await F.api(app, .POST, "/api/v1/account/email", token: owner.token, json: item.json)
                #expect(status == item.status, "\(item.json): \(body)")
                let error = try JSONDecoder().decode(ErrorEnvelope.self, from: Data(body.utf8)).error
                #expect(error.code == item.code)
                #expect(error.field == item.field)
                #expect(error.message.contains(item.message), "\(error.message)")
            }
            let pending = try await OneTimeToken.query(on: app.db).filter(\.$purpose == OneTimeToken.Purpose.emailChange.rawValue).count()
            #expect(pending == 0, "no token written")
            #expect(try await User.find(owner.userID, on: app.db)?.email == owner.email)

            // The page says the same, in Hebrew, keeping what was typed (never the password).
            let web = try await F.browser(app, owner, locale: "he")
            web.acceptLanguage = "he"
            let taken = try await web.post("/he/settings/account/email", form: ["newEmail": other.email, "password": F.password],
                                           csrfFrom: "/he/settings/account")
            #expect(taken.status == .conflict)
            #expect(taken.body.string.contains("כבר קיים חשבון עם כתובת המייל הזאת"))
            #expect(taken.body.string.contains("value=\"\(other.email)\""))
            #expect(!taken.body.string.contains(F.password))
            let wrong = try await web.post("/he/settings/account/email", form: ["newEmail": uniqueEmail("y"), "password": "nope-nope-nope"],
                                           csrfFrom: "/he/settings/account")
            #expect(wrong.status == .unprocessableEntity)
            #expect(wrong.body.string.contains("הסיסמה שגויה"))
            let forged = try await web.post("/he/settings/account/email", form: ["newEmail": uniqueEmail("z"), "password": F.password])
            #expect(forged.status == .forbidden || forged.status == .badRequest, "CSRF as the other forms")
            // Unauthenticated API: 401.
            let (anonymous, _) = try await Self.anonymous(app, "/api/v1/account/email", json: ["newEmail": uniqueEmail("q"), "password": F.password])
            #expect(anonymous == .unauthorized)

            // An address taken between the request and the link: refused at the link, nothing changes.
            let wanted = uniqueEmail("wanted")
            let secret = try await Self.ask(app, owner, newEmail: wanted)
            _ = try await signUp(app, SignupBody(email: wanted))
            let (late, lateBody) = try await F.api(app, .POST, "/api/v1/account/email/confirm", token: owner.token, json: ["token": secret])
            #expect(late == .conflict)
            #expect(F.errorCode(lateBody) == "email_taken")
            #expect(try await User.find(owner.userID, on: app.db)?.email == owner.email)
        }
    }

    @Test("a link only changes its own account: someone signed in as another account is refused, and changing the password cancels it")
    func anotherAccountCannotUseIt() async throws {
        try await withAVA { app in
            let victim = try await F.owner(app)
            let intruder = try await F.owner(app, name: "Eve Intruder")
            let wanted = uniqueEmail("wanted")
            let secret = try await Self.ask(app, victim, newEmail: wanted)

            // The intruder, signed in, uses the victim's token: refused; neither account changes, the link still works.
            let (status, body) = try await F.api(app, .POST, "/api/v1/account/email/confirm", token: intruder.token, json: ["token": secret])
            #expect(status == .forbidden)
            #expect(F.errorCode(body) == "email_change_wrong_account")
            let intruderWeb = try await F.browser(app, intruder)
            let link = "/fr/account/email/confirm?token=\(secret)"
            let page = try await intruderWeb.post("/fr/account/email/confirm", form: ["token": secret], csrfFrom: link)
            #expect(page.status == .forbidden)
            #expect(page.body.string.contains("un autre compte AVA"))
            #expect(try await User.find(intruder.userID, on: app.db)?.email == intruder.email)
            #expect(try await User.find(victim.userID, on: app.db)?.email == victim.email)

            // The intruder's own request never touches the victim.
            let intruderSecret = try await Self.ask(app, intruder, newEmail: uniqueEmail("eve"))
            let (own, _) = try await F.api(app, .POST, "/api/v1/account/email/confirm", token: intruder.token, json: ["token": intruderSecret])
            #expect(own == .ok)
            #expect(try await User.find(victim.userID, on: app.db)?.email == victim.email)

            // The victim changes their password (as the notice advises): the pending change is cancelled.
            let web = try await F.browser(app, victim)
            let changed = try await web.post("/fr/settings/account/password",
                                             form: ["currentPassword": F.password, "newPassword": "another-horse-battery-77"],
                                             csrfFrom: "/fr/settings/account")
            #expect(changed.status == .seeOther)
            let (cancelled, _) = try await Self.anonymous(app, "/api/v1/account/email/confirm", json: ["token": secret])
            #expect(cancelled == .gone)
            #expect(try await User.find(victim.userID, on: app.db)?.email == victim.email)
        }
    }
}
