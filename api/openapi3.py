"""/openapi.json: the OpenAPI 3.1 document, converted from /swagger.json (one source: the marshmallow
schemas through api/openapi.py), for tools that read only OpenAPI 3.

Swagger 2.0 says less than OpenAPI 3.1 in three places, and our Swagger document keeps to rules that fill
them in: problem+json is only ever an error's body (so each response gets only its own media types here),
a body that is not JSON is text (CAP, Atom, CSV) or a file's bytes (`api.openapi.is_text`), and the one
security definition, a header named Authorization, carries a bearer token.
"""

import copy

from flask import Flask, current_app, jsonify
from flask_restx import Api

from api.errors import PROBLEM_MIMETYPE
from api.openapi import is_json, is_text

# The Swagger 2.0 keywords of a parameter that OpenAPI 3 moves into the parameter's `schema`.
_PARAMETER_SCHEMA = (
    "type",
    "format",
    "items",
    "enum",
    "default",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "minItems",
    "maxItems",
)
_FILE = {"type": "string", "format": "binary"}
_TEXT = {"type": "string"}


def register(app: Flask, api: Api) -> None:
    @app.get("/openapi.json")
    def openapi_json():
        """The OpenAPI 3.1 document, converted once per app on first request."""
        if "openapi3" not in current_app.extensions:
            current_app.extensions["openapi3"] = from_swagger(
                api.__schema__, current_app.config["PUBLIC_BASE_URL"]
            )
        return jsonify(current_app.extensions["openapi3"])


def from_swagger(swagger: dict, base_url: str) -> dict:
    """The OpenAPI 3.1 form of our Swagger 2.0 document (which it leaves unchanged), served from
    `base_url` (PUBLIC_BASE_URL: never the Host a request claims)."""
    swagger = copy.deepcopy(swagger)
    document = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "info": swagger["info"],
        "servers": [{"url": base_url}],
        "tags": swagger.get("tags", []),
        "paths": {path: _path_item(item, swagger) for path, item in swagger["paths"].items()},
        "components": {
            "schemas": {name: schema_31(schema) for name, schema in swagger.get("definitions", {}).items()},
            "securitySchemes": {
                name: _security_scheme(scheme)
                for name, scheme in swagger.get("securityDefinitions", {}).items()
            },
        },
    }
    if "security" in swagger:
        document["security"] = swagger["security"]
    return document


def _path_item(item: dict, swagger: dict) -> dict:
    converted = {}
    for key, value in item.items():
        if key == "parameters":
            converted[key] = [_parameter(parameter) for parameter in value]
        else:
            converted[key] = _operation(value, swagger)
    return converted


def _operation(operation: dict, swagger: dict) -> dict:
    parameters = operation.pop("parameters", [])
    produces = operation.pop("produces", swagger.get("produces", ["application/json"]))
    consumes = operation.pop("consumes", swagger.get("consumes", ["application/json"]))
    operation["responses"] = {
        code: _response(int(code), response, produces) for code, response in operation["responses"].items()
    }
    body = next((p for p in parameters if p["in"] == "body"), None)
    form = [p for p in parameters if p["in"] == "formData"]
    if body is not None:
        schema = schema_31(body["schema"])
        operation["requestBody"] = {
            "required": body.get("required", False),
            "content": _content(consumes, schema),
        }
    elif form:
        schema = {
            "type": "object",
            "properties": {p["name"]: _parameter_schema(p, with_description=True) for p in form},
            "required": [p["name"] for p in form if p.get("required")],
        }
        operation["requestBody"] = {"required": True, "content": {consumes[0]: {"schema": schema}}}
    others = [_parameter(p) for p in parameters if p["in"] not in ("body", "formData")]
    if others:
        operation["parameters"] = others
    return operation


def _response(status: int, response: dict, produces: list[str]) -> dict:
    converted = {"description": response["description"]}
    if "schema" in response:
        if status < 400:
            media_types = [t for t in produces if t != PROBLEM_MIMETYPE]
        else:  # problem details; a standard façade (Open311) answers errors in its own formats
            media_types = [PROBLEM_MIMETYPE] if PROBLEM_MIMETYPE in produces else produces
        converted["content"] = _content(media_types, schema_31(response["schema"]))
    if "headers" in response:
        converted["headers"] = {
            name: {"description": header.get("description", ""), "schema": _parameter_schema(header)}
            for name, header in response["headers"].items()
        }
    return converted


def _content(media_types: list[str], schema: dict) -> dict:
    """Each media type with its own schema: JSON as described, text as a string, any other as bytes."""
    return {
        media_type: {"schema": schema if is_json(media_type) else _TEXT if is_text(media_type) else _FILE}
        for media_type in media_types
    }


def _parameter(parameter: dict) -> dict:
    converted = {key: parameter[key] for key in ("name", "in", "description", "required") if key in parameter}
    converted["schema"] = _parameter_schema(parameter)
    return converted


def _parameter_schema(parameter: dict, with_description: bool = False) -> dict:
    keywords = (*_PARAMETER_SCHEMA, "description") if with_description else _PARAMETER_SCHEMA
    return schema_31({key: parameter[key] for key in keywords if key in parameter})


def schema_31(schema: dict) -> dict:
    """A Swagger 2.0 schema as JSON Schema 2020-12: $refs into components, `x-nullable` as a "null" type,
    numeric exclusive bounds, `examples`, files as binary strings."""
    if not isinstance(schema, dict):
        return schema
    schema = dict(schema)
    if "$ref" in schema:
        schema["$ref"] = schema["$ref"].replace("#/definitions/", "#/components/schemas/")
    if schema.get("type") == "file":
        schema.update(_FILE)
    for keyword in ("items", "additionalProperties"):
        if isinstance(schema.get(keyword), dict):
            schema[keyword] = schema_31(schema[keyword])
    if "properties" in schema:
        schema["properties"] = {name: schema_31(value) for name, value in schema["properties"].items()}
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if schema.get(exclusive) is True:
            schema[exclusive] = schema.pop(bound)
    if "example" in schema:
        schema["examples"] = [schema.pop("example")]
    if schema.pop("x-nullable", False):
        schema = _nullable(schema)
    return schema


def _nullable(schema: dict) -> dict:
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    if "type" not in schema:
        return schema  # no type: null is already allowed
    schema["type"] = [schema["type"], "null"]
    if "enum" in schema:
        schema["enum"] = [*schema["enum"], None]
    return schema


def _security_scheme(scheme: dict) -> dict:
    """Swagger 2.0 can only say "a header named Authorization"; OpenAPI 3 says what it carries: a bearer
    token (a staff JWT, a device token or an API key)."""
    if scheme["type"] == "apiKey" and scheme["in"] == "header" and scheme["name"] == "Authorization":
        described = {"description": scheme["description"]} if "description" in scheme else {}
        return {"type": "http", "scheme": "bearer", **described}
    return scheme
