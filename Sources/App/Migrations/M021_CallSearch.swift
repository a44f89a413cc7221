import Fluent
import SQLKit

/// Call history: the list's keyset index and a full-text index over what a caller said and who called.
///
/// - The list reads `(org_id, COALESCE(started_at, created_at), id)` newest first, with a cursor: one index
///   range, no OFFSET. Two more indexes serve the outcome and phone-number filters the same way.
/// - SQLite: an FTS5 contentless table (no second copy of the transcripts) fed by triggers on `calls`, so the
///   webhook's plain-SQL writes keep it in step with no change to them. Its rowid is `call_search_keys.n`, an
///   INTEGER PRIMARY KEY (calls' own rowid is not stable across VACUUM). The organisation is a token of the
///   document, so a search reads only that organisation's postings.
/// - PostgreSQL: a `search_doc tsvector` column recomputed by a trigger only when a searched column changes
///   (not on every status update), with a GIN index.
/// Known limit (SQLite): a search collects all of the organisation's matches before sorting them by time, so
/// a word said in most of 100,000 calls costs about a second (debug build); rare words, names and numbers take
/// milliseconds. A time-ordered FTS rowid would let it stop after one page.
/// Both index the caller's name, the digits of the caller's number in international and national forms (so
/// "06 12 34 56 78", "+33 6 12" and "612345678" all find +33612345678), the summary and the transcript.
struct M021_CallSearch: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        try await sql.raw(SQLQueryString(CallSearchSQL.listIndex)).run()
        try await sql.raw("CREATE INDEX ix_calls_org_outcome_time ON calls (org_id, outcome, (COALESCE(started_at, created_at)), id)").run()
        try await sql.raw("CREATE INDEX ix_calls_org_number_time ON calls (org_id, phone_number_id, (COALESCE(started_at, created_at)), id)").run()
        if sql.dialect.name == "postgresql" {
            try await preparePostgres(sql)
        } else {
            try await prepareSQLite(sql)
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await sql.raw("DROP TRIGGER IF EXISTS calls_search_doc ON calls").run()
            try await sql.raw("DROP FUNCTION IF EXISTS calls_search_doc_update()").run()
            try await sql.raw("DROP INDEX IF EXISTS ix_calls_search_doc").run()
            try await sql.raw("ALTER TABLE calls DROP COLUMN IF EXISTS search_doc").run()
        } else {
            for trigger in ["calls_fts_insert", "calls_fts_update", "calls_fts_delete"] {
                try await sql.raw(SQLQueryString("DROP TRIGGER IF EXISTS \(trigger)")).run()
            }
            try await sql.raw("DROP TABLE IF EXISTS calls_fts_terms").run()  // made by an early draft of this migration
            try await sql.raw("DROP TABLE IF EXISTS calls_fts").run()
            try await sql.raw("DROP TABLE IF EXISTS call_search_keys").run()
        }
        for index in ["ix_calls_org_number_time", "ix_calls_org_outcome_time", "ix_calls_org_time"] {
            try await sql.raw(SQLQueryString("DROP INDEX IF EXISTS \(index)")).run()
        }
    }

    private func prepareSQLite(_ sql: any SQLDatabase) async throws {
        try await sql.raw("CREATE TABLE call_search_keys (n INTEGER PRIMARY KEY, call_id BLOB NOT NULL UNIQUE)").run()
        // Diacritics removed: "helene" finds "Hélène". Contentless: the text stays only in `calls`.
        try await sql.raw("""
            CREATE VIRTUAL TABLE calls_fts USING fts5(org, caller_name, numbers, summary, transcript,
                content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2')
            """).run()
        let row = { (r: String) in
            "\(CallSearchSQL.sqliteOrgToken(r)), \(r).caller_name, \(CallSearchSQL.sqliteNumbers("\(r).from_number")), \(r).summary, \(r).transcript"
        }
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER calls_fts_insert AFTER INSERT ON calls BEGIN
                INSERT INTO call_search_keys (call_id) VALUES (new.id);
                INSERT INTO calls_fts (rowid, org, caller_name, numbers, summary, transcript)
                VALUES ((SELECT n FROM call_search_keys WHERE call_id = new.id), \(row("new")));
            END
            """)).run()
        // Only when a searched column really changed: status updates during a call cost nothing here.
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER calls_fts_update AFTER UPDATE OF caller_name, from_number, summary, transcript ON calls
            WHEN old.caller_name IS NOT new.caller_name OR old.from_number IS NOT new.from_number
                OR old.summary IS NOT new.summary OR old.transcript IS NOT new.transcript
            BEGIN
                DELETE FROM calls_fts WHERE rowid = (SELECT n FROM call_search_keys WHERE call_id = old.id);
                INSERT INTO calls_fts (rowid, org, caller_name, numbers, summary, transcript)
                VALUES ((SELECT n FROM call_search_keys WHERE call_id = new.id), \(row("new")));
            END
            """)).run()
        try await sql.raw("""
            CREATE TRIGGER calls_fts_delete AFTER DELETE ON calls BEGIN
                DELETE FROM calls_fts WHERE rowid = (SELECT n FROM call_search_keys WHERE call_id = old.id);
                DELETE FROM call_search_keys WHERE call_id = old.id;
            END
            """).run()
        // Calls stored before this migration.
        try await sql.raw("INSERT INTO call_search_keys (call_id) SELECT id FROM calls ORDER BY COALESCE(started_at, created_at)").run()
        try await sql.raw(SQLQueryString("""
            INSERT INTO calls_fts (rowid, org, caller_name, numbers, summary, transcript)
            SELECT k.n, \(row("c")) FROM calls c JOIN call_search_keys k ON k.call_id = c.id
            """)).run()
    }

    private func preparePostgres(_ sql: any SQLDatabase) async throws {
        try await sql.raw("ALTER TABLE calls ADD COLUMN search_doc tsvector").run()
        try await sql.raw(SQLQueryString("""
            CREATE FUNCTION calls_search_doc_update() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' OR NEW.caller_name IS DISTINCT FROM OLD.caller_name
                    OR NEW.from_number IS DISTINCT FROM OLD.from_number OR NEW.summary IS DISTINCT FROM OLD.summary
                    OR NEW.transcript IS DISTINCT FROM OLD.transcript THEN
                    NEW.search_doc := \(CallSearchSQL.postgresDocument("NEW"));
                END IF;
                RETURN NEW;
            END
            $$
            """)).run()
        try await sql.raw("""
            CREATE TRIGGER calls_search_doc BEFORE INSERT OR UPDATE ON calls
            FOR EACH ROW EXECUTE FUNCTION calls_search_doc_update()
            """).run()
        try await sql.raw(SQLQueryString("UPDATE calls SET search_doc = \(CallSearchSQL.postgresDocument("calls"))")).run()
        try await sql.raw("CREATE INDEX ix_calls_search_doc ON calls USING GIN (search_doc)").run()
    }
}

