import Fluent
import Foundation
import NIOConcurrencyHelpers
import Vapor

/// What the webhook needs to know about an organisation, looked up by its webhook token. Vapi posts many
/// events per second during calls, so the answer is kept for a few seconds instead of read each time.
struct WebhookOrg: Sendable {
    var id: UUID
    var name: String
    var locale: String
    var timezone: String
    var country: String
    var token: String
}

final class WebhookOrgDirectory: Sendable {
    private struct Entry: Sendable { var org: WebhookOrg; var expires: Date }
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let lifetime: TimeInterval = 15

    func find(token: String, on db: any Database) async throws -> WebhookOrg? {
        guard token.count >= 32, token.count <= 100 else { return nil }
        let now = Date()
        if let entry = entries.withLockedValue({ $0[token] }), entry.expires > now {
            return VapiWebhookAuth.constantTimeEquals(entry.org.token, token) ? entry.org : nil
        }
        guard let org = try await Org.query(on: db).filter(\.$webhookToken == token).first(), let id = org.id,
              let stored = org.webhookToken, VapiWebhookAuth.constantTimeEquals(stored, token) else { return nil }
        let found = WebhookOrg(id: id, name: org.name, locale: org.locale, timezone: org.timezone, country: org.country, token: stored)
        entries.withLockedValue { all in
            if all.count > 10_000 { all.removeAll() }   // bounded: only real tokens get here
            all[token] = Entry(org: found, expires: now.addingTimeInterval(lifetime))
        }
        return found
    }

    /// After a change to an organisation (name, language), so the next event reads it again.
    func forget(orgID: UUID) { entries.withLockedValue { $0 = $0.filter { $0.value.org.id != orgID } } }
}
