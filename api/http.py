"""Small helpers for namespaces: read a JSON body or query string through a schema, dump a result."""

from flask import request
from werkzeug.exceptions import BadRequest, UnsupportedMediaType

from services.errors import DomainError


class MalformedJSON(DomainError):
    status = 400
    code = "malformed_json"
    title = "Malformed JSON"


class NotJSON(DomainError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"


def body(schema, *, partial: bool = False):
    """The request's JSON body, loaded (validated) by `schema`; any bad field gives one 422."""
    try:
        data = request.get_json()
    except UnsupportedMediaType:
        raise NotJSON("Send the body as application/json.") from None
    except BadRequest:
        raise MalformedJSON("The body is not valid JSON.") from None
    except RecursionError:  # json.loads gives up on arrays or objects nested thousands deep
        raise MalformedJSON("The body nests too deeply.") from None
    return schema.load(data, partial=partial)


def query(schema):
    return schema.load(request.args.to_dict())


def languages() -> tuple[str, ...]:
    """The caller's Accept-Language tags, most wanted first (q=0 means "not this one")."""
    return tuple(tag for tag, quality in request.accept_languages if tag != "*" and quality > 0)
