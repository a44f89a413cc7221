import AVACore
import Fluent
import Vapor

/// One step of the funnel, recorded the first time only (so a reload does not count twice).
final class OnboardingEvent: Model, @unchecked Sendable {
    static let schema = "onboarding_events"

    enum Kind: String, Codable, Sendable { case entered, completed }

    @ID(key: .id) var id: UUID?
    @Parent(key: "user_id") var user: User
    @Parent(key: "org_id") var org: Org
    @Field(key: "step") var step: Int
    @Enum(key: "kind") var kind: Kind
    @Field(key: "at") var at: Date

    init() {}

    init(userID: UUID, orgID: UUID, step: Int, kind: Kind, at: Date = Date()) {
        $user.id = userID
        $org.id = orgID
        self.step = step
        self.kind = kind
        self.at = at
    }
}

/// The wizard's five steps and where each owner stands, saved on the server (`users.onboarding_step`), so a
/// reload, a closed tab or another device resumes at the same place.
struct OnboardingFlow {
    enum Step: Int, CaseIterable, Sendable {
        case welcome = 1, number, industry, customise, testCall

        var key: String {
            switch self {
            case .welcome: "welcome"
            case .number: "number"
            case .industry: "industry"
            case .customise: "customise"
            case .testCall: "test_call"
            }
        }
    }

    let db: any Database
    let user: CurrentUser

    /// The step to show: the one asked for if already reached, else the furthest reached.
    func current(asked: Int?) -> Step {
        let reached = Step(rawValue: min(max(user.user.onboardingStep, 1), Step.testCall.rawValue)) ?? .welcome
        if let asked, let step = Step(rawValue: asked), step.rawValue <= reached.rawValue { return step }
        return reached
    }

    func entered(_ step: Step) async throws { try await record(step, .entered) }

    /// Marks the step done and moves the owner on (never back: going back to look changes nothing saved).
    func completed(_ step: Step) async throws {
        try await record(step, .completed)
        let next = min(step.rawValue + 1, Step.testCall.rawValue)
        if next > user.user.onboardingStep {
            try await User.query(on: db).filter(\.$id == user.userID).set(\.$onboardingStep, to: next).update()
            user.user.onboardingStep = next
        }
    }

    func finish() async throws {
        try await record(.testCall, .completed)
        try await User.query(on: db).filter(\.$id == user.userID).set(\.$onboardingCompleted, to: true)
            .set(\.$onboardingStep, to: Step.testCall.rawValue).update()
        user.user.onboardingCompleted = true
    }

    private func record(_ step: Step, _ kind: OnboardingEvent.Kind) async throws {
        let exists = try await OnboardingEvent.query(on: db).filter(\.$user.$id == user.userID).filter(\.$step == step.rawValue)
            .filter(\.$kind == kind).first() != nil
        guard !exists else { return }
        do {
            try await OnboardingEvent(userID: user.userID, orgID: user.orgID, step: step.rawValue, kind: kind).create(on: db)
        } catch where (error as? any DatabaseError)?.isConstraintFailure == true {
            // Two tabs at once: the other one recorded it.
        }
    }

    /// When the owner first saw `step`.
    func enteredAt(_ step: Step) async throws -> Date? {
        try await OnboardingEvent.query(on: db).filter(\.$user.$id == user.userID).filter(\.$step == step.rawValue)
            .filter(\.$kind == .entered).first()?.at
    }
}
