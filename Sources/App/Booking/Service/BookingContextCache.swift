import Fluent
import Foundation
import NIOConcurrencyHelpers

/// Each organisation's booking settings (hours, time zone, staff, closures, services) kept in memory for a few seconds:
/// during a call every tool call and every assistant request needs them, and reading them costs four queries
/// that change almost never. A change made through this process forgets its organisation's entry at once (see
/// `BookingCacheInvalidation`); another process sees it within `lifetime`.
enum BookingContextCache {
    static let lifetime: TimeInterval = 10
    private static let entries = NIOLockedValueBox<[UUID: (context: BookingContext, expires: Date)]>([:])

    static func get(_ orgID: UUID, now: Date = Date()) -> BookingContext? {
        entries.withLockedValue { all in
            guard let entry = all[orgID], entry.expires > now else { return nil }
            return entry.context
        }
    }

    static func put(_ context: BookingContext, now: Date = Date()) {
        entries.withLockedValue { all in
            if all.count > 50_000 { all.removeAll() }
            all[context.orgID] = (context, now.addingTimeInterval(lifetime))
        }
    }

    static func forget(_ orgID: UUID) { _ = entries.withLockedValue { $0.removeValue(forKey: orgID) } }
}

/// Forgets an organisation's cached settings whenever one of the models they come from changes.
struct BookingCacheInvalidation<Settings: Model>: AsyncModelMiddleware {
    let orgID: @Sendable (Settings) -> UUID?

    func create(model: Settings, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.create(model, on: db); forget(model)
    }

    func update(model: Settings, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.update(model, on: db); forget(model)
    }

    func delete(model: Settings, force: Bool, on db: any Database, next: any AnyAsyncModelResponder) async throws {
        try await next.delete(model, force: force, on: db); forget(model)
    }

    private func forget(_ model: Settings) {
        if let id = orgID(model) { BookingContextCache.forget(id) }
    }
}

extension Databases {
    /// Keeps `BookingContextCache` true to what this process writes.
    func useBookingCacheInvalidation() {
        middleware.use(BookingCacheInvalidation<BookingProfile> { $0.$org.id })
        middleware.use(BookingCacheInvalidation<StaffMember> { $0.$org.id })
        middleware.use(BookingCacheInvalidation<BookingClosure> { $0.$org.id })
        middleware.use(BookingCacheInvalidation<BookingService> { $0.$org.id })
        middleware.use(BookingCacheInvalidation<Org> { $0.id })
    }
}
