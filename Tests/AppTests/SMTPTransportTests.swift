import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import Testing
@testable import App

// End-to-end tests of SMTPTransport against a real SMTP server (scripts/smtp_server.py, aiosmtpd),
// plus unit tests of SMTPURL, MailAddress, MIMEMessage and the protocol pieces. Each end-to-end
// test starts its own server on its own free port and temporary directory, so they run in parallel.

private let user = "ava-mailer"
/// Characters that must be percent-encoded in a URL, and one that is not ASCII.
private let password = "p@ss:w/rd?#%ש 1"

private func encodedURLComponent(_ text: String) -> String {
    let allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed)!
}

private func smtpLogger() -> Logger {
    var logger = Logger(label: "ava.test.smtp")
    logger.logLevel = .trace
    return logger
}

@Suite("SMTPTransport end to end")
struct SMTPTransportTests {
    @Test("smtp:// + STARTTLS + AUTH PLAIN: Hebrew subject, multipart, several recipients")
    func startTLSHebrewMultipart() async throws {
        let server = try await TestSMTPServer.start(modes: ["starttls"], user: user, password: password)
        defer { server.stop() }

        let url = try SMTPURL(parsing: "smtp://\(encodedURLComponent(user)):\(encodedURLComponent(password))@127.0.0.1:\(server.port("starttls"))")
        #expect(url.security == .startTLS)
        #expect(url.password == password)

        let subject = "שלום דנה! התור שלך למספרה אושר ליום שלישי בשעה 10:30 — נתראה בקרוב"
        let text = "שלום דנה,\nהתור שלך אושר.\n.שורה שמתחילה בנקודה\n..ועוד אחת\nAVA"
        let html = "<p dir=\"rtl\">שלום דנה,<br>התור שלך <b>אושר</b>.</p>\n.<p>.</p>"
        let message = MailMessage(
            from: MailAddress(email: "no-reply@ava.example", name: "AVA — העוזרת"),
            to: [
                MailAddress(email: "dana@example.co.il", name: "דנה כהן"),
                MailAddress(email: "jean@example.fr", name: "Dupont, Jean"),
            ],
            subject: subject,
            text: text,
            html: html
        )
        try await transport(url, server).send(message)

        let received = try await server.message(1)
        #expect(received.meta["mail_from"] as? String == "no-reply@ava.example")
        #expect(received.meta["rcpt_tos"] as? [String] == ["dana@example.co.il", "jean@example.fr"])
        #expect(received.meta["auth_login"] as? String == user)
        #expect(received.meta["tls"] as? Bool == true)

        let email = try ParsedEmail(received.eml)
        try email.checkWireFormat()
        #expect(try decodeRFC2047(#require(email.header("Subject"))) == subject)
        #expect(try decodeRFC2047(#require(email.header("From"))) == "AVA — העוזרת <no-reply@ava.example>")
        #expect(try decodeRFC2047(#require(email.header("To"))) == "דנה כהן <dana@example.co.il>, \"Dupont, Jean\" <jean@example.fr>")
        #expect(email.header("MIME-Version") == "1.0")
        #expect(try #require(email.header("Message-ID")).hasSuffix("@ava.example>"))
        #expect(email.header("Date") != nil)
        #expect(try #require(email.header("Content-Type")).hasPrefix("multipart/alternative;"))
        #expect(!received.eml.contains("Bcc"))

        let parts = try email.parts()
        try #require(parts.count == 2)
        #expect(parts[0].header("Content-Type") == "text/plain; charset=UTF-8")
        #expect(parts[0].header("Content-Transfer-Encoding") == "base64")
        #expect(try parts[0].decodedBody() == text.replacingOccurrences(of: "\n", with: "\r\n"))
        #expect(parts[1].header("Content-Type") == "text/html; charset=UTF-8")
        #expect(try parts[1].decodedBody() == html.replacingOccurrences(of: "\n", with: "\r\n"))
    }

    @Test("smtps:// (implicit TLS): French subject, text only")
    func implicitTLSFrench() async throws {
        let server = try await TestSMTPServer.start(modes: ["implicit-tls"], user: user, password: password)
        defer { server.stop() }

        let url = try SMTPURL(parsing: "smtps://\(encodedURLComponent(user)):\(encodedURLComponent(password))@127.0.0.1:\(server.port("implicit-tls"))")
        #expect(url.security == .implicitTLS)

        let subject = "Votre rendez-vous chez le coiffeur est confirmé — à bientôt, Hélène !"
        let text = "Bonjour Hélène,\r\nvotre rendez-vous de mardi à 10 h 30 est confirmé.\r\n.\r\nÀ bientôt"
        let message = MailMessage(
            from: MailAddress(email: "bonjour@ava.example", name: "AVA"),
            to: [MailAddress(email: "helene@example.fr", name: "Hélène Dubois")],
            subject: subject,
            text: text
        )
        try await transport(url, server).send(message)

        let received = try await server.message(1)
        #expect(received.meta["rcpt_tos"] as? [String] == ["helene@example.fr"])
        #expect(received.meta["auth_login"] as? String == user)
        #expect(received.meta["tls"] as? Bool == true)

        let email = try ParsedEmail(received.eml)
        try email.checkWireFormat()
        #expect(try decodeRFC2047(#require(email.header("Subject"))) == subject)
        #expect(try decodeRFC2047(#require(email.header("To"))) == "Hélène Dubois <helene@example.fr>")
        #expect(email.header("From") == "AVA <bonjour@ava.example>")
        #expect(email.header("Content-Type") == "text/plain; charset=UTF-8")
        #expect(email.header("Content-Transfer-Encoding") == "base64")
        #expect(try email.decodedBody() == text)
    }

