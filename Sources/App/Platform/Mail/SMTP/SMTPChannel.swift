import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL

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
