import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

// MARK: - SMTPCapabilities

/// What the server announced in its EHLO reply.
struct SMTPCapabilities: Equatable {
    var startTLS = false
    var authMechanisms: Set<String> = []
    var sizeLimit: Int?
    var smtpUTF8 = false

    init() {}

    init(ehloReply: SMTPReply) {
        for line in ehloReply.lines.dropFirst() {
            let words = line.uppercased().split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard let keyword = words.first else { continue }
            switch keyword {
            case "STARTTLS":
                startTLS = true
            case "SMTPUTF8":
                smtpUTF8 = true
            case "SIZE":
                sizeLimit = words.count > 1 ? Int(words[1]) ?? 0 : 0
            case "AUTH":
                authMechanisms.formUnion(words.dropFirst().map(String.init))
            default:
                // Old servers: "AUTH=PLAIN LOGIN".
                if keyword.hasPrefix("AUTH=") {
                    authMechanisms.insert(String(keyword.dropFirst(5)))
                    authMechanisms.formUnion(words.dropFirst().map(String.init))
                }
            }
        }
    }
}

// MARK: - SMTPSession

/// Removes credentials (and their base64 forms) from server text, strips control characters and
/// bounds the length: server replies end up in errors and logs.
struct SMTPRedactor: Sendable {
    private let secrets: [String]

    init(credentials: SMTPURL.Credentials?) {
        guard let credentials else {
            secrets = []
            return
        }
        secrets = [
            SMTPTransport.plainAuthPayload(credentials),
            Data(credentials.password.utf8).base64EncodedString(),
            credentials.password,
        ].filter { !$0.isEmpty }
    }

    func text(of reply: SMTPReply) -> String {
        clean(reply.lines.joined(separator: " "))
    }

    func clean(_ text: String) -> String {
        var text = MailAddress.singleLine(text)
        for secret in secrets {
            text = text.replacingOccurrences(of: secret, with: "<redacted>")
        }
        if text.count > 512 { text = String(text.prefix(512)) + "…" }
        return text
    }
}

/// The transport's side of one connection: sends commands and awaits replies through the
/// `SMTPClientHandler` in the channel's pipeline.
struct SMTPSession: Sendable {
    let channel: any Channel
    let handler: NIOLoopBound<SMTPClientHandler>
    let timeout: TimeAmount
    let redactor: SMTPRedactor
    let logger: Logger

    func unexpected(_ reply: SMTPReply, stage: String) -> SMTPError {
        .unexpectedReply(stage: stage, code: reply.code, message: redactor.text(of: reply))
    }

    /// Waits for the next reply without sending anything (the greeting).
    func reply(stage: String) async throws -> SMTPReply {
        try await exchange(nil, stage: stage, timeout: timeout)
    }

    /// Sends one command line (CRLF is appended) and waits for its reply. `logAs` replaces the
    /// command in the log for sensitive lines.
    func command(_ line: String, stage: String, logAs: String? = nil, timeout: TimeAmount? = nil) async throws -> SMTPReply {
        guard !line.contains("\r"), !line.contains("\n") else {
            throw SMTPError.invalidMessage("line break in an SMTP command")
        }
        logger.trace("SMTP >>> \(logAs ?? line)")
        var buffer = channel.allocator.buffer(capacity: line.utf8.count + 2)
        buffer.writeString(line)
        buffer.writeStaticString("\r\n")
        let reply = try await exchange(buffer, stage: stage, timeout: timeout ?? self.timeout)
        logger.trace("SMTP <<< \(reply.code) \(redactor.text(of: reply))")
        return reply
    }

    /// Sends raw bytes (the DATA payload) and waits for the reply.
    func send(_ bytes: [UInt8], stage: String) async throws -> SMTPReply {
        logger.trace("SMTP >>> <message, \(bytes.count) bytes>")
        let buffer = channel.allocator.buffer(bytes: bytes)
        let reply = try await exchange(buffer, stage: stage, timeout: timeout)
        logger.trace("SMTP <<< \(reply.code) \(redactor.text(of: reply))")
        return reply
    }

    /// Upgrades the connection after a `220` reply to STARTTLS: refuses if the server already
    /// sent more (STARTTLS command injection, RFC 3207 section 5), then puts the TLS handler in
    /// front of the pipeline in the same event loop tick.
    func startTLS(context: NIOSSLContext, serverHostname: String?) async throws {
        let channel = self.channel
        let boundHandler = self.handler
        do {
            try await channel.eventLoop.submit {
                let handler = boundHandler.value
                if let failure = handler.failure { throw failure }
                guard !handler.hasBufferedInput else {
                    throw SMTPError.protocolViolation(stage: "STARTTLS", reason: "the server sent data after its STARTTLS reply")
                }
                let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
                try channel.pipeline.syncOperations.addHandler(tls, position: .first)
            }.get()
        } catch {
            throw SMTPTransport.map(error, stage: "STARTTLS")
        }
    }

    private func exchange(_ buffer: ByteBuffer?, stage: String, timeout: TimeAmount) async throws -> SMTPReply {
        let channel = self.channel
        let boundHandler = self.handler
        do {
            return try await channel.eventLoop.flatSubmit { () -> EventLoopFuture<SMTPReply> in
                let handler = boundHandler.value
                let reply = handler.nextReply(stage: stage, timeout: timeout)
                if let buffer {
                    // A failed write closes the channel; the reply then fails with the first
                    // error the handler saw (e.g. the TLS handshake error), the root cause.
                    handler.write(buffer).whenFailure { _ in channel.close(promise: nil) }
                }
                return reply
            }.get()
        } catch {
            throw SMTPTransport.map(error, stage: stage)
        }
    }
}
