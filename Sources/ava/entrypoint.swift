import App
import Logging
import Vapor

/// `ava [serve|migrate|routes] ...`: reads the settings, builds the app, runs the command.
@main
enum Entrypoint {
    static func main() async throws {
        var environment = try Environment.detect()
        if let name = ProcessInfo.processInfo.environment["AVA_ENV"], !CommandLine.arguments.contains("--env") {
            environment = Environment(name: name, arguments: environment.arguments)
        }
        // JSON lines in production (or with AVA_LOG_FORMAT=json), read before `.env`: logging starts first.
        if LogFormat.usesJSON(environment: ProcessInfo.processInfo.environment, isProduction: environment == .production) {
            try LoggingSystem.bootstrap(from: &environment) { level in { label in JSONLogHandler(label: label, level: level) } }
        } else {
            try LoggingSystem.bootstrap(from: &environment)
        }
        let app = try await Application.make(environment)
        do {
            let config = try await AppBoot.loadConfig(app)
            try await configure(app, config: config)
            try await app.execute()
        } catch is any OperatorFacingError {
            // Vapor has already logged its description.
            try? await app.asyncShutdown()
            exit(1)
        } catch let errors as ConfigurationErrors {
            app.logger.critical("\(errors.description)")
            try? await app.asyncShutdown()
            exit(78)  // EX_CONFIG
        } catch {
            app.logger.report(error: error)
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
