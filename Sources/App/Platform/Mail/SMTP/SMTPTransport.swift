import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

// MARK: - Errors

/// Why sending through SMTP failed. Carries the SMTP reply code and the server's text where there
/// was one, and never the credentials: the password and the AUTH payloads are scrubbed from any
/// server text before it is stored.
public enum SMTPError: Error, Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, LocalizedError {
    /// The message cannot be sent as is (no recipient, an address with a line break, ...).
    case invalidMessage(String)
    /// The TCP connection could not be made (DNS, refused, connect timeout).
    case connectionFailed(host: String, port: Int, reason: String)
    /// The server did not answer within the configured timeout.
    case timeout(stage: String)
    /// The server closed the connection before the conversation was over.
    case connectionClosed(stage: String)
    /// A network error other than a clean close (e.g. connection reset).
    case networkError(stage: String, reason: String)
    /// The TLS handshake or the TLS session failed (certificate not trusted, host name mismatch, ...).
    case tlsFailure(stage: String, reason: String)
    /// Credentials are configured but the connection is not encrypted (the server did not offer
    /// STARTTLS) and the host is not loopback: the credentials were not sent.
    case insecureConnectionRefused(host: String)
    /// The server offers none of the AUTH mechanisms this client supports (PLAIN, LOGIN).
    case authenticationUnsupported(offered: [String])
    /// The server rejected the credentials (usually 535).
    case authenticationFailed(code: Int, message: String)
    /// The server rejected a recipient at RCPT TO.
    case recipientRejected(recipient: String, code: Int, message: String)
    /// The message is larger than the SIZE the server advertised.
    case messageTooLarge(size: Int, limit: Int)
    /// An address is internationalised but the server does not offer SMTPUTF8.
    case smtpUTF8Unsupported(address: String)
    /// Any other reply that was not the one expected at this stage of the conversation.
    case unexpectedReply(stage: String, code: Int, message: String)
    /// The server broke the protocol (unparseable reply, data sent after the STARTTLS reply, ...).
    case protocolViolation(stage: String, reason: String)

    /// The SMTP reply code, when the error comes from a server reply.
    public var code: Int? {
        switch self {
        case .authenticationFailed(let code, _), .recipientRejected(_, let code, _), .unexpectedReply(_, let code, _):
            return code
        default:
            return nil
        }
    }

    /// The server's reply text, when the error comes from a server reply.
    public var serverMessage: String? {
        switch self {
        case .authenticationFailed(_, let message), .recipientRejected(_, _, let message), .unexpectedReply(_, _, let message):
            return message
        default:
            return nil
        }
    }

    /// Whether retrying later may succeed (4xx replies, timeouts, network trouble).
    public var isTransient: Bool {
        switch self {
        case .timeout, .connectionClosed, .networkError, .connectionFailed:
            return true
        case .authenticationFailed(let code, _), .recipientRejected(_, let code, _), .unexpectedReply(_, let code, _):
            return (400..<500).contains(code)
        default:
            return false
        }
    }

    public var description: String {
        switch self {
        case .invalidMessage(let reason):
            return "SMTP: invalid message: \(reason)"
        case .connectionFailed(let host, let port, let reason):
            return "SMTP: cannot connect to \(host):\(port): \(reason)"
        case .timeout(let stage):
            return "SMTP: timed out waiting for the server (\(stage))"
        case .connectionClosed(let stage):
            return "SMTP: the server closed the connection (\(stage))"
        case .networkError(let stage, let reason):
            return "SMTP: network error (\(stage)): \(reason)"
        case .tlsFailure(let stage, let reason):
            return "SMTP: TLS failure (\(stage)): \(reason)"
        case .insecureConnectionRefused(let host):
            return "SMTP: \(host) does not offer STARTTLS; refusing to send credentials over an unencrypted connection"
        case .authenticationUnsupported(let offered):
            return "SMTP: the server supports none of the AUTH mechanisms PLAIN, LOGIN (offered: \(offered.isEmpty ? "none" : offered.joined(separator: " ")))"
        case .authenticationFailed(let code, let message):
            return "SMTP: authentication failed: \(code) \(message)"
        case .recipientRejected(let recipient, let code, let message):
            return "SMTP: recipient <\(recipient)> rejected: \(code) \(message)"
        case .messageTooLarge(let size, let limit):
            return "SMTP: message of \(size) bytes exceeds the server's limit of \(limit) bytes"
        case .smtpUTF8Unsupported(let address):
            return "SMTP: <\(address)> is an internationalised address but the server does not support SMTPUTF8"
        case .unexpectedReply(let stage, let code, let message):
            return "SMTP: unexpected reply to \(stage): \(code) \(message)"
        case .protocolViolation(let stage, let reason):
            return "SMTP: protocol violation (\(stage)): \(reason)"
        }
    }

