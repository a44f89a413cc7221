/// A United States area code, the only kind Vapi's free numbers come in.
///
/// The North American Numbering Plan shares its codes between the US, Canada and the Caribbean, so a
/// well-formed code is not enough: codes of Canada and of the Caribbean countries outside the US are refused
/// with their own reason, as are toll-free, premium and reserved codes, which have no local numbers.
public struct USAreaCode: Sendable, Hashable, CustomStringConvertible {
    public let digits: String

    public enum Problem: String, Sendable, Error {
        /// Not three digits, or not a code the numbering plan allows (0/1 first, N11, 9 in the middle...).
        case malformed
        /// A Canadian or Caribbean (non-US) code.
        case notUS
        /// Toll-free, premium, personal or other non-geographic codes: no local numbers.
        case nonGeographic
    }

    /// Checks `text` ("415", " 415 ", "(415)").
    public static func check(_ text: String) -> Result<USAreaCode, Problem> {
        let digits = text.filter { !" ()-".contains($0) }
        guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return .failure(.malformed) }
        let chars = Array(digits)
        // NXX: N is 2–9; the middle digit 9 is reserved for expansion; N11 are service codes (411, 911).
        guard chars[0] >= "2", chars[1] != "9", !(chars[1] == "1" && chars[2] == "1") else { return .failure(.malformed) }
        if nonGeographic.contains(digits) { return .failure(.nonGeographic) }
        if nonUS.contains(digits) { return .failure(.notUS) }
        return .success(USAreaCode(digits: digits))
    }

    public init?(_ text: String) {
        guard case .success(let code) = Self.check(text) else { return nil }
        self = code
    }

    private init(digits: String) { self.digits = digits }

    public var description: String { digits }

    /// Toll-free (8XX), premium (900), personal (5XX "easily recognizable" codes), inter-country and
    /// government codes.
    static let nonGeographic: Set<String> = [
        "800", "833", "844", "855", "866", "877", "888", "822", "880", "881", "882", "883", "884", "885", "886", "887", "889",
        "900", "500", "521", "522", "523", "524", "525", "526", "527", "528", "529", "533", "544", "566", "577", "588",
        "555", "456", "600", "622", "700", "710",
    ]

    /// Canada and the Caribbean members of the plan that are not US territories (Puerto Rico 787/939, the
    /// US Virgin Islands 340, Guam 671, the Northern Marianas 670 and American Samoa 684 are US).
    static let nonUS: Set<String> = canadian.union(caribbean)

    static let canadian: Set<String> = [
        // Canada
        "204", "226", "236", "249", "250", "257", "263", "289", "306", "343", "354", "365", "367", "368", "382", "387",
        "403", "416", "418", "428", "431", "437", "438", "450", "460", "468", "474", "506", "514", "519", "548", "579",
        "581", "584", "587", "604", "613", "639", "647", "672", "683", "705", "709", "742", "753", "778", "780", "782",
        "807", "819", "825", "867", "873", "879", "902", "905", "942",
    ]

    /// The Caribbean countries and Bermuda.
    static let caribbean: Set<String> = [
        "242", "246", "264", "268", "284", "345", "441", "473", "649", "658", "664", "721", "758", "767", "784", "809",
        "829", "849", "868", "869", "876",
    ]
}
