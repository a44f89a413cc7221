@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Settings: team and invitations")
struct SettingsTeamTests {
    typealias F = SettingsFixture

    @Test func anInvitationIsEmailedStoredAsAHashAndAcceptedOnce() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let email = uniqueEmail("new")
            let (status, body) = try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": email.uppercased(), "role": "admin"])
            #expect(status == .created, "\(body)")
            let path = try await F.invitePath(app, to: email)
            #expect(path.hasPrefix("/fr/invite/"))
            let secret = String(path.dropFirst("/fr/invite/".count))
            let stored = try #require(try await TeamInvite.query(on: app.db).first())
            #expect(stored.tokenHash == sha256Hex(secret) && stored.tokenHash != secret)
            #expect(stored.email == email && stored.role == .admin && stored.invitedBy == owner.userID)
            #expect(abs(stored.expiresAt.timeIntervalSinceNow - 7 * 86400) < 60)
            #expect(try await mailText(app, to: email).contains("Camille Durand"))

            let web = WebClient(app)
            let page = try await web.get(path)
            #expect(page.status == .ok)
            #expect(page.body.string.contains(email))
            // A refused form (short password) says why, in French, and changes nothing.
            let short = try await web.post(path, form: ["name": "Noa Levi", "password": "short", "acceptTerms": "true"], csrfFrom: path)
            #expect(short.status == .unprocessableEntity)
            #expect(try await User.query(on: app.db).filter(\.$email == email).count() == 0)
            let joined = try await web.post(path, form: ["name": "Noa Levi", "password": F.password, "acceptTerms": "true"], csrfFrom: path)
            #expect(joined.status == .seeOther)
            #expect(joined.headers.first(name: .location)?.hasPrefix("/fr/dashboard") == true)

            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            #expect(user.isEmailVerified && user.onboardingCompleted)
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
            #expect(membership.role == .admin)
            #expect(membership.$org.id == (try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first())?.$org.id)
            #expect(try await TeamInvite.find(stored.id, on: app.db)?.acceptedAt != nil)

