import Foundation

/// The seed's random numbers: SplitMix64, tiny and fast, and the same sequence for the same `--seed` on every
/// machine (Swift's `SystemRandomNumberGenerator` cannot be seeded), so a dataset can be rebuilt exactly.
struct SeedRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 0xD1B5_4A32_D192_ED03 }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A child generator for one organisation: its data does not depend on how many numbers others drew.
    mutating func split() -> SeedRandom { SeedRandom(seed: next()) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }
    mutating func chance(_ probability: Double) -> Bool { unit() < probability }
    mutating func pick<T>(_ values: [T]) -> T { values[int(0..<values.count)] }

    /// A version-4 UUID made of this generator's bits (deterministic, unlike `UUID()`).
    mutating func uuid() -> UUID {
        let a = next(), b = next()
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: a >> (8 * UInt64(i))) }
        for i in 0..<8 { bytes[8 + i] = UInt8(truncatingIfNeeded: b >> (8 * UInt64(i))) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// An index into a list whose first entries are much more frequent (Zipf-like, exponent about 1): a few words
    /// appear in many transcripts and most in few, as in real speech, so searches have both kinds of answers.
    mutating func zipf(_ count: Int) -> Int {
        // Inverse of the continuous 1/x law on [1, count + 1).
        let x = exp(unit() * log(Double(count) + 1))
        return min(count - 1, max(0, Int(x) - 1))
    }

    /// A positive value around `median`, spread like call durations (log-normal).
    mutating func logNormal(median: Double, sigma: Double) -> Double {
        let u1 = max(unit(), 1e-12), u2 = unit()
        let normal = sqrt(-2 * log(u1)) * cos(2 * .pi * u2)
        return median * exp(sigma * normal)
    }

    /// An index drawn with the given cumulative weights (ascending, last = total).
    mutating func weighted(cumulative: [Double]) -> Int {
        let target = unit() * (cumulative.last ?? 0)
        var low = 0, high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
