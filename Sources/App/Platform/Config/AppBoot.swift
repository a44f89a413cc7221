import Foundation
import Vapor

public enum AppBoot {
    /// Loads `.env` into the environment, then reads the settings. Production is `--env production`
    /// (or `AVA_ENV=production`).
    public static func loadConfig(_ app: Application) async throws -> AppConfig {
        if FileManager.default.fileExists(atPath: app.directory.workingDirectory + ".env") {
            await DotEnvFile.load(for: app.environment, fileio: app.fileio, logger: app.logger)
        }
        let logger = app.logger
        return try AppConfig.load(
            from: ProcessInfo.processInfo.environment,
            isProduction: app.environment == .production,
            generatedSecretKey: { directory in try DevelopmentSecretKey.loadOrCreate(in: directory, logger: logger) })
    }
}