            // Used once: the link is dead now, even for someone signed out.
            let again = try await WebClient(app).get(path)
            #expect(again.status == .notFound)
            let members = try await F.api(app, .GET, "/api/v1/team/members", token: owner.token)
            #expect(members.status == .ok)
            #expect(members.body.contains(email) && !members.body.contains("passwordHash") && !members.body.contains("$2b$"))
        }
    }

    @Test func expiredAndUnknownLinksExplainThemselves() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let email = uniqueEmail("late")
            try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": email])
            let path = try await F.invitePath(app, to: email)
            try await TeamInvite.query(on: app.db).set(\.$expiresAt, to: Date().addingTimeInterval(-1)).update()
            let web = WebClient(app)
            let expired = try await web.get(path)
            #expect(expired.status == .gone)
            #expect(expired.body.string.contains("expiré"))
            let refused = try await web.post(path, form: ["name": "X Y", "password": F.password, "acceptTerms": "true"], csrfFrom: "/fr/login")
            #expect(refused.status == .gone)
            #expect(try await User.query(on: app.db).filter(\.$email == email).count() == 0)
            #expect(try await web.get("/fr/invite/not-a-real-token").status == .notFound)
            let list = try await F.api(app, .GET, "/api/v1/team/invites", token: owner.token)
            #expect(list.body.contains("\"expired\":true"))
        }
    }

    @Test func rolesDecideWhoInvitesWhom() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let admin = try await F.join(app, owner: owner, role: "admin")
            let member = try await F.join(app, owner: owner, role: "member")

            let byMember = try await F.api(app, .POST, "/api/v1/team/invites", token: member.token, json: ["email": uniqueEmail()])
            #expect(byMember.status == .forbidden && F.errorCode(byMember.body) == "forbidden_role")
            let ownerByAdmin = try await F.api(app, .POST, "/api/v1/team/invites", token: admin.token, json: ["email": uniqueEmail(), "role": "owner"])
            #expect(ownerByAdmin.status == .forbidden && F.errorCode(ownerByAdmin.body) == "role_not_allowed")
            let adminByAdmin = try await F.api(app, .POST, "/api/v1/team/invites", token: admin.token, json: ["email": uniqueEmail(), "role": "admin"])
            #expect(adminByAdmin.status == .created)
            // Members read the team but change nothing in it.
            #expect(try await F.api(app, .GET, "/api/v1/team/members", token: member.token).status == .ok)
            let roleByAdmin = try await F.api(app, .PATCH, "/api/v1/team/members/\(member.userID)", token: admin.token, json: ["role": "admin"])
            #expect(roleByAdmin.status == .forbidden)

            let badEmail = try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": "nope"], language: "he")
            #expect(badEmail.status == .unprocessableEntity && F.errorCode(badEmail.body) == "invalid_email")
            let badRole = try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": uniqueEmail(), "role": "boss"])
            #expect(badRole.status == .unprocessableEntity && F.errorCode(badRole.body) == "role_invalid")
            let existing = try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": member.email])
            #expect(existing.status == .conflict && F.errorCode(existing.body) == "already_member")
            // Someone with an account in another organisation: one organisation per person, said plainly.
            let stranger = try await F.owner(app)
            let other = try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": stranger.email])
            #expect(other.status == .conflict && F.errorCode(other.body) == "invite_email_has_account")

            // The team page: members see it read-only, without the invitation form.
            let memberWeb = try await F.browser(app, member)
            let page = try await memberWeb.get("/fr/settings/team")
            #expect(page.status == .ok && !page.body.string.contains("/settings/team/invites\"") && page.body.string.contains(owner.email))
            let ownerWeb = try await F.browser(app, owner)
            let ownerPage = try await ownerWeb.get("/he/settings/team")
            #expect(ownerPage.status == .ok && ownerPage.body.string.contains("/he/settings/team/invites"))
        }
    }

    @Test func anotherOrganisationsPeopleAndInvitationsDoNotExist() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let member = try await F.join(app, owner: owner, role: "member")
            try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": uniqueEmail()])
            let inviteID = try #require(try await TeamInvite.query(on: app.db).filter(\.$acceptedAt == nil).first()?.id)

            let rival = try await F.owner(app)
            #expect(try await F.api(app, .DELETE, "/api/v1/team/invites/\(inviteID)", token: rival.token).status == .notFound)
            #expect(try await F.api(app, .PATCH, "/api/v1/team/members/\(member.userID)", token: rival.token, json: ["role": "owner"]).status == .notFound)
            #expect(try await F.api(app, .DELETE, "/api/v1/team/members/\(member.userID)", token: rival.token).status == .notFound)
            let list = try await F.api(app, .GET, "/api/v1/team/members", token: rival.token)
            #expect(!list.body.contains(member.email) && !list.body.contains(owner.email))
            #expect(try await F.api(app, .GET, "/api/v1/team/invites", token: rival.token).body == "{\"items\":[]}")
            // A signed-in person opening an invitation meant for someone else is told so.
            let email = uniqueEmail()
            try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": email])
            let path = try await F.invitePath(app, to: email)
            let rivalWeb = try await F.browser(app, rival)
            let page = try await rivalWeb.get(path)
            #expect(page.status == .forbidden)
            #expect(try await F.api(app, .DELETE, "/api/v1/team/invites/\(inviteID)", token: owner.token).status == .noContent)
        }
    }

    @Test func ownersRemoveMembersButTheLastOwnerStays() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let admin = try await F.join(app, owner: owner, role: "admin")
            let member = try await F.join(app, owner: owner, role: "member")

            let demoteSelf = try await F.api(app, .PATCH, "/api/v1/team/members/\(owner.userID)", token: owner.token, json: ["role": "member"])
            #expect(demoteSelf.status == .conflict && F.errorCode(demoteSelf.body) == "last_owner")
            #expect(F.errorMessage(demoteSelf.body)?.contains("propriétaire") == true)
            let leave = try await F.api(app, .DELETE, "/api/v1/team/members/\(owner.userID)", token: owner.token)
            #expect(leave.status == .conflict)
            #expect(try await F.api(app, .DELETE, "/api/v1/team/members/\(member.userID)", token: admin.token).status == .forbidden)

            let removed = try await F.api(app, .DELETE, "/api/v1/team/members/\(member.userID)", token: owner.token)
            #expect(removed.status == .noContent)
            #expect(try await User.find(member.userID, on: app.db) == nil)
            #expect(try await F.api(app, .GET, "/api/v1/team/members", token: member.token).status == .unauthorized)

            // With a second owner the first may step down, through the page form.
            let promoted = try await F.api(app, .PATCH, "/api/v1/team/members/\(admin.userID)", token: owner.token, json: ["role": "owner"])
            #expect(promoted.status == .ok && promoted.body.contains("\"role\":\"owner\""))
            let web = try await F.browser(app, owner)
            let step = try await web.post("/fr/settings/team/members/\(owner.userID)/role", form: ["role": "admin"], csrfFrom: "/fr/settings/team")
            #expect(step.status == .seeOther)
            #expect(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first()?.role == .admin)
            // Now the last owner is the promoted admin: the page refuses to demote them, with the reason.
            let adminWeb = try await F.browser(app, admin)
            let refused = try await adminWeb.post("/fr/settings/team/members/\(admin.userID)/role", form: ["role": "member"], csrfFrom: "/fr/settings/team")
            #expect(refused.status == .conflict && refused.body.string.contains("propriétaire"))
            // Forms without the CSRF token are refused.
            let forged = try await adminWeb.post("/fr/settings/team/members/\(owner.userID)/remove", form: [:])
            #expect(forged.status == .forbidden)
        }
    }

    /// One organisation per person: someone who signed up on their own after being invited is told plainly.
    @Test func anOwnerOfAnotherOrganisationCannotJoin() async throws {
        try await withAVA { app in
            let owner = try await F.owner(app)
            let email = uniqueEmail("both")
            try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": email, "role": "member"])
            let path = try await F.invitePath(app, to: email)
            let answer = try await signUp(app, SignupBody(email: email, locale: "fr"))
            let signedOut = try await WebClient(app).get(path)
            #expect(signedOut.status == .conflict && signedOut.body.string.contains("a déjà un compte AVA"))
            let web = try await F.browser(app, F.Person(email: email, token: answer.tokens.accessToken, userID: answer.user.id))
            let page = try await web.get(path)
            #expect(page.status == .conflict && page.body.string.contains("Vous êtes propriétaire d’une autre organisation"))
            #expect(try await OrgUser.query(on: app.db).filter(\.$user.$id == answer.user.id).count() == 1)
            // Re-inviting the same address replaces the link: one pending invitation per address.
            let second = uniqueEmail("twice")
            try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": second])
            try await F.api(app, .POST, "/api/v1/team/invites", token: owner.token, json: ["email": second, "role": "admin"])
            let pending = try await TeamInvite.query(on: app.db).filter(\.$email == second).all()
            #expect(pending.count == 1 && pending.first?.role == .admin)
        }
    }
}
