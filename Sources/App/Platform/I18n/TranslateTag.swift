import AVACore
import Leaf
import Vapor

/// `#t(key)` / `#t(key, arg0, arg1)` in templates: the text for the page's `locale`, HTML-escaped by Leaf.
struct TranslateTag: LeafTag, Sendable {
    let translations: Translations

    func render(_ ctx: LeafContext) throws -> LeafData {
        guard let key = ctx.parameters.first?.string else {
            throw Abort(.internalServerError, reason: "#t() needs a translation key")
        }
        let locale = ctx.data["locale"]?.string.flatMap(AppLocale.init(rawValue:)) ?? .fallback
        // Each value is a bidi isolate (FSI…PDI): an email or a phone number keeps its own direction inside
        // a Hebrew sentence, and a Hebrew name inside a French one.
        let arguments = ctx.parameters.dropFirst().map { "\u{2068}" + ($0.string ?? "") + "\u{2069}" }
        return .string(translations.text(key, locale, Array(arguments)))
    }
}
