@testable import App
import Foundation
import Testing
import Vapor
import VaporTesting

/// The dashboard's live panel words each call by its status, on the server as in Public/js/dashboard.js.
@Suite("Dashboard live panel")
struct DashboardLivePanelTests {
    typealias F = DashboardFixture

    /// The `<li>` of one call in the live panel.
    static func liveRow(_ html: String, _ id: UUID) -> String? {
        guard let start = html.range(of: "data-call-id=\"\(id.uuidString)\""),
              let end = html[start.upperBound...].range(of: "</li>") else { return nil }
        return String(html[start.lowerBound..<end.lowerBound])
    }

    @Test("ringing, in progress with the caller, being transferred")
    func labelsFollowTheStatus() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "en")
            let now = Date()
            let ringing = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-5), statusRank: 2, status: "ringing",
                                                                  endedReason: nil, from: nil))
            let talking = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-60), statusRank: 4, status: "in-progress",
                                                                  endedReason: nil, callerName: "Lucie Martin"))
            let numberOnly = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-90), statusRank: 4, status: "in-progress",
                                                                     endedReason: nil, from: "+33698765432"))
            let forwarding = try await F.call(app, org: org, .init(at: now.addingTimeInterval(-120), statusRank: 5, status: "forwarding",
                                                                     endedReason: nil, outcome: "transferred", callerName: "Paul Girard"))

            let html = try await web.get("/en/dashboard").body.string
            let ringingRow = try #require(Self.liveRow(html, ringing))
            #expect(ringingRow.contains(">Incoming call<"))
            #expect(ringingRow.contains("data-live-state-text>Ringing<"))
            #expect(ringingRow.contains("data-live-call-status=\"ringing\""))
            let talkingRow = try #require(Self.liveRow(html, talking))
            #expect(talkingRow.contains("Lucie Martin"))
            #expect(talkingRow.contains("data-live-state-text>Call in progress<"))
            let numberRow = try #require(Self.liveRow(html, numberOnly))
            #expect(numberRow.contains("<bdi dir=\"ltr\">+33698765432</bdi>"))
            #expect(numberRow.contains("Call in progress"))
            let forwardingRow = try #require(Self.liveRow(html, forwarding))
            #expect(forwardingRow.contains("Paul Girard"))
            #expect(forwardingRow.contains("data-live-state-text>Being transferred<"))
            // The live script gets the same words.
            #expect(html.contains("data-text-forwarding=\"Being transferred\""))
            #expect(html.contains("data-text-in-progress=\"Call in progress\""))

            web.acceptLanguage = "he"
            let hebrew = try await web.get("/he/dashboard").body.string
            #expect(try #require(Self.liveRow(hebrew, forwarding)).contains("בהעברה"))
            #expect(try #require(Self.liveRow(hebrew, talking)).contains("שיחה פעילה"))
        }
    }
}
