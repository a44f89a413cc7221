import Foundation
import Logging
import NIOConcurrencyHelpers

/// Production logs: one JSON object per line on standard output (`timestamp`, `level`, `label`, `message`,
/// `request_id` when there is one, `metadata`, `source`), for a log collector to parse.
///
/// Secrets are redacted by construction: any metadata key that names one (password, token, secret,
/// authorization, cookie, key…), at any depth, has its value replaced by `[redacted]`, whatever the caller
/// logged. Messages are the caller's responsibility (AVA never interpolates a secret into one, and
/// `RequestLogMiddleware` logs token-bearing paths without their token).
public struct JSONLogHandler: LogHandler {
    public let label: String
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    private let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level = .info, write: @escaping @Sendable (String) -> Void = JSONLogHandler.standardOutput) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
                    file: String, function: String, line: UInt) {
        var all = metadata
        if let explicit { all.merge(explicit) { _, new in new } }
        let requestID = all.removeValue(forKey: "request_id") ?? all.removeValue(forKey: "request-id")
        all.removeValue(forKey: "request-id")
        write(Self.line(timestamp: Date(), level: level, label: label, message: "\(message)",
                        requestID: requestID.map { "\($0)" }, metadata: all, source: source))
    }

    /// One log line (without its newline).
    static func line(timestamp: Date, level: Logger.Level, label: String, message: String, requestID: String?,
                     metadata: Logger.Metadata, source: String) -> String {
        var object: [String: Any] = [
            "timestamp": timestampStyle.format(timestamp),
            "level": level.rawValue,
            "label": label,
            "message": message,
            "source": source,
        ]
        if let requestID { object["request_id"] = requestID }
        if !metadata.isEmpty { object["metadata"] = redact(metadata) }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data(#"{"level":"error","message":"unencodable log line"}"#.utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Fragments of metadata keys whose values are never written.
    static let secretKeyFragments = ["password", "passwd", "secret", "token", "authorization", "cookie",
                                     "api_key", "apikey", "private_key", "credential", "signature"]

    static func isSecret(_ key: String) -> Bool {
        let key = key.lowercased()
        return secretKeyFragments.contains { key.contains($0) }
    }

    static func redact(_ metadata: Logger.Metadata) -> [String: Any] {
        var result: [String: Any] = [:]
        for (key, value) in metadata { result[key] = isSecret(key) ? "[redacted]" : plain(value) }
        return result
    }

    private static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(plain)
        case .dictionary(let dictionary): redact(dictionary)
        }
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    private static let output = NIOLock()

    /// Writes whole lines to standard output, one writer at a time so lines never interleave.
    public static let standardOutput: @Sendable (String) -> Void = { line in
        output.withLock {
            var bytes = Array(line.utf8)
            bytes.append(0x0A)
            bytes.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = Foundation.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                    if written <= 0 { break }
                    offset += written
                }
            }
        }
    }
}

/// Chooses the log format at start-up: JSON lines with `AVA_LOG_FORMAT=json`, or in production unless
/// `AVA_LOG_FORMAT=text`; otherwise Vapor's console format.
public enum LogFormat {
    public static func usesJSON(environment: [String: String], isProduction: Bool) -> Bool {
        switch environment["AVA_LOG_FORMAT"]?.lowercased() {
        case "json": true
        case "text", "console": false
        default: isProduction
        }
    }
}
