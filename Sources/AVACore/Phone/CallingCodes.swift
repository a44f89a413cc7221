/// The country of an E.164 number, from its calling code: enough to tell an owner "this is a French number"
/// and to pick the telephony path. Longest prefix wins (+590 is Guadeloupe, not France's +33 neighbour).
extension PhoneNumber {
    /// ISO 3166-1 alpha-2, or nil for a calling code AVA does not know. `+1` is the US unless its area code
    /// belongs to Canada ("CA") or another member of the North American plan ("NANP").
    public var countryISO: String? {
        let digits = e164.dropFirst()
        if digits.hasPrefix("1") {
            let area = String(digits.dropFirst().prefix(3))
            switch USAreaCode.check(area) {
            case .success: return "US"
            case .failure(.notUS): return USAreaCode.canadian.contains(area) ? "CA" : "NANP"
            case .failure: return "US"
            }
        }
        for length in [3, 2, 1] {
            if let iso = Self.callingCodes[String(digits.prefix(length))] { return iso }
        }
        return nil
    }

    /// Calling code → country, for the countries AVA's owners and their callers most often have.
    static let callingCodes: [String: String] = [
        "33": "FR", "972": "IL", "44": "GB", "49": "DE", "32": "BE", "41": "CH", "352": "LU", "377": "MC", "34": "ES",
        "39": "IT", "351": "PT", "31": "NL", "43": "AT", "353": "IE", "46": "SE", "47": "NO", "45": "DK", "358": "FI",
        "48": "PL", "420": "CZ", "30": "GR", "90": "TR", "7": "RU", "380": "UA", "40": "RO", "36": "HU",
        "212": "MA", "213": "DZ", "216": "TN", "221": "SN", "225": "CI", "237": "CM", "27": "ZA", "20": "EG",
        "971": "AE", "966": "SA", "962": "JO", "961": "LB", "970": "PS", "91": "IN", "86": "CN", "81": "JP", "82": "KR",
        "852": "HK", "65": "SG", "61": "AU", "64": "NZ", "55": "BR", "52": "MX", "54": "AR", "57": "CO", "56": "CL",
        "262": "RE", "590": "GP", "596": "MQ", "594": "GF", "689": "PF", "687": "NC", "508": "PM", "269": "YT",
    ]
}
