@testable import App
import AVACore
import Crypto
import Foundation
import Testing
import Vapor

/// The Fernet spec's own test vectors (generate.json, verify.json, invalid.json from github.com/fernet/spec),
/// tampering cases, and tokens exchanged both ways with Python's `cryptography.fernet`.
@Suite("Fernet")
struct FernetTests {
    static let specKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
    static let specToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="

    static func date(_ iso: String) -> Date { ISO8601DateFormatter().date(from: iso)! }

    // MARK: generate.json and verify.json

    @Test func specGenerateVector() throws {
        let fernet = try Fernet(key: Self.specKey)
        let token = fernet.encrypt(Data("hello".utf8), at: Self.date("1985-10-26T01:20:00-07:00"), iv: Array(0...15))
        #expect(token == Self.specToken)
        #expect(Self.date("1985-10-26T01:20:00-07:00").timeIntervalSince1970 == 499_162_800)
    }

    @Test func specVerifyVector() throws {
        let fernet = try Fernet(key: Self.specKey)
        let data = try fernet.decrypt(Self.specToken, ttl: 60, now: Self.date("1985-10-26T01:20:01-07:00"))
        #expect(String(decoding: data, as: UTF8.self) == "hello")
        // Without a ttl the age does not matter.
        #expect(try fernet.decrypt(Self.specToken) == Data("hello".utf8))
    }

    // MARK: invalid.json

    struct InvalidVector: Sendable, CustomTestStringConvertible {
        var desc: String, token: String, now: String
        var testDescription: String { desc }
    }

    static let invalidVectors: [InvalidVector] = [
        .init(desc: "incorrect mac",
              token: "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==",
              now: "1985-10-26T01:20:01-07:00"),
        .init(desc: "too short", token: "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==", now: "1985-10-26T01:20:01-07:00"),
        .init(desc: "invalid base64",
              token: "%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
              now: "1985-10-26T01:20:01-07:00"),
        .init(desc: "payload size not multiple of block size",
              token: "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm",
              now: "1985-10-26T01:20:01-07:00"),
        .init(desc: "payload padding error",
              token: "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==",
              now: "1985-10-26T01:20:01-07:00"),
        .init(desc: "far-future TS (unacceptable clock skew)",
              token: "gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==",
              now: "1985-10-26T01:20:01-07:00"),
        .init(desc: "expired TTL",
              token: "gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==",
              now: "1985-10-26T01:21:31-07:00"),
        .init(desc: "incorrect IV (causes padding error)",
              token: "gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==",
              now: "1985-10-26T01:20:01-07:00"),
    ]