    public var debugDescription: String { description }
    public var errorDescription: String? { description }
}

// MARK: - Transport

/// Sends mail through an SMTP server with a small SwiftNIO client:
/// greeting, EHLO, STARTTLS (then EHLO again), AUTH PLAIN or LOGIN, MAIL FROM, RCPT TO, DATA,
/// QUIT. One connection per message; the channel is always closed, on success, error, timeout or
/// task cancellation.
///
/// TLS: `smtps://` starts TLS at connect; `smtp://` upgrades with STARTTLS whenever the server
/// offers it (a failed upgrade is an error, never a silent downgrade). Without STARTTLS,
/// credentials are only sent to a loopback host. The certificate is verified with
/// `tlsConfiguration` (by default the system trust roots and the host name).
///
/// Credentials and AUTH payloads are never logged and never part of an error.
public struct SMTPTransport: MailTransport {
    public let url: SMTPURL
    public let eventLoopGroup: any EventLoopGroup
    public let tlsConfiguration: TLSConfiguration
    /// Connect timeout, and the longest wait for each server reply.
    public let timeout: TimeAmount
    public let logger: Logger

    public init(
        url: SMTPURL,
        eventLoopGroup: any EventLoopGroup,
        tlsConfiguration: TLSConfiguration = .makeClientConfiguration(),
        timeout: TimeAmount = .seconds(20),
        logger: Logger
    ) {
        self.url = url
        self.eventLoopGroup = eventLoopGroup
        self.tlsConfiguration = tlsConfiguration
        self.timeout = timeout
        var logger = logger
        logger[metadataKey: "smtp.server"] = "\(url.host):\(url.port)"
        self.logger = logger
    }

    public func send(_ message: MailMessage) async throws {
        try Self.validate(message)
        let mime = MIMEMessage(message)
        let body = Self.dotStuffed(mime.bytes)
        let redactor = SMTPRedactor(credentials: url.credentials)

        if url.security == .none, !url.isLoopback {
            // Only reachable through the memberwise initializer: the URL parser refuses it.
            throw SMTPError.insecureConnectionRefused(host: url.host)
        }

        let sslContext: NIOSSLContext?
        do {
            sslContext = url.security == .none ? nil : try NIOSSLContext(configuration: tlsConfiguration)
        } catch {
            throw SMTPError.tlsFailure(stage: "configuration", reason: String(describing: error))
        }

        let (channel, handler) = try await connect(sslContext: url.security == .implicitTLS ? sslContext : nil)
        let session = SMTPSession(channel: channel, handler: handler, timeout: timeout, redactor: redactor, logger: logger)
        logger.debug("SMTP connected", metadata: ["smtp.security": "\(url.security.rawValue)"])

        do {
            try await withTaskCancellationHandler {
                try await converse(session: session, message: message, body: body, sslContext: sslContext)
            } onCancel: {
                channel.close(promise: nil)
            }
            logger.info("SMTP message accepted", metadata: ["mail.message_id": "\(mime.messageID)", "mail.recipients": "\(message.to.count)"])
        } catch {
            let smtpError = Self.map(error, stage: "send")
            if smtpError.code != nil {
                // The server is still talking to us: say goodbye politely, but not for long.
                _ = try? await session.command("QUIT", stage: "QUIT", timeout: .seconds(2))
            }
            try? await channel.close()
            logger.warning("SMTP send failed", metadata: ["error": "\(smtpError)"])
            if Task.isCancelled, smtpError.code == nil { throw CancellationError() }
            throw smtpError
        }
        try? await channel.close()
    }

    // MARK: Conversation

