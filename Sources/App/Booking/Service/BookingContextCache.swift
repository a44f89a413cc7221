import Fluent
import Foundation

/// Each organisation's booking settings (hours, time zone, staff, closures, services) kept in memory for a few
/// seconds: during a call every tool call and every assistant request needs them, and reading them costs five
/// queries that change almost never (see `OrgCache`).
enum BookingContextCache {
    static let shared = OrgCache<BookingContext>(lifetime: 10)

    static func get(_ orgID: UUID, now: Date = Date()) -> BookingContext? { shared.get(orgID, now: now) }
    static func put(_ context: BookingContext, now: Date = Date()) { shared.put(context, for: context.orgID, now: now) }
    static func forget(_ orgID: UUID) { shared.forget(orgID) }
}

extension Databases {
    /// Keeps `BookingContextCache` true to what this process writes.
    func useBookingCacheInvalidation() {
        let forget: @Sendable (UUID) -> Void = { BookingContextCache.forget($0) }
        middleware.use(ForgetOrgOnChange<BookingProfile>(orgID: { $0.$org.id }, forget: forget))
        middleware.use(ForgetOrgOnChange<StaffMember>(orgID: { $0.$org.id }, forget: forget))
        middleware.use(ForgetOrgOnChange<BookingClosure>(orgID: { $0.$org.id }, forget: forget))
        middleware.use(ForgetOrgOnChange<BookingService>(orgID: { $0.$org.id }, forget: forget))
        middleware.use(ForgetOrgOnChange<Org>(orgID: { $0.id }, forget: forget))
    }
}
