"""The marshmallow → Swagger 2.0 bridge: each shape is written once, as a marshmallow schema.

flask-restx only documents. `operation()` attaches a schema's JSON Schema as the request body and
responses, the query parameters, the problem responses and the security of one operation.
"""

import functools
import re

from flask_restx import fields as restx_fields
from flask_restx.model import ModelBase, SchemaModel
from marshmallow import Schema, fields, validate
from werkzeug.routing import UUIDConverter

from api.auth import current_principal
from api.database import replica_reads
from api.errors import PROBLEM_MIMETYPE
from schemas.common import ProblemSchema
from services.identity import policy

_TYPES = [
    # Most specific first: Email is a String, AwareDateTime a DateTime, and so on.
    (fields.Email, {"type": "string", "format": "email"}),
    (fields.URL, {"type": "string", "format": "uri"}),
    (fields.UUID, {"type": "string", "format": "uuid"}),
    (fields.DateTime, {"type": "string", "format": "date-time"}),
    (fields.Date, {"type": "string", "format": "date"}),
    (fields.String, {"type": "string"}),
    (fields.Boolean, {"type": "boolean"}),
    (fields.Integer, {"type": "integer"}),
    (fields.Number, {"type": "number"}),
]


def _schema_instance(schema) -> Schema:
    return schema() if isinstance(schema, type) else schema


def json_schema(schema, direction: str = "response") -> dict:
    """A Swagger 2.0 schema object for a marshmallow schema, as sent in a request or a response.

    Requests leave out dump_only fields and responses load_only ones; nested schemas are inlined.
    In a response, `required` marks the fields that are always present.
    """
    schema = _schema_instance(schema)
    skipped = "dump_only" if direction == "request" else "load_only"
    properties, required = {}, []
    for name, field in schema.fields.items():
        if getattr(field, skipped):
            continue
        key = field.data_key or name
        properties[key] = field_schema(field, direction)
        if field.required:
            required.append(key)
    result = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        result["required"] = required
    if schema.__doc__:
        result["description"] = " ".join(schema.__doc__.split())
    return result


def field_schema(field: fields.Field, direction: str = "response") -> dict:
    if isinstance(field, fields.Nested):
        nested = json_schema(field.schema, direction)
        result = {"type": "array", "items": nested} if field.many else nested
    elif isinstance(field, fields.List):
        result = {"type": "array", "items": field_schema(field.inner, direction)}
    elif isinstance(field, fields.Dict):
        result = {"type": "object"}
        if field.value_field is not None and type(field.value_field) is not fields.Raw:
            result["additionalProperties"] = field_schema(field.value_field, direction)
    elif "type" in field.metadata:
        result = {"type": field.metadata["type"]}
    else:
        result = next((dict(shape) for kind, shape in _TYPES if isinstance(field, kind)), {})

    for validator in field.validators:
        _apply_validator(result, validator)
    if field.allow_none:
        result["x-nullable"] = True
    for key in ("description", "example"):
        if key in field.metadata:
            result[key] = field.metadata[key]
    default = field.load_default
    if default is not None and not callable(default) and default.__class__.__name__ != "_Missing":
        result["default"] = default
    return result


# What validate.Length bounds, by JSON type: an array's items, an object's entries, else a string's length.
_LENGTH_KEYWORDS = {"array": ("minItems", "maxItems"), "object": ("minProperties", "maxProperties")}


def _apply_validator(result: dict, validator) -> None:
    if isinstance(validator, validate.OneOf):
        result["enum"] = list(validator.choices)
    elif isinstance(validator, validate.Length):
        low, high = _LENGTH_KEYWORDS.get(result.get("type"), ("minLength", "maxLength"))
        if validator.equal is not None:
            result[low] = result[high] = validator.equal
        if validator.min is not None:
            result[low] = validator.min
        if validator.max is not None:
            result[high] = validator.max
    elif isinstance(validator, validate.Range) and isinstance(validator.min or validator.max, int | float):
        if validator.min is not None:
            result["minimum"] = validator.min
            if not validator.min_inclusive:
                result["exclusiveMinimum"] = True
        if validator.max is not None:
            result["maximum"] = validator.max
            if not validator.max_inclusive:
                result["exclusiveMaximum"] = True
    elif isinstance(validator, validate.Regexp):
        result["pattern"] = validator.regex.pattern


