import AVACore

/// AVA's receptionist tools (`ReceptionistTools.definitions`, the booking engine's catalogue) as Vapi's
/// `model.tools` declare them: function tools with JSON-schema parameters. Vapi calls them through AVA's
/// webhook (`tool-calls`), and AVA answers before the assistant speaks on (`async: false`).
enum ReceptionistToolDeclarations {
    static func vapiTools(_ locale: AppLocale) -> [VapiTool] {
        ReceptionistTools.definitions.map { definition in
            VapiTool(name: definition.name, description: definition.description, parameters: schema(definition.parameters))
        }
    }

    static func schema(_ schema: JSONSchema) -> VapiJSONSchema {
        VapiJSONSchema(type: schema.type, description: schema.description, enumValues: schema.enum, format: schema.format,
                       properties: schema.properties?.mapValues { Self.schema($0) }, required: schema.required)
    }
}