    private func converse(session: SMTPSession, message: MailMessage, body: [UInt8], sslContext: NIOSSLContext?) async throws {
        let greeting = try await session.reply(stage: "greeting")
        guard greeting.code == 220 else { throw session.unexpected(greeting, stage: "greeting") }

        var capabilities = try await hello(session)

        switch Self.startTLSDecision(
            security: url.security,
            serverOffersStartTLS: capabilities.startTLS,
            hasCredentials: url.credentials != nil,
            isLoopback: url.isLoopback
        ) {
        case .upgrade:
            let reply = try await session.command("STARTTLS", stage: "STARTTLS")
            guard reply.code == 220 else { throw session.unexpected(reply, stage: "STARTTLS") }
            guard let sslContext else { throw SMTPError.tlsFailure(stage: "STARTTLS", reason: "no TLS context") }
            try await session.startTLS(context: sslContext, serverHostname: Self.sniHostname(url.host))
            logger.debug("SMTP STARTTLS done")
            capabilities = try await hello(session)
        case .alreadySecure:
            break
        case .proceedInClear:
            if url.security == .startTLS {
                logger.warning("SMTP server does not offer STARTTLS; sending without encryption")
            }
        case .refuse:
            throw SMTPError.insecureConnectionRefused(host: url.host)
        }

        if let credentials = url.credentials {
            try await authenticate(session, credentials: credentials, capabilities: capabilities)
        }

        if let limit = capabilities.sizeLimit, limit > 0, body.count > limit {
            throw SMTPError.messageTooLarge(size: body.count, limit: limit)
        }

        let addresses = [message.from.email] + message.to.map(\.email)
        let needsUTF8 = addresses.contains { $0.unicodeScalars.contains { !$0.isASCII } }
        if needsUTF8, !capabilities.smtpUTF8 {
            throw SMTPError.smtpUTF8Unsupported(address: addresses.first { $0.unicodeScalars.contains { !$0.isASCII } } ?? "")
        }

        var mailFrom = "MAIL FROM:<\(message.from.email)>"
        if capabilities.sizeLimit != nil { mailFrom += " SIZE=\(body.count)" }
        if needsUTF8 { mailFrom += " SMTPUTF8" }
        let fromReply = try await session.command(mailFrom, stage: "MAIL FROM")
        guard fromReply.code == 250 else { throw session.unexpected(fromReply, stage: "MAIL FROM") }

        var seen: Set<String> = []
        for recipient in message.to where seen.insert(recipient.email.lowercased()).inserted {
            let reply = try await session.command("RCPT TO:<\(recipient.email)>", stage: "RCPT TO")
            guard reply.code == 250 || reply.code == 251 else {
                throw SMTPError.recipientRejected(recipient: recipient.email, code: reply.code, message: session.redactor.text(of: reply))
            }
        }

        let dataReply = try await session.command("DATA", stage: "DATA")
        guard dataReply.code == 354 else { throw session.unexpected(dataReply, stage: "DATA") }
        let accepted = try await session.send(body, stage: "end of DATA")
        guard accepted.code == 250 else { throw session.unexpected(accepted, stage: "end of DATA") }

        // The message is accepted: a failing QUIT must not turn this into an error.
        do {
            _ = try await session.command("QUIT", stage: "QUIT")
        } catch {
            logger.debug("SMTP QUIT failed after the message was accepted", metadata: ["error": "\(Self.map(error, stage: "QUIT"))"])
        }
    }

    /// EHLO, falling back to HELO for servers that do not know it.
    private func hello(_ session: SMTPSession) async throws -> SMTPCapabilities {
        let reply = try await session.command("EHLO \(url.heloName)", stage: "EHLO")
        if reply.code == 250 {
            return SMTPCapabilities(ehloReply: reply)
        }
        guard [500, 501, 502, 504, 550].contains(reply.code) else { throw session.unexpected(reply, stage: "EHLO") }
        let helo = try await session.command("HELO \(url.heloName)", stage: "HELO")
        guard helo.code == 250 else { throw session.unexpected(helo, stage: "HELO") }
        return SMTPCapabilities()
    }