    @Test("AUTH LOGIN is used when the server does not offer PLAIN")
    func authLogin() async throws {
        let server = try await TestSMTPServer.start(modes: ["implicit-tls"], user: user, password: password, onlyAuth: "LOGIN")
        defer { server.stop() }

        let url = SMTPURL(
            security: .implicitTLS, host: "127.0.0.1", port: server.port("implicit-tls"),
            credentials: .init(username: user, password: password)
        )
        try await transport(url, server).send(MailMessage(
            from: MailAddress(email: "a@ava.example"), to: [MailAddress(email: "b@example.com")],
            subject: "Login", text: "hello", html: "<p>hello</p>"
        ))
        let received = try await server.message(1)
        #expect(received.meta["auth_login"] as? String == user)
    }

    @Test("a wrong password is an SMTPError that does not reveal the password")
    func wrongPassword() async throws {
        let server = try await TestSMTPServer.start(modes: ["starttls", "implicit-tls"], user: user, password: password)
        defer { server.stop() }

        let wrongPassword = "Wr0ng-p@ss:w/rd-xyzzy"
        for url in [
            SMTPURL(security: .startTLS, host: "127.0.0.1", port: server.port("starttls"), credentials: .init(username: user, password: wrongPassword)),
            SMTPURL(security: .implicitTLS, host: "127.0.0.1", port: server.port("implicit-tls"), credentials: .init(username: user, password: wrongPassword)),
        ] {
            let error = await #expect(throws: SMTPError.self) {
                try await transport(url, server).send(simpleMessage())
            }
            let smtpError = try #require(error)
            guard case .authenticationFailed(let code, _) = smtpError else {
                Issue.record("expected authenticationFailed, got \(smtpError)")
                continue
            }
            #expect(code == 535)
            #expect(smtpError.code == 535)
            let texts = [smtpError.description, String(reflecting: smtpError), "\(smtpError)", smtpError.localizedDescription, url.description, url.debugDescription]
            let secrets = [wrongPassword, Data(wrongPassword.utf8).base64EncodedString(), SMTPTransport.plainAuthPayload(url.credentials!)]
            for text in texts {
                for secret in secrets {
                    #expect(!text.contains(secret), "\(text) reveals a secret")
                }
            }
        }
        #expect(server.receivedFiles().isEmpty)
    }

    @Test("a certificate that is not trusted fails with a TLS error (no fallback to clear text)")
    func untrustedCertificate() async throws {
        let server = try await TestSMTPServer.start(modes: ["starttls", "implicit-tls"], user: user, password: password)
        defer { server.stop() }

        for url in [
            SMTPURL(security: .startTLS, host: "127.0.0.1", port: server.port("starttls"), credentials: .init(username: user, password: password)),
            SMTPURL(security: .implicitTLS, host: "127.0.0.1", port: server.port("implicit-tls"), credentials: .init(username: user, password: password)),
        ] {
            // The system trust roots do not include the test's self-signed certificate.
            let transport = SMTPTransport(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(10), logger: smtpLogger())
            let error = await #expect(throws: SMTPError.self) { try await transport.send(simpleMessage()) }
            guard case .tlsFailure = try #require(error) else {
                Issue.record("expected tlsFailure, got \(String(describing: error))")
                continue
            }
            #expect(!(error?.description.contains(password) ?? true))
        }
        #expect(server.receivedFiles().isEmpty)
    }

    @Test("smtp://...?tls=none reaches a loopback catcher without TLS or AUTH (Mailpit style)")
    func plainLoopback() async throws {
        let server = try await TestSMTPServer.start(modes: ["plain"], user: user, password: password)
        defer { server.stop() }

        let url = try SMTPURL(parsing: "smtp://127.0.0.1:\(server.port("plain"))?tls=none")
        #expect(url.security == .none)
        try await transport(url, server).send(simpleMessage())
        let received = try await server.message(1)
        #expect(received.meta["tls"] as? Bool == false)
        #expect(received.meta["auth_login"] is NSNull)
    }

    @Test("no answer from the server is a timeout, not a hang")
    func greetingTimeout() async throws {
        // A TCP server that accepts connections and never says anything.
        let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(silent.localAddress?.port)
        let url = SMTPURL(security: .startTLS, host: "127.0.0.1", port: port)
        let transport = SMTPTransport(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, timeout: .milliseconds(300), logger: smtpLogger())

        let started = ContinuousClock.now
        let error = await #expect(throws: SMTPError.self) { try await transport.send(simpleMessage()) }
        #expect(error == .timeout(stage: "greeting"))
        #expect(ContinuousClock.now - started < .seconds(5))
        try await silent.close()
    }

    @Test("a refused connection is connectionFailed")
    func connectionRefused() async throws {
        // Bind then close to get a port nobody listens on.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()

        let url = SMTPURL(security: .startTLS, host: "127.0.0.1", port: port)
        let transport = SMTPTransport(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, timeout: .seconds(5), logger: smtpLogger())
        let error = await #expect(throws: SMTPError.self) { try await transport.send(simpleMessage()) }
        guard case .connectionFailed(let host, let failedPort, _) = try #require(error) else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(host == "127.0.0.1")
        #expect(failedPort == port)
    }

    @Test("invalid messages are refused before connecting")
    func invalidMessages() async throws {
        let url = SMTPURL(security: .startTLS, host: "127.0.0.1", port: 1)
        let transport = SMTPTransport(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: smtpLogger())
        var message = simpleMessage()
        message.to = []
        await #expect(throws: SMTPError.invalidMessage("the message has no recipient")) { try await transport.send(message) }
        message.to = [MailAddress(email: "victim@example.com>\r\nRCPT TO:<other@example.com")]
        await #expect(throws: SMTPError.self) { try await transport.send(message) }
        message.to = [MailAddress(email: "ok@example.com", name: "Evil\r\nBcc: x@example.com")]
        await #expect(throws: SMTPError.self) { try await transport.send(message) }
    }

    private func transport(_ url: SMTPURL, _ server: TestSMTPServer) throws -> SMTPTransport {
        var tls = TLSConfiguration.makeClientConfiguration()
        if FileManager.default.fileExists(atPath: server.certificatePath) { // no certificate in --plain mode
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(server.certificatePath))
        }
        return SMTPTransport(url: url, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, tlsConfiguration: tls, timeout: .seconds(15), logger: smtpLogger())
    }

    private func simpleMessage() -> MailMessage {
        MailMessage(from: MailAddress(email: "a@ava.example"), to: [MailAddress(email: "b@example.com")], subject: "Hi", text: "Hello")
    }
}

