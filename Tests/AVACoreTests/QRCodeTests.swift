@testable import AVACore
import Foundation
import Testing

@Suite("QR codes")
struct QRCodeTests {
    static let otpauthURL = "otpauth://totp/AVA:ada.lovelace%40example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=AVA&algorithm=SHA1&digits=6&period=30"
    static let hebrew = "שלום! קוד האימות של AVA — אימות דו־שלבי 🔐"
    static let long300 = String((0..<300).map { index in
        Array("The quick brown fox jumps over the lazy dog 0123456789/?&=%#")[(index * 7) % 60]
    })

    // MARK: Spec values

    @Test func byteCapacitiesMatchTheStandardsTable() {
        let expected: [(Int, QRCode.ErrorCorrection, Int)] = [
            (1, .low, 17), (1, .medium, 14), (1, .quartile, 11), (1, .high, 7),
            (6, .medium, 106), (7, .medium, 122), (8, .medium, 152), (9, .low, 230), (10, .medium, 213),
            (20, .quartile, 482), (27, .high, 625), (40, .low, 2953), (40, .medium, 2331), (40, .quartile, 1663), (40, .high, 1273),
        ]
        for (version, level, bytes) in expected {
            #expect(QRCode.byteCapacity(version: version, errorCorrection: level) == bytes, "version \(version) \(level)")
        }
        #expect(QRCode.totalCodewordCount(version: 1) == 26)
        #expect(QRCode.totalCodewordCount(version: 7) == 196)
        #expect(QRCode.totalCodewordCount(version: 40) == 3706)
        #expect(QRCode.alignmentPatternCenters(version: 2) == [6, 18])
        #expect(QRCode.alignmentPatternCenters(version: 32) == [6, 34, 60, 86, 112, 138])
        #expect(QRCode.alignmentPatternCenters(version: 40) == [6, 30, 58, 86, 114, 142, 170])
    }