    @Test(arguments: invalidVectors)
    func specInvalidVector(_ vector: InvalidVector) throws {
        let fernet = try Fernet(key: Self.specKey)
        #expect(throws: Fernet.Failure.invalidToken) {
            try fernet.decrypt(vector.token, ttl: 60, now: Self.date(vector.now))
        }
    }

    @Test func theExpiredTokenIsOtherwiseGood() throws {
        // "expired TTL" fails only for its age: within the ttl, or with no ttl, it decrypts.
        let fernet = try Fernet(key: Self.specKey)
        let token = Self.invalidVectors.first { $0.desc == "expired TTL" }!.token
        #expect(throws: Never.self) { try fernet.decrypt(token, ttl: 60, now: Self.date("1985-10-26T01:20:30-07:00")) }
        #expect(throws: Never.self) { try fernet.decrypt(token) }
        #expect(throws: Fernet.Failure.invalidToken) { try fernet.decrypt(token, ttl: 89, now: Self.date("1985-10-26T01:21:31-07:00")) }
        #expect(throws: Never.self) { try fernet.decrypt(token, ttl: 90, now: Self.date("1985-10-26T01:21:31-07:00")) }
    }

    // MARK: Tampering

    /// Re-signs `bytes` with the signing half of `key`, so that only the tampered field is wrong.
    static func resign(_ bytes: [UInt8], key: String) -> String {
        let keyBytes = Fernet.decodeBase64URL(key)!
        var body = Array(bytes.dropLast(32))
        body += HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: keyBytes.prefix(16)))
        return Fernet.encodeBase64URL(Data(body))
    }

    @Test func badVersionIsRefusedEvenWithAValidHMAC() throws {
        let fernet = try Fernet(key: Self.specKey)
        var bytes = Array(Fernet.decodeBase64URL(Self.specToken)!)
        bytes[0] = 0x81
        #expect(throws: Fernet.Failure.invalidToken) { try fernet.decrypt(Self.resign(bytes, key: Self.specKey)) }
        bytes[0] = 0x80  // control: the re-signing itself is right
        #expect(try fernet.decrypt(Self.resign(bytes, key: Self.specKey)) == Data("hello".utf8))
    }

    @Test func badPaddingIsRefusedEvenWithAValidHMAC() throws {
        // Ciphertext whose last block decrypts to bytes that are not PKCS#7 padding.
        let fernet = try Fernet(key: Self.specKey)
        var bytes = Array(Fernet.decodeBase64URL(Self.specToken)!)
        bytes[24] ^= 0x01  // last IV byte: flips the last plaintext byte, which is padding (0x0b)
        #expect(throws: Fernet.Failure.invalidToken) { try fernet.decrypt(Self.resign(bytes, key: Self.specKey)) }
    }

    @Test func everyFlippedBitIsDetected() throws {
        let fernet = try Fernet(key: Self.specKey)
        let bytes = Array(Fernet.decodeBase64URL(Self.specToken)!)
        for index in bytes.indices {
            var tampered = bytes
            tampered[index] ^= 0x04
            #expect(throws: Fernet.Failure.invalidToken, "byte \(index)") {
                try fernet.decrypt(Fernet.encodeBase64URL(Data(tampered)))
            }
        }
    }

    @Test func tooShortAndMalformedTokensAreRefused() throws {
        let fernet = try Fernet(key: Self.specKey)
        let bytes = Array(Fernet.decodeBase64URL(Self.specToken)!)
        for length in [0, 1, 9, 25, 56, bytes.count - 1] {
            #expect(throws: Fernet.Failure.invalidToken, "\(length) bytes") {
                try fernet.decrypt(Fernet.encodeBase64URL(Data(bytes.prefix(length))))
            }
        }
        for token in ["", "gA", Self.specToken + "A", " " + Self.specToken, Self.specToken.replacingOccurrences(of: "=", with: "%")] {
            #expect(throws: Fernet.Failure.invalidToken, "\(token)") { try fernet.decrypt(token) }
        }
        // Padding is optional, as in Python.
        #expect(try fernet.decrypt(Self.specToken.replacingOccurrences(of: "=", with: "")) == Data("hello".utf8))
    }

    @Test func anotherKeyCannotDecrypt() throws {
        let token = try Fernet(key: Self.specKey).encrypt(Data("secret".utf8))
        #expect(throws: Fernet.Failure.invalidToken) { try Fernet(key: Fernet.generateKey()).decrypt(token) }
    }

    @Test func invalidKeysAreRefused() {
        for key in ["", "short", String(Self.specKey.dropLast(4)), Self.specKey + "AAAA", "%%%%0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="] {
            #expect(throws: Fernet.Failure.invalidKey, "\(key)") { try Fernet(key: key) }
        }
    }

    @Test func roundTripsWithAFreshIVEachTime() throws {
        let fernet = try Fernet(key: Fernet.generateKey())
        for length in [0, 1, 15, 16, 17, 32, 1000] {
            let message = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 * 7) })
            let first = fernet.encrypt(message), second = fernet.encrypt(message)
            #expect(first != second)
            #expect(try fernet.decrypt(first) == message)
            #expect(try fernet.decrypt(second, ttl: 60) == message)
            #expect(!first.contains("+") && !first.contains("/"))
        }
    }

    @Test func tokenCarriesTheTimeItWasMade() throws {
        let fernet = try Fernet(key: Self.specKey)
        let made = Date(timeIntervalSince1970: 1_800_000_000.9)
        let token = fernet.encrypt(Data("x".utf8), at: made)
        let bytes = Array(Fernet.decodeBase64URL(token)!)
        #expect(bytes[1..<9].reduce(UInt64(0)) { $0 << 8 | UInt64($1) } == 1_800_000_000)
        #expect(throws: Never.self) { try fernet.decrypt(token, ttl: 10, now: made.addingTimeInterval(10)) }
        #expect(throws: Fernet.Failure.invalidToken) { try fernet.decrypt(token, ttl: 10, now: made.addingTimeInterval(11)) }
        #expect(throws: Never.self) { try fernet.decrypt(token, ttl: 10, now: made.addingTimeInterval(-60)) }
        #expect(throws: Fernet.Failure.invalidToken) { try fernet.decrypt(token, ttl: 10, now: made.addingTimeInterval(-61)) }
    }

    // MARK: Python's cryptography.fernet, both directions

    @Test func pythonReadsAVAsTokens() throws {
        let key = Fernet.generateKey()
        let fernet = try Fernet(key: key)
        for message in ["hello", "", "a Twilio auth token: 0123456789abcdef0123456789abcdef", "élan · שלום · 🙂", String(repeating: "x", count: 48)] {
            let token = fernet.encrypt(Data(message.utf8))
            let decrypted = try Python.run(
                "import sys; from cryptography.fernet import Fernet; print(Fernet(sys.argv[1].encode()).decrypt(sys.argv[2].encode(), ttl=300).hex())",
                key, token)
            #expect(decrypted == Data(message.utf8).map { String(format: "%02x", $0) }.joined(), "\(message)")
        }
        // The spec vector too, through Python.
        let vector = try Python.run(
            "import sys; from cryptography.fernet import Fernet; print(Fernet(sys.argv[1].encode()).decrypt(sys.argv[2].encode()).decode())",
            Self.specKey, Self.specToken)
        #expect(vector == "hello")
    }

    @Test func avaReadsPythonsTokens() throws {
        let output = try Python.run("""
            import sys
            from cryptography.fernet import Fernet
            key = Fernet.generate_key()
            print(key.decode())
            for message in sys.argv[1:]:
                print(Fernet(key).encrypt(bytes.fromhex(message)).decode())
            """,
            "", Data("hello".utf8).hex, Data("élan · שלום · 🙂".utf8).hex, Data(repeating: 0x41, count: 64).hex)
        let lines = output.split(separator: "\n").map(String.init)
        try #require(lines.count == 5)
        let fernet = try Fernet(key: lines[0])
        #expect(try fernet.decrypt(lines[1], ttl: 300) == Data())
        #expect(try fernet.decrypt(lines[2], ttl: 300) == Data("hello".utf8))
        #expect(try fernet.decrypt(lines[3], ttl: 300) == Data("élan · שלום · 🙂".utf8))
        #expect(try fernet.decrypt(lines[4], ttl: 300) == Data(repeating: 0x41, count: 64))
        // A key made by Python is accepted by the settings check too.
        #expect(AppConfig.isFernetKey(lines[0]))
    }

    @Test func pythonRefusesATamperedAVAToken() throws {
        let key = Fernet.generateKey()
        var bytes = Array(Fernet.decodeBase64URL(try Fernet(key: key).encrypt(Data("hello".utf8)))!)
        bytes[30] ^= 0x01
        let result = try Python.run("""
            import sys
            from cryptography.fernet import Fernet, InvalidToken
            try:
                Fernet(sys.argv[1].encode()).decrypt(sys.argv[2].encode())
                print("accepted")
            except InvalidToken:
                print("refused")
            """, key, Fernet.encodeBase64URL(Data(bytes)))
        #expect(result == "refused")
    }
}