def query_params(schema) -> dict:
    """flask-restx `params` for a query-string schema."""
    params = {}
    for name, field in _schema_instance(schema).fields.items():
        spec = field_schema(field)
        param = {"in": "query", "type": spec.get("type", "string")}
        for key in ("format", "enum", "minimum", "maximum", "minLength", "maxLength", "pattern", "default"):
            if key in spec:
                param[key] = spec[key]
        param["description"] = spec.get("description", "")
        if field.required:
            param["required"] = True
        params[field.data_key or name] = param
    return params


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def is_text(media_type: str) -> bool:
    """Text bodies (CAP and Atom XML, CSV) are strings; any other body that is not JSON is a file's bytes."""
    return media_type.startswith("text/") or media_type.endswith(("/xml", "+xml"))


class _File(restx_fields.Raw):
    """A success body that is a file's own bytes. (Swagger 2.0 also has a `file` type for this, which
    openapi-spec-validator refuses in a response.)"""

    __schema_type__ = "string"
    __schema_format__ = "binary"


class Documented(ModelBase):
    """A schema an operation documents, by name: what the namespaces declare when they are imported. Each
    app's Api turns it into its own model (`build_models`), so no JSON Schema is shared between apps."""

    def __init__(self, name: str, schema, direction: str):
        super().__init__(name)
        self.schema, self.direction = schema, direction

    def __deepcopy__(self, memo):
        return self  # a declaration never changes; flask-restx deep-copies docs on every decorator


