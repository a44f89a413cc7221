import AVACore
import Crypto
import Foundation
import SQLKit

/// What to make. Everything derives from `seed`: the same options give the same rows (dates are relative to `now`).
struct SeedPlan: Sendable {
    var orgs: Int
    var calls: Int
    /// Calls of the first organisation (0: no big one); counted in `calls`.
    var bigOrgCalls: Int
    var bigOrgLocale: AppLocale
    var seed: UInt64
    var passwordHash: String
    /// Share of calls whose transcript is also stored line by line (as the live pipeline does).
    var linesFraction: Double
    /// Calls per transaction.
    var batchCalls: Int
    var days = 90
    var now = Date()

    func ownerEmail(_ index: Int) -> String {
        index == 0 && bigOrgCalls > 0 ? "big-owner-s\(seed)@seed.ava.test" : "owner\(index)-s\(seed)@seed.ava.test"
    }
}

/// Makes the synthetic rows, one batch (one transaction) at a time, organisation after organisation. A value
/// type, so the next batch can be made on another core while the previous one is written.
struct SeedGenerator: Sendable {
    let plan: SeedPlan
    private let presets: IndustryPresets
    private let callCounts: [Int]
    private let clocks: [String: SeedClock]
    private var rng: SeedRandom
    private var nextOrg = 0
    private var current: OrgState?

    init(plan: SeedPlan, presets: IndustryPresets) {
        self.plan = plan
        self.presets = presets
        var rng = SeedRandom(seed: plan.seed)
        callCounts = Self.distribute(plan: plan, rng: &rng)
        self.rng = rng
        var clocks: [String: SeedClock] = [:]
        for country in SeedCountry.all { clocks[country.code] = SeedClock(country: country, now: plan.now, days: plan.days) }
        self.clocks = clocks
    }

    var isDone: Bool { current == nil && nextOrg >= plan.orgs }
    var bigOrgCallCount: Int { callCounts.first ?? 0 }

    /// Calls per organisation: the big one first, the rest spread unevenly (log-normal weights: most
    /// businesses get a few calls a day, some many), summing exactly to `plan.calls`.
    private static func distribute(plan: SeedPlan, rng: inout SeedRandom) -> [Int] {
        guard plan.orgs > 0 else { return [] }
        var counts = Array(repeating: 0, count: plan.orgs)
        var rest = plan.calls
        var first = 0
        if plan.bigOrgCalls > 0 {
            counts[0] = min(plan.bigOrgCalls, plan.calls)
            rest -= counts[0]
            first = 1
        }
        guard first < plan.orgs, rest > 0 else { return counts }
        let weights = (first..<plan.orgs).map { _ in rng.logNormal(median: 1, sigma: 0.9) }
        let total = weights.reduce(0, +)
        var given = 0
        for (offset, weight) in weights.enumerated() {
            let share = Int(Double(rest) * weight / total)
            counts[first + offset] = share
            given += share
        }
        while given < rest {
            counts[rng.int(first..<plan.orgs)] += 1
            given += 1
        }
        return counts
    }

    // MARK: Batches

    mutating func nextBatch() -> SeedBatch? {
        guard !isDone else { return nil }
        var batch = SeedBatch()
        while batch.callCount < plan.batchCalls {
            if current == nil {
                guard nextOrg < plan.orgs else { break }
                current = makeOrg(nextOrg, into: &batch)
                nextOrg += 1
            }
            guard var org = current else { break }
            let room = plan.batchCalls - batch.callCount
            let count = min(room, org.callsLeft)
            for _ in 0..<count { makeCall(&org, into: &batch) }
            org.callsLeft -= count
            current = org.callsLeft > 0 ? org : nil
            // Organisations without calls are cheap: keep going until the batch holds enough calls or all are made.
        }
        return batch
    }

    // MARK: Organisations

    private struct OrgState: Sendable {
        var index: Int
        var id: UUID
        var rng: SeedRandom
        var country: SeedCountry
        var locale: AppLocale
        var vocabulary: SeedVocabulary
        var industry: String
        var name: String
        var ownerFirstName: String
        var firstMessage: String
        var assistantID: UUID
        var phoneNumberID: UUID
        var e164: String
        var services: [(id: UUID, name: String, minutes: Int)]
        var callers: [(phone: String?, name: String?)]
        var customers: [String: UUID] = [:]
        var callsLeft: Int
        var inProgressLeft: Int
    }