@Suite("Keyring")
struct KeyringTests {
    @Test func firstKeyEncryptsAnyKeyDecrypts() throws {
        let old = Fernet.generateKey(), new = Fernet.generateKey()
        let before = try Keyring(keys: [old])
        let oldToken = before.encrypt("auth-token-1")
        #expect(!before.needsRotation(oldToken))

        // Rotation: the new key goes first, the old one stays to read what it made.
        let during = try Keyring(keys: [new, old])
        #expect(try during.decrypt(oldToken) == "auth-token-1")
        #expect(during.needsRotation(oldToken))
        let newToken = during.encrypt(try during.decrypt(oldToken))
        #expect(!during.needsRotation(newToken))
        #expect(try Fernet(key: new).decrypt(newToken) == Data("auth-token-1".utf8))
        #expect(throws: Fernet.Failure.invalidToken) { try Fernet(key: old).decrypt(newToken) }

        // After rotation the old key can go: the new token still reads, the old one no longer does.
        let after = try Keyring(keys: [new])
        #expect(try after.decrypt(newToken) == "auth-token-1")
        #expect(throws: Fernet.Failure.invalidToken) { try after.decrypt(oldToken) }
        #expect(after.needsRotation(oldToken))
    }

    @Test func tokensFromUnknownKeysAndGarbageAreRefused() throws {
        let keyring = try Keyring(keys: [Fernet.generateKey(), Fernet.generateKey()])
        let stranger = try Keyring(keys: [Fernet.generateKey()]).encrypt("x")
        #expect(throws: Fernet.Failure.invalidToken) { try keyring.decrypt(stranger) }
        #expect(throws: Fernet.Failure.invalidToken) { try keyring.decrypt("not a token") }
        #expect(keyring.needsRotation(stranger))
    }

