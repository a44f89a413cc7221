import Fluent
import Foundation
import SQLKit

extension Database {
    /// Marks a single-use row (a token, a link, a sign-in flow) used, atomically: of two requests racing
    /// with the same secret, exactly one gets `true`. The row's table must have `id` and `used_at`.
    func claimOnce(_ table: String, id: UUID, at time: Date = Date()) async throws -> Bool {
        let claimed = try await (self as! any SQLDatabase).update(table)
            .set("used_at", to: SQLBind(time))
            .where("id", .equal, SQLBind(id)).where("used_at", .is, SQLLiteral.null)
            .returning("id").all()
        return !claimed.isEmpty
    }
}
