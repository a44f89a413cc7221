import Foundation
import Vapor

/// In development AVA needs no set-up: a missing `AVA_SECRET_KEY` is generated once and kept in the data
/// directory, so sessions survive restarts. Production refuses to start without one (see `AppConfig.load`).
enum DevelopmentSecretKey {
    static let fileName = "ava-secret.key"

    static func loadOrCreate(in directory: String, logger: Logger) throws -> String {
        let path = (directory as NSString).appendingPathComponent(fileName)
        if let existing = try? String(contentsOfFile: path, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines), existing.count >= 32 {
            return existing
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let key = [UInt8].random(count: 48).base64
        guard FileManager.default.createFile(atPath: path, contents: Data(key.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw Abort(.internalServerError, reason: "cannot write \(path)")
        }
        logger.notice("AVA_SECRET_KEY is not set: generated a development key and saved it in \(path). Set AVA_SECRET_KEY in production.")
        return key
    }
}