// MARK: - SMTPURL

@Suite("SMTPURL parsing")
struct SMTPURLTests {
    @Test func percentEncodedCredentialsAndDefaultPorts() throws {
        let url = try SMTPURL(parsing: "smtp://user%40corp.example:p%40ss%3Aw%2Frd%3F%23%25@Mail.Example.com")
        #expect(url.security == .startTLS)
        #expect(url.host == "mail.example.com")
        #expect(url.port == 587)
        #expect(url.username == "user@corp.example")
        #expect(url.password == "p@ss:w/rd?#%")
        #expect(url.heloName == "ava.local")

        let smtps = try SMTPURL(parsing: "smtps://u:p@smtp.example.com")
        #expect(smtps.security == .implicitTLS)
        #expect(smtps.port == 465)

        let explicitPort = try SMTPURL(parsing: "SMTP://u:p@smtp.example.com:2525/")
        #expect(explicitPort.port == 2525)
        #expect(explicitPort.security == .startTLS)
    }

    @Test func withoutCredentials() throws {
        let url = try SMTPURL(parsing: "smtp://relay.internal:25")
        #expect(url.credentials == nil)
        #expect(url.port == 25)
        #expect(url.description == "smtp://relay.internal:25")
    }

    @Test func rawAtAndColonInPasswordAreTolerated() throws {
        let url = try SMTPURL(parsing: "smtp://user:pa:ss@word@smtp.example.com")
        #expect(url.username == "user")
        #expect(url.password == "pa:ss@word")
        #expect(url.host == "smtp.example.com")
    }

    @Test func ipv6AndHeloAndTLSNone() throws {
        let v6 = try SMTPURL(parsing: "smtp://[::1]:1025?tls=none&helo=ava.example.com")
        #expect(v6.host == "::1")
        #expect(v6.port == 1025)
        #expect(v6.security == .none)
        #expect(v6.heloName == "ava.example.com")
        #expect(v6.isLoopback)
        #expect(v6.description == "smtp://[::1]:1025?tls=none&helo=ava.example.com")

        #expect(try SMTPURL(parsing: "smtp://localhost:1025?tls=none").security == .none)
        #expect(try SMTPURL(parsing: "smtp://127.0.0.2:1025?tls=none").isLoopback)
        #expect(try SMTPURL(parsing: "smtp://mailpit.localhost:1025?tls=none").isLoopback)
        #expect(try SMTPURL(parsing: "smtp://h.example.com?tls=starttls").security == .startTLS)
    }

