"""Logs through the standard library: one JSON object a line (LOG_FORMAT=json, production's default) or
plain text, on stderr; one line per request, and every record written during a request names its id.

A request keeps the `X-Request-ID` it came with when that looks like an id (so a proxy's or the app's
own id follows it through), else gets a new one; either way the answer carries it back.
"""

import logging
import os
import re
import sys
import time
from collections.abc import Callable

import orjson
from flask import Flask, Response, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# Long enough to be unique, short and plain enough to be safe in any log or header.
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_HANDLER = "citizen"
_line_format: str | None = None  # the format configure() chose: request lines are written in it directly

log = logging.getLogger("citizen.requests")


class StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is when a record comes, not when the handler was made."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


class RequestIdFilter(logging.Filter):
    """Adds the request's id to every record written while it is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = g.get("request_id") if has_request_context() else None
        return True


def configure(log_format: str) -> None:
    """The process's log output (create_app calls it; a second call replaces the first's handler)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == _HANDLER]:
        root.removeHandler(handler)
    handler = StderrHandler()
    handler.set_name(_HANDLER)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                ["asctime", "levelname", "name", "message"],
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                json_ensure_ascii=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    handler.addFilter(RequestIdFilter())
    root.addHandler(handler)
    global _line_format
    _line_format = log_format
    # A line per request: skip what no line shows (the Logging HOWTO's "Optimization": the caller's file
    # and line, thread and process names).
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    # Our own loggers speak at INFO (a line per request and per delivery); libraries only warn.
    for name in ("citizen", "api", "services"):
        logging.getLogger(name).setLevel(logging.INFO)


# Told of every answered request: its URL rule (or "unmatched"), method, status and seconds taken.
Observer = Callable[[str, str, int, float], None]


def init_app(app: Flask, observers: tuple[Observer, ...] = ()) -> None:
    """Register first: the limiter's and the feed cache's hooks may answer before the view runs. One hook
    each way for the id, the line and the observers (metrics): every answer pays for each hook."""
    app.before_request(_start)
    app.after_request(lambda response: _finish(response, observers))


def _start() -> None:
    given = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = given if REQUEST_ID.fullmatch(given) else os.urandom(16).hex()
    g.started = time.perf_counter()


def _finish(response: Response, observers: tuple[Observer, ...]) -> Response:
    if "request_id" not in g:  # an error came before any before_request hook ran
        _start()
    seconds = elapsed()
    # The request object once: each use of Flask's context proxy costs a lookup, on every request.
    asked, status = request._get_current_object(), response.status_code
    response.headers[REQUEST_ID_HEADER] = g.request_id
    duration_ms = round(seconds * 1000, 1)
    principal = g.get("principal")
    caller = principal.kind.value if principal else None if "Authorization" in asked.headers else "anonymous"
    # The path without its query string: queries carry what citizens look up (scam-check's phone numbers).
    method, path = asked.method, asked.path
    fields = {
        "method": method,
        "path": path,
        "status": status,
        "duration_ms": duration_ms,
        "caller": caller,
        "remote_addr": asked.remote_addr,
        "request_id": g.request_id,
    }
    _request_line(f"{method} {path} {status} {duration_ms}ms", fields)
    rule = asked.url_rule.rule if asked.url_rule else "unmatched"
    for observe in observers:
        observe(rule, method, status, seconds)
    return response


def _request_line(message: str, fields: dict) -> None:
    """The request's line, as the handler configure() installed would write it. Written here rather than
    through `logging`, whose record, filter, handler lock and python-json-logger cost a quarter of a
    cached feed answer, the hottest path there is; the logger's level still decides (a deployment that
    silences `citizen.requests` gets no line)."""
    if not log.isEnabledFor(logging.INFO):
        return
    if _line_format is None:  # configure() not called: whatever logging is set up decides
        log.info(message, extra={k: v for k, v in fields.items() if k != "request_id"})
        return
    now = time.time()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now)) + f",{int(now % 1 * 1000):03d}"
    if _line_format == "json":
        line = {"time": stamp, "level": "INFO", "logger": log.name, "message": message, **fields}
        # orjson: the same object for a fifteenth of json.dumps's time (3 µs of every answer).
        sys.stderr.write(orjson.dumps(line, default=str, option=orjson.OPT_APPEND_NEWLINE).decode())
    else:
        sys.stderr.write(f"{stamp} INFO {log.name}: {message}\n")


def elapsed() -> float:
    """Seconds since this request began."""
    return time.perf_counter() - g.get("started", time.perf_counter())
