@testable import App
import Fluent
import Foundation
import NIOConcurrencyHelpers
import SQLKit
import Testing
import Vapor
import VaporTesting

@Suite("Operations: backups and create-admin")
struct ObservabilityOperationsTests {
    /// Backs up a live SQLite database while a writer keeps committing, then restores the copy: AVA starts on
    /// it, it is ready (every migration applied) and holds what was written before the backup began.
    @Test(.enabled(if: !isPostgres, "pg_dump backs up PostgreSQL"))
    func aLiveSQLiteBackupRestores() async throws {
        let backupDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("ava-backup-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: backupDirectory) }
        let backup = backupDirectory + "/ava-backup.sqlite"
        let email = uniqueEmail("backup")
        var jobsBefore = 0
        try await withAVA { app in
            try await signUp(app, SignupBody(email: email))
            for index in 0..<20 { try await Jobs.enqueue(kind: "test.backup", payload: ["n": index], on: app.db) }
            jobsBefore = try await JobRecord.query(on: app.db).filter(\.$kind == "test.backup").count()
            // Writes keep coming while the backup is taken.
            let writing = ManagedAtomicFlag()
            let writer = Task {
                var written = 0
                while !writing.isSet {
                    try await Jobs.enqueue(kind: "test.backup", payload: ["n": 1000 + written], on: app.db)
                    written += 1
                }
                return written
            }
            try await Task.sleep(for: .milliseconds(30))
            let size = try await DatabaseBackup.sqlite(app.db, to: backup)
            writing.set()
            let writtenDuring = try await writer.value
            #expect(size > 0)
            #expect(writtenDuring > 0)
            // A second backup to the same name is refused rather than overwriting silently.
            await #expect(throws: DatabaseBackup.Failure.self) { try await DatabaseBackup.sqlite(app.db, to: backup) }
            // No partial file is left behind.
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: backupDirectory).filter { $0.contains("partial") }
            #expect(leftovers.isEmpty)
        }

        // Restore: AVA on the copy.
        let restored = try await Application.make(.testing)
        do {
            var config = try AppConfig.load(from: ["AVA_DATA_DIR": backupDirectory], isProduction: false,
                                            generatedSecretKey: { _ in "test-secret-key-that-is-long-enough-0123456789" })
            config.database = .sqlite(path: backup)
            try await configure(restored, config: config)
            let sql = try #require(restored.db as? any SQLDatabase)
            struct Check: Decodable { var integrity_check: String }
            #expect(try await sql.raw("PRAGMA integrity_check").first(decoding: Check.self)?.integrity_check == "ok")
            #expect(try await User.query(on: restored.db).filter(\.$email == email).count() == 1)
            #expect(try await JobRecord.query(on: restored.db).filter(\.$kind == "test.backup").count() >= jobsBefore)
            #expect(await HealthController.readiness(restored).status == "ok")
        } catch {
            try? await restored.asyncShutdown()
            throw error
        }
        try await restored.asyncShutdown()
    }

    @Test func thePgDumpCommandHidesThePassword() {
        let arguments = DatabaseBackup.pgDumpArguments(url: "postgres://ava:s3cret-pw@db:5432/ava?sslmode=disable", schema: nil, to: "/backups/ava.dump")
        #expect(arguments.contains("--format=custom"))
        #expect(arguments.contains("--file=/backups/ava.dump"))
        let shown = DatabaseBackup.displayCommand(arguments)
        #expect(shown.hasPrefix("pg_dump "))
        #expect(!shown.contains("s3cret-pw"))
        #expect(shown.contains("ava:****@db:5432/ava"))
    }

    @Test func createAdminMakesAConfirmedAccountOnce() async throws {
        try await withAVA { app in
            let email = uniqueEmail("operator")
            let user = try await CreateAdminCommand.create(email: email, password: "a-long-operator-pass-42", name: nil, app: app)
            #expect(user.isEmailVerified)
            #expect(try app.password.verify("a-long-operator-pass-42", created: user.passwordHash))
            let membership = try #require(try await OrgUser.query(on: app.db).filter(\.$user.$id == user.id!).first())
            #expect(membership.role == .owner)
            await #expect(throws: CreateAdminCommand.Failure.self) {
                try await CreateAdminCommand.create(email: email, password: "another-long-pass-43", name: nil, app: app)
            }
            await #expect(throws: CreateAdminCommand.Failure.self) {
                try await CreateAdminCommand.create(email: uniqueEmail("weak"), password: "short", name: nil, app: app)
            }
        }
    }
}

/// A flag one task sets and another polls.
final class ManagedAtomicFlag: Sendable {
    private let box = NIOLockedValueBox(false)
    var isSet: Bool { box.withLockedValue { $0 } }
    func set() { box.withLockedValue { $0 = true } }
}

@Suite("Operations: PostgreSQL backups")
struct ObservabilityPostgresBackupTests {
    /// `ava backup --exec`'s pg_dump, restored with pg_restore into a new database that AVA then starts on.
    @Test(.enabled(if: isPostgres, "needs DATABASE_URL (scripts/with-postgres.sh)"))
    func aPgDumpBackupRestores() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ava-pgdump-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dump = directory + "/ava.dump"
        let email = uniqueEmail("pgbackup")
        let restoredName = "ava_restore_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        var restoredURL = ""
        var restoredSchema: String?
        try await withAVA { app in
            try await signUp(app, SignupBody(email: email))
            guard case .postgres(let url, let schema) = app.appConfig.database else { Issue.record("not PostgreSQL"); return }
            try DatabaseBackup.runPgDump(DatabaseBackup.pgDumpArguments(url: url, schema: schema, to: dump))
            let sql = try #require(app.db as? any SQLDatabase)
            try await sql.raw("CREATE DATABASE \(ident: restoredName)").run()
            var components = try #require(URLComponents(string: url))
            components.path = "/" + restoredName
            restoredURL = try #require(components.string)
            restoredSchema = schema
        }
        let restore = Process()
        restore.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        restore.arguments = ["pg_restore", "--no-owner", "--dbname=\(restoredURL)", dump]
        try restore.run()
        restore.waitUntilExit()
        #expect(restore.terminationStatus == 0)

        let restored = try await Application.make(.testing)
        do {
            var config = try AppConfig.load(from: ["AVA_DATA_DIR": directory], isProduction: false,
                                            generatedSecretKey: { _ in "test-secret-key-that-is-long-enough-0123456789" })
            config.database = .postgres(url: restoredURL, schema: restoredSchema)
            try await configure(restored, config: config)
            #expect(try await User.query(on: restored.db).filter(\.$email == email).count() == 1)
            #expect(await HealthController.readiness(restored).status == "ok")
        } catch {
            try? await restored.asyncShutdown()
            throw error
        }
        try await restored.asyncShutdown()
        // Drop the restored database from a connection to the original one.
        try await withAVA { app in
            try await (app.db as? any SQLDatabase)?.raw("DROP DATABASE IF EXISTS \(ident: restoredName) WITH (FORCE)").run()
        }
    }
}