    @Test func tlsNoneNeedsLoopback() {
        #expect(throws: SMTPURLError.plaintextRequiresLoopback(host: "smtp.example.com")) {
            try SMTPURL(parsing: "smtp://smtp.example.com:1025?tls=none")
        }
        #expect(throws: SMTPURLError.plaintextRequiresLoopback(host: "10.0.0.1")) {
            try SMTPURL(parsing: "smtp://10.0.0.1?tls=none")
        }
        #expect(throws: SMTPURLError.self) { try SMTPURL(parsing: "smtps://127.0.0.1?tls=none") }
        #expect(!SMTPURL.isLoopbackHost("127.example.com"))
        #expect(!SMTPURL.isLoopbackHost("localhost.example.com"))
    }

    @Test(arguments: [
        ("", SMTPURLError.empty),
        ("smtp.example.com:587", .missingScheme),
        ("http://smtp.example.com", .unsupportedScheme("http")),
        ("smtp://", .missingHost),
        ("smtp://u:p@", .missingHost),
        ("smtp://host:0", .invalidPort),
        ("smtp://host:65536", .invalidPort),
        ("smtp://host:ab", .invalidPort),
        ("smtp://host:", .invalidPort),
        ("smtp://user@host", .missingPassword),
        ("smtp://user:@host", .missingPassword),
        ("smtp://:pw@host", .missingUsername),
        ("smtp://u:p%zz@host", .invalidPercentEncoding),
        ("smtp://u:p%ff@host", .invalidPercentEncoding),
        ("smtp://host/path", .unexpectedPath),
        ("smtp://host#frag", .fragmentNotAllowed),
        ("smtp://ho st", .invalidCharacters),
        ("smtp://bad_host!", .invalidHost),
        ("smtp://[::1", .invalidHost),
        ("smtp://host?tls=maybe", .invalidQuery("tls must be 'none' or 'starttls'")),
        ("smtp://host?foo=1", .invalidQuery("unknown parameter (supported: tls, helo)")),
        ("smtp://host?tls=none&tls=none", .invalidQuery("a parameter is given twice")),
    ])
    func malformed(input: String, expected: SMTPURLError) {
        #expect(throws: expected) { try SMTPURL(parsing: input) }
    }

    @Test func errorsNeverContainThePassword() {
        let secret = "S3cr3tPa55"
        for input in [
            "smtp://user:\(secret)/x@host",       // unencoded "/" in the password
            "smtp://user:\(secret)?x@host",       // unencoded "?"
            "smtp://user:\(secret)#x@host",       // unencoded "#"
            "smtp://user:\(secret)@host:99999",
            "smtp://user:\(secret)%zz@host",
            "smtp://user:\(secret)@",
            "smtp://user:\(secret)@bad host",
            "smtp:/user:\(secret)@host",
            "\(secret)://user:\(secret)@host",
            "smtp://user:\(secret)@host?tls=none",
            "smtp://user:\(secret)@host?\(secret)=1",
        ] {
            do {
                _ = try SMTPURL(parsing: input)
                Issue.record("\(input) should not parse")
            } catch {
                #expect(!error.description.contains(secret), "\(error.description)")
                #expect(!String(reflecting: error).contains(secret))
                #expect(!error.localizedDescription.contains(secret))
                #expect(!error.description.contains("S3cr"))
            }
        }
        #expect(throws: SMTPURLError.unencodedUserInfo) { try SMTPURL(parsing: "smtp://user:pa/ss@host") }
    }

    @Test func descriptionsRedactThePassword() throws {
        let url = try SMTPURL(parsing: "smtps://mailer%40ava.example:hunter2%2Fsecret@smtp.example.com")
        #expect(url.password == "hunter2/secret")
        for text in [url.description, url.debugDescription, "\(url)", String(reflecting: url), "\(url.credentials!)", String(reflecting: url.credentials!)] {
            #expect(!text.contains("hunter2"), "\(text)")
        }
        #expect(url.description == "smtps://mailer%40ava.example:<redacted>@smtp.example.com:465")
        var dumped = ""
        dump(url, to: &dumped)
        #expect(!dumped.contains("hunter2"), "\(dumped)")
        #expect(dumped.contains("smtp.example.com"))
    }
}

// MARK: - Addresses and MIME

