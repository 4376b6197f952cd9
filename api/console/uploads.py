"""Console forms that carry files. The app's request limit (MAX_CONTENT_LENGTH) is sized for JSON; a view
that takes files names its own with `@takes_files`, set by an app-wide hook so that it holds before the
console's CSRF check reads the form (app-wide hooks run before the blueprint's), and a form over it gets a
page saying how much may go at once, not werkzeug's bare 413."""

from collections.abc import Callable

from flask import render_template, request
from flask_babel import LazyString
from werkzeug.exceptions import RequestEntityTooLarge

from api.console import bp

# Room for the form's other fields and the multipart boundaries around the files.
MULTIPART_OVERHEAD = 64 * 1024

_LIMITS: dict[str, tuple[int, LazyString]] = {}


def takes_files(max_bytes: int, too_large: LazyString) -> Callable:
    """Let the decorated console view take a body of `max_bytes` plus the form; `too_large` says why not."""

    def register(view: Callable) -> Callable:
        _LIMITS[f"{bp.name}.{view.__name__}"] = (max_bytes + MULTIPART_OVERHEAD, too_large)
        return view

    return register


@bp.before_app_request
def _room_for_files() -> None:
    if request.endpoint in _LIMITS:
        request.max_content_length = _LIMITS[request.endpoint][0]


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error):
    _, message = _LIMITS.get(request.endpoint, (0, None))
    return render_template("console/error.html", message=message or error.description), 413
