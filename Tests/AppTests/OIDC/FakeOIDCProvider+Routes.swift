@testable import App
import CryptoExtras
import Foundation
import JWT
import JWTKit
import Vapor

/// jwt-kit's RSA key (swift-crypto also has an `Insecure` namespace).
typealias RSAPrivateKey = JWTKit.Insecure.RSA.PrivateKey

/// RSA keys made once per test run (a 2048-bit key takes a moment to generate).
enum TestKeys {
    static let first = make()
    static let second = make()
    /// Never published: a token it signs under a published kid has a bad signature.
    static let rogue = make()

    private static func make() -> RSAPrivateKey {
        try! RSAPrivateKey(backing: _RSA.Signing.PrivateKey(keySize: .bits2048))
    }

    static func jwk(_ kid: String, _ key: RSAPrivateKey) throws -> JWK {
        let primitives = try key.publicKey.getKeyPrimitives()
        return .rsa(.rs256, identifier: JWKIdentifier(string: kid), modulus: primitives.modulus.base64URLEncodedString(),
                    exponent: primitives.publicExponent.base64URLEncodedString())
    }
}

extension FakeOIDCProvider {
    static func installRoutes(on app: Application, state: State) {
        app.get(".well-known", "openid-configuration") { _ async throws -> Response in
            let base = await state.baseURL
            let issuer = state.flavor == .google ? base : "\(base)/{tenantid}/v2.0"
            return try json(["issuer": issuer, "authorization_endpoint": "\(base)/authorize",
                             "token_endpoint": "\(base)/token", "jwks_uri": "\(base)/jwks",
                             "id_token_signing_alg_values_supported": "RS256"])
        }

        app.get("jwks") { _ async throws -> Response in
            await state.countJWKSFetch()
            let keys = try await state.published.map { try TestKeys.jwk($0.key, $0.value) }
            return try json(JWKS(keys: keys))
        }

        app.get("authorize") { req async throws -> Response in
            let query = try req.query.decode([String: String].self)
            await state.authorized(query)
            guard query["client_id"] == state.clientID, query["response_type"] == "code",
                  let scope = query["scope"], scope.split(separator: " ").contains("openid"), scope.contains("email"),
                  query["code_challenge_method"] == "S256", let challenge = query["code_challenge"], challenge.count == 43,
                  let stateValue = query["state"], let nonce = query["nonce"], !nonce.isEmpty,
                  let redirectURI = query["redirect_uri"], var back = URLComponents(string: redirectURI)
            else { return Response(status: .badRequest, body: .init(string: "bad authorize request: \(query)")) }
            if let error = await state.authorizeError {
                back.queryItems = [.init(name: "error", value: error), .init(name: "state", value: stateValue)]
            } else {
                let code = UUID().uuidString
                await state.grant(code, (challenge, nonce, redirectURI))
                back.queryItems = [.init(name: "code", value: code), .init(name: "state", value: stateValue)]
            }
            return req.redirect(to: back.string!, redirectType: .normal)
        }

        app.post("token") { req async throws -> Response in
            let form = try req.content.decode([String: String].self)
            guard form["grant_type"] == "authorization_code", form["client_id"] == state.clientID,
                  form["client_secret"] == state.clientSecret,
                  let code = form["code"], let grant = await state.take(code), form["redirect_uri"] == grant.redirectURI,
                  let verifier = form["code_verifier"],
                  Data(SHA256.hash(data: Data(verifier.utf8))).base64URLEncodedString() == grant.challenge
            else { return try json(["error": "invalid_grant"], status: .badRequest) }
            let idToken = try await state.idToken(nonce: grant.nonce)
            return try json(["access_token": "opaque", "token_type": "Bearer", "expires_in": "3600", "id_token": idToken])
        }
    }

    private static func json(_ value: some Encodable, status: HTTPResponseStatus = .ok) throws -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: .init(data: try JSONEncoder().encode(value)))
    }
}

extension FakeOIDCProvider.State {
    /// A real RS256 ID token for `person`, spoiled as `fault` says.
    func idToken(nonce: String) async throws -> String {
        let now = Date()
        var issuer = flavor == .google ? baseURL : "\(baseURL)/\(person.tenant ?? "")/v2.0"
        var audience = clientID, expires = now.addingTimeInterval(3600), issuedAt = now, tokenNonce = nonce
        var kid = signingKid, key = published[signingKid]!
        switch fault {
        case .wrongAudience?: audience = "someone-elses-app"
        case .wrongIssuer?:
            // Microsoft: a real-looking issuer, but of another tenant than the token's `tid`.
            issuer = flavor == .google ? "https://issuer.example.net" : "\(baseURL)/00000000-0000-0000-0000-000000000001/v2.0"
        case .expired?: issuedAt = now.addingTimeInterval(-300); expires = now.addingTimeInterval(-120)
        case .wrongNonce?: tokenNonce = "a-nonce-from-another-flow"
        case .badSignature?: key = TestKeys.rogue
        case .unknownKid?: kid = "key-not-published"; key = TestKeys.second
        case nil: break
        }
        let claims = OIDCIDToken(
            iss: .init(value: issuer), sub: .init(value: person.subject), aud: .init(value: [audience]),
            exp: .init(value: expires), iat: .init(value: issuedAt), nonce: tokenNonce, azp: nil, email: person.email,
            emailVerified: person.emailVerified.map { BoolClaim(value: $0) }, name: person.name, tid: person.tenant,
            xmsEdov: person.xmsEdov.map { BoolClaim(value: $0) })
        let signer = JWTKeyCollection()
        await signer.add(rsa: key, digestAlgorithm: .sha256, kid: JWKIdentifier(string: kid))
        return try await signer.sign(claims, kid: JWKIdentifier(string: kid))
    }
}
