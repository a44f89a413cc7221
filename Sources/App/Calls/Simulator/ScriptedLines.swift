import AVACore
import Foundation

/// What the scripted receptionist says besides the tools' own sentences, written in each language.
enum ScriptedLines {
    enum Line {
        case askName, askNameAgain, askMessage, clarify, anythingElse, goodbye, pickSlot, noSlotsMessageInstead
        case serviceQuestionFailed, apology, tooManyRounds
    }

    static func text(_ line: Line, _ locale: AppLocale) -> String {
        switch (line, locale) {
        case (.askName, .fr): "Très bien. À quel nom, s'il vous plaît ?"
        case (.askName, .en): "Of course. May I have your name, please?"
        case (.askName, .he): "בשמחה. על איזה שם, בבקשה?"
        case (.askNameAgain, .fr): "Pardon, je n'ai pas saisi votre nom. Pouvez-vous me le redire ?"
        case (.askNameAgain, .en): "Sorry, I didn't catch your name. Could you say it again?"
        case (.askNameAgain, .he): "סליחה, לא קלטתי את השם. אפשר לחזור עליו?"
        case (.askMessage, .fr): "Je vous écoute : quel message voulez-vous laisser ?"
        case (.askMessage, .en): "Go ahead: what message would you like to leave?"
        case (.askMessage, .he): "אני מקשיבה: מה ההודעה שתרצו להשאיר?"
        case (.clarify, .fr): "Je peux vous prendre un rendez-vous ou transmettre un message. Que souhaitez-vous ?"
        case (.clarify, .en): "I can book an appointment for you or take a message. Which would you like?"
        case (.clarify, .he): "אני יכולה לקבוע לכם תור או לרשום הודעה. מה תעדיפו?"
        case (.anythingElse, .fr): "Puis-je faire autre chose pour vous ?"
        case (.anythingElse, .en): "Is there anything else I can do for you?"
        case (.anythingElse, .he): "יש עוד משהו שאפשר לעזור בו?"
        case (.goodbye, .fr): "Merci de votre appel, au revoir et bonne journée !"
        case (.goodbye, .en): "Thank you for calling. Goodbye, and have a great day!"
        case (.goodbye, .he): "תודה שהתקשרתם, להתראות ויום נעים!"
        case (.pickSlot, .fr): "Lequel vous convient ? Dites par exemple « le premier », une heure ou un jour."
        case (.pickSlot, .en): "Which one suits you? You can say \"the first\", a time or a day."
        case (.pickSlot, .he): "מה מתאים לכם? אפשר לומר \"הראשון\", שעה או יום."
        case (.noSlotsMessageInstead, .fr): "Je ne trouve pas de créneau pour l'instant. Voulez-vous laisser un message pour qu'on vous rappelle ?"
        case (.noSlotsMessageInstead, .en): "I can't find a free time right now. Would you like to leave a message so someone calls you back?"
        case (.noSlotsMessageInstead, .he): "לא מצאתי כרגע תור פנוי. תרצו להשאיר הודעה כדי שיחזרו אליכם?"
        case (.serviceQuestionFailed, .fr): "Je n'arrive pas à trouver cela. Je vous propose de laisser un message : que souhaitez-vous transmettre ?"
        case (.serviceQuestionFailed, .en): "I can't seem to find that. Let me take a message instead: what would you like to pass on?"
        case (.serviceQuestionFailed, .he): "לא הצלחתי למצוא את זה. אפשר להשאיר הודעה: מה תרצו למסור?"
        case (.apology, .fr): "Excusez-moi, je rencontre un souci technique. Pouvez-vous répéter, ou préférez-vous laisser un message ?"
        case (.apology, .en): "I'm sorry, I'm having a technical problem. Could you repeat that, or would you rather leave a message?"
        case (.apology, .he): "סליחה, יש לי תקלה טכנית. אפשר לחזור על זה, או שתעדיפו להשאיר הודעה?"
        case (.tooManyRounds, .fr): "Excusez-moi, je n'ai pas réussi à terminer cette demande. Voulez-vous laisser un message ?"
        case (.tooManyRounds, .en): "I'm sorry, I couldn't finish that request. Would you like to leave a message?"
        case (.tooManyRounds, .he): "סליחה, לא הצלחתי להשלים את הבקשה. תרצו להשאיר הודעה?"
        }
    }

    /// The reason stored with a message when the caller's words were all the reason there is.
    static func messageReason(_ words: String) -> String { words }

    /// The scripted end-of-call summary: what happened, in the organisation's language.
    static func summary(caller: String, booked: String?, message: Bool, transferred: Bool, locale: AppLocale) -> String {
        switch locale {
        case .fr:
            if let booked { return "Appel simulé de \(caller) : rendez-vous réservé (\(booked))." }
            if message { return "Appel simulé de \(caller) : message laissé pour être rappelé." }
            if transferred { return "Appel simulé de \(caller) : transfert demandé." }
            return "Appel simulé de \(caller) : échange sans rendez-vous ni message."
        case .en:
            if let booked { return "Simulated call from \(caller): appointment booked (\(booked))." }
            if message { return "Simulated call from \(caller): left a message asking to be called back." }
            if transferred { return "Simulated call from \(caller): asked to be transferred." }
            return "Simulated call from \(caller): a conversation with no booking or message."
        case .he:
            if let booked { return "שיחה מדומה מ-\(caller): נקבע תור (\(booked))." }
            if message { return "שיחה מדומה מ-\(caller): הושארה הודעה לחזרה." }
            if transferred { return "שיחה מדומה מ-\(caller): התבקשה העברה לנציג." }
            return "שיחה מדומה מ-\(caller): שיחה ללא תור וללא הודעה."
        }
    }

    /// Asks the language model for the end-of-call summary.
    static func summaryInstruction(_ locale: AppLocale) -> String {
        switch locale {
        case .fr: "Résume cet appel en une ou deux phrases pour le gérant : qui appelait, ce qu'il voulait, ce qui a été fait."
        case .en: "Summarise this call in one or two sentences for the owner: who called, what they wanted, what was done."
        case .he: "סכמי את השיחה במשפט או שניים לבעל העסק: מי התקשר, מה רצה ומה נעשה."
        }
    }
}
