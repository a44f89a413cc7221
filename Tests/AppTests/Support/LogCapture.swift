import Foundation
import Logging
import NIOConcurrencyHelpers

/// Every log line of the test process, from the moment `install()` is first called: applications made
/// afterwards log to standard output as usual and into this buffer, so a test can prove a secret it used
/// never reached a log. (`LoggingSystem.bootstrap` may run once per process, hence the shared buffer.)
enum LogCapture {
    private static let lines = NIOLockedValueBox<[String]>([])
    private static let installed: Void = {
        LoggingSystem.bootstrap { label in
            MultiplexLogHandler([StreamLogHandler.standardOutput(label: label), Handler(label: label)])
        }
    }()

    static func install() { _ = installed }

    static var text: String { lines.withLockedValue { $0.joined(separator: "\n") } }

    private struct Handler: LogHandler {
        let label: String
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let all = self.metadata.merging(metadata ?? [:]) { _, new in new }
            let text = "\(label) \(level) \(message) \(all.map { "\($0.key)=\($0.value)" }.joined(separator: " "))"
            LogCapture.lines.withLockedValue { $0.append(text) }
        }
    }
}