    private mutating func makeOrg(_ index: Int, into batch: inout SeedBatch) -> OrgState {
        var rng = self.rng.split()
        let big = index == 0 && plan.bigOrgCalls > 0
        let locale: AppLocale
        if big {
            locale = plan.bigOrgLocale
        } else {
            let draw = rng.unit()
            locale = draw < 0.45 ? .fr : draw < 0.80 ? .en : .he
        }
        let country = SeedCountry.of(locale)
        let vocabulary = SeedVocabulary.of(locale)
        let industry = big ? "health" : rng.pick(SeedVocabulary.industries)
        let resolved = presets.resolved(industry, locale: locale, country: country.code)
        let ownerFirst = rng.pick(vocabulary.firstNames)
        let ownerLast = rng.pick(vocabulary.lastNames)
        let name = fill(rng.pick(vocabulary.orgNames[industry] ?? ["{last}"]), rng: &rng) { key, rng in
            switch key {
            case "first": ownerFirst
            case "last": ownerLast
            case "last2": rng.pick(vocabulary.lastNames)
            case "word": rng.pick(vocabulary.orgWords)
            case "street": rng.pick(vocabulary.streets)
            default: nil
            }
        }
        let created = plan.now.addingTimeInterval(-Double(rng.int(plan.days + 5...plan.days + 400)) * 86_400
                                                  - Double(rng.int(0..<86_400)))
        let orgID = rng.uuid(), userID = rng.uuid(), assistantID = rng.uuid(), numberID = rng.uuid()
        let token = (0..<4).map { _ in String(rng.next(), radix: 16) }.joined()

        batch.orgs.add([SQLBind(orgID), SQLBind(name), SQLBind(country.code), SQLBind(country.timezone), SQLBind(locale.rawValue),
                        SQLBind(token), SQLBind(created), SQLBind(created)])
        batch.users.add([SQLBind(userID), SQLBind(plan.ownerEmail(index)), SQLBind(String?.none), SQLBind(false), SQLBind(created),
                         SQLBind(plan.passwordHash), SQLBind("\(ownerFirst) \(ownerLast)"), SQLBind(locale.rawValue), SQLBind(false),
                         SQLBind(true), SQLBind(OnboardingFlow.Step.testCall.rawValue), SQLBind(false), SQLBind(created),
                         SQLBind(created), SQLBind(created)])
        batch.orgUsers.add([SQLBind(rng.uuid()), SQLBind(orgID), SQLBind(userID), SQLBind(OrgUser.Role.owner.rawValue), SQLBind(created)])

        let rules = resolved.map { (try? JSONEncoder.sortedKeys.encode($0.rules)).map { String(decoding: $0, as: UTF8.self) } ?? "{}" } ?? "{}"
        batch.assistants.add([SQLBind(assistantID), SQLBind(orgID), SQLBind(resolved?.assistantName ?? "AVA"), SQLBind(industry),
                              SQLBind(resolved?.voice), SQLBind(resolved?.tone ?? "professional"), SQLBind(resolved?.firstMessage ?? ""),
                              SQLBind(resolved?.systemPrompt ?? ""), SQLBind(rules), SQLBind(created), SQLBind(created)])

        let e164 = country.businessNumber(serial: Int(plan.seed % 100) * 100_000 + index)
        batch.phoneNumbers.add([SQLBind(numberID), SQLBind(orgID), SQLBind(assistantID), SQLBind(PhoneNumberRecord.Provider.sandbox.rawValue),
                                SQLBind(e164), SQLBind("sandbox"), SQLBind(SandboxTelephony.idPrefix + numberID.uuidString.lowercased()),
                                SQLBind("{}"), SQLBind("{}"), SQLBind("{}"), SQLBind(String?.none), SQLBind(created), SQLBind(created)])

        let hours = resolved?.hours ?? WeeklyHours.defaults(country: country.code)
        batch.bookingProfiles.add([SQLBind(rng.uuid()), SQLBind(orgID), SQLBind(hours.jsonText), SQLBind(60), SQLBind(60), SQLBind(15),
                                   SQLBind(country.mobile(&rng)), SQLBind(created), SQLBind(created)])
        var services: [(id: UUID, name: String, minutes: Int)] = []
        for (position, service) in (resolved?.services ?? [.init(name: "Rendez-vous", duration: 30)]).enumerated() {
            let id = rng.uuid()
            services.append((id, service.name, service.duration))
            batch.services.add([SQLBind(id), SQLBind(orgID), SQLBind(service.name), SQLBind(service.duration), SQLBind(0),
                                SQLBind(rng.int(3...15) * 500), SQLBind(country.currency), SQLBind(true), SQLBind(position)])
        }

        // Regular callers call again: a pool about a third the size of the calls.
        let calls = callCounts[index]
        let poolSize = min(50_000, max(5, calls / 3))
        let callers: [(phone: String?, name: String?)] = (0..<poolSize).map { _ in
            let phone = rng.chance(0.03) ? nil : country.mobile(&rng)
            let name = rng.chance(0.7) ? "\(rng.pick(vocabulary.firstNames)) \(rng.pick(vocabulary.lastNames))" : nil
            return (phone, name)
        }
        let inProgress = calls == 0 ? 0 : big ? 3 : rng.chance(0.02) ? 1 : 0
        return OrgState(index: index, id: orgID, rng: rng, country: country, locale: locale, vocabulary: vocabulary, industry: industry,
                        name: name, ownerFirstName: ownerFirst, firstMessage: resolved?.firstMessage ?? "", assistantID: assistantID,
                        phoneNumberID: numberID, e164: e164, services: services, callers: callers, callsLeft: calls,
                        inProgressLeft: min(inProgress, calls))
    }

