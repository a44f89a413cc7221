import AVACore
import Fluent
import Foundation
import Vapor

/// `ava create-admin --email E [--password P] [--name N]`: makes an account for an AVA operator from the
/// command line, with its email already confirmed (whoever runs this controls the server).
///
/// The rule for operators stays the one of the settings: an operator is a confirmed account whose email is
/// listed in `AVA_OPERATOR_EMAILS`. The list is not stored in the database, so that nobody with only
/// database access can make themselves an operator; the command says whether the email is already listed
/// and, if not, the line to add. The account is an ordinary owner of its own organisation, like any sign-up.
struct CreateAdminCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "email", help: "The operator's email address.")
        var email: String?
        @Option(name: "password", help: "Their password (otherwise read from standard input: safer, it stays out of the shell history).")
        var password: String?
        @Option(name: "name", help: "Their name (default: the part of the email before @).")
        var name: String?
        init() {}
    }

    var help: String {
        """
        Creates an operator's account (email confirmed; password from --password or standard input). Operators are the \
        confirmed accounts whose email is in AVA_OPERATOR_EMAILS; the command prints the line to add when it is missing.
        """
    }

    enum Failure: OperatorFacingError {
        case invalidEmail, passwordMissing, weakPassword(String), exists(String)
        var description: String {
            switch self {
            case .invalidEmail: "--email must be a valid email address"
            case .passwordMissing: "no password: pass --password or write it on standard input"
            case .weakPassword(let why): "the password is refused: \(why)"
            case .exists(let email): "an account with \(email) already exists (reset its password from the sign-in page)"
            }
        }
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard let email = signature.email.flatMap(EmailAddress.normalize) else { throw Failure.invalidEmail }
        let password = try signature.password ?? Self.readPassword(context.console)
        let user = try await Self.create(email: email, password: password, name: signature.name, app: context.application)
        context.console.print("Account created: \(user.email) (email confirmed).")
        let operators = context.application.appConfig.operatorEmails
        if operators.contains(email) {
            context.console.print("It is an operator: \(email) is in AVA_OPERATOR_EMAILS.")
        } else {
            let listed = (operators.sorted() + [email]).joined(separator: ",")
            context.console.print("To make it an operator, set in the environment (or .env) and restart AVA:")
            context.console.print("  AVA_OPERATOR_EMAILS=\(listed)")
        }
    }

    /// The account: checked like a sign-up's, created with its organisation in one transaction, email confirmed.
    static func create(email: String, password: String, name: String?, app: Application) async throws -> User {
        switch PasswordPolicy.standard.check(password) {
        case .tooShort(let minimum)?: throw Failure.weakPassword("shorter than \(minimum) characters")
        case .tooLong?: throw Failure.weakPassword("longer than \(PasswordPolicy.maximumLength) characters")
        case .common?: throw Failure.weakPassword("too common")
        case nil: break
        }
        if try await User.query(on: app.db).filter(\.$email == email).count() > 0 { throw Failure.exists(email) }
        let displayName = (name?.cleanedLine).flatMap { $0.isEmpty ? nil : String($0.prefix(120)) }
            ?? String(email.split(separator: "@").first ?? "Operator")
        let user = User(email: email, phone: nil, passwordHash: try app.password.hash(password), name: displayName,
                        locale: AppLocale.fallback.rawValue, newsletter: false)
        user.emailVerifiedAt = Date()
        try await app.db.transaction { db in
            try await SignupService.createAccount(user, orgName: displayName, locale: AppLocale.fallback, on: db)
        }
        return user
    }

    /// A hidden prompt on a terminal; otherwise the first line of standard input (`echo "$PW" | ava create-admin ...`).
    private static func readPassword(_ console: any Console) throws -> String {
        let line: String?
        if isatty(STDIN_FILENO) != 0 {
            console.output("Password: ", newLine: false)
            line = console.input(isSecure: true)
        } else {
            line = readLine(strippingNewline: true)
        }
        guard let line, !line.isEmpty else { throw Failure.passwordMissing }
        return line
    }
}
