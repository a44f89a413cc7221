import AVACore
import Fluent
import Vapor

/// After a call: each owner and admin gets an email with the summary and what AVA did (appointment, message,
/// transfer). The caller's SMS confirmation of a booking is the booking engine's own notice.
enum CallEndedJob {
    static func run(_ context: JobContext) async throws {
        let payload = try context.decode(CallJobs.CallPayload.self)
        let db = context.db
        guard let call = try await Call.find(payload.callID, on: db), let org = try await Org.find(call.$org.id, on: db) else {
            throw JobFailure("call gone", permanent: true)
        }
        let appointments = try await Appointment.query(on: db).filter(\.$callID == payload.callID).with(\.$service).all()
        let messages = try await OwnerMessage.query(on: db).filter(\.$callID == payload.callID).all()
        let managers = try await OrgUser.query(on: db).filter(\.$org.$id == org.id!)
            .filter(\.$role ~~ [OrgUser.Role.owner, .admin]).with(\.$user).all()
        for membership in managers {
            let user = membership.user
            let locale = AppLocale(rawValue: user.locale) ?? .fallback
            let caller = call.callerName ?? call.fromNumber ?? context.application.translations.text("call_email_unknown_caller", locale)
            var paragraphs = [Email.Text("call_email_intro", caller, org.name)]
            if let summary = call.summary, !summary.isEmpty { paragraphs.append(Email.Text("call_email_summary", summary)) }
            for appointment in appointments {
                let when = BookingTexts.when(appointment.startsAt, locale: locale, timeZoneID: org.timezone)
                paragraphs.append(Email.Text("call_email_booked", appointment.service.name, when))
            }
            for message in messages { paragraphs.append(Email.Text("call_email_message", message.name, message.phone, message.reason)) }
            if call.outcome == "transferred" { paragraphs.append(Email.Text("call_email_transferred")) }
            if appointments.isEmpty, messages.isEmpty, call.outcome != "transferred" { paragraphs.append(Email.Text("call_email_nothing")) }
            let link = context.application.appConfig.publicURL + "/\(locale.rawValue)/calls/\(payload.callID.uuidString)"
            let email = Email(subject: Email.Text("call_email_subject", caller), paragraphs: paragraphs,
                              button: (label: Email.Text("call_email_open"), link: link))
            try await context.application.mailer.send(email, to: user)
        }
    }
}

/// A call whose end-of-call report never came (Vapi sends it once, without retry): ask Vapi how it ended and
/// complete the call from its answer. Calls still going are looked at again later; simulated calls and the
/// sandbox have no Vapi to ask, so an abandoned call is closed as such.
enum CallReconcileJob {
    /// First look, and the pause between looks.
    static let delay: TimeInterval = 15 * 60
    /// Give up asking after this long: the call is closed with what AVA has.
    static let giveUpAfter: TimeInterval = 6 * 3600

    static func run(_ context: JobContext) async throws {
        let payload = try context.decode(CallJobs.CallPayload.self)
        let db = context.db
        guard let call = try await Call.find(payload.callID, on: db) else { return }
        if call.reportReceivedAt != nil { return }
        let age = Date().timeIntervalSince(call.createdAt ?? Date())
        guard let vapi = context.application.vapi, !call.simulated, let vapiCallID = call.vapiCallID else {
            try await close(call, reason: "no-end-of-call-report", on: db)
            return
        }
        let answer: VapiCall
        do {
            answer = try await vapi.fetchCall(id: vapiCallID)
        } catch let error as VapiError where error.reason == .notFound {
            try await close(call, reason: "unknown-to-vapi", on: db)
            return
        } catch let error as VapiError {
            throw JobFailure("Vapi: \(error.appError.code)")
        }
        guard answer.status == "ended" else {
            if age > giveUpAfter { try await close(call, reason: "no-end-of-call-report", on: db); return }
            _ = try await Jobs.enqueue(kind: CallJobs.reconcile, payload: payload, runAt: Date().addingTimeInterval(delay), on: db)
            return
        }
        try await db.transaction { tx in
            try await Call.query(on: tx).filter(\.$id == payload.callID).filter(\.$reportReceivedAt == nil)
                .set(\.$status, to: "ended").set(\.$statusRank, to: 6)
                .set(\.$transcript, to: answer.transcript.map { String($0.prefix(CallEventSQL.maxTranscript)) })
                .set(\.$summary, to: answer.summary).set(\.$recordingURL, to: answer.recordingURL).set(\.$cost, to: answer.cost)
                .set(\.$endedReason, to: answer.endedReason).set(\.$endedAt, to: answer.endedDate ?? Date())
                .set(\.$reportReceivedAt, to: Date())
                .update()
            _ = try await Jobs.enqueue(kind: CallJobs.callEnded, payload: payload, on: tx)
        }
    }

    private static func close(_ call: Call, reason: String, on db: any Database) async throws {
        call.status = "ended"
        call.statusRank = 6
        call.endedReason = call.endedReason ?? reason
        call.endedAt = call.endedAt ?? call.lastEventAt ?? Date()
        call.reportReceivedAt = Date()
        try await call.save(on: db)
    }
}

func registerCallJobs(_ app: Application) {
    app.jobs.register(CallJobs.callEnded) { try await CallEndedJob.run($0) }
    app.jobs.register(CallJobs.reconcile) { try await CallReconcileJob.run($0) }
}