    // MARK: Calls

    private static let outcomes: [(String?, Double)] = [("booked", 0.30), ("message", 0.22), ("transferred", 0.10), (nil, 0.38)]

    private func makeCall(_ org: inout OrgState, into batch: inout SeedBatch) {
        var rng = org.rng
        defer { org.rng = rng }
        let vocabulary = org.vocabulary
        let clock = clocks[org.country.code]!
        let callID = rng.uuid()
        let caller = rng.chance(0.4) ? org.callers[rng.zipf(org.callers.count)] : rng.pick(org.callers)
        let callerName = caller.name
        let first = callerName.map { String($0.split(separator: " ").first ?? "") } ?? ""
        let last = callerName.map { $0.split(separator: " ").dropFirst().joined(separator: " ") } ?? ""
        let displayName = callerName ?? vocabulary.unknownCaller
        let listedName = callerName ?? Self.capitalized(vocabulary.unknownCaller)

        if org.inProgressLeft > 0 {
            // A call happening now: no end, no report, no transcript yet (it is only stored at the end).
            org.inProgressLeft -= 1
            let started = plan.now.addingTimeInterval(-Double(rng.int(20...480)))
            batch.calls.add([SQLBind(callID), SQLBind(org.id), SQLBind(org.phoneNumberID), SQLBind(rng.uuid().uuidString.lowercased()),
                             SQLBind(caller.phone), SQLBind(org.e164), SQLBind("in-progress"), SQLBind(4), SQLBind(String?.none),
                             SQLBind(started), SQLBind(Date?.none), SQLBind(String?.none), SQLBind(String?.none), SQLBind(Double?.none),
                             SQLBind(false), SQLBind(org.assistantID), SQLBind(callerName), SQLBind(String?.none), SQLBind(String?.none),
                             SQLBind(Date?.none), SQLBind(plan.now.addingTimeInterval(-Double(rng.int(1...15)))),
                             SQLBind(started.addingTimeInterval(-4)), SQLBind(started)])
            return
        }

        let duration = min(1_200, max(15, rng.logNormal(median: 110, sigma: 0.6)))
        let started = clock.start(duration: duration, rng: &rng)
        let ended = started.addingTimeInterval(duration)
        let reportAt = ended.addingTimeInterval(Double(rng.int(2...12)))

        var outcome = Self.outcomes[rng.weighted(cumulative: Self.outcomeWeights)].0
        if org.industry == "ecommerce", outcome == "booked", rng.chance(0.7) { outcome = nil }
        if caller.phone == nil, outcome == "booked" || outcome == "message" { outcome = nil }

        let service = rng.pick(org.services)
        let appointmentStart = clock.appointment(after: ended, rng: &rng)
        let topic = vocabulary.topics[rng.zipf(vocabulary.topics.count)]
        let reason = rng.pick(vocabulary.reasons[org.industry] ?? vocabulary.reasons["other"]!)
        let phoneText = caller.phone.map { org.country.national($0) } ?? ""
        let business = org.name, ownerFirstName = org.ownerFirstName, country = org.country
        let values: (String, inout SeedRandom) -> String? = { key, rng in
            switch key {
            case "name": displayName
            case "first": first.isEmpty ? displayName : first
            case "last": last
            case "business": business
            case "service": service.name
            case "day": vocabulary.weekdays[appointmentStart.weekday]
            case "time": country.timeText(hour: appointmentStart.hour, minute: appointmentStart.minute)
            case "topic": topic
            case "street": rng.pick(vocabulary.streets)
            case "phone": phoneText
            case "owner": ownerFirstName
            default: nil
            }
        }

        // The conversation: greeting, why they call, small talk until it is long enough, what came of it, goodbyes.
        var lines: [(assistant: Bool, text: String)] = []
        lines.append((true, fill(org.firstMessage, rng: &rng, values)))
        let hello = callerName == nil ? "" : fill(rng.pick(vocabulary.callerHello), rng: &rng, values) + " "
        lines.append((false, hello + reason))
        lines.append((true, fill(rng.pick(vocabulary.assistantAck), rng: &rng, values)))
        let target = min(1_500, max(300, Int(280 + duration * 5 * (0.7 + rng.unit() * 0.6))))
        var length = lines.reduce(0) { $0 + $1.text.utf8.count + 6 }
        let closing = 260
        var askedOnce = Set<Int>()
        while length + closing < target {
            let pairTopic = vocabulary.topics[rng.zipf(vocabulary.topics.count)]
            let pairStreet = rng.pick(vocabulary.streets)
            let pair: (String, inout SeedRandom) -> String? = { key, rng in
                key == "topic" ? pairTopic : key == "street" ? pairStreet : values(key, &rng)
            }
            var which = rng.int(0..<vocabulary.fillerQuestions.count)
            if which >= 3 {
                // Address, parking, payment: asked once a call at most.
                if askedOnce.contains(which) { which = rng.int(0..<3) } else { askedOnce.insert(which) }
            }
            let question = fill(vocabulary.fillerQuestions[which], rng: &rng, pair)
            let answer = fill(vocabulary.fillerAnswers[which], rng: &rng, pair)
            lines.append((false, question))
            lines.append((true, answer))
            length += question.utf8.count + answer.utf8.count + 12
        }
        let summaryTemplates: [String]
        let endedReason: String
        switch outcome {
        case "booked":
            lines.append((true, fill(rng.pick(vocabulary.offer), rng: &rng, values)))
            lines.append((false, fill(rng.pick(vocabulary.accept), rng: &rng, values)))
            lines.append((true, fill(rng.pick(vocabulary.bookedConfirm), rng: &rng, values)))
            summaryTemplates = vocabulary.summaryBooked
        case "message":
            lines.append((true, fill(rng.pick(vocabulary.messageOffer), rng: &rng, values)))
            lines.append((false, fill(rng.pick(vocabulary.messageDetail), rng: &rng, values)))
            lines.append((true, fill(rng.pick(vocabulary.messageConfirm), rng: &rng, values)))
            summaryTemplates = vocabulary.summaryMessage
        case "transferred":
            lines.append((true, fill(rng.pick(vocabulary.transferLines), rng: &rng, values)))
            summaryTemplates = vocabulary.summaryTransferred
        default:
            lines.append((true, fill(rng.pick(vocabulary.infoLines), rng: &rng, values)))
            summaryTemplates = vocabulary.summaryNone
        }
        if outcome == "transferred" {
            endedReason = "assistant-forwarded-call"
        } else {
            lines.append((false, rng.pick(vocabulary.goodbyeCaller)))
            lines.append((true, rng.pick(vocabulary.goodbyeAssistant)))
            let draw = rng.unit()
            endedReason = draw < 0.55 ? "customer-ended-call" : draw < 0.92 ? "assistant-ended-call"
                : draw < 0.99 ? "silence-timed-out" : "exceeded-max-duration"
        }
        var transcript = ""
        transcript.reserveCapacity(length + 64)
        for (position, line) in lines.enumerated() {
            if position > 0 { transcript += "\n" }
            transcript += line.assistant ? "AI: " : "User: "
            transcript += line.text
        }
        let summary = Self.capitalized(fill(rng.pick(summaryTemplates), rng: &rng, values))
        let success = outcome == nil ? (rng.chance(0.6) ? "true" : "false") : (rng.chance(0.92) ? "true" : "false")
        let cost = (duration / 60 * (0.09 + rng.unit() * 0.05) * 10_000).rounded() / 10_000

        batch.calls.add([SQLBind(callID), SQLBind(org.id), SQLBind(org.phoneNumberID), SQLBind(rng.uuid().uuidString.lowercased()),
                         SQLBind(caller.phone), SQLBind(org.e164), SQLBind("ended"), SQLBind(6), SQLBind(endedReason),
                         SQLBind(started), SQLBind(ended), SQLBind(summary), SQLBind(transcript), SQLBind(cost), SQLBind(false),
                         SQLBind(org.assistantID), SQLBind(callerName), SQLBind(outcome), SQLBind(success), SQLBind(reportAt),
                         SQLBind(reportAt), SQLBind(started.addingTimeInterval(-Double(rng.int(2...15)))), SQLBind(reportAt)])

        if rng.chance(plan.linesFraction) {
            let step = duration / Double(max(1, lines.count))
            for (position, line) in lines.enumerated() {
                let role = line.assistant ? "assistant" : "user"
                let spokenAt = Date(timeIntervalSince1970: (started.timeIntervalSince1970 + step * Double(position)).rounded(.down))
                batch.transcriptLines.add([SQLBind(rng.uuid()), SQLBind(org.id), SQLBind(callID), SQLBind(role), SQLBind(line.text),
                                           SQLBind(spokenAt), SQLBind(CallEventSQL.lineKey(callID: callID, role: role, spokenAt: spokenAt,
                                                                                            text: line.text))])
            }
        }

        if outcome == "booked", let phone = caller.phone {
            let customerID: UUID
            if let known = org.customers[phone] {
                customerID = known
            } else {
                customerID = rng.uuid()
                org.customers[phone] = customerID
                batch.customers.add([SQLBind(customerID), SQLBind(org.id), SQLBind(phone), SQLBind(listedName)])
            }
            let starts = appointmentStart.date
            let ends = starts.addingTimeInterval(Double(service.minutes * 60))
            let status: String
            if starts < plan.now {
                let draw = rng.unit()
                status = draw < 0.85 ? "done" : draw < 0.93 ? "cancelled" : "no_show"
            } else {
                status = rng.chance(0.9) ? "booked" : "cancelled"
            }
            batch.appointments.add([SQLBind(rng.uuid()), SQLBind(org.id), SQLBind(service.id), SQLBind(customerID), SQLBind(starts),
                                    SQLBind(ends), SQLBind(ends), SQLBind(status), SQLBind("call"), SQLBind(rng.chance(0.3) ? reason : nil),
                                    SQLBind(callID), SQLBind(reportAt), SQLBind(reportAt)])
        }
        if outcome == "message", let phone = caller.phone {
            let age = plan.now.timeIntervalSince(reportAt)
            let read = age > 2 * 86_400 ? rng.chance(0.9) : rng.chance(0.4)
            let done = read && age > 7 * 86_400 && rng.chance(0.7)
            let draw = rng.unit()
            let urgency = draw < 0.3 ? "low" : draw < 0.85 ? "normal" : "high"
            batch.ownerMessages.add([SQLBind(rng.uuid()), SQLBind(org.id), SQLBind(callID), SQLBind(listedName), SQLBind(phone),
                                     SQLBind("\(reason) (\(topic))"), SQLBind(urgency),
                                     SQLBind(read ? reportAt.addingTimeInterval(Double(rng.int(300...86_400))) : nil),
                                     SQLBind(done ? reportAt.addingTimeInterval(Double(rng.int(86_400...5 * 86_400))) : nil),
                                     SQLBind(reportAt)])
        }
    }

