import Foundation
import JWT
import NIOCore
import Vapor

/// What AVA knows of each provider, cached per process: discovery documents and signing keys (JWKS).
///
/// Both are kept an hour. Keys are also fetched again as soon as a token names a key id (`kid`) AVA has not
/// seen: that is how a provider's key rotation shows. No throttle is needed on that refetch, because ID
/// tokens reach AVA only from the provider's token endpoint (a back channel), never from the browser.
actor OIDCDirectory {
    static let lifetime: TimeInterval = 3600

    private struct KeySet {
        let keys: JWTKeyCollection
        let kids: Set<String>
        let fetchedAt: Date
    }

    private var documents: [String: (document: OIDCDiscovery, fetchedAt: Date)] = [:]
    private var keySets: [String: KeySet] = [:]

    func discovery(at url: String, using http: OIDCHTTP) async throws -> OIDCDiscovery {
        if let cached = documents[url], Date().timeIntervalSince(cached.fetchedAt) < Self.lifetime { return cached.document }
        let document = try await http.getJSON(url, as: OIDCDiscovery.self)
        documents[url] = (document, Date())
        return document
    }

    /// The keys that include `kid`, or nil when the provider does not publish it (even after a refetch).
    func keys(at jwksURI: String, containing kid: String, using http: OIDCHTTP) async throws -> JWTKeyCollection? {
        let cached = keySets[jwksURI]
        if let cached, cached.kids.contains(kid), Date().timeIntervalSince(cached.fetchedAt) < Self.lifetime {
            return cached.keys
        }
        let fresh: KeySet
        do {
            fresh = try await fetchKeys(jwksURI, http)
        } catch {
            // The provider's key endpoint is down: keys it published within the day are still good.
            if let cached, cached.kids.contains(kid), Date().timeIntervalSince(cached.fetchedAt) < 24 * 3600 { return cached.keys }
            throw error
        }
        keySets[jwksURI] = fresh
        return fresh.kids.contains(kid) ? fresh.keys : nil
    }

    /// A fresh collection each time, so keys the provider has withdrawn stop verifying.
    private func fetchKeys(_ url: String, _ http: OIDCHTTP) async throws -> KeySet {
        let set = try await http.getJSON(url, as: LenientKeySet.self)
        let collection = JWTKeyCollection()
        var kids = Set<String>()
        for case let jwk? in set.keys.map(\.jwk) where jwk.keyType == .rsa {
            guard let kid = jwk.keyIdentifier?.string, (try? await collection.add(jwk: jwk)) != nil else { continue }
            kids.insert(kid)
        }
        return KeySet(keys: collection, kids: kids, fetchedAt: Date())
    }

    /// A key of a type AVA cannot use (or a malformed one) is skipped rather than spoiling the whole set.
    private struct LenientKeySet: Decodable {
        struct Entry: Decodable {
            let jwk: JWK?
            init(from decoder: any Decoder) throws { jwk = try? JWK(from: decoder) }
        }
        var keys: [Entry]
    }
}

extension Application {
    private struct OIDCDirectoryKey: StorageKey, LockKey { typealias Value = OIDCDirectory }

    var oidcDirectory: OIDCDirectory {
        locks.lock(for: OIDCDirectoryKey.self).withLock {
            if let existing = storage[OIDCDirectoryKey.self] { return existing }
            let directory = OIDCDirectory()
            storage[OIDCDirectoryKey.self] = directory
            return directory
        }
    }
}

/// AVA's calls to a provider. Any network trouble or unexpected answer becomes `OIDCFailure.unavailable`
/// (logged with its cause); a code the provider refuses becomes `.invalid`.
struct OIDCHTTP: Sendable {
    static let timeout: TimeAmount = .seconds(10)
    let client: any Client
    let logger: Logger

    func getJSON<T: Decodable>(_ url: String, as type: T.Type) async throws -> T {
        let response: ClientResponse
        do {
            response = try await client.get(URI(string: url), headers: ["Accept": "application/json"],
                                            beforeSend: { $0.timeout = Self.timeout })
        } catch {
            logger.warning("OpenID provider unreachable", metadata: ["url": "\(url)", "error": "\(error)"])
            throw OIDCFailure.unavailable
        }
        guard response.status == .ok, let body = response.body,
              let value = try? JSONDecoder().decode(T.self, from: Data(body.readableBytesView)) else {
            logger.warning("OpenID provider answered unexpectedly", metadata: ["url": "\(url)", "status": "\(response.status.code)"])
            throw OIDCFailure.unavailable
        }
        return value
    }

    private struct TokenAnswer: Decodable {
        var idToken: String?
        var error: String?
        enum CodingKeys: String, CodingKey { case idToken = "id_token", error }
    }

    /// Trades the authorization code for tokens (`client_secret_post`, with the PKCE verifier); returns the ID token.
    func exchange(code: String, at endpoint: String, client oauth: AppConfig.OAuthClient, redirectURI: String,
                  codeVerifier: String) async throws -> String {
        let form = ["grant_type": "authorization_code", "code": code, "redirect_uri": redirectURI,
                    "client_id": oauth.clientID, "client_secret": oauth.clientSecret, "code_verifier": codeVerifier]
        let response: ClientResponse
        do {
            response = try await client.post(URI(string: endpoint), headers: ["Accept": "application/json"],
                                             beforeSend: { outgoing in
                try outgoing.content.encode(form, as: .urlEncodedForm)
                outgoing.timeout = Self.timeout
            })
        } catch {
            logger.warning("OpenID token endpoint unreachable", metadata: ["error": "\(error)"])
            throw OIDCFailure.unavailable
        }
        let answer = response.body.flatMap { try? JSONDecoder().decode(TokenAnswer.self, from: Data($0.readableBytesView)) }
        if response.status == .ok, let idToken = answer?.idToken { return idToken }
        logger.warning("OpenID token endpoint refused the code",
                       metadata: ["status": "\(response.status.code)", "error": "\(answer?.error ?? "-")"])
        throw (400..<500).contains(response.status.code) ? OIDCFailure.invalid : OIDCFailure.unavailable
    }
}
