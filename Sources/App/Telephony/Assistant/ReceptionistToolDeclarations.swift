import AVACore

/// AVA's receptionist tools as Vapi's `model.tools` declare them (function tools with JSON-schema
/// parameters). Vapi calls them through AVA's webhook (`tool-calls`); the booking engine runs them.
enum ReceptionistToolDeclarations {
    static func vapiTools(_ locale: AppLocale) -> [VapiTool] {
        let date = VapiJSONSchema.string("Day wanted, YYYY-MM-DD in the business's time zone", format: "date")
        let start = VapiJSONSchema.string("Start, local date and time YYYY-MM-DDTHH:MM in the business's time zone")
        let phone = VapiJSONSchema.string("Caller's phone number; leave empty to use the number they are calling from")
        let appointment = VapiJSONSchema.string("Appointment id returned by findAppointments")
        return [
            VapiTool(name: "checkAvailability",
                     description: "Next free appointment slots, optionally for a service, a day and a part of the day.",
                     parameters: .object([
                        "service": .string("Service name as the caller said it"),
                        "date": date,
                        "partOfDay": .string("Part of the day", enumValues: ["morning", "afternoon", "evening"]),
                     ])),
            VapiTool(name: "bookAppointment",
                     description: "Books a slot returned by checkAvailability, after the caller confirmed it.",
                     parameters: .object([
                        "service": .string("Service name"), "start": start, "name": .string("Caller's full name"),
                        "phone": phone, "notes": .string("Anything the business should know"),
                     ], required: ["start", "name"])),
            VapiTool(name: "findAppointments",
                     description: "The caller's upcoming appointments, found by phone number.",
                     parameters: .object(["phone": phone])),
            VapiTool(name: "rescheduleAppointment",
                     description: "Moves one of the caller's appointments to a new free slot.",
                     parameters: .object(["appointmentId": appointment, "start": start], required: ["appointmentId", "start"])),
            VapiTool(name: "cancelAppointment",
                     description: "Cancels one of the caller's appointments.",
                     parameters: .object(["appointmentId": appointment], required: ["appointmentId"])),
            VapiTool(name: "takeMessage",
                     description: "Leaves a message for the business: who called, how to call back, and why.",
                     parameters: .object([
                        "name": .string("Caller's name"), "phone": phone, "reason": .string("The message, in a sentence or two"),
                        "urgency": .string("How urgent", enumValues: ["low", "normal", "high"]),
                     ], required: ["name", "reason"])),
            VapiTool(name: "transferTarget",
                     description: "Whether a person can take the call now, and who.",
                     parameters: .object([:])),
        ]
    }
}
