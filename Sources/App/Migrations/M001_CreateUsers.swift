import Fluent

struct M001_CreateUsers: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await database.schema(User.schema)
            .id()
            .field("email", .string, .required)
            .field("phone", .string)
            .field("phone_verified", .bool, .required, .sql(.default(false)))
            .field("email_verified_at", .datetime)
            .field("password_hash", .string, .required)
            .field("name", .string, .required)
            .field("locale", .string, .required)
            .field("two_fa_enabled", .bool, .required, .sql(.default(false)))
            .field("onboarding_completed", .bool, .required, .sql(.default(false)))
            .field("onboarding_step", .int, .required, .sql(.default(1)))
            .field("newsletter", .bool, .required, .sql(.default(false)))
            .field("terms_accepted_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "email", name: "uq_users_email")
            .unique(on: "phone", name: "uq_users_phone")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema(User.schema).delete()
    }
}
