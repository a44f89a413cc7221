import AVACore
import Foundation

/// What AVA does with calls outside business hours, as the owner chose (kept in the assistant's rules).
struct AfterHoursRule: Codable, Sendable, Equatable {
    enum Behaviour: String, Codable, Sendable { case message, transfer }

    var behaviour: Behaviour = .message
    /// E.164, for `transfer`.
    var number: String?

    enum CodingKeys: String, CodingKey { case behaviour = "afterHours", number = "afterHoursNumber" }

    init(behaviour: Behaviour = .message, number: String? = nil) {
        self.behaviour = behaviour
        self.number = number
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        behaviour = (try? container.decode(Behaviour.self, forKey: .behaviour)) ?? .message
        number = try? container.decode(String.self, forKey: .number)
    }

    /// From the assistant's `rules` JSON text (anything unreadable means the default: take a message).
    static func from(rulesJSON: String) -> AfterHoursRule {
        (try? JSONDecoder().decode(AfterHoursRule.self, from: Data(rulesJSON.utf8))) ?? AfterHoursRule()
    }

    /// The rules JSON with this rule's keys set and every other rule kept.
    func mergedInto(rulesJSON: String) throws -> String {
        var object = (try? JSONSerialization.jsonObject(with: Data(rulesJSON.utf8))) as? [String: Any] ?? [:]
        object["afterHours"] = behaviour.rawValue
        object["afterHoursNumber"] = number ?? NSNull()
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    static func greeting(_ locale: AppLocale) -> String {
        switch locale {
        case .fr: "Bonjour, vous êtes bien chez {business}. Nous sommes fermés pour le moment, mais je peux prendre un message ou vous proposer un rendez-vous. Que puis-je faire pour vous ?"
        case .en: "Hello, you've reached {business}. We're closed right now, but I can take a message or book you an appointment. How can I help?"
        case .he: "שלום, הגעתם ל{business}. אנחנו סגורים כרגע, אבל אפשר להשאיר הודעה או לקבוע תור. איך אפשר לעזור?"
        }
    }

    static func instruction(_ locale: AppLocale) -> String {
        switch locale {
        case .fr: "L'établissement est fermé en ce moment : personne ne peut prendre l'appel. Propose de prendre un message (outil takeMessage) ou de réserver un créneau."
        case .en: "The business is closed right now: nobody can take the call. Offer to take a message (takeMessage tool) or to book a slot."
        case .he: "העסק סגור כרגע: אף אחד לא יכול לענות. הציעי להשאיר הודעה (הכלי takeMessage) או לקבוע תור."
        }
    }

    static func transferMessage(_ locale: AppLocale) -> String {
        switch locale {
        case .fr: "Je vous transfère, ne quittez pas."
        case .en: "I'm transferring you now, please hold."
        case .he: "אני מעבירה אתכם עכשיו, נא להמתין."
        }
    }

    static func unknownNumber(_ locale: AppLocale) -> String {
        switch locale {
        case .fr: "Désolée, ce numéro n'est pas encore configuré. Merci de rappeler plus tard."
        case .en: "Sorry, this number isn't set up yet. Please call back later."
        case .he: "מצטערת, המספר הזה עדיין לא מוגדר. נא להתקשר שוב מאוחר יותר."
        }
    }

    static func nobodyAvailable(_ locale: AppLocale) -> String {
        switch locale {
        case .fr: "Personne n'est disponible pour prendre l'appel en ce moment. Je peux prendre un message."
        case .en: "Nobody is available to take the call right now. I can take a message."
        case .he: "אין כרגע מי שיכול לענות לשיחה. אפשר להשאיר הודעה."
        }
    }
}
