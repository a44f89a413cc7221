import AVACore
import Testing

@Suite("Phone numbers")
struct PhoneNumberTests {
    @Test(arguments: [
        ("06 12 34 56 78", CountryCode.FR, "+33612345678"),
        ("0612345678", .FR, "+33612345678"),
        ("01.23.45.67.89", .FR, "+33123456789"),
        ("+33 6 12 34 56 78", .FR, "+33612345678"),
        ("0033612345678", .FR, "+33612345678"),
        ("050-123-4567", .IL, "+972501234567"),
        ("03-123-4567", .IL, "+97231234567"),
        ("+972 50 123 4567", .IL, "+972501234567"),
        ("(415) 555-0100", .US, "+14155550100"),
        ("1 415 555 0100", .US, "+14155550100"),
        ("+44 20 7946 0958", .US, "+442079460958"),
    ])
    func nationalFormatsBecomeE164(input: String, country: CountryCode, expected: String) {
        #expect(PhoneNumber(parsing: input, defaultCountry: country)?.e164 == expected)
    }

    @Test(arguments: ["", "12", "hello", "06 12 34", "+0612345678", "612345678", "+1 015 555 0100", "06 12 34 56 78 99", "+33 06 12 34 56 78"])
    func nonsenseIsRefused(input: String) {
        #expect(PhoneNumber(parsing: input, defaultCountry: .FR) == nil)
    }

    @Test func identifierDetection() {
        #expect(Identifier.detect(" Camille@Example.COM ", defaultCountry: .FR) == .email("camille@example.com"))
        #expect(Identifier.detect("06 12 34 56 78", defaultCountry: .FR) == .phone(PhoneNumber(e164: "+33612345678")!))
        #expect(Identifier.detect("camille", defaultCountry: .FR) == nil)
    }

    @Test(arguments: ["a@b.co", "first.last+tag@sub.example.fr"])
    func validEmails(email: String) { #expect(EmailAddress.normalize(email) == email) }

    @Test(arguments: ["a@b", "@b.co", "a b@c.co", "a@@b.co", "a@b.c", "a@-b.co", "a@b..co", "<a@b.co>"])
    func invalidEmails(email: String) { #expect(EmailAddress.normalize(email) == nil) }
}
