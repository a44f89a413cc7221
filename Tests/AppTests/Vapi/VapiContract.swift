import Foundation

/// Vapi's published OpenAPI document (`shared/contracts/vapi-openapi.json`, copied unchanged into
/// Tests/Contracts), as the fake Vapi checks requests against it: the operation exists (method and path
/// template), path ids are UUIDs, query parameters are declared ones with valid values, and the JSON body
/// validates against the operation's requestBody schema. The body check runs Python's
/// openapi-schema-validator (`validate_vapi_body.py`, beside this file), which resolves every `$ref`.
struct VapiContract: Sendable {
    struct Operation: Sendable {
        var method: String
        var template: String
        var regex: String
        /// Query parameters by name: (type, format, minimum, maximum).
        var query: [String: Parameter]
        var hasBody: Bool
    }

    struct Parameter: Sendable { var type: String?; var format: String?; var minimum: Double?; var maximum: Double? }

    struct BodyCheck: Sendable {
        /// The schema the body was validated against (the discriminated branch of a oneOf).
        var schema: String?
        var problems: [String]
    }

    let operations: [Operation]

    static let file = "\(TwilioContract.directory)/vapi-openapi.json"
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("validate_vapi_body.py").path

    static let shared: VapiContract = {
        do { return try VapiContract(file: file) } catch {
            fatalError("Vapi's contract is needed by the Vapi tests (\(file)): \(error)")
        }
    }()

    init(file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let paths = document["paths"] as? [String: [String: Any]] else { throw CocoaError(.fileReadCorruptFile) }
        var operations: [Operation] = []
        for (template, item) in paths {
            for (method, value) in item {
                guard let operation = value as? [String: Any], ["get", "post", "patch", "delete", "put"].contains(method) else { continue }
                var query: [String: Parameter] = [:]
                for parameter in operation["parameters"] as? [[String: Any]] ?? [] where parameter["in"] as? String == "query" {
                    let schema = parameter["schema"] as? [String: Any] ?? [:]
                    query[parameter["name"] as? String ?? ""] = Parameter(
                        type: schema["type"] as? String, format: schema["format"] as? String,
                        minimum: (schema["minimum"] as? NSNumber)?.doubleValue, maximum: (schema["maximum"] as? NSNumber)?.doubleValue)
                }
                let regex = "^" + NSRegularExpression.escapedPattern(for: template)
                    .replacingOccurrences(of: #"\\\{[A-Za-z]+\\\}|\{[A-Za-z]+\}"#, with: "([^/]+)", options: .regularExpression) + "$"
                operations.append(Operation(method: method.uppercased(), template: template, regex: regex, query: query,
                                            hasBody: operation["requestBody"] != nil))
            }
        }
        self.operations = operations
    }

    func operation(_ method: String, _ path: String) -> (Operation, [String])? {
        for operation in operations where operation.method == method {
            guard let regex = try? NSRegularExpression(pattern: operation.regex),
                  let match = regex.firstMatch(in: path, range: NSRange(path.startIndex..., in: path)) else { continue }
            let values = (1..<max(match.numberOfRanges, 1)).compactMap { Range(match.range(at: $0), in: path).map { String(path[$0]) } }
            return (operation, values)
        }
        return nil
    }

    /// What is wrong with the method, path and query (the body is `checkBody`'s).
    func violations(method: String, path: String, query: [(String, String)]) -> [String] {
        guard let (operation, pathValues) = operation(method, path) else { return ["\(method) \(path): no such operation in Vapi's API"] }
        var problems: [String] = []
        for value in pathValues where UUID(uuidString: value) == nil {
            problems.append("\(operation.template): \(value) is not a UUID")
        }
        for (name, value) in query {
            guard let parameter = operation.query[name] else {
                problems.append("\(operation.template): unknown query parameter \(name)"); continue
            }
            switch (parameter.type, parameter.format) {
            case ("number", _):
                guard let number = Double(value) else { problems.append("\(name)=\(value): not a number"); continue }
                if let minimum = parameter.minimum, number < minimum { problems.append("\(name)=\(value): below \(minimum)") }
                if let maximum = parameter.maximum, number > maximum { problems.append("\(name)=\(value): above \(maximum)") }
            case ("string", "date-time"?):
                if (try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(value)) == nil,
                   (try? Date.ISO8601FormatStyle().parse(value)) == nil {
                    problems.append("\(name)=\(value): not an RFC 3339 date-time")
                }
            default: break
            }
        }
        return problems
    }

    /// Validates `body` (nil: none was sent) with `validate_vapi_body.py`.
    static func checkBody(method: String, path: String, body: Data?) async -> BodyCheck {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [ProcessInfo.processInfo.environment["AVA_PYTHON"] ?? "python3", script, file, method, path]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("vapi-check-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let input = directory.appendingPathComponent("body.json")
            let output = directory.appendingPathComponent("out"), errors = directory.appendingPathComponent("err")
            try (body ?? Data()).write(to: input)
            FileManager.default.createFile(atPath: output.path, contents: nil)
            FileManager.default.createFile(atPath: errors.path, contents: nil)
            process.standardInput = try FileHandle(forReadingFrom: input)
            process.standardOutput = try FileHandle(forWritingTo: output)
            process.standardError = try FileHandle(forWritingTo: errors)
            let status: Int32 = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
                do { try process.run() } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
            let out = (try? String(contentsOf: output, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            let err = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            switch status {
            case 0: return BodyCheck(schema: out?.isEmpty == false ? out : nil, problems: [])
            case 1:
                let lines = err.split(separator: "\n").map(String.init)
                return BodyCheck(schema: lines.first.map { String($0.dropLast()) }, problems: Array(lines.dropFirst()))
            default:
                return BodyCheck(schema: nil, problems: ["validator (exit \(status)): \(err.prefix(2000))"])
            }
        } catch {
            return BodyCheck(schema: nil, problems: ["could not run \(script): \(error)"])
        }
    }
}