    private func authenticate(_ session: SMTPSession, credentials: SMTPURL.Credentials, capabilities: SMTPCapabilities) async throws {
        let redactor = session.redactor
        func failure(_ reply: SMTPReply) -> SMTPError {
            (400..<600).contains(reply.code)
                ? .authenticationFailed(code: reply.code, message: redactor.text(of: reply))
                : .unexpectedReply(stage: "AUTH", code: reply.code, message: redactor.text(of: reply))
        }

        if capabilities.authMechanisms.contains("PLAIN") {
            let payload = Self.plainAuthPayload(credentials)
            var reply = try await session.command("AUTH PLAIN \(payload)", stage: "AUTH PLAIN", logAs: "AUTH PLAIN <redacted>")
            if reply.code == 334 {
                // A server that ignores the initial response asks for it again.
                reply = try await session.command(payload, stage: "AUTH PLAIN", logAs: "<redacted>")
            }
            guard reply.code == 235 else { throw failure(reply) }
        } else if capabilities.authMechanisms.contains("LOGIN") {
            var reply = try await session.command("AUTH LOGIN", stage: "AUTH LOGIN")
            guard reply.code == 334 else { throw failure(reply) }
            reply = try await session.command(Data(credentials.username.utf8).base64EncodedString(), stage: "AUTH LOGIN", logAs: "<redacted>")
            guard reply.code == 334 else { throw failure(reply) }
            reply = try await session.command(Data(credentials.password.utf8).base64EncodedString(), stage: "AUTH LOGIN", logAs: "<redacted>")
            guard reply.code == 235 else { throw failure(reply) }
        } else {
            throw SMTPError.authenticationUnsupported(offered: capabilities.authMechanisms.sorted())
        }
        logger.debug("SMTP authenticated")
    }

    // MARK: Connection

