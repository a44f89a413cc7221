@testable import App
import AVACore
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

@Suite("Onboarding")
struct OnboardingTests {
    @Test func everyPresetExistsInEveryLanguage() async throws {
        try await withAVA { app in
            let presets = app.industryPresets
            #expect(presets.industries == ["health", "beauty", "legal", "consulting", "ecommerce", "realestate", "other"])
            for industry in presets.industries {
                var prompts = Set<String>()
                for locale in AppLocale.allCases {
                    let preset = try #require(presets.resolved(industry, locale: locale, country: locale.defaultCountry.rawValue))
                    #expect(!preset.systemPrompt.isEmpty && preset.firstMessage.contains("{business}"), "\(industry) \(locale)")
                    #expect(!preset.services.isEmpty)
                    prompts.insert(preset.systemPrompt)
                }
                #expect(prompts.count == 3, "\(industry): one prompt per language")
            }
            // Hebrew presets are Hebrew.
            let he = try #require(presets.resolved("health", locale: .he, country: "IL"))
            #expect(he.systemPrompt.unicodeScalars.contains { (0x0590...0x05FF).contains($0.value) })
            #expect(he.systemPrompt.contains("101"))   // Israel's ambulance number, not France's 15
        }
    }

    @Test func presetAPIAnswersInTheLanguageAsked() async throws {
        try await withAVA { app in
            try await app.testing().test(.GET, "/api/v1/onboarding/preset?industry=beauty&locale=fr", afterResponse: { res throws in
                #expect(res.status == .ok)
                let preset = try res.content.decode(ResolvedPreset.self)
                #expect(preset.label == "Beauté")
                #expect(preset.services.map(\.name).contains("Coupe femme"))
                #expect(preset.hours.intervals(on: .mon).isEmpty)   // salons close on Monday in France
            })
            try await app.testing().test(.GET, "/api/v1/onboarding/preset?industry=dentistry", afterResponse: { res throws in
                #expect(res.status == .unprocessableEntity)
            })
            try await app.testing().test(.GET, "/api/v1/onboarding/preset?industry=legal&locale=xx", afterResponse: { res throws in
                #expect(res.status == .unprocessableEntity)
            })
        }
    }