    @Test func noKeysOrABadKey() {
        #expect(throws: AppError.self) { try Keyring(keys: []) }
        do { _ = try Keyring(keys: []) } catch let error as AppError {
            #expect(error.code == "encryption_not_configured")
            #expect(error.messageKey == "error_encryption_not_configured")
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: Fernet.Failure.invalidKey) { try Keyring(keys: [Fernet.generateKey(), "nope"]) }
    }

    static func config(_ environment: [String: String], production: Bool) throws -> AppConfig {
        try AppConfig.load(from: ["AVA_DATA_DIR": NSTemporaryDirectory()].merging(environment) { $1 },
                           isProduction: production, generatedSecretKey: { _ in "dev-secret-key-that-is-long-enough-0123456789" })
    }

    @Test func developmentDerivesAStableKeyFromTheSecretKey() throws {
        let config = try Self.config([:], production: false)
        let keyring = try #require(try Keyring.configured(for: config))
        let token = keyring.encrypt("sandbox")
        // Derived from AVA_SECRET_KEY, the same on every start: what one run stored, the next reads.
        let again = try #require(try Keyring.configured(for: Self.config([:], production: false)))
        #expect(try again.decrypt(token) == "sandbox")
        let key = Keyring.developmentKey(secretKey: "dev-secret-key-that-is-long-enough-0123456789")
        #expect(AppConfig.isFernetKey(key))
        #expect(try Fernet(key: key).decrypt(token) == Data("sandbox".utf8))
        #expect(Keyring.developmentKey(secretKey: "another-secret-key-that-is-long-enough-0123") != key)
    }

    @Test func configuredKeysWinInEveryEnvironment() throws {
        let key = Fernet.generateKey()
        for production in [false, true] {
            let config = try Self.config(["AVA_ENCRYPTION_KEYS": key, "AVA_SECRET_KEY": String(repeating: "s", count: 40)], production: production)
            let keyring = try #require(try Keyring.configured(for: config))
            #expect(try Fernet(key: key).decrypt(keyring.encrypt("x")) == Data("x".utf8))
        }
    }

    @Test func productionWithoutKeysFailsOnlyWhenSomethingNeedsEncrypting() async throws {
        let config = try Self.config(["AVA_SECRET_KEY": String(repeating: "s", count: 40)], production: true)
        #expect(try Keyring.configured(for: config) == nil)
        try await withAVA { app in
            #expect(throws: Never.self) { try app.keyring }
            app.useKeyring(nil)
            do { _ = try app.keyring; Issue.record("a keyring without keys") } catch let error as AppError {
                #expect(error.code == "encryption_not_configured")
                #expect(error.status == .serviceUnavailable)
            }
            // The message is translated for users, and says nothing secret.
            for locale in AppLocale.allCases {
                #expect(app.translations.keys(locale).contains("error_encryption_not_configured"))
            }
        }
    }
}

/// Runs `python3 -c script arguments...` and returns its standard output, trimmed.
enum Python {
    static func run(_ script: String, _ arguments: String...) throws -> String {
        try ensureCryptography()
        return try launch(["-c", script] + arguments)
    }

    private static func ensureCryptography() throws {
        if (try? launch(["-c", "import cryptography.fernet"])) != nil { return }
        _ = try launch(["-m", "pip", "install", "--user", "--quiet", "cryptography"])
    }

    private static func launch(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PythonFailure(status: process.terminationStatus, stderr: String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    struct PythonFailure: Error, CustomStringConvertible {
        var status: Int32, stderr: String
        var description: String { "python3 exited with \(status): \(stderr)" }
    }
}

extension Data {
    fileprivate var hex: String { map { String(format: "%02x", $0) }.joined() }
}
