import Foundation

/// The rules a new password must meet. Length beats complexity rules (NIST SP 800-63B): at least ten
/// characters, and not one of the passwords attackers try first.
public struct PasswordPolicy: Sendable {
    public static let minimumLength = 10
    public static let maximumLength = 128  // bcrypt reads 72 bytes; the cap also bounds hashing work

    public enum Violation: Error, Equatable, Sendable {
        case tooShort(minimum: Int)
        case tooLong(maximum: Int)
        case common
    }

    private let commonPasswords: Set<String>

    public init(commonPasswords: Set<String>) {
        self.commonPasswords = commonPasswords
    }

    /// The policy with the bundled list of common passwords.
    public static let standard: PasswordPolicy = {
        let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt")
        let text = url.flatMap { try? String(contentsOf: $0, encoding: .utf8) } ?? ""
        let words = text.split(whereSeparator: \.isNewline).filter { !$0.hasPrefix("#") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        return PasswordPolicy(commonPasswords: Set(words.filter { !$0.isEmpty }))
    }()

    public func check(_ password: String) -> Violation? {
        if password.count < Self.minimumLength { return .tooShort(minimum: Self.minimumLength) }
        if password.utf8.count > Self.maximumLength { return .tooLong(maximum: Self.maximumLength) }
        let lowered = password.lowercased()
        if commonPasswords.contains(lowered) { return .common }
        // "aaaaaaaaaa" and "1234567890" style passwords are as weak as the listed ones.
        if Set(lowered).count <= 2 { return .common }
        if Self.isSequence(lowered) { return .common }
        return nil
    }

    private static func isSequence(_ value: String) -> Bool {
        let scalars = value.unicodeScalars.map(\.value)
        guard scalars.count > 2 else { return false }
        let steps = Set(zip(scalars, scalars.dropFirst()).map { Int($1) - Int($0) })
        return steps == [1] || steps == [-1]
    }
}
