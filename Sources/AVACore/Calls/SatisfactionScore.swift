import Foundation

/// Vapi's `analysis.successEvaluation` as a percentage. Its shape depends on the assistant's rubric:
/// `PassFail` gives "true"/"false", `NumericScale` a number from 1 to 10, `PercentageScale` "85%" (or 85),
/// `DescriptiveScale` Excellent/Good/Fair/Poor, `LikertScale` Strongly agree … Strongly disagree,
/// `LetterGrade`-like rubrics A–F. Anything else (free text, a checklist) is not a score: nil.
public enum SatisfactionScore {
    public static func percent(_ raw: String?) -> Double? {
        guard var text = raw?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), !text.isEmpty else { return nil }
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        switch text {
        case "true", "pass", "passed", "yes", "success", "successful": return 100
        case "false", "fail", "failed", "no", "failure", "unsuccessful": return 0
        case "excellent", "strongly agree", "a": return 100
        case "good", "agree", "b": return 75
        case "fair", "neutral", "average", "c": return 50
        case "poor", "disagree", "d": return 25
        case "very poor", "strongly disagree", "f", "e": return 0
        default: break
        }
        if text.hasSuffix("%") {
            guard let value = Double(text.dropLast().trimmingCharacters(in: .whitespaces)), (0...100).contains(value) else { return nil }
            return value
        }
        // "8/10" and "4/5" are scores out of their denominator.
        let parts = text.split(separator: "/").map { $0.trimmingCharacters(in: .whitespaces) }
        if parts.count == 2, let value = Double(parts[0]), let scale = Double(parts[1]), scale > 0, (0...scale).contains(value) {
            return value / scale * 100
        }
        guard let value = Double(text.replacingOccurrences(of: ",", with: ".")), value.isFinite else { return nil }
        switch value {
        case 0...10: return value * 10  // the numeric scale (1-10)
        case 10...100: return value     // a bare percentage
        default: return nil
        }
    }
}
