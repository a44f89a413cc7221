import Fluent
import Foundation
import SQLKit
import Vapor

/// One page of an organisation's messages, newest first, by keyset (never an offset): a page is "the `limit`
/// messages just older (or just newer) than this one", so messages arriving meanwhile never shift a page,
/// repeat a message or skip one. The cursor is the calls list's (`CallCursor`: the sort key exactly as
/// stored, and the id to break ties), here on `created_at`.
///
/// Indexes (M025): `ix_owner_messages_org_page (org_id, created_at, id)` for all messages,
/// `ix_owner_messages_org_done_page (org_id, done_at, created_at, id)` for the open ones (`done_at IS NULL`):
/// a page is read from the index in order, with no sort.
enum MessagesQuery {
    enum Direction: Sendable { case older, newer }

    struct Page: Sendable {
        var messages: [OwnerMessage]
        /// The key of each message shown, in order (to build the cursors around the page).
        var keys: [CallCursor]
        /// There are messages past the page's end in the direction it was read.
        var hasMore: Bool
    }

    /// `cursor == nil` is the newest page. `.newer` pages come back newest first too.
    static func page(orgID: UUID, openOnly: Bool, cursor: CallCursor?, direction: Direction = .older, limit: Int,
                     on database: any Database) async throws -> Page {
        guard let sql = database as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
        let postgres = sql.dialect.name == "postgresql"
        let sortKey = postgres ? "(EXTRACT(EPOCH FROM created_at) * 1000000)::bigint" : "created_at"
        var query = SQLQueryString("SELECT id, \(unsafeRaw: sortKey) AS sort_key FROM owner_messages WHERE org_id = \(bind: orgID)")
        if openOnly { query.appendLiteral(" AND done_at IS NULL") }
        let comparison = direction == .older ? "<" : ">"
        if let cursor {
            switch (cursor.key, postgres) {
            case (.seconds(let seconds), false):
                query.appendInterpolation(unsafeRaw: " AND (created_at, id) \(comparison) (")
                query.appendInterpolation(bind: seconds)
            case (.microseconds(let micros), true):
                query.appendInterpolation(unsafeRaw: " AND (created_at, id) \(comparison) (to_timestamp(0) + ")
                query.appendInterpolation(bind: micros)
                query.appendInterpolation(unsafeRaw: " * INTERVAL '1 microsecond'")
            default:
                // A cursor made by the other database: as the calls list, a clear 422.
                throw invalidCursor
            }
            query.appendInterpolation(unsafeRaw: ", ")
            query.appendInterpolation(bind: cursor.id)
            query.appendInterpolation(unsafeRaw: ")")
        }
        let order = direction == .older ? "DESC" : "ASC"
        query.appendInterpolation(unsafeRaw: " ORDER BY created_at \(order), id \(order) LIMIT \(limit + 1)")

        let rows = try await sql.raw(query).all()
        var keys: [CallCursor] = []
        for row in rows.prefix(limit) {
            let id = try row.decode(column: "id", as: UUID.self)
            let key: CallCursor.Key = postgres
                ? .microseconds(try row.decode(column: "sort_key", as: Int64.self))
                : .seconds(try row.decode(column: "sort_key", as: Double.self))
            keys.append(CallCursor(key: key, id: id))
        }
        if direction == .newer { keys.reverse() }
        // The rows themselves, by id (at most `limit`, through the primary key), in the page's order.
        let ids = keys.map(\.id)
        let found = ids.isEmpty ? [] : try await OwnerMessage.query(on: database).filter(\.$org.$id == orgID).filter(\.$id ~~ ids).all()
        let byID = Dictionary(found.compactMap { message in message.id.map { ($0, message) } }, uniquingKeysWith: { first, _ in first })
        let ordered = keys.filter { byID[$0.id] != nil }
        return Page(messages: ordered.compactMap { byID[$0.id] }, keys: ordered, hasMore: rows.count > limit)
    }

    /// All and open messages in one pass over `ix_owner_messages_org_done_page` (read from the index alone).
    static func counts(orgID: UUID, on database: any Database) async throws -> (total: Int, open: Int) {
        guard let sql = database as? any SQLDatabase else { throw Abort(.internalServerError, reason: "SQL database required") }
        let row = try await sql.raw("""
            SELECT COUNT(*) AS total, COALESCE(SUM(CASE WHEN done_at IS NULL THEN 1 ELSE 0 END), 0) AS open
            FROM owner_messages WHERE org_id = \(bind: orgID)
            """).first()
        return (try row?.decode(column: "total", as: Int.self) ?? 0, try row?.decode(column: "open", as: Int.self) ?? 0)
    }

    static let invalidCursor = AppError.validation("messages_cursor_invalid", field: "cursor")

    /// A cursor from a query value: empty is none, anything unreadable is the 422 above.
    static func cursor(_ raw: String?) throws -> CallCursor? {
        let text = (raw ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { return nil }
        guard let cursor = CallCursor(text) else { throw invalidCursor }
        return cursor
    }
}
