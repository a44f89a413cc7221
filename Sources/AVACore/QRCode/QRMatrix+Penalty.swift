// Evaluation of masking results (ISO/IEC 18004 7.8.3, Table 11): the encoder keeps the mask whose
// symbol scores lowest.

extension QRMatrix {
    /// N1 = 3, N2 = 3, N3 = 40, N4 = 10.
    private static let runPenalty = 3, blockPenalty = 3, finderLikePenalty = 40, balancePenalty = 10

    /// The penalty score of the symbol as it stands (masked, format information drawn).
    func penaltyScore() -> Int {
        var score = 0
        var column = [Bool](repeating: false, count: size)
        for line in 0..<size {
            let row = Array(modules[(line * size)..<((line + 1) * size)])
            for y in 0..<size { column[y] = modules[y * size + line] }
            score += Self.runScore(row) + Self.runScore(column)
            score += Self.finderLikeScore(row) + Self.finderLikeScore(column)
        }

        // Rule 2: every 2×2 block of one colour (a larger m×n block scores as its (m−1)(n−1) 2×2 blocks).
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let color = self[x, y]
                if self[x + 1, y] == color && self[x, y + 1] == color && self[x + 1, y + 1] == color {
                    score += Self.blockPenalty
                }
            }
        }

        // Rule 4: 10 points for each full 5 % the dark proportion is away from 50 %.
        let dark = modules.reduce(0) { $0 + ($1 ? 1 : 0) }
        let total = size * size
        score += abs(dark * 2 - total) * 10 / total * Self.balancePenalty
        return score
    }

    /// Rule 1: each run of 5 + i modules of one colour in a row or column scores 3 + i.
    static func runScore(_ line: [Bool]) -> Int {
        var score = 0
        var runLength = 0
        var previous: Bool?
        for module in line {
            if module == previous {
                runLength += 1
            } else {
                if runLength >= 5 { score += runPenalty + runLength - 5 }
                previous = module
                runLength = 1
            }
        }
        if runLength >= 5 { score += runPenalty + runLength - 5 }
        return score
    }

    /// Rule 3: each dark-light-dark×3-light-dark (1:1:3:1:1) pattern with four light modules before it,
    /// and each with four light modules after it, in a row or column. The quiet zone counts as light.
    static func finderLikeScore(_ line: [Bool]) -> Int {
        let core: [Bool] = [true, false, true, true, true, false, true]
        let light = [Bool](repeating: false, count: 4)
        let padded = light + line + light
        var score = 0
        for start in 4..<(padded.count - 4 - core.count + 1) where padded[start..<(start + 7)].elementsEqual(core) {
            if padded[(start - 4)..<start].allSatisfy({ !$0 }) { score += finderLikePenalty }
            if padded[(start + 7)..<(start + 11)].allSatisfy({ !$0 }) { score += finderLikePenalty }
        }
        return score
    }
}