@Suite("SMTP mail formatting")
struct SMTPMailFormattingTests {
    @Test func parseAddresses() {
        #expect(MailAddress.parse("AVA <hello@ava.example>") == MailAddress(email: "hello@ava.example", name: "AVA"))
        #expect(MailAddress.parse("  hello@ava.example ") == MailAddress(email: "hello@ava.example"))
        #expect(MailAddress.parse("<hello@ava.example>") == MailAddress(email: "hello@ava.example"))
        #expect(MailAddress.parse("\"Doe, Jane \\\"JD\\\"\" <jane@example.com>") == MailAddress(email: "jane@example.com", name: "Doe, Jane \"JD\""))
        #expect(MailAddress.parse("דנה כהן <dana@example.co.il>") == MailAddress(email: "dana@example.co.il", name: "דנה כהן"))
        for bad in ["", "no-at-sign", "a@", "@b.c", "a b@c.d", "A <a@b.c", "a@b..c", "x\r\n@b.c", "A <a@b.c>\r\nBcc: x@y.z", "a@-b.c", "a@b.c>"] {
            #expect(MailAddress.parse(bad) == nil, "\(bad.debugDescription)")
        }
    }

    @Test func formattedAddresses() {
        #expect(MailAddress(email: "a@b.c").formatted == "a@b.c")
        #expect(MailAddress(email: "a@b.c", name: "Ada Lovelace").formatted == "Ada Lovelace <a@b.c>")
        #expect(MailAddress(email: "a@b.c", name: "Lovelace, Ada").formatted == "\"Lovelace, Ada\" <a@b.c>")
        #expect(MailAddress(email: "a@b.c", name: "Say \"hi\"").formatted == "\"Say \\\"hi\\\"\" <a@b.c>")
        let hebrew = MailAddress(email: "dana@example.co.il", name: "דנה")
        #expect(hebrew.formatted == "=?UTF-8?B?\(Data("דנה".utf8).base64EncodedString())?= <dana@example.co.il>")
        #expect(decodeRFC2047(MailAddress(email: "x@y.fr", name: "Élodie Mégane-Bérénice Château-Thierry de la Forêt").formatted)
            == "Élodie Mégane-Bérénice Château-Thierry de la Forêt <x@y.fr>")
    }

    @Test func longHebrewSubjectIsFoldedAndDecodes() throws {
        let subject = String(repeating: "שלום עולם, זה נושא ארוך מאוד בעברית 🇮🇱👨‍👩‍👧 ", count: 6)
        let mime = MIMEMessage(MailMessage(from: MailAddress(email: "a@ava.example"), to: [MailAddress(email: "b@c.d")], subject: subject, text: "x"))
        let email = try ParsedEmail(mime.string)
        try email.checkWireFormat()
        #expect(decodeRFC2047(try #require(email.header("Subject"))) == subject)
        #expect(email.rawHeaderLines.filter { $0.hasPrefix(" =?UTF-8?B?") }.count > 3)
    }

    @Test func asciiSubjectsAreFoldedAndInjectionIsImpossible() throws {
        let long = (1...30).map { "word\($0)" }.joined(separator: " ")
        var mime = MIMEMessage(MailMessage(from: MailAddress(email: "a@ava.example"), to: [MailAddress(email: "b@c.d")], subject: long, text: "x"))
        var email = try ParsedEmail(mime.string)
        try email.checkWireFormat()
        #expect(email.header("Subject") == long)

        mime = MIMEMessage(MailMessage(from: MailAddress(email: "a@ava.example"), to: [MailAddress(email: "b@c.d")], subject: "Hi\r\nBcc: evil@example.com", text: "x"))
        email = try ParsedEmail(mime.string)
        #expect(email.header("Bcc") == nil)
        #expect(email.header("Subject") == "Hi  Bcc: evil@example.com")

        // Something that looks like an encoded-word is encoded itself, so it round-trips.
        mime = MIMEMessage(MailMessage(from: MailAddress(email: "a@ava.example"), to: [MailAddress(email: "b@c.d")], subject: "=?UTF-8?B?SGk=?=", text: "x"))
        #expect(decodeRFC2047(try #require(try ParsedEmail(mime.string).header("Subject"))) == "=?UTF-8?B?SGk=?=")
    }

    @Test func deterministicTextOnlyMessage() throws {
        let message = MailMessage(from: MailAddress(email: "hello@Ava.Example", name: "AVA"), to: [MailAddress(email: "b@c.d")], subject: "Hello", text: "line 1\nline 2")
        let mime = MIMEMessage(message, date: Date(timeIntervalSince1970: 1_709_647_387), messageID: "fixed")
        #expect(mime.messageID == "<fixed@ava.example>")
        let expected = "Date: Tue, 05 Mar 2024 14:03:07 +0000\r\n"
            + "Message-ID: <fixed@ava.example>\r\n"
            + "From: AVA <hello@Ava.Example>\r\n"
            + "To: b@c.d\r\n"
            + "Subject: Hello\r\n"
            + "MIME-Version: 1.0\r\n"
            + "Content-Type: text/plain; charset=UTF-8\r\n"
            + "Content-Transfer-Encoding: base64\r\n"
            + "\r\n"
            + "\(Data("line 1\r\nline 2".utf8).base64EncodedString())\r\n"
        #expect(mime.string == expected)
    }

    @Test func base64IsWrappedAt76() throws {
        let text = String(repeating: "Ceci est un texte assez long pour être coupé en plusieurs lignes. ", count: 20)
        let mime = MIMEMessage(MailMessage(from: MailAddress(email: "a@ava.example"), to: [MailAddress(email: "b@c.d")], subject: "s", text: text, html: "<p>\(text)</p>"), boundary: "=_test")
        let email = try ParsedEmail(mime.string)
        try email.checkWireFormat()
        let lines = mime.string.components(separatedBy: "\r\n")
        #expect(lines.contains { $0.count == 76 })
        #expect(lines.allSatisfy { $0.count <= 76 || $0.hasPrefix("Content-Type") })
        #expect(try email.parts().map { try $0.decodedBody() } == [text, "<p>\(text)</p>"])
    }

    @Test func dotStuffing() {
        let input = Array(".starts with a dot\r\nmiddle . dot\r\n..two\r\n.\r\nend".utf8)
        let stuffed = String(decoding: SMTPTransport.dotStuffed(input), as: UTF8.self)
        #expect(stuffed == "..starts with a dot\r\nmiddle . dot\r\n...two\r\n..\r\nend\r\n.\r\n")
        #expect(String(decoding: SMTPTransport.dotStuffed(Array("a\r\n".utf8)), as: UTF8.self) == "a\r\n.\r\n")
    }
}

