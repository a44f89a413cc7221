@testable import App
import Fluent
import Foundation
import Testing
import Vapor
import VaporTesting

/// `/{locale}/messages` and `GET /api/v1/booking/messages` page by keyset cursor, 50 a page, newest first.
@Suite("Messages paging")
struct MessagesPagingTests {
    typealias F = DashboardFixture

    /// `count` messages named "Caller 001" (oldest) to "Caller 120" (newest); two by two they share the same
    /// instant, so the id must break ties without skipping or repeating one.
    static func fill(_ app: Application, org: UUID, count: Int, prefix: String = "Caller", start: Date = Date().addingTimeInterval(-86400)) async throws -> [UUID] {
        var ids: [UUID] = []
        for n in 1...count {
            let at = start.addingTimeInterval(Double((n + 1) / 2) * 60)
            ids.append(try await F.message(app, org: org, name: String(format: "\(prefix) %03d", n), reason: "Rappel \(n)", createdAt: at))
        }
        return ids
    }

    /// The names of the messages on a page, in order.
    static func names(_ html: String) -> [String] {
        html.components(separatedBy: "class=\"message-who\"").dropFirst().compactMap { part in
            guard let open = part.firstIndex(of: ">"), let close = part[open...].firstIndex(of: "<") else { return nil }
            return String(part[part.index(after: open)..<close])
        }
    }

    /// The href of the link with this `rel` (or class fragment), HTML entities undone.
    static func link(_ html: String, rel: String) -> String? {
        guard let relRange = html.range(of: "\" rel=\"\(rel)\"") else { return nil }
        let before = html[..<relRange.lowerBound]
        guard let start = before.range(of: "href=\"", options: .backwards) else { return nil }
        return String(before[start.upperBound...]).replacingOccurrences(of: "&amp;", with: "&")
    }

    static func expected(_ range: ClosedRange<Int>) -> [String] { range.reversed().map { String(format: "Caller %03d", $0) } }

    /// Messages sharing an instant come in id order, so a page is compared as a set, after checking it has
    /// no duplicate and its instants never go up.
    static func same(_ names: [String], _ expected: [String]) -> Bool {
        names.count == expected.count && Set(names) == Set(expected) && Set(names).count == names.count
            && zip(names, names.dropFirst()).allSatisfy { rank($0) >= rank($1) }
    }

    /// "Caller 007" and "Caller 008" share an instant (see `fill`): the rank of that instant.
    static func rank(_ name: String) -> Int { ((Int(name.suffix(3)) ?? 1_000_000) + 1) / 2 }