    private static let outcomeWeights: [Double] = {
        var total = 0.0
        return outcomes.map { total += $0.1; return total }
    }()

    private static func capitalized(_ text: String) -> String {
        guard let first = text.first, first.isLowercase else { return text }
        return first.uppercased() + text.dropFirst()
    }

    /// Fills `{key}` placeholders; an unknown key is left as written. Works on UTF-8 bytes (the braces are
    /// ASCII): Character-by-Character scanning was a visible share of the seed's time.
    private func fill(_ template: String, rng: inout SeedRandom, _ value: (String, inout SeedRandom) -> String?) -> String {
        let bytes = template.utf8
        let open = UInt8(ascii: "{"), close = UInt8(ascii: "}")
        guard bytes.contains(open) else { return template }
        var result = ""
        result.reserveCapacity(bytes.count + 32)
        var rest = Substring(template).utf8[...]
        while let start = rest.firstIndex(of: open), let end = rest[start...].firstIndex(of: close) {
            result += Substring(rest[..<start])
            let key = String(Substring(rest[rest.index(after: start)..<end]))
            result += value(key, &rng) ?? "{\(key)}"
            rest = rest[rest.index(after: end)...]
        }
        result += Substring(rest)
        return result
    }

    static func digits(_ value: Int, width: Int) -> String {
        let text = String(value)
        return text.utf8.count >= width ? text : String(repeating: "0", count: width - text.utf8.count) + text
    }
}

