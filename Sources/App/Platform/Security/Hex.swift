import Crypto

extension Sequence where Element == UInt8 {
    /// Lower-case hexadecimal. Written out by hand because `String(format: "%02x")` per byte went through
    /// Foundation's formatter and was 6% of the webhook's CPU time, where every event is hashed.
    var lowerHex: String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
