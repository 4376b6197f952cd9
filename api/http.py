"""Small helpers for namespaces: read a JSON body or query string through a schema, dump a result.

Two rules hold for everything a client sends, before any schema rule: text is storable text
(services.core.text.storable), and a JSON body has the JSON types its schema declares — `2.5` or `"48"`
is not an integer, `"yes"` not a boolean — where marshmallow alone would round or convert.
"""

from flask import request
from marshmallow import Schema, ValidationError, fields
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from services.core.errors import DomainError
from services.core.text import UNSTORABLE_MESSAGE, storable


class MalformedJSON(DomainError):
    status = 400
    code = "malformed_json"
    title = "Malformed JSON"


class NotJSON(DomainError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


def body(schema: Schema, *, partial: bool = False):
    """The request's JSON body, loaded (validated) by `schema`; any bad field gives one 422."""
    try:
        data = request.get_json()
    except UnsupportedMediaType:
        raise NotJSON("Send the body as application/json.") from None
    except BadRequest:
        raise MalformedJSON("The body is not valid JSON.") from None
    except RecursionError:  # json.loads gives up on arrays or objects nested thousands deep
        raise MalformedJSON("The body nests too deeply.") from None
    errors = text_errors(data)
    if errors:  # nothing else reads hostile text, not even the schema's own validators
        raise ValidationError(errors)
    wrong_types = _type_errors(schema, data) if isinstance(data, dict) else {}
    try:
        loaded = schema.load(data, partial=partial)
    except ValidationError as error:
        raise ValidationError(_merged(error.normalized_messages(), wrong_types)) from None
    if wrong_types:
        raise ValidationError(wrong_types)
    return loaded


def _merged(errors: dict, more: dict) -> dict:
    """Two error trees as one; `more` wins where both name the same field."""
    merged = dict(errors)
    for key, value in more.items():
        both = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merged(merged[key], value) if both else value
    return merged


def query(schema: Schema):
    args = request.args.to_dict()
    errors = text_errors(args)
    if errors:
        raise ValidationError(errors)
    return schema.load(args)


def text_errors(value):
    """Where `value` (decoded JSON) holds unstorable text, shaped like marshmallow's errors; else None."""
    if isinstance(value, str):
        return None if storable(value) else [UNSTORABLE_MESSAGE]
    if isinstance(value, dict):
        errors = {}
        for key, item in value.items():
            if not storable(key):
                errors[_printable(key)] = [UNSTORABLE_MESSAGE]
            elif (found := text_errors(item)) is not None:
                errors[key] = found
        return errors or None
    if isinstance(value, list):
        errors = {
            index: found for index, item in enumerate(value) if (found := text_errors(item)) is not None
        }
        return errors or None
    return None


def _printable(key: str) -> str:
    return key.encode("utf-8", "backslashreplace").decode("ascii", "backslashreplace")


# JSON type(s) each kind of field takes in a body; bool is excluded from numbers explicitly.
_JSON_TYPES = [
    (fields.Boolean, (bool,), "Not a valid boolean."),
    (fields.Integer, (int,), "Not a valid integer."),
    (fields.Number, (int, float), "Not a valid number."),
    (fields.String, (str,), "Not a valid string."),
    (fields.DateTime, (str,), "Not a valid datetime."),
    (fields.Date, (str,), "Not a valid date."),
]


def _type_errors(schema: Schema, data: dict) -> dict:
    errors = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        if key in data and (found := _field_type_error(field, data[key])) is not None:
            errors[key] = found
    return errors


def _field_type_error(field: fields.Field, value):
    if value is None:
        return None  # allow_none is the schema's rule
    if isinstance(field, fields.Nested):
        if not field.many:
            return (_type_errors(field.schema, value) or None) if isinstance(value, dict) else None
        items = enumerate(value) if isinstance(value, list) else ()
        found = {
            i: e for i, item in items if isinstance(item, dict) and (e := _type_errors(field.schema, item))
        }
        return found or None
    if isinstance(field, fields.List) and isinstance(value, list):
        found = {i: e for i, item in enumerate(value) if (e := _field_type_error(field.inner, item))}
        return found or None
    if isinstance(field, fields.Dict) and isinstance(value, dict) and field.value_field is not None:
        found = {k: e for k, item in value.items() if (e := _field_type_error(field.value_field, item))}
        return found or None
    for kind, accepted, message in _JSON_TYPES:
        if isinstance(field, kind):
            wrong = not isinstance(value, accepted) or (isinstance(value, bool) and bool not in accepted)
            return [message] if wrong else None
    return None


def languages() -> tuple[str, ...]:
    """The caller's Accept-Language tags, most wanted first (q=0 means "not this one")."""
    return tuple(tag for tag, quality in request.accept_languages if tag != "*" and quality > 0)