extension JSONEncoder {
    static var sortedKeys: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }
}

// MARK: Countries and time

/// The three markets: zone, number formats, currency.
struct SeedCountry: Sendable {
    var code: String
    var timezone: String
    var currency: String

    static let france = SeedCountry(code: "FR", timezone: "Europe/Paris", currency: "EUR")
    static let israel = SeedCountry(code: "IL", timezone: "Asia/Jerusalem", currency: "ILS")
    static let unitedStates = SeedCountry(code: "US", timezone: "America/New_York", currency: "USD")
    static let all = [france, israel, unitedStates]

    static func of(_ locale: AppLocale) -> SeedCountry {
        switch locale {
        case .fr: france
        case .he: israel
        case .en: unitedStates
        }
    }

    /// The organisation's own number, unique per (seed mod 100, organisation index).
    func businessNumber(serial: Int) -> String {
        switch code {
        case "FR": "+331" + SeedGenerator.digits(serial % 100_000_000, width: 8)
        case "IL": "+9723" + SeedGenerator.digits(serial % 10_000_000, width: 7)
        default: "+1" + ["212", "646", "332"][(serial / 8_000_000) % 3] + String(2_000_000 + serial % 8_000_000)
        }
    }

    func mobile(_ rng: inout SeedRandom) -> String {
        switch code {
        case "FR": "+33" + rng.pick(["6", "7"]) + SeedGenerator.digits(rng.int(0..<100_000_000), width: 8)
        case "IL": "+9725" + rng.pick(["0", "2", "3", "4", "8"]) + SeedGenerator.digits(rng.int(0..<10_000_000), width: 7)
        default: "+1" + rng.pick(["212", "646", "718", "917", "347", "929", "516", "914"]) + String(rng.int(2_000_000..<10_000_000))
        }
    }