    @Test func theWizardWalksFiveStepsAndResumesWhereTheOwnerLeft() async throws {
        try await withAVA { app in
            let web = WebClient(app)
            let email = uniqueEmail("wizard")
            _ = try await web.post("/fr/signup", form: ["name": "Camille Durand", "email": email, "password": "correct-horse-battery-42",
                                                       "acceptTerms": "true"], csrfFrom: "/fr/signup")
            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            user.emailVerifiedAt = Date()
            try await user.save(on: app.db)

            let welcome = try await web.get("/fr/onboarding")
            #expect(welcome.body.string.contains("configurons votre réceptionniste IA en 5 minutes"))
            #expect(welcome.body.string.contains("aria-valuenow=\"20\""))
            var next = try await web.post("/fr/onboarding/1", form: ["action": "next"], csrfFrom: "/fr/onboarding")
            #expect(next.headers.first(name: .location) == "/fr/onboarding?step=2")

            // Step 2 in the sandbox: one click gives a fictional number.
            #expect(try await web.get("/fr/onboarding").body.string.contains("Obtenir un numéro de test"))
            next = try await web.post("/fr/onboarding/2", form: ["action": "sandbox"], csrfFrom: "/fr/onboarding")
            #expect(next.headers.first(name: .location) == "/fr/onboarding?step=3")
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 1)

            // A reload (or another device) resumes at step 3; step 4 cannot be skipped to.
            let resumed = try await web.get("/fr/onboarding?step=5")
            #expect(resumed.body.string.contains("Votre activité"))
            let refused = try await web.post("/fr/onboarding/3", form: ["action": "next"], csrfFrom: "/fr/onboarding")
            #expect(refused.status == .unprocessableEntity)
            #expect(refused.body.string.contains("Choisissez votre activité"))
            next = try await web.post("/fr/onboarding/3", form: ["action": "next", "industry": "health"], csrfFrom: "/fr/onboarding")
            #expect(next.headers.first(name: .location) == "/fr/onboarding?step=4")
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
            let org = try #require(try await Org.find(membership.$org.id, on: app.db))
            let assistant = try await Assistant.forOrg(org, on: app.db)
            #expect(assistant.name == "Clara" && assistant.industry == "health")
            #expect(try await BookingService.query(on: app.db).filter(\.$org.$id == org.id!).count() == 3)

            // Step 4: customisation, with a bad value refused in French.
            let bad = try await web.post("/fr/onboarding/4", form: ["action": "next", "name": "", "tone": "warm"], csrfFrom: "/fr/onboarding")
            #expect(bad.status == .unprocessableEntity)
            next = try await web.post("/fr/onboarding/4", form: ["action": "next", "name": "Zoé", "tone": "warm", "voice": "fr-FR-EloiseNeural",
                                                                 "firstMessage": "Bonjour, {business}, ici {name} !"], csrfFrom: "/fr/onboarding")
            #expect(next.headers.first(name: .location) == "/fr/onboarding?step=5")
            let step5 = try await web.get("/fr/onboarding")
            #expect(step5.body.string.contains("/fr/simulator/start"))
            // The test call runs inside the step: its forms come back to the onboarding page.
            let started = try await web.post("/fr/simulator/start", form: ["returnTo": "/fr/onboarding"], csrfFrom: "/fr/onboarding")
            let back5 = try #require(started.headers.first(name: .location))
            #expect(back5.hasPrefix("/fr/onboarding"), "\(back5)")
            let inCall = try await web.get(back5)
            // AVA speaks first: the owner's greeting in business hours, the after-hours one otherwise.
            #expect(inCall.body.string.contains("live-line--assistant"))
            #expect(inCall.body.string.contains("Camille Durand"))
            // Back works without losing anything.
            let back = try await web.post("/fr/onboarding/5", form: ["action": "back"], csrfFrom: "/fr/onboarding")
            #expect(back.headers.first(name: .location) == "/fr/onboarding?step=4")
            #expect(try await web.get("/fr/onboarding?step=4").body.string.contains("Bonjour, Camille Durand, ici Zoé !"))

            let done = try await web.post("/fr/onboarding/5", form: ["action": "finish"], csrfFrom: "/fr/onboarding")
            #expect(done.headers.first(name: .location) == "/fr/dashboard?flash=onboarding_done")
            let finished = try #require(try await User.find(user.id, on: app.db))
            #expect(finished.onboardingCompleted)

            // The funnel saw every step.
            let report = try await OnboardingStats.compute(on: app.db)
            #expect(report.rows.allSatisfy { $0.entered == 1 && $0.completed == 1 })
            #expect(report.text.contains("test_call"))
        }
    }

    @Test func theAPIAppliesAnIndustryAndFinishes() async throws {
        try await withAVA { app in
            let owner = try await Owner.create(app, locale: "he")
            let state = jsonObject(try await send(app, .GET, "/api/v1/onboarding", owner).body)
            #expect(state["step"] as? Int == 1)
            let applied = try await send(app, .POST, "/api/v1/onboarding/industry", owner, json: ["industry": "realestate"])
            #expect(applied.status == .ok, "\(applied.body)")
            #expect(jsonObject(applied.body)["name"] as? String == "דנה")
            let wrong = try await send(app, .POST, "/api/v1/onboarding/industry", owner, json: ["industry": "space"])
            #expect(errorCode(wrong.body) == "industry_required")
            let done = jsonObject(try await send(app, .POST, "/api/v1/onboarding/complete", owner).body)
            #expect(done["completed"] as? Bool == true)
        }
    }

    @Test func operatorsSeeTheFunnelAndNobodyElseKnowsItExists() async throws {
        try await withAVA(settings: ["AVA_OPERATOR_EMAILS": "ops@example.com"]) { app in
            let web = WebClient(app)
            _ = try await web.post("/en/signup", form: ["name": "Ops", "email": "ops@example.com", "password": "correct-horse-battery-42",
                                                       "acceptTerms": "true"], csrfFrom: "/en/signup")
            // Not verified yet: not an operator.
            #expect(try await web.get("/en/operator/onboarding").status == .notFound)
            let user = try #require(try await User.query(on: app.db).filter(\.$email == "ops@example.com").first())
            user.emailVerifiedAt = Date()
            try await user.save(on: app.db)
            let page = try await web.get("/en/operator/onboarding")
            #expect(page.status == .ok)
            #expect(page.body.string.contains("Onboarding funnel"))
            #expect(page.body.string.contains("Test call"))

            let other = WebClient(app)
            _ = try await other.post("/en/signup", form: ["name": "Owner", "email": uniqueEmail(), "password": "correct-horse-battery-42",
                                                         "acceptTerms": "true"], csrfFrom: "/en/signup")
            #expect(try await other.get("/en/operator/onboarding").status == .notFound)
        }
    }

    @Test func withAVapiPublicKeyTheTestCallOffersAWebCallOnThatPageOnly() async throws {
        try await withAVA(settings: ["VAPI_API_KEY": "unused-here", "VAPI_BASE_URL": "http://127.0.0.1:9", "VAPI_PUBLIC_KEY": "pk-test-123"]) { app in
            let web = WebClient(app)
            let email = uniqueEmail("webcall")
            _ = try await web.post("/en/signup", form: ["name": "Sam", "email": email, "password": "correct-horse-battery-42",
                                                       "acceptTerms": "true"], csrfFrom: "/en/signup")
            let user = try #require(try await User.query(on: app.db).filter(\.$email == email).first())
            user.onboardingStep = 5
            try await user.save(on: app.db)
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
            let org = try #require(try await Org.find(membership.$org.id, on: app.db))
            let assistant = try await Assistant.forOrg(org, on: app.db)
            assistant.vapiAssistantID = "9b4c8c52-5b7f-4c39-8a1f-0f4d2d4bb001"
            try await assistant.save(on: app.db)

            let page = try await web.get("/en/onboarding")
            #expect(page.body.string.contains("data-vapi-webcall"))
            #expect(page.body.string.contains("pk-test-123"))
            #expect(page.headers.first(name: "Content-Security-Policy")?.contains("https://cdn.jsdelivr.net") == true)
            // Every other page keeps the strict policy.
            let dashboard = try await web.get("/en/dashboard")
            #expect(dashboard.headers.first(name: "Content-Security-Policy")?.contains("jsdelivr") == false)
        }
    }
}
