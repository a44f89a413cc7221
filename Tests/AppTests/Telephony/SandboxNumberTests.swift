@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// With no `VAPI_API_KEY`: fictional numbers, assistants kept locally, and everything says it is a sandbox.
@Suite("Phone numbers in the sandbox")
struct SandboxNumberTests {
    @Test func handsOutFictionalNumbersAndReleasesThem() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app, locale: "en")
            let preview = try await send(app, .GET, "/api/v1/phone-numbers/available?areaCode=415", owner)
            #expect(preview.status == .ok)
            #expect(jsonObject(preview.body)["example"] as? String == "+14155550100")
            #expect(jsonObject(preview.body)["sandbox"] as? Bool == true)

            let first = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "415", "name": "Front desk"])
            #expect(first.status == .created, "\(first.body)")
            let created = jsonObject(first.body)
            #expect(created["number"] as? String == "+14155550100")
            #expect(created["provider"] as? String == "sandbox")
            #expect(created["status"] as? String == "sandbox")
            #expect(created["sandbox"] as? Bool == true)
            #expect(created["name"] as? String == "Front desk")

            let second = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "(415)"])
            #expect(jsonObject(second.body)["number"] as? String == "+14155550101")

            let list = try await send(app, .GET, "/api/v1/phone-numbers", owner)
            let numbers = try #require(jsonObject(list.body)["phoneNumbers"] as? [[String: Any]])
            #expect(numbers.map { $0["number"] as? String } == ["+14155550100", "+14155550101"])
            #expect(jsonObject(list.body)["sandbox"] as? Bool == true)

            // The assistant stays local: no Vapi id, but a profile in the organisation's language.
            let assistant = jsonObject(try await send(app, .GET, "/api/v1/assistant", owner).body)
            #expect(assistant["vapiAssistantId"] == nil)
            #expect((assistant["firstMessage"] as? String)?.contains("Hello") == true)

            let id = try #require(created["id"] as? String)
            #expect(try await send(app, .DELETE, "/api/v1/phone-numbers/\(id)", owner).status == .noContent)
            #expect(try await send(app, .GET, "/api/v1/phone-numbers/\(id)", owner).status == .notFound)
        }
    }

    @Test func refusesAreaCodesWithoutFreeNumbersInTheOwnersLanguage() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app, locale: "fr")
            for (code, expected) in [("12", "area_code_invalid"), ("911", "area_code_invalid"), ("416", "area_code_not_us"),
                                     ("876", "area_code_not_us"), ("800", "area_code_non_geographic"), ("abc", "area_code_invalid")] {
                let answer = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": code])
                #expect(answer.status == .unprocessableEntity, "\(code)")
                #expect(errorCode(answer.body) == expected, "\(code): \(answer.body)")
            }
            let canadian = try await send(app, .GET, "/api/v1/phone-numbers/available?areaCode=416", owner)
            #expect(canadian.body.contains("canadien"), "\(canadian.body)")
            let count = try await PhoneNumberRecord.query(on: app.db).count()
            #expect(count == 0)
        }
    }

    @Test func onlyOwnersAndAdminsAddOrReleaseNumbers() async throws {
        try await withAVA { app in
            // A fictional number needs no verified email (a real one does: see VapiNumberTests).
            let unverified = try await Owner.create(app, verified: false)
            let sandbox = try await send(app, .POST, "/api/v1/phone-numbers/create-us", unverified, json: ["areaCode": "415"])
            #expect(sandbox.status == .created)

            let owner = try await Owner.create(app)
            let created = jsonObject(try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "212"]).body)
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.userID).first())
            membership.role = .member
            try await membership.save(on: app.db)
            let member = try await send(app, .POST, "/api/v1/phone-numbers/create-us", owner, json: ["areaCode": "212"])
            #expect(member.status == .forbidden)
            #expect(errorCode(member.body) == "forbidden_role")
            // Members still see the numbers.
            #expect(try await send(app, .GET, "/api/v1/phone-numbers", owner).status == .ok)
            let id = try #require(created["id"] as? String)
            #expect(try await send(app, .DELETE, "/api/v1/phone-numbers/\(id)", owner).status == .forbidden)
        }
    }

    @Test func anotherOrganisationsNumberIsNotFound() async throws {
        try await withAVA { app in
            let alice = try await Owner.create(app)
            let bob = try await Owner.create(app)
            let created = jsonObject(try await send(app, .POST, "/api/v1/phone-numbers/create-us", alice, json: ["areaCode": "305"]).body)
            let id = try #require(created["id"] as? String)
            #expect(try await send(app, .GET, "/api/v1/phone-numbers/\(id)", bob).status == .notFound)
            #expect(try await send(app, .DELETE, "/api/v1/phone-numbers/\(id)", bob).status == .notFound)
            #expect(try await send(app, .DELETE, "/api/v1/phone-numbers/not-a-uuid", bob).status == .notFound)
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 1)
        }
    }

    @Test func optionsFollowTheCountry() async throws {
        try await withAVA { app in
            let french = try await Owner.create(app, locale: "fr")
            let options = jsonObject(try await send(app, .GET, "/api/v1/phone-numbers/options", french).body)
            #expect(options["country"] as? String == "FR")
            #expect(options["recommended"] as? String == "twilio-import")
            let american = try await Owner.create(app, locale: "en")
            var headers = american
            headers.headers.replaceOrAdd(name: .acceptLanguage, value: "en-US,en;q=0.8")
            #expect(jsonObject(try await send(app, .GET, "/api/v1/phone-numbers/options", headers).body)["recommended"] as? String == "vapi-free")
            headers.headers.replaceOrAdd(name: .acceptLanguage, value: "en-GB")
            #expect(jsonObject(try await send(app, .GET, "/api/v1/phone-numbers/options", headers).body)["country"] as? String == "GB")
        }
    }
}