    /// How a person would say the number back ("06 12 34 56 78", "(212) 555-0123", "050-123-4567").
    func national(_ e164: String) -> String {
        let digits = Array(e164.dropFirst())
        switch code {
        case "FR" where digits.count == 11:
            let national = ["0"] + digits[2...].map(String.init)
            return stride(from: 0, to: 10, by: 2).map { national[$0] + national[$0 + 1] }.joined(separator: " ")
        case "IL" where digits.count == 12:
            let national = "0" + String(digits[3...])
            return "\(national.prefix(3))-\(national.dropFirst(3).prefix(3))-\(national.dropFirst(6))"
        case "US" where digits.count == 11:
            let national = String(digits[1...])
            return "(\(national.prefix(3))) \(national.dropFirst(3).prefix(3))-\(national.dropFirst(6))"
        default:
            return e164
        }
    }

    func timeText(hour: Int, minute: Int) -> String {
        switch code {
        case "FR": minute == 0 ? "\(hour) h" : "\(hour) h \(SeedGenerator.digits(minute, width: 2))"
        case "US": "\(hour % 12 == 0 ? 12 : hour % 12):\(SeedGenerator.digits(minute, width: 2)) \(hour < 12 ? "AM" : "PM")"
        default: "\(hour):\(SeedGenerator.digits(minute, width: 2))"
        }
    }
}

