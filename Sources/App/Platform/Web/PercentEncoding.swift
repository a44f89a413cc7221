import Foundation

/// RFC 3986 percent-encoding: every byte outside the unreserved set (A–Z a–z 0–9 `-._~`) becomes `%XX`.
/// Stricter than Foundation's query encoding on purpose: `+` in a phone number or a date must survive a
/// form body or a query string, and non-ASCII text (French, Hebrew) is always encoded as UTF-8.
func percentEncodeUnreserved(_ value: String) -> String {
    var encoded = ""
    for byte in value.utf8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            encoded.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            encoded += String(format: "%%%02X", byte)
        }
    }
    return encoded
}
