@testable import App
import AVACore
import Foundation
import Testing

@Suite("Translations")
struct TranslationTests {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    func translations() throws -> Translations {
        try Translations.load(from: root.appendingPathComponent("Resources/Locales").path)
    }

    @Test func everyLanguageHasTheSameKeys() throws {
        let t = try translations()
        let english = t.keys(.en)
        #expect(english.count > 50)
        for locale in AppLocale.allCases {
            #expect(t.keys(locale) == english, "\(locale): missing \(english.subtracting(t.keys(locale)).sorted()), extra \(t.keys(locale).subtracting(english).sorted())")
        }
    }

    @Test func everyKeyUsedInTemplatesAndCodeExists() throws {
        let t = try translations()
        let known = t.keys(.en)
        var used = Set<String>()
        let pattern = try NSRegularExpression(pattern: #"#t\("([a-z0-9_]+)""#)
        let codePattern = try NSRegularExpression(pattern: #"(?:messageKey: |(?<![A-Za-z_])t\()"([a-z0-9_]+)""#)
        for folder in ["Resources/Views", "Sources/App"] {
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)!
            for case let file as String in enumerator where file.hasSuffix(".leaf") || file.hasSuffix(".swift") {
                let text = try String(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(file), encoding: .utf8)
                let range = NSRange(text.startIndex..., in: text)
                for regex in [file.hasSuffix(".leaf") ? pattern : codePattern] {
                    for match in regex.matches(in: text, range: range) {
                        used.insert(String(text[Range(match.range(at: 1), in: text)!]))
                    }
                }
            }
        }
        #expect(used.count > 20)
        #expect(used.subtracting(known).isEmpty, "missing keys: \(used.subtracting(known).sorted())")
        // Validation codes become `error_<code>` keys.
        for code in ["invalid_email", "invalid_phone", "name_required", "password_too_short", "password_too_long",
                     "password_common", "terms_required", "email_taken", "phone_taken", "identifier_required", "password_required"] {
            #expect(known.contains("error_\(code)"), "error_\(code)")
        }
        for flash in Flash.allCases { #expect(known.contains(flash.key)) }
    }
}
