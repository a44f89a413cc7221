import Fluent
import Foundation
import SQLKit
import Vapor

/// Copies of the database that are safe to take while AVA runs.
///
/// SQLite: `VACUUM INTO` writes a consistent, compacted copy from one read transaction (writers go on
/// meanwhile, WAL mode), into a temporary file renamed into place once complete, so a half-written backup
/// never carries the final name. PostgreSQL: `pg_dump` (also consistent while AVA runs), which AVA does not
/// embed; `ava backup` prints the command or, with `--exec`, runs it.
enum DatabaseBackup {
    enum Failure: OperatorFacingError {
        case exists(String)
        case notSQLite
        case pgDumpFailed(Int32)
        case noTarget

        var description: String {
            switch self {
            case .exists(let path): "\(path) already exists (choose another name, or --force to replace it)"
            case .notSQLite: "the database is not SQLite"
            case .pgDumpFailed(let status): "pg_dump exited with status \(status)"
            case .noTarget: "say where to write the backup: ava backup --to FILE"
            }
        }
    }

    /// Writes a consistent copy of the SQLite database to `path` and returns its size in bytes.
    @discardableResult
    static func sqlite(_ db: any Database, to path: String, replace: Bool = false) async throws -> Int {
        guard let sql = db as? any SQLDatabase, sql.dialect.name == "sqlite" else { throw Failure.notSQLite }
        let target = URL(fileURLWithPath: path).standardizedFileURL.path
        let files = FileManager.default
        if files.fileExists(atPath: target) && !replace { throw Failure.exists(target) }
        let directory = (target as NSString).deletingLastPathComponent
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let partial = (directory as NSString).appendingPathComponent(".\((target as NSString).lastPathComponent).partial-\(UUID().uuidString)")
        do {
            try await sql.raw("VACUUM INTO \(bind: partial)").run()
            if files.fileExists(atPath: target) { try files.removeItem(atPath: target) }
            try files.moveItem(atPath: partial, toPath: target)
        } catch {
            try? files.removeItem(atPath: partial)
            throw error
        }
        return ((try? files.attributesOfItem(atPath: target))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// The `pg_dump` arguments that back up AVA's PostgreSQL database (custom format, for `pg_restore`).
    static func pgDumpArguments(url: String, schema: String?, to path: String) -> [String] {
        var arguments = ["--format=custom", "--no-owner", "--file=\(path)"]
        if let schema { arguments.append("--schema=\(schema)") }
        arguments.append("--dbname=\(url)")
        return arguments
    }

    /// The command line to show, with the database address's password hidden.
    static func displayCommand(_ arguments: [String]) -> String {
        (["pg_dump"] + arguments.map { argument in
            guard argument.hasPrefix("--dbname="), var components = URLComponents(string: String(argument.dropFirst(9))) else {
                return argument
            }
            if components.password != nil { components.password = "****" }
            return "--dbname='\(components.string ?? "")'"
        }).joined(separator: " ")
    }

    /// Runs `pg_dump` (found on PATH) and waits for it.
    static func runPgDump(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["pg_dump"] + arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw Failure.pgDumpFailed(process.terminationStatus) }
    }
}

/// `ava backup --to FILE [--force] [--exec]`.
struct BackupCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "to", help: "Where to write the backup (a new file).")
        var to: String?
        @Flag(name: "force", help: "Replace FILE if it exists.")
        var force: Bool
        @Flag(name: "exec", help: "PostgreSQL: run pg_dump (it must be installed) instead of printing the command.")
        var exec: Bool
        init() {}
    }

    var help: String {
        """
        Backs up the database while AVA runs. SQLite: a consistent copy with VACUUM INTO (`ava backup --to \
        backups/ava-$(date +%F).sqlite`). PostgreSQL: prints the pg_dump command (--exec runs it). Restore steps: README, "Backups".
        """
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let path = signature.to, !path.isEmpty else { throw DatabaseBackup.Failure.noTarget }
        let app = context.application
        switch app.appConfig.database {
        case .sqlite:
            let size = try await DatabaseBackup.sqlite(app.db, to: path, replace: signature.force)
            context.console.print("Backup written: \(path) (\(size) bytes). Restore: stop AVA, put it in place of ava.sqlite (remove ava.sqlite-wal and -shm), start AVA.")
        case .postgres(let url, let schema):
            let arguments = DatabaseBackup.pgDumpArguments(url: url, schema: schema, to: path)
            if signature.exec {
                try DatabaseBackup.runPgDump(arguments)
                context.console.print("Backup written: \(path). Restore: pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" \(path)")
            } else {
                context.console.print("PostgreSQL is backed up with pg_dump (safe while AVA runs); run:")
                context.console.print("  " + DatabaseBackup.displayCommand(arguments))
                context.console.print("or `ava backup --to \(path) --exec` to have AVA run it. Restore: pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" \(path)")
            }
        }
    }
}
