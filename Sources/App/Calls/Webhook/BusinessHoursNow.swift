import Fluent
import Foundation

/// Whether the business is open now, in its own time zone (hours minus closures), as the booking engine sees it.
enum BusinessHoursNow {
    static func isOpen(orgID: UUID, at date: Date = Date(), on db: any Database) async throws -> Bool {
        try await BookingContext.load(orgID: orgID, on: db).isOpen(at: date)
    }
}