// MARK: - Protocol pieces

@Suite("SMTP protocol")
struct SMTPProtocolTests {
    @Test func multiLineRepliesAcrossChunks() throws {
        var decoder = SMTPReplyDecoder()
        decoder.append(Array("220 mail.example.com ESMTP ready\r\n250-mail.example.com\r\n250-SIZE 1000\r\n25".utf8))
        #expect(try decoder.next() == SMTPReply(code: 220, lines: ["mail.example.com ESMTP ready"]))
        #expect(try decoder.next() == nil)
        #expect(decoder.hasBufferedInput)
        decoder.append(Array("0-AUTH=PLAIN LOGIN\r\n250-STARTTLS\n250 SMTPUTF8\r\n".utf8))
        let ehlo = try #require(try decoder.next())
        #expect(ehlo.code == 250)
        #expect(ehlo.lines == ["mail.example.com", "SIZE 1000", "AUTH=PLAIN LOGIN", "STARTTLS", "SMTPUTF8"])
        #expect(!decoder.hasBufferedInput)

        let capabilities = SMTPCapabilities(ehloReply: ehlo)
        #expect(capabilities.startTLS)
        #expect(capabilities.smtpUTF8)
        #expect(capabilities.sizeLimit == 1000)
        #expect(capabilities.authMechanisms == ["PLAIN", "LOGIN"])
    }

    @Test func malformedReplies() {
        for input in ["hello\r\n", "250x\r\n", "250-a\r\n251 b\r\n", "99 x\r\n", String(repeating: "x", count: 5000)] {
            var decoder = SMTPReplyDecoder()
            decoder.append(Array(input.utf8))
            #expect(throws: SMTPError.self, "\(input.prefix(20))") {
                while try decoder.next() != nil {}
            }
        }
    }

    @Test func startTLSPolicy() {
        typealias D = SMTPTransport.StartTLSDecision
        #expect(SMTPTransport.startTLSDecision(security: .startTLS, serverOffersStartTLS: true, hasCredentials: true, isLoopback: false) == D.upgrade)
        #expect(SMTPTransport.startTLSDecision(security: .startTLS, serverOffersStartTLS: true, hasCredentials: false, isLoopback: true) == D.upgrade)
        #expect(SMTPTransport.startTLSDecision(security: .startTLS, serverOffersStartTLS: false, hasCredentials: true, isLoopback: false) == D.refuse)
        #expect(SMTPTransport.startTLSDecision(security: .startTLS, serverOffersStartTLS: false, hasCredentials: true, isLoopback: true) == D.proceedInClear)
        #expect(SMTPTransport.startTLSDecision(security: .startTLS, serverOffersStartTLS: false, hasCredentials: false, isLoopback: false) == D.proceedInClear)
        #expect(SMTPTransport.startTLSDecision(security: .implicitTLS, serverOffersStartTLS: true, hasCredentials: true, isLoopback: false) == D.alreadySecure)
        #expect(SMTPTransport.startTLSDecision(security: .none, serverOffersStartTLS: true, hasCredentials: true, isLoopback: true) == D.proceedInClear)
        #expect(SMTPTransport.startTLSDecision(security: .none, serverOffersStartTLS: false, hasCredentials: false, isLoopback: false) == D.refuse)
    }

    @Test func serverTextIsScrubbed() {
        let redactor = SMTPRedactor(credentials: .init(username: "u", password: "hunter2"))
        let payload = SMTPTransport.plainAuthPayload(.init(username: "u", password: "hunter2"))
        let text = redactor.text(of: SMTPReply(code: 535, lines: ["bad hunter2 \(payload) \(Data("hunter2".utf8).base64EncodedString())", "x\u{1B}[31m"]))
        #expect(!text.contains("hunter2"))
        #expect(!text.contains(payload))
        #expect(!text.contains("\u{1B}"))
    }

    @Test func sniHostnames() {
        #expect(SMTPTransport.sniHostname("127.0.0.1") == nil)
        #expect(SMTPTransport.sniHostname("::1") == nil)
        #expect(SMTPTransport.sniHostname("smtp.example.com.") == "smtp.example.com")
    }
}

