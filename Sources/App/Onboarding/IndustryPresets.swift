import AVACore
import Foundation
import Vapor

/// The plan's seven industries, each a ready receptionist: name, greeting, prompt, rules, services and hours,
/// written natively in French, English and Hebrew (Resources/Presets/presets.json, loaded once at boot).
struct IndustryPresets: Sendable {
    struct File: Decodable, Sendable {
        var industries: [String]
        var presets: [String: Preset]
    }

    struct Preset: Decodable, Sendable {
        var rules: Rules
        var tone: String
        /// `office` (the country's usual hours) or `salon` (Tuesday to Saturday).
        var hours: String
        var locales: [String: Localized]
    }

    struct Rules: Codable, Sendable, Equatable {
        var bookingEnabled: Bool
        var urgencyDetection: Bool
        var noMedicalAdvice: Bool
        var serviceSelection: Bool
    }

    struct Localized: Decodable, Sendable {
        var label: String
        var assistantName: String
        var firstMessage: String
        var systemPrompt: String
        var services: [Service]
    }

    struct Service: Codable, Sendable, Equatable {
        var name: String
        var duration: Int
    }

    let industries: [String]
    private let presets: [String: Preset]

    static func load(from path: String) throws -> IndustryPresets {
        let file = try JSONDecoder().decode(File.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        for industry in file.industries {
            guard let preset = file.presets[industry], AppLocale.allCases.allSatisfy({ preset.locales[$0.rawValue] != nil }) else {
                throw Abort(.internalServerError, reason: "preset \(industry) lacks a language")
            }
        }
        return IndustryPresets(industries: file.industries, presets: file.presets)
    }

    func preset(_ industry: String) -> Preset? { presets[industry] }

    /// One industry in one language, as the API and the wizard show it.
    func resolved(_ industry: String, locale: AppLocale, country: String) -> ResolvedPreset? {
        guard let preset = presets[industry], let text = preset.locales[locale.rawValue] else { return nil }
        return ResolvedPreset(industry: industry, locale: locale.rawValue, label: text.label, assistantName: text.assistantName,
                              voice: DefaultAssistantProfile.voice(locale), tone: preset.tone, firstMessage: text.firstMessage,
                              systemPrompt: text.systemPrompt, rules: preset.rules, services: text.services,
                              hours: Self.hours(preset.hours, country: country))
    }

    /// `salon`: closed Sunday and Monday (Friday afternoon and Saturday in Israel, where the week starts on Sunday).
    static func hours(_ kind: String, country: String) -> WeeklyHours {
        guard kind == "salon" else { return WeeklyHours.defaults(country: country) }
        let day = [OpeningInterval("09:30", "19:00")!]
        if country.uppercased() == "IL" {
            return WeeklyHours([.sun: day, .mon: day, .tue: day, .wed: day, .thu: day, .fri: [OpeningInterval("09:00", "14:00")!]])
        }
        return WeeklyHours([.tue: day, .wed: day, .thu: day, .fri: day, .sat: [OpeningInterval("09:00", "18:00")!]])
    }
}

/// A preset in one language, with the hours of the organisation's country.
struct ResolvedPreset: Content {
    var industry: String
    var locale: String
    var label: String
    var assistantName: String
    var voice: String
    var tone: String
    var firstMessage: String
    var systemPrompt: String
    var rules: IndustryPresets.Rules
    var services: [IndustryPresets.Service]
    var hours: WeeklyHours
}

extension Application {
    private struct PresetsKey: StorageKey { typealias Value = IndustryPresets }

    var industryPresets: IndustryPresets {
        get {
            guard let value = storage[PresetsKey.self] else { fatalError("configure() loads the presets") }
            return value
        }
        set { storage[PresetsKey.self] = newValue }
    }
}
