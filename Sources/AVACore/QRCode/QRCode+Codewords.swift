// From bytes to the final codeword sequence: the byte mode segment with terminator and pad codewords
// (ISO/IEC 18004 7.4), Reed–Solomon error correction per block (7.5) and interleaving (7.6).

extension QRCode {
    /// The data codewords: mode indicator 0100, character count, the bytes, terminator, then 0xEC 0x11 padding.
    static func dataCodewords(_ bytes: [UInt8], version: Int, errorCorrection: ErrorCorrection) -> [UInt8] {
        let capacity = dataCodewordCount(version: version, errorCorrection: errorCorrection)
        var bits = BitWriter()
        bits.append(0b0100, count: 4)
        bits.append(bytes.count, count: characterCountBits(version: version))
        for byte in bytes { bits.append(Int(byte), count: 8) }
        precondition(bits.count <= capacity * 8, "the caller checked the capacity")
        bits.append(0, count: min(4, capacity * 8 - bits.count))  // terminator, shorter when the symbol is full
        bits.append(0, count: (8 - bits.count % 8) % 8)           // to a codeword boundary
        var codewords = bits.bytes
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits the data codewords into blocks (the short blocks first, then those one codeword longer),
    /// appends each block's error correction codewords, and interleaves: the data codewords column by
    /// column across blocks, then the error correction codewords likewise.
    static func interleavedCodewords(_ data: [UInt8], version: Int, errorCorrection: ErrorCorrection) -> [UInt8] {
        let level = errorCorrection.tableIndex
        let blockCount = errorCorrectionBlocks[level][version]
        let eccLength = eccCodewordsPerBlock[level][version]
        let total = totalCodewordCount(version: version)
        let shortBlockCount = blockCount - total % blockCount
        let shortDataLength = total / blockCount - eccLength
        precondition(data.count == total - blockCount * eccLength)

        let generator = ReedSolomon.generator(degree: eccLength)
        var dataBlocks: [ArraySlice<UInt8>] = []
        var eccBlocks: [[UInt8]] = []
        var start = 0
        for index in 0..<blockCount {
            let length = shortDataLength + (index < shortBlockCount ? 0 : 1)
            let block = data[start..<(start + length)]
            start += length
            dataBlocks.append(block)
            eccBlocks.append(ReedSolomon.remainder(of: block, generator: generator))
        }

        var result: [UInt8] = []
        result.reserveCapacity(total)
        for column in 0...shortDataLength {
            for block in dataBlocks where column < block.count {
                result.append(block[block.startIndex + column])
            }
        }
        for column in 0..<eccLength {
            for block in eccBlocks { result.append(block[column]) }
        }
        precondition(result.count == total)
        return result
    }
}

/// Bits appended most significant first, read back as bytes.
struct BitWriter {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0

    mutating func append(_ value: Int, count bitCount: Int) {
        precondition(bitCount >= 0 && (bitCount == 0 || value >> bitCount == 0), "the value fits in the bits")
        for shift in stride(from: bitCount - 1, through: 0, by: -1) {
            if count % 8 == 0 { bytes.append(0) }
            if (value >> shift) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(0x80 >> (count % 8)) }
            count += 1
        }
    }
}

/// Reed–Solomon codes over GF(2⁸) with the QR Code field polynomial x⁸ + x⁴ + x³ + x² + 1 (0x11D).
enum ReedSolomon {
    /// αⁱ for i in 0..<510 (doubled so products of logarithms need no modulo).
    static let exponents: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 510)
        var value = 1
        for index in 0..<255 {
            table[index] = UInt8(value)
            table[index + 255] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 { value ^= 0x11D }
        }
        return table
    }()

    /// log_α(v) for v in 1...255 (index 0 unused).
    static let logarithms: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for index in 0..<255 { table[Int(exponents[index])] = index }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exponents[logarithms[Int(a)] + logarithms[Int(b)]]
    }

    /// The generator polynomial (x − α⁰)(x − α¹)…(x − α^(degree−1)), coefficients from the highest
    /// power down, the leading 1 included (degree + 1 coefficients).
    static func generator(degree: Int) -> [UInt8] {
        var polynomial: [UInt8] = [1]
        for power in 0..<degree {
            let root = exponents[power]
            var product = [UInt8](repeating: 0, count: polynomial.count + 1)
            for (index, coefficient) in polynomial.enumerated() {
                product[index] ^= coefficient
                product[index + 1] ^= multiply(coefficient, root)
            }
            polynomial = product
        }
        return polynomial
    }

    /// The remainder of data(x)·x^degree divided by the generator: the error correction codewords.
    static func remainder(of data: ArraySlice<UInt8>, generator: [UInt8]) -> [UInt8] {
        let degree = generator.count - 1
        var remainder = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for index in 0..<degree {
                remainder[index] ^= multiply(generator[index + 1], factor)
            }
        }
        return remainder
    }
}
