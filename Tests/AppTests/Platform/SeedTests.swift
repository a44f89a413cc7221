@testable import App
import Fluent
import Foundation
import SQLKit
import Testing
import Vapor
import VaporTesting

/// `ava seed`: the rows it writes fit the real schema (read back through the models), belong together (every
/// appointment, message and transcript line points at a call of the same organisation), and the big
/// organisation's owner can sign in with the printed password.
@Suite("Seed")
struct SeedTests {
    static let password = "seed-test-password-42"

    static func plan(seed: UInt64 = 7, now: Date = Date()) throws -> SeedPlan {
        // Cost 4: the hash is checked like any other, without a quarter of a second per test.
        var plan = SeedPlan(orgs: 3, calls: 50, bigOrgCalls: 20, bigOrgLocale: .en, seed: seed,
                            passwordHash: try Bcrypt.hash(password, cost: 4), linesFraction: 0.5, batchCalls: 15)
        plan.now = now
        return plan
    }

    @Test("a tiny dataset: counts, links and values within the schema's rules")
    func seedsTinyDatabase() async throws {
        try await withAVA { app in
            let plan = try Self.plan()
            let result = try await SeedCommand.seed(plan, app: app) { _ in }
            #expect(result.rows["calls"] == 50)
            #expect(result.bigOrgCalls == 20)

            #expect(try await Org.query(on: app.db).count() == 3)
            #expect(try await User.query(on: app.db).count() == 3)
            #expect(try await OrgUser.query(on: app.db).filter(\.$role == .owner).count() == 3)
            #expect(try await Assistant.query(on: app.db).count() == 3)
            #expect(try await PhoneNumberRecord.query(on: app.db).count() == 3)
            #expect(try await BookingProfile.query(on: app.db).count() == 3)

            let owner = try #require(try await User.query(on: app.db).filter(\.$email == plan.ownerEmail(0)).first())
            #expect(owner.onboardingCompleted && owner.isEmailVerified)
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == owner.id!).first())
            let bigOrg = membership.$org.id

            // Every column decodes through the models (types and required fields as the app reads them).
            let calls = try await Call.query(on: app.db).all()
            #expect(calls.count == 50)
            #expect(calls.filter { $0.$org.id == bigOrg }.count == 20)
            let earliest = plan.now.addingTimeInterval(-Double(plan.days + 1) * 86_400)
            let orgsByNumber = Dictionary(uniqueKeysWithValues: try await PhoneNumberRecord.query(on: app.db).all().map { ($0.id!, $0.$org.id) })
            for call in calls {
                let started = try #require(call.startedAt)
                #expect(started >= earliest && started <= plan.now)
                #expect(orgsByNumber[call.$phoneNumber.id!] == call.$org.id)
                #expect(call.vapiCallID != nil)
                switch call.status {
                case "ended":
                    #expect(call.statusRank == 6)
                    let ended = try #require(call.endedAt)
                    #expect(ended > started && ended <= plan.now)
                    #expect(call.reportReceivedAt != nil && call.endedReason != nil && call.summary != nil)
                    #expect((150...1_800).contains(call.transcript?.count ?? 0))
                    #expect([nil, "booked", "message", "transferred"].contains(call.outcome))
                    #expect(["true", "false"].contains(call.successEvaluation))
                    #expect((call.cost ?? -1) >= 0)
                case "in-progress":
                    #expect(call.statusRank == 4 && call.endedAt == nil && call.reportReceivedAt == nil)
                default:
                    Issue.record("unexpected status \(call.status)")
                }
            }
            #expect(calls.filter { $0.status == "in-progress" && $0.$org.id == bigOrg }.count == 3)

            let callsByID = Dictionary(uniqueKeysWithValues: calls.map { ($0.id!, $0) })
            let appointments = try await Appointment.query(on: app.db).all()
            #expect(appointments.count == calls.filter { $0.outcome == "booked" && $0.fromNumber != nil }.count)
            for appointment in appointments {
                let call = try #require(appointment.callID.flatMap { callsByID[$0] })
                #expect(call.$org.id == appointment.$org.id && call.outcome == "booked")
                #expect(appointment.endsAt > appointment.startsAt && appointment.startsAt > call.endedAt!)
                let customer = try #require(try await Customer.find(appointment.$customer.id, on: app.db))
                #expect(customer.$org.id == appointment.$org.id && customer.phone == call.fromNumber)
            }
            let messages = try await OwnerMessage.query(on: app.db).all()
            #expect(messages.count == calls.filter { $0.outcome == "message" && $0.fromNumber != nil }.count)
            for message in messages {
                let call = try #require(message.callID.flatMap { callsByID[$0] })
                #expect(call.$org.id == message.$org.id && call.outcome == "message" && message.phone == call.fromNumber)
            }
            let lines = try await CallTranscriptLine.query(on: app.db).all()
            #expect(!lines.isEmpty)
            for line in lines {
                let call = try #require(callsByID[line.$call.id])
                #expect(call.$org.id == line.$org.id && call.transcript?.contains(line.text) == true)
            }
        }
    }

    @Test("the big organisation's owner signs in with the seeded password and lands on a finished onboarding")
    func ownerSignsIn() async throws {
        try await withAVA { app in
            let plan = try Self.plan()
            _ = try await SeedCommand.seed(plan, app: app) { _ in }
            try await app.testing().test(.POST, "/api/v1/auth/login", beforeRequest: { req in
                try req.content.encode(["identifier": plan.ownerEmail(0), "password": Self.password], as: .json)
            }, afterResponse: { res throws in
                #expect(res.status == .ok, "\(res.body.string)")
                #expect(res.body.string.contains("\"onboardingCompleted\":true"))
            })
        }
    }

    @Test("the same seed gives the same rows; seeding a database twice with one seed is refused")
    func deterministicAndRefusesTwice() async throws {
        let now = Date()
        try await withAVA { app in
            func rows(_ plan: SeedPlan) -> [String] {
                var generator = SeedGenerator(plan: plan, presets: app.industryPresets)
                var all: [String] = []
                while let batch = generator.nextBatch() {
                    all += batch.calls.rows.map { row in row.map { String(describing: $0.encodable) }.joined(separator: "|") }
                }
                return all
            }
            let first = rows(try Self.plan(seed: 11, now: now))
            #expect(first.count == 50)
            #expect(first == rows(try Self.plan(seed: 11, now: now)))
            #expect(first != rows(try Self.plan(seed: 12, now: now)))

            _ = try await SeedCommand.seed(try Self.plan(seed: 11, now: now), app: app) { _ in }
            await #expect(throws: (any Error).self) {
                _ = try await SeedCommand.seed(try Self.plan(seed: 11, now: now), app: app) { _ in }
            }
            #expect(try await Call.query(on: app.db).count() == 50)
        }
    }
}
