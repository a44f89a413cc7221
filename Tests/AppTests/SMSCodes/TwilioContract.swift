import Foundation

/// Twilio's published OpenAPI documents (`shared/contracts/twilio-api-v2010.json`, `twilio-verify-v2.json`),
/// reduced to what a request must honour: the operation exists, path parameters match their patterns,
/// the body is form-encoded, every parameter is one the contract names (exact spelling), required ones
/// are present, and values have the declared type, pattern, enum or format (`phone-number` is E.164).
struct TwilioContract: Sendable {
    struct Rule: Sendable {
        var type: String?
        var format: String?
        var pattern: String?
        var allowed: [String]?
    }

    struct Operation: Sendable {
        var template: String
        var regex: String
        var pathParameters: [String: Rule]
        var body: [String: Rule]?
        var required: Set<String>
    }

    /// By method ("GET", "POST"), every operation of both documents.
    let operations: [String: [Operation]]

    /// `AVA_CONTRACTS_DIR`, else the copies kept in Tests/Contracts (taken unchanged from Twilio's
    /// published documents, so a fresh clone tests against them with nothing beside it).
    static let directory: String = {
        if let dir = ProcessInfo.processInfo.environment["AVA_CONTRACTS_DIR"] { return dir }
        let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return tests.appendingPathComponent("Contracts").path
    }()

    static let shared: TwilioContract = {
        do {
            return try TwilioContract(files: ["twilio-api-v2010.json", "twilio-verify-v2.json"].map { "\(directory)/\($0)" })
        } catch {
            fatalError("Twilio's contracts are needed by the SMS tests (\(directory)): \(error)")
        }
    }()

    init(files: [String]) throws {
        var operations: [String: [Operation]] = [:]
        for file in files {
            let data = try Data(contentsOf: URL(fileURLWithPath: file))
            guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let paths = document["paths"] as? [String: [String: Any]] else { continue }
            let schemas = (document["components"] as? [String: Any])?["schemas"] as? [String: Any] ?? [:]
            for (template, item) in paths {
                for (method, value) in item {
                    guard let operation = value as? [String: Any], ["get", "post", "delete"].contains(method) else { continue }
                    operations[method.uppercased(), default: []].append(Self.operation(template, operation, schemas: schemas))
                }
            }
        }
        self.operations = operations
    }

    private static func operation(_ template: String, _ operation: [String: Any], schemas: [String: Any]) -> Operation {
        var pathParameters: [String: Rule] = [:]
        for parameter in operation["parameters"] as? [[String: Any]] ?? [] where parameter["in"] as? String == "path" {
            pathParameters[parameter["name"] as? String ?? ""] = rule(parameter["schema"] as? [String: Any] ?? [:], schemas: schemas)
        }
        var body: [String: Rule]?
        var required: Set<String> = []
        if let content = (operation["requestBody"] as? [String: Any])?["content"] as? [String: Any],
           let schema = (content["application/x-www-form-urlencoded"] as? [String: Any])?["schema"] as? [String: Any] {
            body = (schema["properties"] as? [String: [String: Any]] ?? [:]).mapValues { rule($0, schemas: schemas) }
            required = Set(schema["required"] as? [String] ?? [])
        }
        // "/2010-04-01/Accounts/{Sid}.json" → ^/2010-04-01/Accounts/(?<Sid>[^/]+)\.json$
        var regex = NSRegularExpression.escapedPattern(for: template)
        for name in pathParameters.keys {
            regex = regex.replacingOccurrences(of: "\\{\(name)\\}", with: "(?<\(name)>[^/]+)")
                .replacingOccurrences(of: "{\(name)}", with: "(?<\(name)>[^/]+)")
        }
        return Operation(template: template, regex: "^\(regex)$", pathParameters: pathParameters, body: body, required: required)
    }

    private static func rule(_ schema: [String: Any], schemas: [String: Any]) -> Rule {
        var schema = schema
        if let ref = schema["$ref"] as? String, let name = ref.split(separator: "/").last,
           let resolved = schemas[String(name)] as? [String: Any] { schema = resolved }
        return Rule(type: schema["type"] as? String, format: schema["format"] as? String,
                    pattern: schema["pattern"] as? String, allowed: schema["enum"] as? [String])
    }

    /// The operation a request is for, or nil when the contract has none.
    func operation(_ method: String, _ path: String) -> (Operation, [String: String])? {
        for operation in operations[method] ?? [] {
            guard let regex = try? NSRegularExpression(pattern: operation.regex),
                  let match = regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) else { continue }
            var values: [String: String] = [:]
            for name in operation.pathParameters.keys {
                if let range = Range(match.range(withName: name), in: path) { values[name] = String(path[range]) }
            }
            return (operation, values)
        }
        return nil
    }

    /// Everything wrong with a request; empty when it honours the contract.
    func violations(method: String, path: String, contentType: String?, form: [(String, String)]) -> [String] {
        guard let (operation, pathValues) = operation(method, path) else { return ["\(method) \(path): no such operation in Twilio's API"] }
        var problems: [String] = []
        for (name, value) in pathValues {
            if let problem = Self.check(value, operation.pathParameters[name]!) { problems.append("path \(name)=\(value): \(problem)") }
        }
        guard let body = operation.body else {
            if !form.isEmpty { problems.append("\(operation.template) takes no body") }
            return problems
        }
        if contentType?.hasPrefix("application/x-www-form-urlencoded") != true {
            problems.append("\(operation.template): body must be application/x-www-form-urlencoded, not \(contentType ?? "none")")
        }
        let names = form.map(\.0)
        for name in operation.required where !names.contains(name) { problems.append("\(operation.template): \(name) is required") }
        for (name, value) in form {
            guard let rule = body[name] else { problems.append("\(operation.template): unknown parameter \(name)"); continue }
            if rule.type != "array", names.filter({ $0 == name }).count > 1 { problems.append("\(name) sent twice") }
            if let problem = Self.check(value, rule) { problems.append("\(name)=\(value): \(problem)") }
        }
        return problems
    }

    static func check(_ value: String, _ rule: Rule) -> String? {
        if let allowed = rule.allowed, !allowed.contains(value) { return "not one of \(allowed)" }
        if let pattern = rule.pattern, value.range(of: pattern, options: .regularExpression) == nil { return "does not match \(pattern)" }
        switch (rule.type, rule.format) {
        case ("string", "phone-number"?): return isE164(value) ? nil : "not an E.164 number"
        case ("boolean", _): return ["true", "false"].contains(value) ? nil : "not a boolean"
        case ("integer", _): return Int(value) == nil ? "not an integer" : nil
        case ("string", "uri"?): return URL(string: value)?.scheme == nil ? "not a URI" : nil
        default: return nil
        }
    }

    static func isE164(_ value: String) -> Bool {
        value.range(of: #"^\+[1-9][0-9]{7,14}$"#, options: .regularExpression) != nil
    }
}
