import Foundation

/// The receptionist's tools, described once for the language model. Names match `ReceptionistTools`.
extension ReceptionistTools {
    static let definitions: [ToolDefinition] = [
        ToolDefinition(
            name: "checkAvailability",
            description: "Find the next free appointment times. Say the `message` to the caller; keep the `start` values to book.",
            parameters: .object([
                "service": .string("The service the caller wants, in their words. Omit if the business has one service."),
                "date": .string("First day to look at, YYYY-MM-DD in the business's time zone. Omit for the soonest.", format: "date"),
                "partOfDay": .string("Only times in this part of the day.", enum: ["morning", "afternoon", "evening"]),
            ])),
        ToolDefinition(
            name: "bookAppointment",
            description: "Book a time returned by checkAvailability, for the caller. Confirm name and phone number first.",
            parameters: .object([
                "service": .string("The service, as in checkAvailability."),
                "start": .string("The slot's `start` from checkAvailability: local YYYY-MM-DDTHH:MM in the business's time zone."),
                "name": .string("The caller's name."),
                "phone": .string("The caller's phone number; leave empty to use the number they are calling from."),
                "email": .string("Optional email address for the confirmation."),
                "notes": .string("Anything the business should know, briefly."),
            ], required: ["start", "name"])),
        ToolDefinition(
            name: "findAppointments",
            description: "List the caller's upcoming appointments, found by phone number.",
            parameters: .object(["phone": .string("The caller's phone number; leave empty for the number they are calling from.")])),
        ToolDefinition(
            name: "rescheduleAppointment",
            description: "Move one of the caller's appointments (from findAppointments) to a free time (from checkAvailability).",
            parameters: .object([
                "appointmentId": .string("The `id` from findAppointments.", format: "uuid"),
                "phone": .string("The caller's phone number (empty: the calling number), which must be the appointment's."),
                "start": .string("The new slot's `start` from checkAvailability: local YYYY-MM-DDTHH:MM."),
            ], required: ["appointmentId", "start"])),
        ToolDefinition(
            name: "cancelAppointment",
            description: "Cancel one of the caller's appointments (from findAppointments) once they have confirmed.",
            parameters: .object([
                "appointmentId": .string("The `id` from findAppointments.", format: "uuid"),
                "phone": .string("The caller's phone number (empty: the calling number), which must be the appointment's."),
            ], required: ["appointmentId"])),
        ToolDefinition(
            name: "takeMessage",
            description: "Leave a message for the business owner, who will call back.",
            parameters: .object([
                "name": .string("The caller's name."),
                "phone": .string("A number to call back; leave empty for the number they are calling from."),
                "reason": .string("What it is about, in one or two sentences."),
                "urgency": .string("How urgent it is.", enum: ["low", "normal", "high"]),
            ], required: ["name", "reason"])),
        ToolDefinition(
            name: "transferTarget",
            description: "Whether a human can take the call now, and the number to transfer to.",
            parameters: .object([:])),
    ]
}