    @Test func smallestVersionThatHoldsTheTextIsChosen() throws {
        #expect(try QRCode(String(repeating: "a", count: 14)).version == 1)
        #expect(try QRCode(String(repeating: "a", count: 15)).version == 2)
        #expect(try QRCode(String(repeating: "a", count: 17), errorCorrection: .low).size == 21)
        #expect(try QRCode(String(repeating: "é", count: 9), errorCorrection: .low).version == 2)  // 18 UTF-8 bytes
        #expect(try QRCode(String(repeating: "a", count: 2331)).version == 40)
        #expect(try QRCode(String(repeating: "a", count: 2331)).size == 177)
        #expect(throws: QRCode.EncodingError.dataTooLong(byteCount: 2332, maximum: 2331)) {
            try QRCode(String(repeating: "a", count: 2332))
        }
        #expect(throws: QRCode.EncodingError.dataTooLong(byteCount: 1274, maximum: 1273)) {
            try QRCode(String(repeating: "a", count: 1274), errorCorrection: .high)
        }
        let otpauth = try QRCode(Self.otpauthURL)
        #expect((6...8).contains(otpauth.version))
    }

    /// ISO/IEC 18004 Annex I: "01234567" as version 1-M has these data and error correction codewords.
    @Test func reedSolomonMatchesTheStandardsExample() {
        let data: [UInt8] = [0x10, 0x20, 0x0C, 0x56, 0x61, 0x80, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11]
        let ecc = ReedSolomon.remainder(of: data[...], generator: ReedSolomon.generator(degree: 10))
        #expect(ecc == [0xA5, 0x24, 0xD4, 0xC1, 0xED, 0x36, 0xC7, 0x87, 0x2C, 0x55])
        // Generator for 7 codewords, as logarithms: α0 α87 α229 α146 α149 α238 α102 α21.
        #expect(ReedSolomon.generator(degree: 7).map { ReedSolomon.logarithms[Int($0)] } == [0, 87, 229, 146, 149, 238, 102, 21])
    }

    @Test func paddingAlternatesEC11AfterTheTerminator() {
        let codewords = QRCode.dataCodewords(Array("AVA".utf8), version: 1, errorCorrection: .medium)
        // 0100 00000011 01000001 01010110 01000001 0000 -> 40 03 41 56 41 00, then EC 11 … to 16 codewords.
        #expect(codewords == [0x40, 0x34, 0x15, 0x64, 0x10, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC, 0x11, 0xEC])
        let full = QRCode.dataCodewords(Array(repeating: 0x61, count: 14), version: 1, errorCorrection: .medium)
        #expect(full.count == 16 && full.last == 0x10)  // 4 + 8 + 112 bits leave 4: the terminator, no pad
    }

    @Test func formatAndVersionInformationAreInTheirPlaces() throws {
        // Level M, mask 5: data 00101 -> 100000011001110 after the BCH code and the 0x5412 mask (Annex C).
        // Bit 0 (least significant) is at (8, 0), bits 6–7 skip the timing pattern, bits 8–14 run left on row 8.
        let code = try QRCode(bytes: Array("format".utf8), errorCorrection: .medium, version: 1, forcedMask: 5)
        let topLeft = [0, 1, 2, 3, 4, 5, 7, 8].map { code.isDark(x: 8, y: $0) } + [7, 5, 4, 3, 2, 1, 0].map { code.isDark(x: $0, y: 8) }
        let bits = topLeft.enumerated().reduce(0) { $0 | ($1.element ? 1 << $1.offset : 0) }
        #expect(bits == 0b100000011001110)
        #expect(code.isDark(x: 8, y: code.size - 8))
        // Version 7 information: 000111 110010 010100 (Table D.1), least significant bit at (0, size - 11).
        let v7 = try QRCode(bytes: [], errorCorrection: .low, version: 7, forcedMask: 0)
        var versionBits = 0
        for index in 0..<18 where v7.isDark(x: index / 3, y: v7.size - 11 + index % 3) { versionBits |= 1 << index }
        #expect(versionBits == 0b000111_110010_010100)
    }

    @Test func penaltyRules() {
        #expect(QRMatrix.runScore([true, true, true, true, false]) == 0)
        #expect(QRMatrix.runScore([false, false, false, false, false]) == 3)
        #expect(QRMatrix.runScore([true] + Array(repeating: false, count: 7) + [true]) == 5)
        let finder = [true, false, true, true, true, false, true]
        #expect(QRMatrix.finderLikeScore(finder) == 80)  // light quiet zone on both sides
        #expect(QRMatrix.finderLikeScore([true, true, true, true] + finder + [true]) == 0)
        #expect(QRMatrix.finderLikeScore([true, true, true, true] + finder + [false, false, false, false, true]) == 40)
    }

    /// The encoder scores each mask's finished symbol as an independent, string-based implementation
    /// of the four rules does, and keeps the lowest (the first on ties).
    @Test(arguments: [otpauthURL, hebrew, long300, "AVA"])
    func maskWithTheLowestPenaltyIsChosen(text: String) throws {
        let code = try QRCode(text)
        let codes = try (0..<8).map { try QRCode(text, forcedMask: $0) }
        let penalties = codes.map(Self.penalty(of:))
        #expect(codes.map(\.penaltyScore) == penalties)
        #expect(penalties.firstIndex(of: penalties.min()!) == code.mask, "penalties \(penalties)")
        #expect(try QRCode(text, forcedMask: code.mask).matrixRows == code.matrixRows)
    }

    // MARK: SVG

    @Test func svgIsOnePathOfTheDarkModulesInsideAQuietZone() throws {
        let code = try QRCode(Self.otpauthURL)
        let svg = code.svg(title: "Scan <me> & \"you\" 'now'")
        let side = code.size + 8
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(side) \(side)\""))
        #expect(svg.contains("<title>Scan &lt;me&gt; &amp; &quot;you&quot; &#39;now&#39;</title>"))
        #expect(svg.contains("aria-label=\"Scan &lt;me&gt; &amp; &quot;you&quot; &#39;now&#39;\""))
        #expect(svg.contains("<rect width=\"\(side)\" height=\"\(side)\" fill=\"#ffffff\"/>"))
        #expect(svg.contains("shape-rendering=\"crispEdges\"") && svg.contains("fill=\"currentColor\""))
        #expect(svg.components(separatedBy: "<path").count == 2)
        #expect(!svg.contains("style="))
        #expect(try Self.rasterize(svg: svg) == Self.withQuietZone(code))
    }

    // MARK: Against a reference encoder (segno)

    /// Every version and level, filled to capacity with varied bytes, each mask in turn, and each version
    /// half full and with short texts: the module matrices must be identical to segno's for the same
    /// version, level and mask.
    @Test func matchesSegnoForEveryVersionLevelAndMask() async throws {
        var cases: [ReferenceCase] = []
        for version in QRCode.versions {
            for (levelIndex, level) in QRCode.ErrorCorrection.allCases.enumerated() {
                let count = QRCode.byteCapacity(version: version, errorCorrection: level)
                let bytes = (0..<count).map { UInt8(truncatingIfNeeded: ($0 &* 37 &+ version &* 11 &+ levelIndex) ^ ($0 >> 3)) }
                cases.append(ReferenceCase(bytes: bytes, level: level, version: version, mask: (version + 3 * levelIndex) % 8))
            }
            // Half full: terminator and 0xEC 0x11 pad codewords.
            let level = QRCode.ErrorCorrection.allCases[version % 4]
            let half = (0..<(QRCode.byteCapacity(version: version, errorCorrection: level) / 2)).map { UInt8(truncatingIfNeeded: $0 &* 101 &+ version) }
            cases.append(ReferenceCase(bytes: half, level: level, version: version, mask: (version * 5) % 8))
        }
        for text in ["", "A", Self.otpauthURL, Self.hebrew, Self.long300] {
            for (levelIndex, level) in QRCode.ErrorCorrection.allCases.enumerated() {
                let auto = try QRCode(text, errorCorrection: level)
                cases.append(ReferenceCase(bytes: Array(text.utf8), level: level, version: auto.version, mask: (text.count + levelIndex) % 8))
            }
        }
        let reference = try await Python.segnoMatrices(cases)
        try #require(reference.count == cases.count)
        for (item, expected) in zip(cases, reference) {
            let code = try QRCode(bytes: item.bytes, errorCorrection: item.level, version: item.version, forcedMask: item.mask)
            let rows = code.matrixRows
            guard rows != expected else { continue }
            let firstRow = zip(rows, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            Issue.record("version \(item.version) \(item.level) mask \(item.mask), \(item.bytes.count) bytes: differs from segno (first at row \(firstRow.map(String.init) ?? "size"))")
        }
    }

    // MARK: Read back by a real decoder (ZXing)

    @Test func zxingReadsTheSVGBack() async throws {
        var images: [(text: String, level: QRCode.ErrorCorrection, code: QRCode, pixels: [[Bool]])] = []
        for text in [Self.otpauthURL, Self.hebrew, Self.long300] {
            for level in QRCode.ErrorCorrection.allCases {
                let code = try QRCode(text, errorCorrection: level)
                images.append((text, level, code, try Self.rasterize(svg: code.svg(title: "QR"))))
            }
        }
        #expect(images.contains { $0.code.version >= 7 })  // version information exercised
        let decoded = try await Python.zxingDecode(images.map(\.pixels))
        try #require(decoded.count == images.count)
        for (image, result) in zip(images, decoded) {
            let label = "\(image.text.prefix(20))… \(image.level), version \(image.code.version), mask \(image.code.mask)"
            #expect(result.bytes == Array(image.text.utf8), "\(label)")
            #expect(result.text == image.text, "\(label)")
            if !result.ecLevel.isEmpty { #expect(result.ecLevel == "\(image.level)".prefix(1).uppercased(), "\(label)") }
        }
    }

    // MARK: Helpers

    /// ISO/IEC 18004 Table 11 on rows of 0/1: runs of 5 + i (3 + i), 2×2 blocks (3), 1011101 with
    /// 0000 before or after it, the quiet zone light (40 each), 10 per full 5 % of imbalance.
    static func penalty(of code: QRCode) -> Int {
        let rows = code.matrixRows
        let columns = (0..<code.size).map { x in String(rows.map { Array($0)[x] }) }
        var score = 0
        for line in rows + columns {
            score += line.matches(of: /0{5,}|1{5,}/).reduce(0) { $0 + 3 + $1.output.count - 5 }
            let padded = Array("0000" + line + "0000")
            for start in 0...(padded.count - 11) {
                let window = String(padded[start..<(start + 11)])
                if window == "00001011101" { score += 40 }
                if window == "10111010000" { score += 40 }
            }
        }
        let grid = rows.map(Array.init)
        for y in 0..<(code.size - 1) {
            for x in 0..<(code.size - 1) where Set([grid[y][x], grid[y][x + 1], grid[y + 1][x], grid[y + 1][x + 1]]).count == 1 {
                score += 3
            }
        }
        let dark = rows.joined().filter { $0 == "1" }.count
        let total = code.size * code.size
        return score + abs(dark * 100 - 50 * total) / (5 * total) * 10
    }

    /// The matrix with a 4-module light border, as rows of modules.
    static func withQuietZone(_ code: QRCode) -> [[Bool]] {
        (-4..<(code.size + 4)).map { y in (-4..<(code.size + 4)).map { x in code.isDark(x: x, y: y) } }
    }

    /// Reads the SVG back into a module grid: the viewBox side, then the path's `M x y h n v1 h -n z` runs.
    static func rasterize(svg: String) throws -> [[Bool]] {
        let viewBox = try #require(svg.firstMatch(of: /viewBox="0 0 (\d+) (\d+)"/))
        let side = try #require(Int(viewBox.1))
        #expect(Int(viewBox.2) == side)
        let pathData = try #require(svg.firstMatch(of: /<path[^>]* d="([^"]*)"/)).1
        var grid = Array(repeating: Array(repeating: false, count: side), count: side)
        var consumed = 0
        for run in pathData.matches(of: /M(\d+) (\d+)h(\d+)v1h-(\d+)z/) {
            let x = Int(run.1)!, y = Int(run.2)!, length = Int(run.3)!
            #expect(Int(run.4) == length)
            for column in x..<(x + length) {
                #expect(!grid[y][column], "modules drawn once")
                grid[y][column] = true
            }
            consumed += run.output.0.count
        }
        #expect(consumed == pathData.count, "the path is only unit-high runs")
        return grid
    }
}

extension QRCode {
    var matrixRows: [String] {
        (0..<size).map { y in String((0..<size).map { isDark(x: $0, y: y) ? "1" : "0" }) }
    }
}

struct ReferenceCase {
    var bytes: [UInt8]
    var level: QRCode.ErrorCorrection
    var version: Int
    var mask: Int
}

/// The reference tools, run with `python3` (installed with pip if missing, as scripts/test.sh does):
/// segno to encode, zxing-cpp to decode.
private enum Python {
    static func segnoMatrices(_ cases: [ReferenceCase]) async throws -> [[String]] {
        try await Installer.shared.ensure(module: "segno", pip: "segno")
        let levels: [QRCode.ErrorCorrection: String] = [.low: "L", .medium: "M", .quartile: "Q", .high: "H"]
        let input = cases.map { "\($0.version) \(levels[$0.level]!) \($0.mask) \($0.bytes.map { String(format: "%02x", $0) }.joined())" }
        // segno 1.6 adds a zero codeword before the pad codewords when the terminator ends on a codeword
        // boundary (always, in byte mode), against ISO/IEC 18004 7.4.10 (heuer/segno#148): the script
        // replaces that function with the corrected one, so that the rest of segno is the reference.
        let script = """
            import sys, segno, segno.encoder
            from segno import consts
            assert hasattr(segno.encoder, "write_padding_bits")
            def write_padding_bits(buff, version, length):
                if version not in (consts.VERSION_M1, consts.VERSION_M3):
                    buff.extend([0] * (-length % 8))
            segno.encoder.write_padding_bits = write_padding_bits
            out = []
            for line in open(sys.argv[1]).read().splitlines():
                version, error, mask, data = (line.split(" ") + [""])[:4]
                qr = segno.make_qr(bytes.fromhex(data), version=int(version), error=error, mask=int(mask),
                                   boost_error=False, mode="byte", eci=False)
                assert qr.version == int(version) and qr.error == error and qr.mask == int(mask), (qr.designator, qr.mask)
                out.append("\\n".join("".join("1" if m else "0" for m in row) for row in qr.matrix))
            sys.stdout.write("\\n\\n".join(out) + "\\n")
            """
        let output = try await run(script: script, files: [Data(input.joined(separator: "\n").utf8)])
        return output.components(separatedBy: "\n\n").map { $0.split(separator: "\n").map(String.init) }
    }

    struct Decoded { var bytes: [UInt8]; var text: String; var ecLevel: String }

    /// Decodes each image (true = dark module), drawn 4 pixels per module as a greyscale PGM.
    static func zxingDecode(_ images: [[[Bool]]]) async throws -> [Decoded] {
        try await Installer.shared.ensure(module: "zxingcpp", pip: "zxing-cpp")
        let scale = 4
        let files = images.map { grid -> Data in
            let side = grid.count * scale
            var data = Data("P5\n\(side) \(side)\n255\n".utf8)
            for row in grid {
                let line = row.flatMap { Array(repeating: UInt8($0 ? 0 : 255), count: scale) }
                for _ in 0..<scale { data.append(contentsOf: line) }
            }
            return data
        }
        let script = """
            import json, sys, zxingcpp
            for path in sys.argv[1:]:
                raw = open(path, "rb").read()
                magic, size, depth, pixels = raw.split(b"\\n", 3)
                width, height = map(int, size.split())
                try:  # numpy when there is one (older zxing-cpp releases want an array), else a buffer
                    import numpy
                    image = numpy.frombuffer(pixels, dtype=numpy.uint8).reshape(height, width)
                except ImportError:
                    image = memoryview(pixels).cast("B", (height, width))
                found = [r for r in zxingcpp.read_barcodes(image) if "QR" in str(r.format)]
                r = found[0] if len(found) == 1 else None
                raw = (getattr(r, "bytes", None) or r.text.encode("utf-8")) if r else b""
                print(json.dumps(None if r is None else {"hex": bytes(raw).hex(), "text": r.text, "ec": getattr(r, "ec_level", "")}))
            """
        let output = try await run(script: script, files: files)
        return try output.split(separator: "\n").map { line in
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8), options: .fragmentsAllowed)
            guard let result = object as? [String: String], let hex = result["hex"] else {
                return Decoded(bytes: [], text: "(not decoded)", ecLevel: "")
            }
            let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16)!
            }
            return Decoded(bytes: bytes, text: result["text"] ?? "", ecLevel: result["ec"] ?? "")
        }
    }

    /// Runs `python3 -c script file…` with `files` written to a temporary directory; returns stdout.
    static func run(script: String, files: [Data]) async throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ava-qr-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var paths: [String] = []
        for (index, contents) in files.enumerated() {
            let url = directory.appendingPathComponent("input-\(index)")
            try contents.write(to: url)
            paths.append(url.path)
        }
        let (status, stdout, stderr) = try await execute(["python3", "-c", script] + paths, in: directory)
        guard status == 0 else { throw PythonError(description: "python3 exited with \(status): \(stderr)") }
        return stdout
    }

    static func execute(_ arguments: [String], in directory: URL? = nil) async throws -> (Int32, String, String) {
        let scratch = directory ?? FileManager.default.temporaryDirectory
        let stdoutURL = scratch.appendingPathComponent("stdout-\(UUID().uuidString)")
        let stderrURL = scratch.appendingPathComponent("stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: stdoutURL)
            try? FileManager.default.removeItem(at: stderrURL)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        return (status, try String(contentsOf: stdoutURL, encoding: .utf8), (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "")
    }

    /// Installs a module with pip once per test process if python3 cannot import it
    /// (with --break-system-packages as a last resort, for a Debian-managed python3).
    actor Installer {
        static let shared = Installer()
        private var installs: [String: Task<Void, any Error>] = [:]

        func ensure(module: String, pip: String) async throws {
            let task = installs[module] ?? Task {
                if try await execute(["python3", "-c", "import \(module)"]).0 == 0 { return }
                var (status, _, stderr) = try await execute(["python3", "-m", "pip", "install", "--quiet", pip])
                if status != 0 {
                    (status, _, stderr) = try await execute(["python3", "-m", "pip", "install", "--quiet", "--break-system-packages", pip])
                }
                guard status == 0, try await execute(["python3", "-c", "import \(module)"]).0 == 0 else {
                    throw PythonError(description: "cannot install \(pip) (python3 -m pip install \(pip)): \(stderr)")
                }
            }
            installs[module] = task
            try await task.value
        }
    }

    struct PythonError: Error, CustomStringConvertible { var description: String }
}