    @Test("120 messages: 50 newest, then the next 50, then the last 20, with no overlap, no gap, and only shown ones read")
    func pagesThroughEverything() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "en")
            let ids = try await Self.fill(app, org: org, count: 120)

            let first = try await web.get("/en/messages")
            #expect(first.status == .ok)
            let firstHTML = first.body.string
            #expect(Self.same(Self.names(firstHTML), Self.expected(71...120)))
            #expect(firstHTML.contains("Older messages"))
            #expect(Self.link(firstHTML, rel: "prev") == nil, "no newer page on the first")
            // Only what was shown is read.
            let read = try await OwnerMessage.query(on: app.db).filter(\.$org.$id == org).filter(\.$readAt != nil).all().compactMap(\.id)
            #expect(Set(read) == Set(ids[70...]))

            // A message arriving meanwhile shifts nothing.
            _ = try await F.message(app, org: org, name: "Latecomer", reason: "Nouveau", createdAt: Date())
            let olderPath = try #require(Self.link(firstHTML, rel: "next"))
            #expect(olderPath.hasPrefix("/en/messages?cursor=v1."))
            let second = try await web.get(olderPath).body.string
            #expect(Self.same(Self.names(second), Self.expected(21...70)))
            #expect(second.contains("Newer"))

            let lastPath = try #require(Self.link(second, rel: "next"))
            let last = try await web.get(lastPath).body.string
            #expect(Self.same(Self.names(last), Self.expected(1...20)))
            #expect(Self.link(last, rel: "next") == nil, "no older link on the last page")

            // "Newer" from the last page is the second page again; from the second, the newest (with the latecomer).
            let backPath = try #require(Self.link(last, rel: "prev"))
            #expect(backPath.contains("newer=v1."))
            let back = try await web.get(backPath).body.string
            #expect(Self.same(Self.names(back), Self.expected(21...70)))
            // Newer pages are the 50 just above, so the latecomer makes one more page at the top.
            let above = try await web.get(try #require(Self.link(back, rel: "prev"))).body.string
            #expect(Self.same(Self.names(above), Self.expected(71...120)))
            let top = try await web.get(try #require(Self.link(above, rel: "prev"))).body.string
            let topNames = Self.names(top)
            #expect(topNames.first == "Latecomer")
            // 71 and 72 share an instant: which of them the 49 below the latecomer end with depends on their ids.
            let rest = Array(topNames.dropFirst())
            #expect(rest.count == 49 && Set(rest).count == 49 && Set(rest).isSubset(of: Set(Self.expected(71...120))))
            #expect(Set(Self.expected(73...120)).isSubset(of: Set(rest)))
            #expect(Self.link(top, rel: "prev") == nil)
            let unread = try await OwnerMessage.query(on: app.db).filter(\.$org.$id == org).filter(\.$readAt == nil).count()
            #expect(unread == 0)
        }
    }

    @Test("the open filter and the page are kept across pages and by the done form")
    func filterKeptAcrossPages() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "fr")
            let ids = try await Self.fill(app, org: org, count: 120)
            // Every third message is done.
            for (index, id) in ids.enumerated() where index % 3 == 0 {
                let message = try #require(try await OwnerMessage.find(id, on: app.db))
                message.doneAt = Date()
                try await message.save(on: app.db)
            }
            let open = (1...120).filter { ($0 - 1) % 3 != 0 }.reversed().map { String(format: "Caller %03d", $0) }
            let first = try await web.get("/fr/messages?show=open").body.string
            #expect(Self.same(Self.names(first), Array(open.prefix(50))))
            let olderPath = try #require(Self.link(first, rel: "next"))
            #expect(olderPath.hasPrefix("/fr/messages?show=open&cursor="))
            let second = try await web.get(olderPath).body.string
            #expect(Self.same(Self.names(second), Array(open.dropFirst(50))))
            #expect(Self.link(second, rel: "next") == nil)
            #expect(second.contains("Messages plus anciens") == false)

            // Marking one done on page 2 comes back to page 2 of the open list.
            let target = try #require(ids.indices.first { $0 % 3 != 0 && Self.names(second).contains(String(format: "Caller %03d", $0 + 1)) })
            var form = ["show": "open"]
            form["cursor"] = URLComponents(string: olderPath)?.queryItems?.first { $0.name == "cursor" }?.value
            let done = try await web.post("/fr/messages/\(ids[target].uuidString)/done", form: form, csrfFrom: olderPath)
            #expect(done.status == .seeOther)
            let location = try #require(done.headers.first(name: .location))
            #expect(location.hasPrefix("/fr/messages?show=open&cursor=v1."))
            #expect(location.contains("changed=done"))
        }
    }

    @Test("a bad cursor is a clear, localized 422 on the page and in the API, as in the calls list")
    func badCursor() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "he")
            _ = try await Self.fill(app, org: org, count: 3)
            for bad in ["nonsense", "v1.!!!", "v1.eDp5OnovMg"] {
                let page = try await web.get("/he/messages?cursor=\(bad)")
                #expect(page.status == .unprocessableEntity)
                #expect(page.body.string.contains("הקישור לדף הזה כבר לא תקף"))
                #expect(page.body.string.contains("href=\"/he/messages\""), "a way back to the newest")
                let newer = try await web.get("/he/messages?newer=\(bad)")
                #expect(newer.status == .unprocessableEntity)
            }
            web.acceptLanguage = "en"
            let english = try await web.get("/en/messages?cursor=nonsense").body.string
            #expect(english.contains("That page link is no longer valid"))

            let auth = try await signUp(app, SignupBody(email: uniqueEmail("api"), locale: "fr"))
            try await app.testing().test(.GET, "/api/v1/booking/messages?cursor=nonsense",
                                         headers: ["Authorization": "Bearer \(auth.tokens.accessToken)", "Accept-Language": "fr"],
                                         afterResponse: { res throws in
                #expect(res.status == .unprocessableEntity)
                let error = try res.content.decode(ErrorEnvelope.self).error
                #expect(error.code == "messages_cursor_invalid")
                #expect(error.field == "cursor")
                #expect(error.message.contains("n’est plus valable"))
            })
            try await app.testing().test(.GET, "/api/v1/booking/messages?limit=0", headers: .bearer(auth.tokens.accessToken),
                                         afterResponse: { res throws in
                #expect(res.status == .unprocessableEntity)
                #expect(try res.content.decode(ErrorEnvelope.self).error.code == "messages_limit_invalid")
            })
        }
    }

    @Test("another organisation's messages never appear, on any page, even with a cursor made in that organisation")
    func otherOrganisationsNeverAppear() async throws {
        try await withAVA { app in
            let (web, org) = try await F.signedIn(app, locale: "en")
            let (strangerWeb, stranger) = try await F.signedIn(app, locale: "en", name: "Other Owner")
            _ = try await Self.fill(app, org: org, count: 60)
            _ = try await Self.fill(app, org: stranger, count: 60, prefix: "Stranger", start: Date().addingTimeInterval(-43200))

            var path: String? = "/en/messages"
            var seen: [String] = []
            while let next = path {
                let html = try await web.get(next).body.string
                seen += Self.names(html)
                path = Self.link(html, rel: "next")
            }
            #expect(Self.same(seen, Self.expected(1...60)))
            #expect(!seen.contains { $0.hasPrefix("Stranger") })

            // The stranger's own cursor, used by our owner: still only our messages.
            let strangerFirst = try await strangerWeb.get("/en/messages").body.string
            #expect(Self.names(strangerFirst).allSatisfy { $0.hasPrefix("Stranger") })
            let strangerOlder = try #require(Self.link(strangerFirst, rel: "next"))
            let mixed = try await web.get(strangerOlder).body.string
            #expect(!Self.names(mixed).contains { $0.hasPrefix("Stranger") })
            let strangerUnread = try await OwnerMessage.query(on: app.db).filter(\.$org.$id == stranger).filter(\.$readAt == nil).count()
            #expect(strangerUnread == 10, "our owner's pages marked none of the stranger's messages read")
        }
    }

    @Test("the API pages the same way: 50 by default, nextCursor until the last page")
    func apiPages() async throws {
        try await withAVA { app in
            let auth = try await signUp(app, SignupBody(email: uniqueEmail("api")))
            let org = auth.organisation.id
            _ = try await Self.fill(app, org: org, count: 120)
            let other = try await signUp(app, SignupBody(email: uniqueEmail("api")))
            let otherOrg = other.organisation.id
            _ = try await Self.fill(app, org: otherOrg, count: 5, prefix: "Stranger")

            var names: [String] = []
            var cursor: String?
            var pages = 0
            repeat {
                var path = "/api/v1/booking/messages"
                if let cursor { path += "?cursor=\(cursor)" }
                var list: OwnerMessagesAPIController.MessageList?
                try await app.testing().test(.GET, path, headers: .bearer(auth.tokens.accessToken), afterResponse: { res throws in
                    #expect(res.status == .ok)
                    list = try res.content.decode(OwnerMessagesAPIController.MessageList.self)
                })
                let page = try #require(list)
                #expect(page.messages.count == (pages < 2 ? 50 : 20))
                names += page.messages.map(\.name)
                cursor = page.nextCursor
                pages += 1
            } while cursor != nil && pages < 5
            #expect(pages == 3)
            #expect(Self.same(names, Self.expected(1...120)))

            try await app.testing().test(.GET, "/api/v1/booking/messages?limit=8", headers: .bearer(auth.tokens.accessToken),
                                         afterResponse: { res throws in
                let page = try res.content.decode(OwnerMessagesAPIController.MessageList.self)
                #expect(Self.same(page.messages.map(\.name), Self.expected(113...120)))
                #expect(page.nextCursor != nil)
            })
        }
    }
}