    /// Connects and returns the channel with its `SMTPClientHandler`. The transport keeps a direct
    /// (loop-bound) reference to the handler rather than looking it up in the pipeline, which is
    /// torn down when the connection closes: the handler still knows why it closed.
    private func connect(sslContext: NIOSSLContext?) async throws -> (any Channel, NIOLoopBound<SMTPClientHandler>) {
        let eventLoop = eventLoopGroup.next()
        guard let bootstrap = ClientBootstrap(validatingGroup: eventLoop) else {
            throw SMTPError.connectionFailed(host: url.host, port: url.port, reason: "the event loop group is not a POSIX (NIOPosix) group")
        }
        let handler = try await eventLoop.submit { NIOLoopBound(SMTPClientHandler(), eventLoop: eventLoop) }.get()
        let sniHostname = Self.sniHostname(url.host)
        let timeout = self.timeout
        do {
            let channel = try await bootstrap
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        if let sslContext {
                            try sync.addHandler(NIOSSLClientHandler(context: sslContext, serverHostname: sniHostname))
                        }
                        try sync.addHandler(handler.value)
                    }
                }
                .connect(host: url.host, port: url.port)
                .get()
            return (channel, handler)
        } catch ChannelError.connectTimeout {
            throw SMTPError.connectionFailed(host: url.host, port: url.port, reason: "connect timed out after \(timeout.nanoseconds / 1_000_000) ms")
        } catch {
            throw SMTPError.connectionFailed(host: url.host, port: url.port, reason: String(describing: error))
        }
    }

    // MARK: Helpers (internal for tests)

    enum StartTLSDecision: Equatable {
        case upgrade, alreadySecure, proceedInClear, refuse
    }

    /// STARTTLS policy: upgrade whenever the server offers it on `smtp://`; without it, send
    /// credentials in clear only to loopback hosts.
    static func startTLSDecision(security: SMTPURL.Security, serverOffersStartTLS: Bool, hasCredentials: Bool, isLoopback: Bool) -> StartTLSDecision {
        switch security {
        case .implicitTLS:
            return .alreadySecure
        case .none:
            return isLoopback ? .proceedInClear : .refuse
        case .startTLS:
            if serverOffersStartTLS { return .upgrade }
            return hasCredentials && !isLoopback ? .refuse : .proceedInClear
        }
    }

    /// The SNI / certificate host name: `nil` for IP addresses (NIOSSL then checks the
    /// certificate against the peer's IP address).
    static func sniHostname(_ host: String) -> String? {
        if host.contains(":") { return nil }
        if host.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || $0 == "." }) { return nil }
        return host.hasSuffix(".") ? String(host.dropLast()) : host
    }

    static func plainAuthPayload(_ credentials: SMTPURL.Credentials) -> String {
        Data([0] + Array(credentials.username.utf8) + [0] + Array(credentials.password.utf8)).base64EncodedString()
    }

    /// SMTP DATA framing: a "." at the start of a line is doubled, and the message ends with
    /// CRLF "." CRLF.
    static func dotStuffed(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 64 + 5)
        var atLineStart = true
        for byte in bytes {
            if atLineStart, byte == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !out.isEmpty, !(out.count >= 2 && out[out.count - 2] == UInt8(ascii: "\r") && out[out.count - 1] == UInt8(ascii: "\n")) {
            out += [UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        }
        out += [UInt8(ascii: "."), UInt8(ascii: "\r"), UInt8(ascii: "\n")]
        return out
    }

    static func validate(_ message: MailMessage) throws {
        guard message.from.isValid else { throw SMTPError.invalidMessage("the sender address is not valid") }
        guard !message.to.isEmpty else { throw SMTPError.invalidMessage("the message has no recipient") }
        for recipient in message.to where !recipient.isValid {
            throw SMTPError.invalidMessage("the recipient address \(recipient.email.debugDescription) is not valid")
        }
    }

    /// Turns any error thrown during the conversation into an `SMTPError`.
    static func map(_ error: any Error, stage: String) -> SMTPError {
        switch error {
        case let error as SMTPError:
            return error
        case is NIOSSLError, is BoringSSLError, is NIOSSLExtraError:
            return .tlsFailure(stage: stage, reason: String(describing: error))
        case let error as ChannelError:
            switch error {
            case .ioOnClosedChannel, .alreadyClosed, .eof, .outputClosed, .inputClosed:
                return .connectionClosed(stage: stage)
            default:
                return .networkError(stage: stage, reason: String(describing: error))
            }
        case is CancellationError:
            return .networkError(stage: stage, reason: "cancelled")
        default:
            return .networkError(stage: stage, reason: String(describing: error))
        }
    }
}

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
private struct SMTPSession: Sendable {
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

// MARK: - Channel handler

/// One SMTP reply: a three-digit code and its text lines (one per `250-...`/`250 ...` line).
struct SMTPReply: Sendable, Equatable {
    var code: Int
    var lines: [String]
}

/// Line-based decoder for SMTP replies: splits the input into CRLF (or bare LF) terminated lines
/// and assembles multi-line replies (`250-first`, `250-second`, `250 last`).
struct SMTPReplyDecoder {
    static let maxLineLength = 4096
    static let maxLinesPerReply = 1000

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// Whether bytes or a partial reply are waiting.
    var hasBufferedInput: Bool { readIndex < buffer.count || pendingCode != nil }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        if readIndex > 0, readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex > 8192 {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next complete reply, or `nil` if more input is needed.
    mutating func next() throws(SMTPError) -> SMTPReply? {
        while true {
            guard let newline = buffer[readIndex...].firstIndex(of: UInt8(ascii: "\n")) else {
                if buffer.count - readIndex > Self.maxLineLength {
                    throw .protocolViolation(stage: "reply", reason: "reply line longer than \(Self.maxLineLength) bytes")
                }
                return nil
            }
            var lineEnd = newline
            if lineEnd > readIndex, buffer[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            let line = buffer[readIndex..<lineEnd]
            readIndex = newline + 1
            guard line.count <= Self.maxLineLength else {
                throw .protocolViolation(stage: "reply", reason: "reply line longer than \(Self.maxLineLength) bytes")
            }

            guard line.count >= 3,
                  let d0 = Self.digit(line[line.startIndex]), let d1 = Self.digit(line[line.startIndex + 1]), let d2 = Self.digit(line[line.startIndex + 2]),
                  (2...5).contains(d0)
            else {
                throw .protocolViolation(stage: "reply", reason: "malformed reply line")
            }
            let code = d0 * 100 + d1 * 10 + d2
            var isLast = true
            var text = ""
            if line.count > 3 {
                let separator = line[line.startIndex + 3]
                guard separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
                    throw .protocolViolation(stage: "reply", reason: "malformed reply line")
                }
                isLast = separator == UInt8(ascii: " ")
                text = String(decoding: line[(line.startIndex + 4)...], as: UTF8.self)
            }
            if let pendingCode, pendingCode != code {
                throw .protocolViolation(stage: "reply", reason: "multi-line reply with mixed codes \(pendingCode) and \(code)")
            }
            pendingLines.append(text)
            guard pendingLines.count <= Self.maxLinesPerReply else {
                throw .protocolViolation(stage: "reply", reason: "reply longer than \(Self.maxLinesPerReply) lines")
            }
            if isLast {
                let reply = SMTPReply(code: code, lines: pendingLines)
                pendingCode = nil
                pendingLines = []
                return reply
            }
            pendingCode = code
        }
    }

    private static func digit(_ byte: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? Int(byte - UInt8(ascii: "0")) : nil
    }
}

/// Turns the byte stream into `SMTPReply`s and hands them, one at a time, to whoever waits in
/// `nextReply`. Replies that arrive before anyone waits are queued; once the connection failed
/// or closed, every wait fails. A wait that outlasts its timeout fails and closes the channel.
/// Used only on the channel's event loop.
final class SMTPClientHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Waiter {
        var promise: EventLoopPromise<SMTPReply>
        var stage: String
        var timeout: Scheduled<Void>?
    }

