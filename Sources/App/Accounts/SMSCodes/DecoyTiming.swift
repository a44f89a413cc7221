import Foundation

/// Makes a request for a number no account has take about as long as one that reaches Twilio, so the
/// answer's timing does not tell whether the number belongs to someone.
///
/// Real Twilio calls are timed (a moving average per operation, in this process); a decoy waits that
/// long, give or take a fifth. Until a real call has been made there is nothing to imitate, and a
/// decoy waits a typical Twilio round trip.
actor DecoyTiming {
    static let shared = DecoyTiming()
    static let typical: Double = 0.35

    private var averages: [String: Double] = [:]

    /// Runs `work` (a real Twilio call) and remembers how long it took.
    nonisolated func measure<T: Sendable>(_ operation: String, _ work: () async throws -> T) async rethrows -> T {
        let start = ContinuousClock.now
        defer {
            let elapsed = start.duration(to: .now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            Task { await self.record(operation, seconds) }
        }
        return try await work()
    }

    /// Waits as long as `operation` usually takes.
    nonisolated func imitate(_ operation: String) async {
        let average = await averages[operation] ?? Self.typical
        let seconds = min(average, 5) * Double.random(in: 0.8...1.2)
        try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
    }

    /// The moving average of `operation`, in seconds, once a real call has been timed.
    func average(_ operation: String) -> Double? { averages[operation] }

    private func record(_ operation: String, _ seconds: Double) {
        averages[operation] = averages[operation].map { $0 * 0.8 + seconds * 0.2 } ?? seconds
    }
}
