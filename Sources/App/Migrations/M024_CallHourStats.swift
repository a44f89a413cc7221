import Fluent
import SQLKit

/// The dashboard's roll-up of calls per organisation and UTC hour (read by `CallHourRollup`): an organisation with
/// 100,000 calls over 90 days has ~60,000 calls in a 30-day period and the one before; the roll-up holds a few
/// rows per hour instead.
///
/// - `call_hour_stats`: calls per (organisation, UTC hour since 1970, status rank, ended reason, success
///   evaluation). A missing reason or evaluation is stored as '' (so the key is unique; NULLs never collide);
///   the reader turns '' back into none, which the answered rule and the satisfaction score treat alike.
/// - `call_hour_rollups`: the hours already rolled up, one marker row each (also for an hour with no calls, so
///   it is not recomputed), with the hour's number of calls: the calls per hour are read from it, one row per
///   hour, not summed from the stats rows (as many as a dozen per busy hour). Hours are filled lazily by the
///   dashboard, only once they are over.
/// - Triggers on `calls` delete the marker and the stats of the (organisation, hour) a call leaves or enters when
///   it is inserted, deleted, or updated in a column the roll-up depends on (its organisation, `created_at`,
///   status rank, ended reason, success evaluation); the next dashboard read recomputes that hour. The webhook's
///   frequent updates (`last_event_at`, `updated_at`, an unchanged status) do not fire them, and an insert dated
///   in the current hour (every live call) is skipped: that hour is never rolled up yet.
/// - PostgreSQL: the trigger takes the organisation's roll-up lock (a transaction-level advisory lock) in shared
///   mode before deleting; a roll-up takes it exclusively. So a roll-up waits for calls being changed to be
///   committed (and sees the change), and a change arriving during a roll-up waits for it to commit (and deletes
///   what it wrote). Without it, a roll-up reading calls before a concurrent change commits would leave a marker
///   the change's DELETE did not see (uncommitted), stale for good. SQLite has one writer at a time, so its
///   triggers just delete.
/// Both tables cascade from `orgs`: deleting an organisation leaves nothing behind. They are derived data, not
/// in the data export.
struct M024_CallHourStats: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            try await preparePostgres(sql)
        } else {
            try await prepareSQLite(sql)
        }
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase else { return }
        if sql.dialect.name == "postgresql" {
            for trigger in ["calls_hour_stats_insert", "calls_hour_stats_update", "calls_hour_stats_delete"] {
                try await sql.raw(SQLQueryString("DROP TRIGGER IF EXISTS \(trigger) ON calls")).run()
            }
            try await sql.raw("DROP FUNCTION IF EXISTS calls_hour_stats_invalidate()").run()
            try await sql.raw("DROP FUNCTION IF EXISTS call_hour_rollup_forget(uuid, timestamptz)").run()
        } else {
            for trigger in ["calls_hour_stats_insert", "calls_hour_stats_update", "calls_hour_stats_delete"] {
                try await sql.raw(SQLQueryString("DROP TRIGGER IF EXISTS \(trigger)")).run()
            }
        }
        try await sql.raw("DROP TABLE IF EXISTS call_hour_stats").run()
        try await sql.raw("DROP TABLE IF EXISTS call_hour_rollups").run()
    }

    /// Columns the roll-up depends on: an update of any other column leaves it valid.
    private static let keyColumns = ["org_id", "created_at", "status_rank", "ended_reason", "success_evaluation"]

    private func createTables(_ sql: any SQLDatabase, uuid: String, hour: String, suffix: String) async throws {
        try await sql.raw(SQLQueryString("""
            CREATE TABLE call_hour_stats (
                org_id \(uuid) NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
                hour \(hour) NOT NULL,
                status_rank INTEGER NOT NULL,
                ended_reason TEXT NOT NULL DEFAULT '',
                success_evaluation TEXT NOT NULL DEFAULT '',
                calls INTEGER NOT NULL,
                PRIMARY KEY (org_id, hour, status_rank, ended_reason, success_evaluation)
            )\(suffix)
            """)).run()
        try await sql.raw(SQLQueryString("""
            CREATE TABLE call_hour_rollups (
                org_id \(uuid) NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
                hour \(hour) NOT NULL,
                calls INTEGER NOT NULL DEFAULT 0,
                PRIMARY KEY (org_id, hour)
            )\(suffix)
            """)).run()
    }

    private func prepareSQLite(_ sql: any SQLDatabase) async throws {
        // WITHOUT ROWID: the rows are stored in key order, so an organisation's hours are one contiguous read.
        try await createTables(sql, uuid: "BLOB", hour: "INTEGER", suffix: " WITHOUT ROWID")
        let forget = { (row: String) in
            let hour = "CAST(\(row).created_at / 3600 AS INTEGER)"
            return """
                DELETE FROM call_hour_rollups WHERE org_id = \(row).org_id AND hour = \(hour);
                DELETE FROM call_hour_stats WHERE org_id = \(row).org_id AND hour = \(hour);
            """
        }
        // Dates are seconds since 1970; the current hour started at now / 3600 * 3600 (integer division).
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER calls_hour_stats_insert AFTER INSERT ON calls
            WHEN new.created_at < CAST(strftime('%s', 'now') AS INTEGER) / 3600 * 3600
            BEGIN
            \(forget("new"))
            END
            """)).run()
        let changed = Self.keyColumns.map { "old.\($0) IS NOT new.\($0)" }.joined(separator: " OR ")
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER calls_hour_stats_update AFTER UPDATE OF \(Self.keyColumns.joined(separator: ", ")) ON calls
            WHEN \(changed)
            BEGIN
            \(forget("old"))
            \(forget("new"))
            END
            """)).run()
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER calls_hour_stats_delete AFTER DELETE ON calls
            BEGIN
            \(forget("old"))
            END
            """)).run()
    }

    private func preparePostgres(_ sql: any SQLDatabase) async throws {
        try await createTables(sql, uuid: "UUID", hour: "BIGINT", suffix: "")
        try await sql.raw("""
            CREATE FUNCTION call_hour_rollup_forget(org uuid, at timestamptz) RETURNS void LANGUAGE plpgsql AS $$
            DECLARE
                h bigint;
            BEGIN
                IF org IS NULL OR at IS NULL THEN RETURN; END IF;
                h := CAST(FLOOR(EXTRACT(EPOCH FROM at) / 3600) AS BIGINT);
                -- Waits for a roll-up of this organisation in progress (see M024 and CallHourRollup.lockKey).
                PERFORM pg_advisory_xact_lock_shared(24, hashtext(CAST(org AS text)));
                DELETE FROM call_hour_rollups WHERE org_id = org AND hour = h;
                DELETE FROM call_hour_stats WHERE org_id = org AND hour = h;
            END
            $$
            """).run()
        try await sql.raw("""
            CREATE FUNCTION calls_hour_stats_invalidate() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP IN ('UPDATE', 'DELETE') THEN PERFORM call_hour_rollup_forget(OLD.org_id, OLD.created_at); END IF;
                IF TG_OP IN ('UPDATE', 'INSERT') THEN PERFORM call_hour_rollup_forget(NEW.org_id, NEW.created_at); END IF;
                RETURN NULL;
            END
            $$
            """).run()
        // The current hour's start in UTC (date_trunc would use the session's time zone), by the clock, not
        // now() (the transaction's start, possibly an hour earlier for a long import).
        try await sql.raw("""
            CREATE TRIGGER calls_hour_stats_insert AFTER INSERT ON calls FOR EACH ROW
            WHEN (NEW.created_at < to_timestamp(FLOOR(EXTRACT(EPOCH FROM clock_timestamp()) / 3600) * 3600))
            EXECUTE FUNCTION calls_hour_stats_invalidate()
            """).run()
        let changed = Self.keyColumns.map { "OLD.\($0) IS DISTINCT FROM NEW.\($0)" }.joined(separator: " OR ")
        try await sql.raw(SQLQueryString("""
            CREATE TRIGGER calls_hour_stats_update AFTER UPDATE OF \(Self.keyColumns.joined(separator: ", ")) ON calls
            FOR EACH ROW WHEN (\(changed))
            EXECUTE FUNCTION calls_hour_stats_invalidate()
            """)).run()
        try await sql.raw("""
            CREATE TRIGGER calls_hour_stats_delete AFTER DELETE ON calls FOR EACH ROW
            EXECUTE FUNCTION calls_hour_stats_invalidate()
            """).run()
    }
}
