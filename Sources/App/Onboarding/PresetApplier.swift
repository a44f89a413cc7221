import AVACore
import Fluent
import Foundation

/// Turns the organisation into the industry's receptionist: the assistant's profile (keeping what the owner
/// chose about after-hours calls), the services it books (added, never duplicated) and the opening hours.
/// One transaction: a preset is applied whole or not at all.
enum PresetApplier {
    static func apply(_ preset: ResolvedPreset, org: Org, on db: any Database) async throws -> Assistant {
        let orgID = try org.requireID()
        let assistant = try await Assistant.forOrg(org, on: db)
        try await db.transaction { tx in
            assistant.industry = preset.industry
            assistant.name = preset.assistantName
            assistant.voice = preset.voice
            assistant.tone = preset.tone
            assistant.firstMessage = preset.firstMessage
            assistant.systemPrompt = preset.systemPrompt
            assistant.rulesJSON = try merged(rules: preset.rules, into: assistant.rulesJSON)
            try await assistant.save(on: tx)

            let existing = Set(try await BookingService.query(on: tx).filter(\.$org.$id == orgID).all().map { $0.name.lowercased() })
            for (index, service) in preset.services.enumerated() where !existing.contains(service.name.lowercased()) {
                try await BookingService(orgID: orgID, name: service.name, durationMinutes: service.duration, position: index).create(on: tx)
            }
            let profile = try await BookingProfile.forOrg(orgID, on: tx)
            profile.weeklyHours = preset.hours
            try await profile.save(on: tx)
        }
        return assistant
    }

    private static func merged(rules: IndustryPresets.Rules, into json: String) throws -> String {
        var object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any] ?? [:]
        let encoded = try JSONSerialization.jsonObject(with: JSONEncoder().encode(rules)) as? [String: Any] ?? [:]
        object.merge(encoded) { _, new in new }
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }
}
