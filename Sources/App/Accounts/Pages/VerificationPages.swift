import Vapor

/// The page shown when a verification link is used up, expired or mistyped: says so plainly and offers
/// a new link (signed in) or the way to sign in.
enum VerificationPages {
    struct Extra: Encodable { var heading: String; var message: String }

    static func invalidLink(_ req: Request) async throws -> Response {
        let extra = Extra(heading: req.t("verify_invalid_heading"), message: req.t("error_token_invalid"))
        return try await PageRenderer.render(req, "verify", page: "verify", titleKey: "title_error",
                                             status: .badRequest, extra: extra)
    }
}