// MARK: - Test server

/// scripts/smtp_server.py in its own process, port(s) and temporary directory.
private final class TestSMTPServer {
    let process: Process
    let directory: URL
    let ports: [String: Int]
    let certificatePath: String
    private let stdin: Pipe

    private init(process: Process, directory: URL, ports: [String: Int], certificatePath: String, stdin: Pipe) {
        self.process = process
        self.directory = directory
        self.ports = ports
        self.certificatePath = certificatePath
        self.stdin = stdin
    }

    func port(_ mode: String) -> Int { ports[mode] ?? 0 }

    static func start(modes: [String], user: String, password: String, onlyAuth: String? = nil) async throws -> TestSMTPServer {
        try await PythonEnvironment.shared.ensureAiosmtpd()

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ava-smtp-\(UUID().uuidString)")
        let messages = directory.appendingPathComponent("messages")
        try FileManager.default.createDirectory(at: messages, withIntermediateDirectories: true)
        let certificate = directory.appendingPathComponent("cert.pem").path
        let key = directory.appendingPathComponent("key.pem").path
        let stdoutPath = directory.appendingPathComponent("stdout.txt").path
        let stderrPath = directory.appendingPathComponent("stderr.txt").path
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)

        var arguments = ["python3", scriptPath, "--dir", messages.path, "--cert", certificate, "--key", key, "--generate-cert",
                         "--user", user, "--password", password, "--exit-on-stdin-eof"]
        for mode in modes { arguments += ["--\(mode)", "0"] }
        if let onlyAuth { arguments += ["--only-auth", onlyAuth] }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()

        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let output = (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? ""
            if let line = output.split(separator: "\n").first(where: { $0.hasPrefix("READY") }) {
                var ports: [String: Int] = [:]
                for field in line.split(separator: " ").dropFirst() {
                    let pair = field.split(separator: "=")
                    if pair.count == 2, let port = Int(pair[1]) { ports[String(pair[0])] = port }
                }
                return TestSMTPServer(process: process, directory: directory, ports: ports, certificatePath: certificate, stdin: stdin)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: directory)
        throw TestServerError("smtp_server.py did not become ready: \(stderr)")
    }

    /// The n-th received message: raw .eml text and its .json metadata.
    func message(_ n: Int) async throws -> (eml: String, meta: [String: Any]) {
        let messages = directory.appendingPathComponent("messages")
        let json = messages.appendingPathComponent("\(n).json")
        let deadline = ContinuousClock.now + .seconds(10)
        while !FileManager.default.fileExists(atPath: json.path) {
            guard ContinuousClock.now < deadline else { throw TestServerError("message \(n) was not received") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let eml = try Data(contentsOf: messages.appendingPathComponent("\(n).eml"))
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any] ?? [:]
        return (String(decoding: eml, as: UTF8.self), meta)
    }

    func receivedFiles() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent("messages").path)) ?? []
    }

    func stop() {
        // SIGKILL: the test runner's blocked-signal mask is inherited by the child, and a blocked
        // SIGTERM would leave it running (the script unblocks signals, but SIGKILL cannot be blocked).
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        try? stdin.fileHandleForWriting.close()
        try? FileManager.default.removeItem(at: directory)
    }

    static var scriptPath: String {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("scripts/smtp_server.py").path
    }
}

private struct TestServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Installs aiosmtpd once per test process if python3 cannot import it.
private actor PythonEnvironment {
    static let shared = PythonEnvironment()
    private var ready: Task<Void, any Error>?

    func ensureAiosmtpd() async throws {
        if ready == nil {
            ready = Task {
                if try await Self.run(["python3", "-c", "import aiosmtpd"]) == 0 { return }
                let status = try await Self.run(["python3", "-m", "pip", "install", "--quiet", "aiosmtpd"])
                guard status == 0, try await Self.run(["python3", "-c", "import aiosmtpd"]) == 0 else {
                    throw TestServerError("cannot install aiosmtpd (python3 -m pip install aiosmtpd)")
                }
            }
        }
        try await ready!.value
    }

    private static func run(_ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
    }
}

// MARK: - Reading messages back