/// When calls happen in one country over the last `days` days: more on working days and working hours (local
/// time), a few at night and at weekends (AVA answers then too), and slowly more over time (the business grows).
struct SeedClock: Sendable {
    private let hourStarts: [TimeInterval]
    private let cumulative: [Double]
    /// Local midnights from before the first call to after the last appointment, with their weekday (1 = Sunday):
    /// computed once, because `Calendar` is far too slow to ask a million times.
    private let midnights: [(start: TimeInterval, weekday: Int)]
    private let weekend: Set<Int>

    init(country: SeedCountry, now: Date, days: Int) {
        let zone = TimeZone(identifier: country.timezone)!
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let today = calendar.startOfDay(for: now)
        var midnights: [(start: TimeInterval, weekday: Int)] = []
        for offset in -(days + 2)...30 {
            guard let day = calendar.date(byAdding: .day, value: offset, to: today) else { continue }
            midnights.append((day.timeIntervalSince1970, calendar.component(.weekday, from: day)))
        }
        self.midnights = midnights
        // Sunday = 1 … Saturday = 7.
        let dayWeights: [Int: Double] = country.code == "IL"
            ? [1: 1.1, 2: 1.0, 3: 1.0, 4: 1.0, 5: 1.0, 6: 0.4, 7: 0.1]
            : [1: 0.15, 2: 1.1, 3: 1.0, 4: 1.0, 5: 1.0, 6: 0.9, 7: 0.45]
        let hourWeights: [Double] = [0.02, 0.01, 0.01, 0.01, 0.01, 0.02, 0.05, 0.2, 0.8, 1.4, 1.5, 1.3, 0.9, 0.8, 1.2, 1.3, 1.2, 1.0,
                                     0.7, 0.35, 0.2, 0.1, 0.05, 0.03]
        var starts: [TimeInterval] = []
        var cumulative: [Double] = []
        var total = 0.0
        let first = midnights.firstIndex { $0.start >= today.timeIntervalSince1970 - Double(days - 1) * 86_400 - 7_200 } ?? 0
        for (position, day) in midnights.enumerated() where position >= first && day.start <= now.timeIntervalSince1970 {
            let age = (now.timeIntervalSince1970 - day.start) / 86_400
            let trend = 0.7 + 0.6 * max(0, 1 - age / Double(max(1, days)))
            for hour in 0..<24 {
                let start = day.start + Double(hour) * 3_600
                // Only hours that are over, so no call ends in the future.
                guard start + 3_600 <= now.timeIntervalSince1970 else { continue }
                total += (dayWeights[day.weekday] ?? 1) * hourWeights[hour] * trend
                starts.append(start)
                cumulative.append(total)
            }
        }
        hourStarts = starts
        self.cumulative = cumulative
        weekend = country.code == "IL" ? [6, 7] : [1, 7]
    }

    func start(duration: TimeInterval, rng: inout SeedRandom) -> Date {
        let slot = rng.weighted(cumulative: cumulative)
        let offset = rng.unit() * max(1, 3_600 - duration)
        return Date(timeIntervalSince1970: (hourStarts[slot] + offset).rounded(.down))
    }

    struct LocalSlot: Sendable {
        var date: Date
        /// 0 = Sunday.
        var weekday: Int
        var hour: Int
        var minute: Int
    }

    /// A booking made during a call: 1 to 14 days later, on a working day, between 9:00 and 17:45 local time
    /// (an hour off on the two days a year the clocks change, which does not matter here).
    func appointment(after call: Date, rng: inout SeedRandom) -> LocalSlot {
        let time = call.timeIntervalSince1970
        var low = 0, high = midnights.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if midnights[mid].start <= time { low = mid } else { high = mid - 1 }
        }
        var index = min(midnights.count - 1, low + rng.int(1...14))
        while weekend.contains(midnights[index].weekday), index + 1 < midnights.count { index += 1 }
        let hour = rng.int(9...17), minute = rng.pick([0, 15, 30, 45])
        let date = Date(timeIntervalSince1970: midnights[index].start + Double(hour * 3_600 + minute * 60))
        return LocalSlot(date: date, weekday: midnights[index].weekday - 1, hour: hour, minute: minute)
    }
}
