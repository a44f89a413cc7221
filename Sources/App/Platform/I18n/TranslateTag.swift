import AVACore
import Leaf
import Vapor

/// `#t("key")` / `#t("key", arg0, arg1)` in templates: the text for the page's `locale`, HTML-escaped by Leaf.
struct TranslateTag: LeafTag, Sendable {
    let translations: Translations

    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let key = ctx.parameters.first?.string else {
            throw Abort(.internalServerError, reason: "#t() needs a translation key")
        }
        let locale = ctx.data["locale"]?.string.flatMap(AppLocale.init(rawValue:)) ?? .fallback
        let arguments = ctx.parameters.dropFirst().map { $0.string ?? "" }
        return .string(translations.text(key, locale, Array(arguments)))
    }
}
