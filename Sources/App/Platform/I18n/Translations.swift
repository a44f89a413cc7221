import AVACore
import Foundation
import Vapor

/// The texts of every page and email, one JSON file per language in Resources/Locales.
/// Loaded once at boot; a missing key shows the key itself (and a test makes sure none is missing).
struct Translations: Sendable {
    private let tables: [AppLocale: [String: String]]

    init(tables: [AppLocale: [String: String]]) { self.tables = tables }

    static func load(from directory: String) throws -> Translations {
        var tables: [AppLocale: [String: String]] = [:]
        for locale in AppLocale.allCases {
            let path = (directory as NSString).appendingPathComponent("\(locale.rawValue).json")
            guard let data = FileManager.default.contents(atPath: path) else {
                throw Abort(.internalServerError, reason: "missing translations file \(path)")
            }
            tables[locale] = try JSONDecoder().decode([String: String].self, from: data)
        }
        return Translations(tables: tables)
    }

    func text(_ key: String, _ locale: AppLocale, _ arguments: [String] = []) -> String {
        var text = tables[locale]?[key] ?? tables[.en]?[key] ?? key
        for (index, argument) in arguments.enumerated() {
            text = text.replacingOccurrences(of: "{\(index)}", with: argument)
        }
        return text
    }

    func keys(_ locale: AppLocale) -> Set<String> { Set(tables[locale]?.keys ?? [:].keys) }
}

extension Application {
    private struct TranslationsKey: StorageKey { typealias Value = Translations }

    var translations: Translations {
        get {
            guard let value = storage[TranslationsKey.self] else { fatalError("Translations are loaded in configure()") }
            return value
        }
        set { storage[TranslationsKey.self] = newValue }
    }
}

extension Request {
    /// The language of this request: the page's `/{locale}/` prefix, else a `locale` query item, else the
    /// signed-in user's language, else `Accept-Language`.
    var appLocale: AppLocale {
        let first = url.path.split(separator: "/").first.map(String.init) ?? ""
        if let locale = AppLocale(rawValue: first) { return locale }
        if let query = try? query.get(String.self, at: "locale"), let locale = AppLocale(rawValue: query) { return locale }
        if let user = auth.get(CurrentUser.self), let locale = AppLocale(rawValue: user.user.locale) { return locale }
        return AppLocale.negotiate(acceptLanguage: headers.first(name: .acceptLanguage))
    }

    func t(_ key: String, _ arguments: String...) -> String {
        application.translations.text(key, appLocale, arguments)
    }
}
