#!/usr/bin/env python3
"""Validates a JSON request body against Vapi's published OpenAPI document.

    validate_vapi_body.py OPENAPI_JSON METHOD PATH < body.json
    validate_vapi_body.py OPENAPI_JSON SCHEMA NAME < body.json   (against components/schemas/NAME)
    validate_vapi_body.py OPENAPI_JSON --serve      (one request per line on stdin: {"method","path","body"};
                                                      one answer per line on stdout: {"ok", "schema", "errors"})

The operation is found by method and path template (/phone-number/{id} matches /phone-number/<uuid>), its
requestBody schema is resolved with every $ref, and the body is checked twice:

1. with OpenAPI 3.0 semantics (openapi-schema-validator's OAS30Validator: nullable, formats, oneOf, enum...);
2. strictly: Vapi's DTOs do not say `additionalProperties: false`, but Vapi's server (NestJS with
   whitelist validation) refuses properties it does not know, so every property name the body uses must be
   declared by the schema (for oneOf/anyOf: by the branch the discriminator or the validation picks).

Vapi writes some patterns as JavaScript literals ("/^[a-zA-Z0-9_-]{1,64}$/"); they are read as the
regular expression between the slashes, as Vapi's class-validator does.
Exit status 0 when valid; 1 with the errors on stderr otherwise; 2 for a usage error or an unknown operation.
"""
import copy
import json
import re
import sys

try:
    from openapi_schema_validator import OAS30Validator
except ImportError:  # plain jsonschema: the same checks except OpenAPI's `nullable` (AVA sends no nulls)
    try:
        from jsonschema import Draft4Validator as OAS30Validator
    except ImportError:
        print("validate_vapi_body.py needs Python's openapi-schema-validator (or jsonschema): "
              "pip install openapi-schema-validator", file=sys.stderr)
        sys.exit(3)

HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def load(path):
    with open(path, encoding="utf-8") as f:
        document = json.load(f)
    fix_patterns(document)
    return document


def fix_patterns(node):
    """"/regex/flags" → "regex" (JavaScript literal → the expression itself); drop patterns Python cannot read."""
    if isinstance(node, dict):
        pattern = node.get("pattern")
        if isinstance(pattern, str):
            match = re.fullmatch(r"/(.*)/([a-z]*)", pattern, re.S)
            if match:
                pattern = match.group(1)
            try:
                re.compile(pattern)
                node["pattern"] = pattern
            except re.error:
                del node["pattern"]  # e.g. \p{L}: not checked here rather than checked wrongly
        for value in node.values():
            fix_patterns(value)
    elif isinstance(node, list):
        for value in node:
            fix_patterns(value)


def find_operation(document, method, path):
    method = method.lower()
    path = path.split("?", 1)[0]
    for template, item in document["paths"].items():
        regex = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(regex, path) and method in item:
            return template, item[method]
    return None, None


def resolve(document, schema):
    while isinstance(schema, dict) and "$ref" in schema:
        name = schema["$ref"]
        assert name.startswith("#/"), name
        node = document
        for part in name[2:].split("/"):
            node = node[part]
        schema = node
    return schema


def schema_name(schema, body=None):
    discriminator = schema.get("discriminator")
    if discriminator and isinstance(body, dict):
        target = discriminator.get("mapping", {}).get(body.get(discriminator["propertyName"]))
        if target:
            return target.rsplit("/", 1)[-1]
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    names = [b["$ref"].rsplit("/", 1)[-1] for b in schema.get("oneOf", []) if "$ref" in b]
    return "oneOf(" + ", ".join(names) + ")" if names else "inline schema"


def validator_for(document, schema):
    # The body schema with the whole components section beside it, so "#/components/..." resolves.
    wrapped = dict(schema)
    wrapped["components"] = document["components"]
    return OAS30Validator(wrapped)


def strict_errors(document, instance, schema, where):
    """Property names the schema does not declare, recursively."""
    schema = resolve(document, schema)
    if not isinstance(schema, dict):
        return []
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = schema[key]
            discriminator = schema.get("discriminator")
            if discriminator and isinstance(instance, dict):
                value = instance.get(discriminator["propertyName"])
                target = discriminator.get("mapping", {}).get(value)
                if target:
                    return strict_errors(document, instance, {"$ref": target}, where)
            candidates = [b for b in branches if not list(validator_for(document, resolve(document, b)).iter_errors(instance))]
            results = [strict_errors(document, instance, b, where) for b in candidates]
            if any(not r for r in results):
                return []
            return results[0] if results else []
    errors = []
    properties = {}
    for part in schema.get("allOf", []):
        properties.update(resolve(document, part).get("properties", {}))
        errors += [e for e in strict_errors(document, instance, part, where) if "is not declared" not in e]
    properties.update(schema.get("properties", {}))
    if isinstance(instance, dict) and (properties or schema.get("type") == "object"):
        additional = schema.get("additionalProperties")
        for name, value in instance.items():
            if name in properties:
                errors += strict_errors(document, value, properties[name], f"{where}.{name}")
            elif isinstance(additional, dict):
                errors += strict_errors(document, value, additional, f"{where}.{name}")
            elif additional is not True and properties:
                errors.append(f"{where}.{name} is not declared by the schema")
    if isinstance(instance, list) and isinstance(schema.get("items"), dict):
        for index, value in enumerate(instance):
            errors += strict_errors(document, value, schema["items"], f"{where}[{index}]")
    return errors


def validate(document, method, path, body):
    if method == "SCHEMA":  # a named schema, e.g. what AVA answers to a server message
        schema = {"$ref": f"#/components/schemas/{path}"}
        errors = [f"body{''.join(f'[{p!r}]' for p in e.absolute_path)}: {e.message[:500]}"
                  for e in validator_for(document, schema).iter_errors(body)]
        return path, errors + strict_errors(document, body, schema, "body")
    template, operation = find_operation(document, method, path)
    if operation is None:
        return None, [f"{method.upper()} {path}: no such operation in Vapi's API"]
    request_body = operation.get("requestBody")
    if request_body is None:
        return None, ([] if body is None else [f"{method.upper()} {template} takes no body"])
    schema = request_body["content"]["application/json"]["schema"]
    name = schema_name(schema, body)
    if body is None:
        return name, ([f"{method.upper()} {template}: a body is required"] if request_body.get("required") else [])
    errors = []
    for error in validator_for(document, schema).iter_errors(body):
        location = "body" + "".join(f"[{p!r}]" for p in error.absolute_path)
        errors.append(f"{location}: {error.message[:500]}")
        for sub in (error.context or [])[:6]:
            sub_location = "body" + "".join(f"[{p!r}]" for p in sub.absolute_path)
            errors.append(f"  {sub_location}: {sub.message[:300]}")
    errors += strict_errors(document, body, schema, "body")
    return name, errors


def main():
    if len(sys.argv) == 3 and sys.argv[2] == "--serve":
        document = load(sys.argv[1])
        for line in sys.stdin:
            if not line.strip():
                continue
            request = json.loads(line)
            name, errors = validate(document, request["method"], request["path"], request.get("body"))
            print(json.dumps({"ok": not errors, "schema": name, "errors": errors}), flush=True)
        return 0
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    document = load(sys.argv[1])
    text = sys.stdin.read()
    body = json.loads(text) if text.strip() else None
    name, errors = validate(document, sys.argv[2], sys.argv[3], body)
    if name is None and errors:
        print("\n".join(errors), file=sys.stderr)
        return 2
    if errors:
        print(f"{name}:\n" + "\n".join(errors), file=sys.stderr)
        return 1
    print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
