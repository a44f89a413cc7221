@testable import App
import Fluent
import Testing
import VaporTesting

@Suite("Migrations")
struct MigrationTests {
    @Test func revertAllAndMigrateAgain() async throws {
        try await withAVA { app in
            try await signUp(app, SignupBody(email: uniqueEmail()))
            try await app.autoRevert()
            try await app.autoMigrate()
            #expect(try await User.query(on: app.db).count() == 0)
            try await signUp(app, SignupBody(email: uniqueEmail()))
        }
    }
}