def model(ns, schema, direction: str = "response") -> Documented:
    """The named model of `schema` in one direction, known to `ns` (and to the Apis it is added to)."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema") + ("Request" if direction == "request" else "")
    if name not in ns.models:
        ns.models[name] = Documented(name, schema, direction)
    return ns.models[name]


def build_models(api) -> None:
    """Give `api` (one app's) its own JSON Schema of every documented schema, built once per app."""
    for name, declared in api.models.items():
        if isinstance(declared, Documented):
            api.models[name] = SchemaModel(name, json_schema(declared.schema, declared.direction))


# Problems a caller may get from any operation, beyond those its options add.
_ALWAYS = {404: "Not found (also for objects the caller may not see)", 429: "Too many requests"}
_WITH_BODY = {
    400: "Malformed JSON",
    413: "Body too large",
    415: "Body is not JSON",
    409: "Conflict with the current state",
    422: "Validation failed: `errors` names every bad field",
}
_WITH_AUTH = {401: "Missing, expired or revoked credentials", 403: "Authenticated but not allowed"}

# Swagger security requirements: `bearer` required, optional (anonymous allowed), or none.
SECURITY = {"bearer": [{"bearer": []}], "optional": [{}, {"bearer": []}], "none": []}

# Who may call an operation is its action's rule in services/identity/policy.py, checked before the body
# is read so that a caller who may not act gets 401/403, not 422. The services ask the same policy
# again: they are the authority, and tests call them directly.


def operation(
    ns,
    *,
    returns=None,
    status=200,
    body=None,
    query=None,
    action: str,
    auth="bearer",
    conflicts=False,
    problems=None,
    produces=None,
    many=False,
    errors=None,
    reads="primary",
):
    """Document one operation: request body, query, success response, problems and security.

    `action` names the rule of services/identity/policy.py that says who may call: it is documented
    (the description, `x-action`, `x-scope`) and checked before the handler runs. `problems` adds
    {status: description} for answers the options do not imply (a public sign-in's 401).
    `produces` lists the success media types when they are not only JSON (Atom, CAP XML, CSV, files):
    without `returns`, the body is text or a file; with it, the first type is JSON in that shape.
    Swagger 2.0 has one `produces` per operation, problems included; /openapi.json gives each response
    its own (api/openapi3.py). `many`: the success body is a list of `returns`. `errors`: a standard
    façade's own error schema (Open311's list of errors) instead of problem details; then `problems`
    names every error status it answers. `reads="replica"`: a public read an anonymous GET may take from
    the streaming replica (api/database.py).
    """

    def decorate(fn):
        rule = policy.RULES[action]  # an unknown action fails at import, not at the first call
        fn = _guarded(fn, action)
        if reads == "replica":
            fn = replica_reads(fn)
        documented = dict(_ALWAYS)
        if body is not None:
            documented.update(_WITH_BODY)
        elif conflicts:
            documented[409] = _WITH_BODY[409]
        if query is not None:
            documented[422] = _WITH_BODY[422]
        if auth != "none":
            documented.update(_WITH_AUTH)
        documented.update(problems or {})
        if errors is not None:
            documented = dict(problems)
        error_body = [model(ns, errors)] if errors is not None else model(ns, ProblemSchema)
        # One ns.doc call: flask-restx deep-copies the accumulated doc (models included) on every
        # decorator, which made worker start-up slow when each response was its own decorator.
        responses = {str(code): (text, error_body, {}) for code, text in documented.items()}
        success = _success_body(ns, returns, produces)
        responses[str(status)] = ("Success", [success] if many else success, {})
        media_types = [*(produces or ["application/json"]), *([] if errors else [PROBLEM_MIMETYPE])]
        doc = {
            "responses": responses,
            "security": SECURITY[auth],
            "produces": media_types,
            "description": _who(action),
            "vendor": {"x-action": action, **({"x-scope": rule.scope} if rule.scope else {})},
        }
        if body is not None:
            doc.update(expect=[model(ns, body, "request")], validate=False)
        if query is not None:
            doc["params"] = query_params(query)
        return ns.doc(**doc)(fn)

    return decorate


def _success_body(ns, returns, produces):
    """A JSON model, text (CAP, Atom, CSV), a file's bytes, or nothing (204)."""
    if returns is not None:
        return model(ns, returns)
    if not produces:
        return None
    return restx_fields.String() if is_text(produces[0]) else _File()


def _who(action: str) -> str:
    """The rule in words, at the head of the operation's description."""
    rule = policy.RULES[action]
    text = f"Who: {policy.callers(action)}"
    if rule.scope:
        text += f" (API keys: scope `{rule.scope}`)"
    if rule.reach != policy.Reach.ANY:
        text += f"; objects: {rule.reach}"
    return f"{text} (`{action}`)."


def _guarded(fn, action: str):
    if policy.RULES[action].open_to_all:
        return fn

    @functools.wraps(fn)
    def guarded(*args, **kwargs):
        policy.require(current_principal(), action)
        return fn(*args, **kwargs)

    return guarded


def mark_uuid_path_params(schema: dict, url_map) -> None:
    """flask-restx documents every path parameter as a plain string; say `format: uuid` where the route
    takes a `<uuid:…>`, so clients (and schemathesis) know `/feedback/public` is not `/feedback/{id}`."""
    uuids = {
        (re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule), name)
        for rule in url_map.iter_rules()
        for name, converter in rule._converters.items()
        if isinstance(converter, UUIDConverter)
    }
    for path, item in schema.get("paths", {}).items():
        for params in [
            item.get("parameters", []),
            *(op.get("parameters", []) for op in item.values() if isinstance(op, dict)),
        ]:
            for param in params:
                if param.get("in") == "path" and (path, param["name"]) in uuids:
                    param["format"] = "uuid"
