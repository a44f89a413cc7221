@testable import App
import AVACore
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import SQLKit
import Foundation
import Vapor

/// An organisation with one 30-minute service (10-minute buffer), French hours, in Paris.
struct BookingFixture {
    let orgID: UUID
    let service: BookingService

    static func make(_ app: Application, country: String = "FR", timezone: String = "Europe/Paris", locale: String = "fr") async throws -> BookingFixture {
        let org = Org(name: "Salon Test", country: country, timezone: timezone, locale: locale)
        try await org.create(on: app.db)
        let service = BookingService(orgID: org.id!, name: "Coupe", durationMinutes: 30, bufferAfterMinutes: 10, priceCents: 3500, currency: "EUR")
        try await service.create(on: app.db)
        return BookingFixture(orgID: org.id!, service: service)
    }
}

/// The instant of a local wall time in a zone.
func localInstant(_ day: LocalDate, hour: Int, minute: Int = 0, zone: String = "Europe/Paris") -> Date {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: zone)!
    let (year, month, dayOfMonth) = day.components
    return calendar.date(from: DateComponents(year: year, month: month, day: dayOfMonth, hour: hour, minute: minute))!
}

/// The next given weekday at least three days from now, in Paris.
func upcoming(_ weekday: Weekday, zone: String = "Europe/Paris") -> LocalDate {
    var day = LocalDate(Date(), in: TimeZone(identifier: zone)!).adding(days: 3)
    while day.weekday != weekday { day = day.adding(days: 1) }
    return day
}

/// A second handle on the test's database with many connections per event loop, like several AVA
/// processes sharing one database, so concurrent attempts really run side by side (the app's own pool
/// has one connection per event loop).
func manyConnections(_ app: Application) async throws -> Database {
    let id = DatabaseID(string: "race-\(UUID().uuidString.prefix(8))")
    let sql = app.db as! any SQLDatabase
    if isPostgres {
        struct Row: Decodable { var search_path: String }
        let path = try await sql.raw("SHOW search_path").first(decoding: Row.self)?.search_path ?? "public"
        var configuration = try SQLPostgresConfiguration(url: ProcessInfo.processInfo.environment["DATABASE_URL"]!)
        configuration.searchPath = path.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        app.databases.use(.postgres(configuration: configuration, maxConnectionsPerEventLoop: 12), as: id, isDefault: false)
    } else {
        struct Row: Decodable { var file: String }
        let file = try await sql.raw("PRAGMA database_list").all(decoding: Row.self).first?.file ?? ""
        app.databases.use(.sqlite(.file(file), maxConnectionsPerEventLoop: 12), as: id, isDefault: false)
    }
    return app.db(id)
}
