import Foundation

extension String {
    /// What a person typed into a one-line field: control characters (tabs, newlines, NUL) removed, surrounding
    /// spaces trimmed. Letters of every script and their marks stay.
    var cleanedLine: String {
        String(String.UnicodeScalarView(unicodeScalars.filter { $0.properties.generalCategory != .control }))
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
