import Fluent
import SQLKit

/// Every migration, in order. Append only: a released migration is never edited, only followed by another.
enum AppMigrations {
    static let all: [any Migration] = [
        M001_CreateUsers(),
        M002_CreateOrgs(),
        M003_CreateOrgUsers(),
        M004_CreateAssistants(),
        M005_CreatePhoneNumbers(),
        M006_CreateCalls(),
        M007_CreateIntegrations(),
        M008_CreatePlanSubscriptions(),
        M009_CreateAuthSessions(),
        M010_CreateOneTimeTokens(),
        M011_CreateRateLimitHits(),
        M012_CreateOutboxMessages(),
        M013_SignInSecurity(),
        M014_CreateSMSCodes(),
        M015_CreateOIDC(),
        M016_TelephonySetup(),
        M017_CreateBooking(),
        M018_CreateJobs(),
        M019_CallPipeline(),
        M020_CreateOnboardingEvents(),
        M021_CallSearch(),
        M022_TeamInvites(),
        M023_DashboardIndexes(),
        M024_CallHourStats(),
        M025_MessagesPagingIndexes(),
        M026_SimulatedCalls(),
    ]
}

extension Database {
    /// Fluent's schema builder has no index statement; SQLKit's works on both SQLite and PostgreSQL.
    func createIndex(on table: String, _ columns: String..., name: String, unique: Bool = false) async throws {
        guard let sql = self as? any SQLDatabase else { return }
        var builder = sql.create(index: name).on(table)
        if unique { builder = builder.unique() }
        for column in columns { builder = builder.column(column) }
        try await builder.run()
    }

    /// Drops an index made by `createIndex` (before dropping its column: SQLite refuses otherwise).
    func dropIndex(_ name: String, on table: String) async throws {
        guard let sql = self as? any SQLDatabase else { return }
        try await sql.drop(index: name).run()
    }
}
