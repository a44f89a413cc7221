import Fluent
import Vapor

/// `ava stats onboarding`: the funnel of the plan's success metrics. For each step, how many owners entered
/// it, how many completed it, and where they dropped; and the median time from sign-up to the first call.
struct StatsCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Argument(name: "report", help: "Which figures: onboarding")
        var report: String
        init() {}
    }

    var help: String { "Prints product figures: `ava stats onboarding` (the onboarding funnel)." }

    func run(using context: CommandContext, signature: Signature) async throws {
        guard signature.report == "onboarding" else {
            context.console.error("Unknown report \(signature.report): try `ava stats onboarding`.")
            return
        }
        let report = try await OnboardingStats.compute(on: context.application.db)
        context.console.print(report.text)
    }
}

enum OnboardingStats {
    struct Report: Sendable {
        var rows: [(step: OnboardingFlow.Step, entered: Int, completed: Int)]
        var signups: Int
        var medianToFirstCall: TimeInterval?
        var withCall: Int

        var text: String {
            var lines = ["onboarding funnel: \(signups) sign-ups"]
            var previous = signups
            for row in rows {
                let rate = row.entered == 0 ? 0 : Double(row.completed) * 100 / Double(row.entered)
                let drop = previous == 0 ? 0 : Double(previous - row.entered) * 100 / Double(previous)
                lines.append(String(format: "  %d %-10@ entered %5d  completed %5d  (%.0f%% completed, %.0f%% dropped before)",
                                    row.step.rawValue, row.step.key as NSString, row.entered, row.completed, rate, max(0, drop)))
                previous = row.completed
            }
            if let median = medianToFirstCall {
                lines.append(String(format: "  median time from sign-up to first call: %.1f min (%d owners called)", median / 60, withCall))
            } else {
                lines.append("  no first call yet")
            }
            return lines.joined(separator: "\n")
        }
    }

    static func compute(on db: any Database) async throws -> Report {
        let events = try await OnboardingEvent.query(on: db).all()
        var rows: [(OnboardingFlow.Step, Int, Int)] = []
        for step in OnboardingFlow.Step.allCases {
            let of = events.filter { $0.step == step.rawValue }
            rows.append((step, of.filter { $0.kind == .entered }.count, of.filter { $0.kind == .completed }.count))
        }
        let users = try await User.query(on: db).all()
        var durations: [TimeInterval] = []
        for user in users {
            guard let created = user.createdAt, let id = user.id,
                  let membership = try await OrgUser.query(on: db).filter(\.$user.$id == id).first(),
                  let first = try await Call.query(on: db).filter(\.$org.$id == membership.$org.id).sort(\.$createdAt).first(),
                  let called = first.createdAt else { continue }
            durations.append(max(0, called.timeIntervalSince(created)))
        }
        durations.sort()
        let median = durations.isEmpty ? nil : durations[durations.count / 2]
        return Report(rows: rows, signups: users.count, medianToFirstCall: median, withCall: durations.count)
    }
}