/// A minimal RFC 5322 reader: unfolded headers and body, and MIME parts.
private struct ParsedEmail {
    var rawHeaderLines: [String]
    var headers: [(name: String, value: String)]
    var body: String
    var raw: String

    init(_ raw: String) throws {
        self.raw = raw
        guard let split = raw.range(of: "\r\n\r\n") else { throw TestServerError("no blank line after the headers") }
        rawHeaderLines = raw[..<split.lowerBound].components(separatedBy: "\r\n")
        body = String(raw[split.upperBound...])
        var headers: [(name: String, value: String)] = []
        for line in rawHeaderLines {
            if line.hasPrefix(" ") || line.hasPrefix("\t") {
                guard !headers.isEmpty else { throw TestServerError("continuation line first") }
                headers[headers.count - 1].value += line
            } else {
                guard let colon = line.firstIndex(of: ":") else { throw TestServerError("header without colon: \(line)") }
                headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
            }
        }
        self.headers = headers
    }

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// CRLF only, header lines at most 78 characters, every line at most 998.
    func checkWireFormat() throws {
        let bytes = Array(raw.utf8)
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\n") {
            guard index > 0, bytes[index - 1] == UInt8(ascii: "\r") else { throw TestServerError("bare LF at \(index)") }
        }
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "\r") {
            guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n") else { throw TestServerError("bare CR at \(index)") }
        }
        for line in rawHeaderLines where line.utf8.count > 78 {
            throw TestServerError("header line longer than 78: \(line)")
        }
        for line in raw.components(separatedBy: "\r\n") where line.utf8.count > 998 {
            throw TestServerError("line longer than 998")
        }
    }

    func parts() throws -> [ParsedEmail] {
        let contentType = try #require(header("Content-Type"))
        let regex = try NSRegularExpression(pattern: "boundary=\"([^\"]+)\"")
        let match = try #require(regex.firstMatch(in: contentType, range: NSRange(contentType.startIndex..., in: contentType)))
        let boundary = String(contentType[Range(match.range(at: 1), in: contentType)!])
        var sections = body.components(separatedBy: "--\(boundary)")
        guard sections.count >= 3, sections.last?.hasPrefix("--") == true else { throw TestServerError("no closing boundary") }
        sections.removeFirst() // preamble
        sections.removeLast()  // epilogue after the closing boundary
        return try sections.map { section in
            guard section.hasPrefix("\r\n"), section.hasSuffix("\r\n") else { throw TestServerError("boundary not on its own line") }
            return try ParsedEmail(String(section.dropFirst())) // "\r\n" is one Character
        }
    }

    func decodedBody() throws -> String {
        #expect(header("Content-Transfer-Encoding") == "base64")
        let base64 = body.replacingOccurrences(of: "\r\n", with: "")
        let data = try #require(Data(base64Encoded: base64))
        return String(decoding: data, as: UTF8.self)
    }
}

/// Decodes RFC 2047 `=?UTF-8?B?...?=` / `=?UTF-8?Q?...?=` words in an unfolded header value;
/// whitespace between adjacent encoded-words is dropped, as the RFC says.
private func decodeRFC2047(_ value: String) -> String {
    let regex = try! NSRegularExpression(pattern: "=\\?([^?]+)\\?([BbQq])\\?([^?]*)\\?=")
    let nsValue = value as NSString
    var result = ""
    var position = 0
    var previousWasEncoded = false
    var pending = Data()
    func flush() {
        if !pending.isEmpty {
            result += String(decoding: pending, as: UTF8.self)
            pending = Data()
        }
    }
    for match in regex.matches(in: value, range: NSRange(location: 0, length: nsValue.length)) {
        let between = nsValue.substring(with: NSRange(location: position, length: match.range.location - position))
        if !(previousWasEncoded && between.allSatisfy(\.isWhitespace)) {
            flush()
            result += between
        }
        let encoding = nsValue.substring(with: match.range(at: 2)).uppercased()
        let text = nsValue.substring(with: match.range(at: 3))
        if encoding == "B" {
            pending += Data(base64Encoded: text) ?? Data("<bad base64>".utf8)
        } else {
            var bytes: [UInt8] = []
            var scalars = Array(text.utf8)[...]
            while let byte = scalars.popFirst() {
                if byte == UInt8(ascii: "_") {
                    bytes.append(UInt8(ascii: " "))
                } else if byte == UInt8(ascii: "="), scalars.count >= 2, let hex = UInt8(String(decoding: scalars.prefix(2), as: UTF8.self), radix: 16) {
                    bytes.append(hex)
                    scalars = scalars.dropFirst(2)
                } else {
                    bytes.append(byte)
                }
            }
            pending += Data(bytes)
        }
        position = match.range.location + match.range.length
        previousWasEncoded = true
    }
    flush()
    result += nsValue.substring(from: position)
    return result
}