/// SQL fragments shared by the migration and the queries (an expression index is used only when the query
/// spells the expression the same way).
enum CallSearchSQL {
    /// When a call happened: its start, else when AVA first heard of it.
    static let sortExpression = "COALESCE(started_at, created_at)"
    static let listIndex = "CREATE INDEX ix_calls_org_time ON calls (org_id, (COALESCE(started_at, created_at)), id)"

    /// The organisation as one FTS token ("o" and its UUID's hex digits).
    static func sqliteOrgToken(_ row: String) -> String {
        "'o' || lower(replace(hex(\(row).org_id), '-', ''))"
    }

    /// Digits of a number (what people type around them removed).
    private static func sqliteDigits(_ column: String) -> String {
        var expression = "COALESCE(\(column), '')"
        for character in ["+", " ", "-", "(", ")", ".", "/"] { expression = "replace(\(expression), '\(character)', '')" }
        return expression
    }

    /// The caller's number as tokens: international digits, then the national forms for France, Israel and
    /// North America (with and without the trunk 0), so any of them typed as a prefix finds it.
    static func sqliteNumbers(_ column: String) -> String {
        let d = sqliteDigits(column)
        return """
            (\(d) || CASE
                WHEN \(d) LIKE '33%' THEN ' 0' || substr(\(d), 3) || ' ' || substr(\(d), 3)
                WHEN \(d) LIKE '972%' THEN ' 0' || substr(\(d), 4) || ' ' || substr(\(d), 4)
                WHEN \(d) LIKE '1%' THEN ' ' || substr(\(d), 2)
                ELSE '' END)
            """
    }

    /// PostgreSQL's document for a row (`NEW` in the trigger, the table when filling).
    static func postgresDocument(_ row: String) -> String {
        let d = "regexp_replace(COALESCE(\(row).from_number, ''), '[^0-9]', '', 'g')"
        let numbers = """
            \(d) || CASE
                WHEN \(d) LIKE '33%' THEN ' 0' || substr(\(d), 3) || ' ' || substr(\(d), 3)
                WHEN \(d) LIKE '972%' THEN ' 0' || substr(\(d), 4) || ' ' || substr(\(d), 4)
                WHEN \(d) LIKE '1%' THEN ' ' || substr(\(d), 2)
                ELSE '' END
            """
        return """
            to_tsvector('simple'::regconfig, COALESCE(\(row).caller_name, '') || ' ' || \(numbers) || ' '
                || COALESCE(\(row).summary, '') || ' ' || COALESCE(\(row).transcript, ''))
            """
    }
}
