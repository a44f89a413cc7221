// Per-version constants of ISO/IEC 18004 (model 2): codeword counts, error correction block
// structure (Table 9), alignment pattern positions (Annex E) and format information bits (Table 12).

extension QRCode.ErrorCorrection {
    /// The two error correction level bits of the format information: L 01, M 00, Q 11, H 10.
    var formatBits: Int {
        switch self {
        case .low: return 0b01
        case .medium: return 0b00
        case .quartile: return 0b11
        case .high: return 0b10
        }
    }

    var tableIndex: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .quartile: return 2
        case .high: return 3
        }
    }
}

extension QRCode {
    /// Error correction codewords in each block, by level (L, M, Q, H) then version (index 0 unused).
    static let eccCodewordsPerBlock: [[Int]] = [
        // 1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  20  21  22  23  24  25  26  27  28  29  30  31  32  33  34  35  36  37  38  39  40
        [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
        [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
        [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    ]

    /// Error correction blocks, by level (L, M, Q, H) then version (index 0 unused).
    static let errorCorrectionBlocks: [[Int]] = [
        // 1  2  3  4  5  6  7  8  9 10  11  12  13  14  15  16  17  18  19  20  21  22  23  24  25  26  27  28  29  30  31  32  33  34  35  36  37  38  39  40
        [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
        [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
        [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
        [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
    ]

    /// Modules left for codewords once the function patterns and format/version information are drawn
    /// (version 1: 208, version 40: 29 648); remainder bits included.
    static func rawDataModuleCount(version: Int) -> Int {
        let size = 17 + 4 * version
        var count = size * size
        count -= 3 * 64                      // finder patterns with their separators
        count -= 2 * (size - 16)             // timing patterns between them
        count -= 31                          // two copies of the format information and the dark module
        let alignments = alignmentPatternCenters(version: version).count
        if alignments > 0 {
            let total = alignments * alignments - 3
            count -= 25 * total
            count += 2 * 5 * (alignments - 2)  // alignment modules that lie on the timing patterns, not counted twice
        }
        if version >= 7 { count -= 2 * 18 }  // two copies of the version information
        return count
    }

    /// All codewords of the symbol, data and error correction (version 1: 26, version 40: 3 706).
    static func totalCodewordCount(version: Int) -> Int {
        rawDataModuleCount(version: version) / 8
    }

    static func dataCodewordCount(version: Int, errorCorrection: ErrorCorrection) -> Int {
        let level = errorCorrection.tableIndex
        return totalCodewordCount(version: version)
            - eccCodewordsPerBlock[level][version] * errorCorrectionBlocks[level][version]
    }

    /// Bits of the character count indicator of a byte mode segment.
    static func characterCountBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// Row/column coordinates of alignment pattern centres (Annex E): 6, the last at size - 7,
    /// and evenly spaced between them with an even step, the first gap taking the remainder.
    static func alignmentPatternCenters(version: Int) -> [Int] {
        guard version > 1 else { return [] }
        let count = version / 7 + 2
        let last = 4 * version + 10
        let step = version == 32 ? 26 : (4 * version + 2 * count + 1) / (2 * count - 2) * 2
        var centers = [6]
        for index in stride(from: count - 2, through: 0, by: -1) {
            centers.append(last - index * step)
        }
        return centers
    }
}
