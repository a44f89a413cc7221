import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

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
