import AVACore
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import JWT
import Leaf
import NIOSSL
import SQLKit
import Vapor

/// Builds the AVA application: settings, database, templates, security, mail, routes.
/// The executable and the tests both call this, so tests run exactly what users run.
public func configure(_ app: Application, config: AppConfig, mailTransport: (any MailTransport)? = nil) async throws {
    app.appConfig = config
    app.http.server.configuration.hostname = "127.0.0.1"
    app.http.server.configuration.port = 8080
    app.routes.defaultMaxBodySize = "1mb"
    app.routes.caseInsensitive = false

    // Stable JSON: sorted keys (identical answers stay byte-identical, see LoginService) and ISO 8601 dates.
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    ContentConfiguration.global.use(encoder: encoder, for: .json)
    ContentConfiguration.global.use(decoder: decoder, for: .json)

    try configureDatabase(app, config.database, poolSize: config.databasePoolSize)
    try configureLiveCalls(app, config.database)
    app.migrations.add(AppMigrations.all)

    app.passwords.use(.bcrypt(cost: 12))
    let jwtKey = HMACKey(from: Data(SHA256.hash(data: Data("ava-access-token:\(config.secretKey)".utf8))))
    await app.jwt.keys.add(hmac: jwtKey, digestAlgorithm: .sha256)
    app.useKeyring(try Keyring.configured(for: config))
    app.asyncCommands.use(RotateKeysCommand(), as: "rotate-keys")
    app.asyncCommands.use(BenchAvailabilityCommand(), as: "bench-availability")
    app.asyncCommands.use(BenchCallsCommand(), as: "bench-calls")
    app.asyncCommands.use(StatsCommand(), as: "stats")
    app.asyncCommands.use(BackupCommand(), as: "backup")
    app.asyncCommands.use(CreateAdminCommand(), as: "create-admin")
    app.asyncCommands.use(SeedCommand(), as: "seed")

    let translations = try Translations.load(from: app.directory.resourcesDirectory + "Locales")
    app.industryPresets = try IndustryPresets.load(from: app.directory.resourcesDirectory + "Presets/presets.json")
    app.translations = translations
    app.views.use(.leaf)
    app.leaf.tags["t"] = TranslateTag(translations: translations)
    app.leaf.cache.isEnabled = app.environment != .development

    app.mailer = Mailer(
        transport: mailTransport ?? makeMailTransport(app, config),
        from: config.mailFrom, translations: translations,
        renderer: { [app] template, context in
            let view = try await app.leaf.renderer.render(template, context).get()
            return String(buffer: view.data)
        })

    app.middleware = Middlewares()
    useObservabilityMiddleware(app)
    app.middleware.use(RequestLogMiddleware())
    app.middleware.use(AppErrorMiddleware())
    app.middleware.use(SecurityHeadersMiddleware(sendHSTS: config.usesHTTPS))
    app.middleware.use(StaticFilesMiddleware(publicDirectory: app.directory.publicDirectory))

    app.databases.useBookingCacheInvalidation()
    app.databases.useAnsweringProfileInvalidation()
    configureJobs(app)
    try app.setUpCallPipeline()
    try routes(app)

    // Warm the hash that unknown accounts are checked against (see LoginService), without delaying start-up.
    Task { _ = try? await DummyPasswordHash.shared.value() }

    if case .postgres(_, let schema?) = config.database, let sql = app.db as? any SQLDatabase {
        try await sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
    }
    if case .sqlite = config.database, let sql = app.db as? any SQLDatabase {
        // WAL lets readers go on while one writer commits; the setting is kept in the database file.
        try await sql.raw("PRAGMA journal_mode=WAL").run()
        // In WAL mode, NORMAL syncs at checkpoints instead of at every commit: a committed transaction survives a
        // crash of AVA (what acknowledging a webhook promises), and only an operating-system crash or power loss
        // could lose the last ones. The setting belongs to each connection, so each event loop's is set.
        // SQLiteNIO retries a locked database at once, in a loop: a write waiting for the webhook's writer (its own
        // connection, `SQLiteWriter`) would spin a core the writer needs. A busy timeout sleeps between retries
        // (1, 2, 5, 10 ms... up to 5 s) instead.
        // On a file, the webhook's writer has a thread that checkpoints the WAL (`SQLiteWriter`): these connections
        // never do. Otherwise the commit that crossed the threshold would copy the WAL into the file, fsync
        // included, on a thread of the small pool every read of these connections waits for.
        let checkpointedElsewhere = app.callEventWriter.direct != nil
        for eventLoop in app.eventLoopGroup.makeIterator() {
            if let connection = app.databases.database(logger: app.logger, on: eventLoop) as? any SQLDatabase {
                try await connection.raw("PRAGMA synchronous=NORMAL").run()
                try await connection.raw("PRAGMA busy_timeout=5000").run()
                if checkpointedElsewhere { try await connection.raw("PRAGMA wal_autocheckpoint=0").run() }
            }
        }
    }
    if CommandLine.arguments.dropFirst().first != "migrate" {
        try await app.autoMigrate()
    }
}

private func configureDatabase(_ app: Application, _ setting: AppConfig.DatabaseSetting, poolSize: Int) throws {
    switch setting {
    case .sqlite(let path):
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        app.databases.use(.sqlite(.file(path), sqlLogLevel: .trace), as: .sqlite)
    case .postgres(let url, let schema):
        var configuration = try SQLPostgresConfiguration(url: url)
        if let schema { configuration.searchPath = [schema] }
        app.databases.use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: poolSize, sqlLogLevel: .trace), as: .psql)
    }
}

private func makeMailTransport(_ app: Application, _ config: AppConfig) -> any MailTransport {
    if let url = config.smtpURL {
        return SMTPTransport(url: url, eventLoopGroup: app.eventLoopGroup, logger: app.logger)
    }
    return OutboxTransport(databases: app.databases, logger: app.logger)
}

extension Application {
    private struct ConfigKey: StorageKey { typealias Value = AppConfig }

    public var appConfig: AppConfig {
        get {
            guard let config = storage[ConfigKey.self] else { fatalError("configure() sets the configuration first") }
            return config
        }
        set { storage[ConfigKey.self] = newValue }
    }
}
