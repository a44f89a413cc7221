import AVACore
import Testing

@Suite("Passwords and languages")
struct PasswordAndLocaleTests {
    let policy = PasswordPolicy.standard

    @Test func lengthAndCommonPasswords() {
        #expect(policy.check("short") == .tooShort(minimum: 10))
        #expect(policy.check("Password123") == .common)
        #expect(policy.check("motdepasse1") == .common)
        #expect(policy.check("aaaaaaaaaaaa") == .common)
        #expect(policy.check("abcdefghijklm") == .common)
        #expect(policy.check(String(repeating: "x1", count: 70)) == .tooLong(maximum: 128))
        #expect(policy.check("correct-horse-battery-42") == nil)
        #expect(policy.check("סיסמה-ארוכה-וטובה") == nil)
    }

    @Test(arguments: [
        ("he-IL,he;q=0.9,en;q=0.8", AppLocale.he), ("fr-CA", .fr), ("en-US,fr;q=0.5", .en),
        ("de-DE,fr;q=0.7", .fr), ("iw", .he), ("", .en), ("de", .en), ("en;q=0.2,he;q=0.8", .he),
    ])
    func acceptLanguageNegotiation(header: String, expected: AppLocale) {
        #expect(AppLocale.negotiate(acceptLanguage: header) == expected)
    }

    @Test func directions() {
        #expect(AppLocale.he.direction == "rtl")
        #expect(AppLocale.fr.direction == "ltr")
    }
}
