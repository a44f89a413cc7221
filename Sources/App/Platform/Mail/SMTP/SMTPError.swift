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
