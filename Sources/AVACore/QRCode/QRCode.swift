/// A QR Code symbol (ISO/IEC 18004, model 2) holding text in byte mode, for showing links such as
/// `otpauth://` URLs on a page. All 40 versions and the four error correction levels are supported;
/// the smallest version that holds the text is chosen, and the mask with the lowest penalty score.
///
/// ```swift
/// let code = try QRCode("otpauth://totp/AVA:ada@example.com?secret=…")
/// let svg = code.svg(title: "QR code to scan with your authenticator app")
/// ```
public struct QRCode: Sendable {
    /// How much of the symbol can be damaged and still read: about 7 %, 15 %, 25 % and 30 %.
    public enum ErrorCorrection: Sendable, CaseIterable {
        case low, medium, quartile, high
    }

    public enum EncodingError: Error, Equatable, CustomStringConvertible {
        /// The UTF-8 text is longer than version 40 holds at this error correction level.
        case dataTooLong(byteCount: Int, maximum: Int)

        public var description: String {
            switch self {
            case .dataTooLong(let byteCount, let maximum):
                return "QR code: \(byteCount) bytes do not fit (at most \(maximum) at this error correction level)"
            }
        }
    }

    /// The versions a model 2 QR Code symbol has: version v is 17 + 4v modules wide.
    public static let versions = 1...40

    /// Modules per side (21 for version 1 … 177 for version 40), without the quiet zone.
    public let size: Int
    /// The symbol version, 1...40.
    public let version: Int
    public let errorCorrection: ErrorCorrection
    /// The data mask pattern reference, 0...7.
    public let mask: Int
    /// Row-major: `modules[y * size + x]` is true for a dark module.
    private let modules: [Bool]

    /// Encodes `text` as UTF-8 bytes in a single byte mode segment, in the smallest version that holds it.
    public init(_ text: String, errorCorrection: ErrorCorrection = .medium) throws {
        try self.init(bytes: Array(text.utf8), errorCorrection: errorCorrection, version: nil, forcedMask: nil)
    }

    /// For tests: the same, with the mask (0...7) forced instead of chosen by penalty score.
    init(_ text: String, errorCorrection: ErrorCorrection = .medium, forcedMask: Int?) throws {
        try self.init(bytes: Array(text.utf8), errorCorrection: errorCorrection, version: nil, forcedMask: forcedMask)
    }

    /// For tests: any bytes, and optionally a forced version (which must hold them) and mask.
    init(bytes: [UInt8], errorCorrection: ErrorCorrection, version forcedVersion: Int?, forcedMask: Int?) throws {
        precondition(forcedMask.map { (0...7).contains($0) } ?? true, "a QR code mask is 0...7")
        let version: Int
        if let forcedVersion {
            precondition(Self.versions.contains(forcedVersion), "a QR code version is 1...40")
            guard bytes.count <= Self.byteCapacity(version: forcedVersion, errorCorrection: errorCorrection) else {
                throw EncodingError.dataTooLong(byteCount: bytes.count,
                                                maximum: Self.byteCapacity(version: forcedVersion, errorCorrection: errorCorrection))
            }
            version = forcedVersion
        } else {
            guard let smallest = Self.versions.first(where: { bytes.count <= Self.byteCapacity(version: $0, errorCorrection: errorCorrection) }) else {
                throw EncodingError.dataTooLong(byteCount: bytes.count, maximum: Self.byteCapacity(version: 40, errorCorrection: errorCorrection))
            }
            version = smallest
        }

        let data = Self.dataCodewords(bytes, version: version, errorCorrection: errorCorrection)
        let codewords = Self.interleavedCodewords(data, version: version, errorCorrection: errorCorrection)

        var matrix = QRMatrix(version: version)
        matrix.drawFunctionPatterns()
        matrix.drawCodewords(codewords)
        let chosenMask: Int
        if let forcedMask {
            chosenMask = forcedMask
        } else {
            // The mask whose finished symbol (format information included) has the lowest penalty; the first on ties.
            var best = (mask: 0, penalty: Int.max)
            for candidate in 0..<8 {
                var trial = matrix
                trial.applyMask(candidate)
                trial.drawFormatInformation(errorCorrection: errorCorrection, mask: candidate)
                let penalty = trial.penaltyScore()
                if penalty < best.penalty { best = (candidate, penalty) }
            }
            chosenMask = best.mask
        }
        matrix.applyMask(chosenMask)
        matrix.drawFormatInformation(errorCorrection: errorCorrection, mask: chosenMask)

        self.size = matrix.size
        self.version = version
        self.errorCorrection = errorCorrection
        self.mask = chosenMask
        self.modules = matrix.modules
    }

    /// Whether the module at column `x`, row `y` (from the top left, 0..<size) is dark.
    /// Coordinates outside the symbol (the quiet zone) are light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    /// The symbol's mask penalty score (ISO/IEC 18004 7.8.3), the one the mask was chosen by.
    var penaltyScore: Int {
        QRMatrix(version: version, modules: modules).penaltyScore()
    }

    /// How many bytes a byte mode segment can hold in `version` at `errorCorrection`.
    public static func byteCapacity(version: Int, errorCorrection: ErrorCorrection) -> Int {
        let bits = dataCodewordCount(version: version, errorCorrection: errorCorrection) * 8
        return (bits - 4 - characterCountBits(version: version)) / 8
    }
}
