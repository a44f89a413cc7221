import AVACore
import Fluent
import Foundation
import SQLKit
import Vapor

/// What the owner asked the call list for: words or a number, filters, and where the previous page ended.
/// Parsed the same way for the page (a GET form) and the API (query items); bad values are 422s, never 500s.
struct CallHistoryFilter: Sendable {
    enum Outcome: String, CaseIterable, Sendable { case booked, message, transferred, none }

    var search: String = ""
    var outcome: Outcome?
    /// Local days ("2026-03-14") in the organisation's time zone, both included.
    var from: String = ""
    var to: String = ""
    var phoneNumberID: UUID?
    var cursor: CallCursor?
    var limit = 25

    /// Instants bounding `from`/`to`: from the start of `from`, before the start of the day after `to`.
    var fromInstant: Date?
    var toInstant: Date?

    var isFiltered: Bool { !search.isEmpty || outcome != nil || !from.isEmpty || !to.isEmpty || phoneNumberID != nil }

    static let maxSearch = 200

    /// Reads `q`, `outcome`, `from`, `to`, `number`, `cursor` and (API) `limit`; empty values mean "any".
    static func parse(_ query: [String: String], timeZone: TimeZone) throws -> CallHistoryFilter {
        var filter = CallHistoryFilter()
        let value = { (key: String) in (query[key] ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
        filter.search = String(value("q").prefix(maxSearch))
        if !value("outcome").isEmpty {
            guard let outcome = Outcome(rawValue: value("outcome")) else { throw AppError.validation("calls_outcome_invalid", field: "outcome") }
            filter.outcome = outcome
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        func day(_ key: String) throws -> Date? {
            let text = value(key)
            if text.isEmpty { return nil }
            guard let local = LocalDate(text) else { throw AppError.validation("calls_date_invalid", field: key) }
            let parts = local.components
            guard let date = calendar.date(from: DateComponents(year: parts.year, month: parts.month, day: parts.day)) else {
                throw AppError.validation("calls_date_invalid", field: key)
            }
            return date
        }
        filter.from = value("from")
        filter.to = value("to")
        filter.fromInstant = try day("from")
        filter.toInstant = try day("to").flatMap { calendar.date(byAdding: .day, value: 1, to: $0) }
        if let from = filter.fromInstant, let to = filter.toInstant, to <= from {
            throw AppError.validation("calls_date_range_invalid", field: "to")
        }
        if !value("number").isEmpty {
            guard let id = UUID(uuidString: value("number")) else { throw AppError.validation("calls_number_invalid", field: "number") }
            filter.phoneNumberID = id
        }
        if !value("cursor").isEmpty {
            guard let cursor = CallCursor(value("cursor")) else { throw AppError.validation("calls_cursor_invalid", field: "cursor") }
            filter.cursor = cursor
        }
        if !value("limit").isEmpty {
            guard let limit = Int(value("limit")), (1...100).contains(limit) else { throw AppError.validation("calls_limit_invalid", field: "limit") }
            filter.limit = limit
        }
        return filter
    }
}

/// Where a page ended: the last call's sort key (exactly as stored, so equal times never skip or repeat a
/// call) and its id. Opaque to clients: `v1.` and base64url of "kind:value:uuid".
struct CallCursor: Sendable, Equatable {
    enum Key: Sendable, Equatable {
        /// SQLite keeps dates as REAL seconds since 1970.
        case seconds(Double)
        /// PostgreSQL as microseconds.
        case microseconds(Int64)
    }

    var key: Key
    var id: UUID

    init(key: Key, id: UUID) {
        self.key = key
        self.id = id
    }

    init?(_ text: String) {
        guard text.hasPrefix("v1."), text.count < 200 else { return nil }
        var base64 = String(text.dropFirst(3)).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        guard let data = Data(base64Encoded: base64) else { return nil }
        let parts = String(decoding: data, as: UTF8.self).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, let id = UUID(uuidString: String(parts[2])) else { return nil }
        switch parts[0] {
        case "s":
            guard let seconds = Double(String(parts[1])), seconds.isFinite else { return nil }
            key = .seconds(seconds)
        case "u":
            guard let micros = Int64(String(parts[1])) else { return nil }
            key = .microseconds(micros)
        default:
            return nil
        }
        self.id = id
    }

    var encoded: String {
        let body: String
        switch key {
        case .seconds(let seconds): body = "s:\(seconds):\(id.uuidString)"
        case .microseconds(let micros): body = "u:\(micros):\(id.uuidString)"
        }
        return "v1." + Data(body.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}

/// One row of the list (no transcript: the list never reads it).
struct CallListRow: Sendable {
    var id: UUID
    var status: String
    var fromNumber: String?
    var toNumber: String?
    var callerName: String?
    var outcome: String?
    var summary: String?
    var startedAt: Date?
    var endedAt: Date?
    var createdAt: Date?
    var phoneNumberID: UUID?
    var simulated: Bool
    var cursor: CallCursor

    /// When the call happened (its start, else when AVA first heard of it).
    var at: Date { startedAt ?? createdAt ?? Date(timeIntervalSince1970: 0) }
    var durationSeconds: Int? {
        guard let startedAt, let endedAt, endedAt >= startedAt else { return nil }
        return Int((endedAt.timeIntervalSince(startedAt)).rounded())
    }
}

struct CallHistoryPage: Sendable {
    var rows: [CallListRow]
    var nextCursor: CallCursor?
}

/// The list and search, as SQL on SQLite and PostgreSQL, always scoped to one organisation.
enum CallHistoryQuery {
    static func page(orgID: UUID, filter: CallHistoryFilter, on database: any Database) async throws -> CallHistoryPage {
        guard let sql = database as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
        let postgres = sql.dialect.name == "postgresql"
        let sort = CallSearchSQL.sortExpression
        let sortKey = postgres ? "(EXTRACT(EPOCH FROM \(sort)) * 1000000)::bigint" : sort
        var query = SQLQueryString("""
            SELECT id, status, from_number, to_number, caller_name, outcome, summary, started_at, ended_at, created_at,
                   phone_number_id, simulated, \(unsafeRaw: sortKey) AS sort_key
            FROM calls WHERE org_id = \(bind: orgID)
            """)
        if let outcome = filter.outcome {
            if outcome == .none {
                query.appendLiteral(" AND outcome IS NULL")
            } else {
                query.appendInterpolation(unsafeRaw: " AND outcome = ")
                query.appendInterpolation(bind: outcome.rawValue)
            }
        }
        if let number = filter.phoneNumberID {
            query.appendInterpolation(unsafeRaw: " AND phone_number_id = ")
            query.appendInterpolation(bind: number)
        }
        if let from = filter.fromInstant {
            query.appendInterpolation(unsafeRaw: " AND \(sort) >= ")
            query.appendInterpolation(bind: from)
        }
        if let to = filter.toInstant {
            query.appendInterpolation(unsafeRaw: " AND \(sort) < ")
            query.appendInterpolation(bind: to)
        }
        if let cursor = filter.cursor {
            switch (cursor.key, postgres) {
            case (.seconds(let seconds), false):
                query.appendInterpolation(unsafeRaw: " AND (\(sort), id) < (")
                query.appendInterpolation(bind: seconds)
            case (.microseconds(let micros), true):
                query.appendInterpolation(unsafeRaw: " AND (\(sort), id) < (to_timestamp(0) + ")
                query.appendInterpolation(bind: micros)
                query.appendInterpolation(unsafeRaw: " * INTERVAL '1 microsecond'")
            default:
                // A cursor made by the other database (after a migration between them): start again.
                throw AppError.validation("calls_cursor_invalid", field: "cursor")
            }
            query.appendInterpolation(unsafeRaw: ", ")
            query.appendInterpolation(bind: cursor.id)
            query.appendInterpolation(unsafeRaw: ")")
        }
        if let match = CallSearchTerms(filter.search) {
            if postgres {
                // The planner picks the GIN index for rare words and the time index (checking each call's
                // stored document) for common ones, from the column's statistics.
                query.appendInterpolation(unsafeRaw: " AND search_doc @@ to_tsquery('simple', ")
                query.appendInterpolation(bind: match.postgresQuery)
                query.appendInterpolation(unsafeRaw: ")")
            } else {
                // The organisation's token first, so FTS5 reads only its postings; the matches are then
                // sorted by time. Cost grows with the number of matches (see the notes in M021).
                query.appendInterpolation(unsafeRaw: """
                     AND id IN (SELECT k.call_id FROM calls_fts f JOIN call_search_keys k ON k.n = f.rowid
                                WHERE calls_fts MATCH ('org : o' || lower(replace(hex(
                    """)
                query.appendInterpolation(bind: orgID)
                query.appendInterpolation(unsafeRaw: "), '-', '')) || ' AND (' || ")
                query.appendInterpolation(bind: match.sqliteQuery)
                query.appendInterpolation(unsafeRaw: " || ')'))")
            }
        }
        query.appendInterpolation(unsafeRaw: " ORDER BY \(sort) DESC, id DESC LIMIT ")
        query.appendInterpolation(unsafeRaw: String(filter.limit + 1))

        let rows = try await sql.raw(query).all()
        var result: [CallListRow] = []
        for row in rows.prefix(filter.limit) {
            let id = try row.decode(column: "id", as: UUID.self)
            let key: CallCursor.Key = postgres
                ? .microseconds(try row.decode(column: "sort_key", as: Int64.self))
                : .seconds(try row.decode(column: "sort_key", as: Double.self))
            result.append(CallListRow(
                id: id, status: try row.decode(column: "status", as: String.self),
                fromNumber: try row.decode(column: "from_number", as: String?.self),
                toNumber: try row.decode(column: "to_number", as: String?.self),
                callerName: try row.decode(column: "caller_name", as: String?.self),
                outcome: try row.decode(column: "outcome", as: String?.self),
                summary: try row.decode(column: "summary", as: String?.self),
                startedAt: try row.decode(column: "started_at", as: Date?.self),
                endedAt: try row.decode(column: "ended_at", as: Date?.self),
                createdAt: try row.decode(column: "created_at", as: Date?.self),
                phoneNumberID: try row.decode(column: "phone_number_id", as: UUID?.self),
                simulated: try row.decode(column: "simulated", as: Bool.self),
                cursor: CallCursor(key: key, id: id)))
        }
        return CallHistoryPage(rows: result, nextCursor: rows.count > filter.limit ? result.last?.cursor : nil)
    }
}

/// What was typed in the search box, as a full-text query: a number (digits and the usual separators, at
/// least three digits) searches the caller's number by prefix; anything else searches every word, each as a
/// prefix ("rendez" finds "rendez-vous"), all required.
struct CallSearchTerms: Sendable {
    var words: [String]
    var isNumber: Bool

    init?(_ text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        let separators: Set<Character> = ["+", " ", "-", ".", "(", ")", "/", "\u{00A0}"]
        let digits = trimmed.filter { $0.isASCII && $0.isNumber }
        if trimmed.allSatisfy({ ($0.isASCII && $0.isNumber) || separators.contains($0) }), digits.count >= 3 {
            var number = String(digits)
            if number.hasPrefix("00") { number.removeFirst(2) }  // international prefix in France and Israel
            words = [number]
            isNumber = true
            return
        }
        // Letters and digits only: nothing typed can reach the query syntax.
        var found: [String] = []
        var current = ""
        for character in trimmed.lowercased() {
            if character.isLetter || character.isNumber {
                current.append(character)
            } else if !current.isEmpty {
                found.append(current)
                current = ""
            }
        }
        if !current.isEmpty { found.append(current) }
        guard !found.isEmpty else { return nil }
        words = Array(found.prefix(8))
        isNumber = false
    }

    /// FTS5: `numbers : "0612"*` for a number, else `"rendez"* "vous"*` (implicit AND).
    var sqliteQuery: String {
        if isNumber { return "numbers : \"\(words[0])\"*" }
        return words.map { "\"\($0)\"*" }.joined(separator: " ")
    }

    /// PostgreSQL: `0612:*` or `rendez:* & vous:*` (words are letters and digits only).
    var postgresQuery: String {
        words.map { "\($0):*" }.joined(separator: " & ")
    }
}