    private var decoder = SMTPReplyDecoder()
    private var replies: CircularBuffer<SMTPReply> = []
    /// The first error seen (TLS, network, timeout, close); every later wait fails with it.
    private(set) var failure: (any Error)?
    private var waiter: Waiter?
    private var context: ChannelHandlerContext?
    private var eventLoop: (any EventLoop)?

    /// Bytes or replies received but not yet consumed.
    var hasBufferedInput: Bool { decoder.hasBufferedInput || !replies.isEmpty }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        self.eventLoop = context.eventLoop
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        fail(SMTPError.connectionClosed(stage: "handler removed"))
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard failure == nil else { return }
        decoder.append(buffer.readableBytesView)
        do {
            while let reply = try decoder.next() {
                deliver(reply)
            }
        } catch {
            fail(error)
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ChannelError.eof)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func write(_ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context else {
            return failedFuture(ChannelError.ioOnClosedChannel)
        }
        return context.writeAndFlush(wrapOutboundOut(buffer))
    }

    func nextReply(stage: String, timeout: TimeAmount) -> EventLoopFuture<SMTPReply> {
        // Replies received before a close are still delivered (e.g. "421 shutting down").
        if let reply = replies.popFirst() {
            return succeededFuture(reply)
        }
        if let failure {
            return failedFuture(failure)
        }
        guard let context else {
            return failedFuture(ChannelError.ioOnClosedChannel)
        }
        precondition(waiter == nil, "SMTPClientHandler: one reply at a time")
        let promise = context.eventLoop.makePromise(of: SMTPReply.self)
        let scheduled = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [weak self] () -> Void in
            self?.timedOut()
        }
        waiter = Waiter(promise: promise, stage: stage, timeout: scheduled)
        return promise.futureResult
    }

    private func failedFuture<T>(_ error: any Error) -> EventLoopFuture<T> {
        guard let eventLoop else { preconditionFailure("SMTPClientHandler used before it was added to a pipeline") }
        return eventLoop.makeFailedFuture(error)
    }

    private func succeededFuture<T: Sendable>(_ value: T) -> EventLoopFuture<T> {
        guard let eventLoop else { preconditionFailure("SMTPClientHandler used before it was added to a pipeline") }
        return eventLoop.makeSucceededFuture(value)
    }

    private func deliver(_ reply: SMTPReply) {
        if let waiter {
            self.waiter = nil
            waiter.timeout?.cancel()
            waiter.promise.succeed(reply)
        } else {
            replies.append(reply)
        }
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
        if let waiter {
            self.waiter = nil
            waiter.timeout?.cancel()
            waiter.promise.fail(failure ?? error)
        }
    }

    private func timedOut() {
        guard let waiter else { return }
        let error = SMTPError.timeout(stage: waiter.stage)
        fail(error)
        context?.close(promise: nil)
    }
}
