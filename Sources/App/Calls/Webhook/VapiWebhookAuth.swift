import Crypto
import Foundation
import Vapor

/// Who may post server messages for an organisation: whoever knows its webhook token (in the path) and,
/// when the operator configured them, Vapi's shared secret (`Authorization: Bearer`, or the legacy
/// `X-Vapi-Secret` header) and/or its HMAC signature (`x-signature`, hex HMAC-SHA256 of the raw body, or
/// of `{x-timestamp}.{body}`). Every comparison takes the same time whatever the input.
enum VapiWebhookAuth {
    static func verify(headers: HTTPHeaders, body: [UInt8], config: AppConfig) -> Bool {
        if let secret = config.vapiWebhookSecret {
            let bearer = headers.bearerAuthorization?.token
            let legacy = headers.first(name: "x-vapi-secret")
            let matches = [bearer, legacy].compactMap { $0 }.contains { constantTimeEquals($0, secret) }
            if !matches { return false }
        }
        if let key = config.vapiWebhookHMACSecret {
            guard let signature = headers.first(name: "x-signature")?.lowercased() else { return false }
            let symmetric = SymmetricKey(data: Data(key.utf8))
            var candidates = [hex(HMAC<SHA256>.authenticationCode(for: body, using: symmetric))]
            if let timestamp = headers.first(name: "x-timestamp") {
                candidates.append(hex(HMAC<SHA256>.authenticationCode(for: Array("\(timestamp).".utf8) + body, using: symmetric)))
            }
            let provided = signature.hasPrefix("sha256=") ? String(signature.dropFirst(7)) : signature
            // Both candidates are always compared, so the time taken does not tell which form matched.
            let results = candidates.map { constantTimeEquals($0, provided) }
            if !results.contains(true) { return false }
        }
        return true
    }

    /// Same time for any two strings of the same length; different lengths fail at once (lengths are not secret).
    static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for index in x.indices { difference |= x[index] ^ y[index] }
        return difference == 0
    }

    private static func hex(_ code: HashedAuthenticationCode<SHA256>) -> String {
        code.lowerHex
    }
}

extension AppError {
    static let webhookUnauthorized = AppError(status: .unauthorized, code: "webhook_unauthorized", messageKey: "error_webhook_unauthorized")
    static let webhookMalformed = AppError(status: .badRequest, code: "webhook_malformed", messageKey: "error_webhook_malformed")
}
