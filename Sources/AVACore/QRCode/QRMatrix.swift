// The module grid of a QR Code symbol: function patterns (ISO/IEC 18004 6.3), codeword placement (7.7.3),
// data masking (7.8), format information (7.9) and version information (7.10).

/// A symbol under construction. Coordinates are (x: column, y: row) from the top left.
struct QRMatrix {
    let version: Int
    let size: Int
    /// Row-major, true for dark.
    private(set) var modules: [Bool]
    /// Modules of the function patterns and format/version information, which masking and placement skip.
    private var isFunction: [Bool]

    init(version: Int) {
        self.version = version
        self.size = 17 + 4 * version
        self.modules = Array(repeating: false, count: size * size)
        self.isFunction = Array(repeating: false, count: size * size)
    }

    /// A finished symbol's modules, to score it.
    init(version: Int, modules: [Bool]) {
        self.init(version: version)
        precondition(modules.count == size * size)
        self.modules = modules
    }

    subscript(x: Int, y: Int) -> Bool {
        modules[y * size + x]
    }

    private mutating func setFunction(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    // MARK: Function patterns

    /// Finder patterns with separators, timing patterns, alignment patterns, the dark module, and
    /// placeholders for the format information (drawn for real after masking) and the version information.
    mutating func drawFunctionPatterns() {
        for index in 0..<size {
            setFunction(x: 6, y: index, dark: index % 2 == 0)
            setFunction(x: index, y: 6, dark: index % 2 == 0)
        }
        drawFinderPattern(centerX: 3, centerY: 3)
        drawFinderPattern(centerX: size - 4, centerY: 3)
        drawFinderPattern(centerX: 3, centerY: size - 4)

        let centers = QRCode.alignmentPatternCenters(version: version)
        let last = centers.count - 1
        for (i, x) in centers.enumerated() {
            for (j, y) in centers.enumerated() {
                // Not where they would overlap the three finder patterns.
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                drawAlignmentPattern(centerX: x, centerY: y)
            }
        }

        drawFormatInformation(errorCorrection: .medium, mask: 0)  // reserves the area; redrawn later
        drawVersionInformation()
    }

    /// A 7×7 finder pattern and its light separator (clipped at the symbol's edges).
    private mutating func drawFinderPattern(centerX: Int, centerY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centerX + dx, y = centerY + dy
                guard x >= 0, x < size, y >= 0, y < size else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
            }
        }
    }

    /// A 5×5 alignment pattern: dark ring, light ring, dark centre.
    private mutating func drawAlignmentPattern(centerX: Int, centerY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunction(x: centerX + dx, y: centerY + dy, dark: max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// The 15-bit format information (level and mask, BCH(15,5) code, XOR 0x5412), twice,
    /// and the dark module at (8, size − 8).
    mutating func drawFormatInformation(errorCorrection: QRCode.ErrorCorrection, mask: Int) {
        let data = errorCorrection.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }

        // Around the top-left finder: bits 0–7 down column 8 (skipping the timing row), 8–14 along row 8 leftwards.
        for index in 0...5 { setFunction(x: 8, y: index, dark: bit(index)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for index in 9..<15 { setFunction(x: 14 - index, y: 8, dark: bit(index)) }

        // Split between the other two finders: bits 0–7 along row 8 from the right, 8–14 down column 8.
        for index in 0..<8 { setFunction(x: size - 1 - index, y: 8, dark: bit(index)) }
        for index in 8..<15 { setFunction(x: 8, y: size - 15 + index, dark: bit(index)) }
        setFunction(x: 8, y: size - 8, dark: true)
    }

    /// From version 7: the 18-bit version information (6 bits, BCH(18,6) code), as 6×3 blocks
    /// left of the top-right finder and 3×6 blocks above the bottom-left one.
    private mutating func drawVersionInformation() {
        guard version >= 7 else { return }
        var remainder = version
        for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
        let bits = version << 12 | remainder
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let a = size - 11 + index % 3, b = index / 3
            setFunction(x: a, y: b, dark: dark)
            setFunction(x: b, y: a, dark: dark)
        }
    }

    // MARK: Data

    /// Places the codewords' bits, most significant first, in two-module-wide columns from the bottom
    /// right, zigzagging up and down and skipping function modules and the vertical timing pattern.
    /// Modules left over (the remainder bits) stay light before masking.
    mutating func drawCodewords(_ codewords: [UInt8]) {
        let bitCount = codewords.count * 8
        var index = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vertical in 0..<size {
                let y = upward ? size - 1 - vertical : vertical
                for x in [right, right - 1] where !isFunction[y * size + x] && index < bitCount {
                    modules[y * size + x] = (codewords[index >> 3] >> (7 - (index & 7))) & 1 == 1
                    index += 1
                }
            }
            right -= 2
        }
        precondition(index == bitCount, "every codeword bit has a module")
    }

    /// XORs the data mask pattern `mask` (0...7) over every non-function module; applying it twice undoes it.
    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && Self.maskInverts(mask, x: x, y: y) {
                modules[y * size + x].toggle()
            }
        }
    }

    /// The eight mask conditions of Table 10, with i the row and j the column.
    static func maskInverts(_ mask: Int, x j: Int, y i: Int) -> Bool {
        switch mask {
        case 0: return (i + j) % 2 == 0
        case 1: return i % 2 == 0
        case 2: return j % 3 == 0
        case 3: return (i + j) % 3 == 0
        case 4: return (i / 2 + j / 3) % 2 == 0
        case 5: return (i * j) % 2 + (i * j) % 3 == 0
        case 6: return ((i * j) % 2 + (i * j) % 3) % 2 == 0
        case 7: return ((i + j) % 2 + (i * j) % 3) % 2 == 0
        default: preconditionFailure("a QR code mask is 0...7")
        }
    }
}
