"""RFC 9457 problem details for every error, from Flask, flask-restx, marshmallow and the services.

Every problem carries a stable machine `code`; validation problems list every bad field in `errors`.
"""

import logging
import math

from flask import Flask, Response, current_app, has_request_context, json, request
from marshmallow import ValidationError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from services.core.errors import DomainError

log = logging.getLogger(__name__)

PROBLEM_MIMETYPE = "application/problem+json"

# Werkzeug's HTTP errors, by status, under the codes clients match on.
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    507: "storage_full",
}


def problem(status: int, code: str, title: str, detail: str | None = None, headers=None, **extra) -> Response:
    body = {"type": f"urn:citizen-api:problem:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(json.dumps(body), status=status, mimetype=PROBLEM_MIMETYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _field_errors(messages) -> dict:
    return messages if isinstance(messages, dict) else {"_schema": messages}


def problem_for(error: Exception) -> Response:
    """The one mapping from an exception to its problem response."""
    if isinstance(error, DomainError):
        headers = {"WWW-Authenticate": 'Bearer realm="citizen-api"'} if error.status == 401 else {}
        if error.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(error.retry_after.total_seconds())))
        return problem(error.status, error.code, error.title, error.detail, headers, **error.extra)
    if isinstance(error, ValidationError):
        return problem(
            422,
            "validation_failed",
            "Validation failed",
            "One or more fields are invalid.",
            errors=_field_errors(error.messages),
        )
    if isinstance(error, HTTPException):
        status = error.code or 500
        headers = {k: v for k, v in error.get_headers() if k.lower() in ("allow", "retry-after")}
        return problem(
            status,
            _HTTP_CODES.get(status, "http_error"),
            error.name,
            error.description,
            headers,
        )
    if isinstance(error, DataError):
        # The database refused a value for its type (a NUL character in text, a number out of range):
        # bad input that got past the schemas, not a server fault.
        log.info("value refused by the database: %s", error.orig)
        return problem(
            422,
            "invalid_value",
            "Invalid value",
            "A value cannot be stored or compared as given (for example, it contains a NUL character).",
        )
    if isinstance(error, OperationalError) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    ):
        log.warning("database unavailable: %s", error.__class__.__name__)
        return problem(
            503,
            "database_unavailable",
            "Service temporarily unavailable",
            "The database cannot be reached; try again shortly.",
            {"Retry-After": "5"},
        )
    log.exception("unhandled error", exc_info=error)
    return problem(500, "internal_error", "Internal server error", "The error was logged.")


def render_error(error: Exception) -> Response:
    """The error in the shape its caller speaks: under a standard façade's path its own
    (`app.extensions["error_formats"]`: path prefix → renderer, e.g. Open311's list), else problem details."""
    if has_request_context():
        for prefix, render in current_app.extensions.get("error_formats", {}).items():
            if request.path.startswith(prefix):
                return render(error)
    return problem_for(error)


def register_errors(app: Flask) -> None:
    app.register_error_handler(Exception, render_error)
