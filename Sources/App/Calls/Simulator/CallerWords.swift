import AVACore
import Foundation

/// What the scripted receptionist understands of a caller's sentence, in French, English and Hebrew:
/// intents by keyword, a name, a day, a time, an ordinal ("the first"), yes and no. Deliberately simple.
struct CallerWords {
    let original: String
    /// Lower case, accents folded, punctuation turned into spaces, padded with spaces: " je veux un rdv ".
    let folded: String

    init(_ text: String) {
        original = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let lowered = original.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil).lowercased()
            .replacingOccurrences(of: "’", with: "'")
        let spaced = lowered.map { character -> Character in
            character.isLetter || character.isNumber || character == "'" || character == ":" ? character : " "
        }
        folded = " " + String(spaced).split(separator: " ").joined(separator: " ") + " "
    }

    /// Short words must stand alone ("no" is not in "note"); longer ones may carry a prefix or suffix
    /// (Hebrew attaches ה/ל/ו; "réservation" holds "reserv").
    private func has(_ phrases: [String]) -> Bool {
        phrases.contains { phrase in phrase.count <= 3 ? folded.contains(" \(phrase) ") : folded.contains(phrase) }
    }

    var isBooking: Bool {
        has(["rendez vous", "rendez", "rdv", "reserv", "creneau", "prendre un", "appointment", "book", "schedule", "slot",
             "haircut", "coupe", "consultation", "תור", "תורים", "לקבוע", "להזמין", "פגישה", "לתאם"])
    }

    var isMessage: Bool {
        has(["message", "rappel", "rappeler", "call back", "call me", "callback", "leave a note", "הודעה", "שיחזרו", "לחזור אלי",
             "תחזרו", "שיחזור"])
    }

    var isGoodbye: Bool {
        has(["au revoir", "bonne journee", "c'est tout", "rien d'autre", "bye", "goodbye", "that's all", "nothing else", "להתראות",
             "ביי", "זה הכל", "זהו זה", "אין צורך"])
    }

    var isNo: Bool { has(["non", "no", "nope", "לא", "pas besoin", "ca ira", "no thanks", "not now"]) }
    var isYes: Bool { has(["oui", "yes", "yeah", "yep", "sure", "ok", "d'accord", "volontiers", "כן", "בטח", "בסדר"]) }

    /// The caller said who they are ("je m'appelle…", "my name is…", "קוראים לי…").
    var namesThemselves: Bool { Self.introductions.contains { folded.contains(" \($0) ") } }

    /// Words that can only introduce a name (unlike "c'est" or "I'm", which introduce anything).
    static let introductions = ["je m'appelle", "mon nom est", "my name is", "my name's", "קוראים לי", "שמי", "השם שלי"]

    static let namePrefixes = ["je m'appelle", "je suis", "moi c'est", "c'est", "mon nom est", "mon nom c'est", "my name is", "my name's",
                               "i'm", "i am", "this is", "it's", "name is", "קוראים לי", "שמי", "השם שלי", "אני", "זה"]

    /// The name in an answer to "what is your name?": what follows a "my name is", else the words themselves
    /// (at most four, no digits). Nil when nothing usable is left.
    var name: String? {
        var text = original.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        let lowered = text.lowercased().replacingOccurrences(of: "’", with: "'")
        for prefix in Self.namePrefixes.sorted(by: { $0.count > $1.count }) {
            if let range = lowered.range(of: prefix + " ") {
                let offset = lowered.distance(from: lowered.startIndex, to: range.upperBound)
                text = String(text.dropFirst(offset))
                break
            }
        }
        let words = text.split { !($0.isLetter || $0 == "-" || $0 == "'" || $0 == "’") }.prefix(4)
        let cleaned = words.map { word -> String in
            let first = word.prefix(1).uppercased()
            return first + word.dropFirst()
        }.joined(separator: " ")
        guard !cleaned.isEmpty, cleaned.count <= 80, !text.contains(where: \.isNumber) else { return nil }
        return cleaned
    }

    /// "morning"/"afternoon"/"evening" when the caller named a part of the day.
    var partOfDay: String? {
        if has(["apres midi", "apres-midi", "afternoon", "אחר הצהריים", "אחה\"צ"]) { return "afternoon" }
        if has(["matin", "morning", "בוקר"]) { return "morning" }
        if has(["soir", "evening", "ערב"]) { return "evening" }
        return nil
    }

    private static let weekdays: [(Weekday, [String])] = [
        (.mon, ["lundi", "monday", "יום שני", "ביום שני"]),
        (.tue, ["mardi", "tuesday", "יום שלישי"]),
        (.wed, ["mercredi", "wednesday", "יום רביעי"]),
        (.thu, ["jeudi", "thursday", "יום חמישי"]),
        (.fri, ["vendredi", "friday", "יום שישי"]),
        (.sat, ["samedi", "saturday", "שבת"]),
        (.sun, ["dimanche", "sunday", "יום ראשון"]),
    ]

    /// The day the caller named (today, tomorrow, a weekday: the next one from `today`), if any.
    func day(after today: LocalDate) -> LocalDate? {
        if has(["apres demain", "day after tomorrow", "מחרתיים"]) { return today.adding(days: 2) }
        if has(["demain", "tomorrow", "מחר"]) { return today.adding(days: 1) }
        if has(["aujourd'hui", "aujourd hui", "today", "היום"]) { return today }
        for (weekday, names) in Self.weekdays where has(names) {
            var day = today
            while day.weekday != weekday { day = day.adding(days: 1) }
            return day
        }
        return nil
    }

    /// "10h", "10 h 30", "10:30", "10 heures", "3 pm", "15h": the local time named, if any.
    var time: (hour: Int, minute: Int)? {
        let text = folded
        // "am"/"pm" first: "3:30 pm" is not 3:30.
        let patterns = [#" (\d{1,2})(?::(\d{2}))? ?(am|pm|a m|p m) "#, #" (\d{1,2}) ?(?:h|heures?|heure) ?(\d{2})? "#,
                        #" (\d{1,2}):(\d{2}) "#, #" (?:a|at|בשעה|ב) ?(\d{1,2}) "#]
        for (index, pattern) in patterns.enumerated() {
            guard let regex = try? NSRegularExpression(pattern: pattern),
                  let match = regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) else { continue }
            func group(_ number: Int) -> String? {
                guard number < match.numberOfRanges, let range = Range(match.range(at: number), in: text) else { return nil }
                return String(text[range])
            }
            guard var hour = group(1).flatMap({ Int($0) }) else { continue }
            let minute = group(2).flatMap { Int($0) } ?? 0
            if index == 0, let suffix = group(3) {
                if suffix.hasPrefix("p"), hour < 12 { hour += 12 }
                if suffix.hasPrefix("a"), hour == 12 { hour = 0 }
            }
            // "at 3" on a phone means the afternoon.
            if index == 3, hour >= 1, hour <= 7 { hour += 12 }
            guard (0...23).contains(hour), (0...59).contains(minute) else { continue }
            return (hour, minute)
        }
        return nil
    }

    /// Index of the slot named by position ("le premier" 0, "the second" 1, "the last" -1), if any.
    var ordinal: Int? {
        if has(["dernier", "derniere", "last", "האחרון", "האחרונה"]) { return -1 }
        if has(["premier", "premiere", "1er", "first", "1st", "הראשון", "הראשונה", "1"]) { return 0 }
        if has(["deuxieme", "second", "seconde", "2e", "2nd", "השני", "השנייה", "השניה", "2"]) { return 1 }
        if has(["troisieme", "third", "3e", "3rd", "השלישי", "השלישית", "3"]) { return 2 }
        return nil
    }
}
