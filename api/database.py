"""The app's database as the edge reaches it: create_app makes one per app (`app.extensions["database"]`),
requests, CLI commands and the worker find it through `current_app` and hand its session to the services.

Public reads (`operation(..., reads="replica")`) go to the streaming replica when the caller is anonymous
and the request a GET: a caller with a token (a device, staff, an integrator) may just have written, and
reads its own writes from the primary. A read the replica fails (it went down since the last look, or
cancelled the query to replay WAL) is run again on the primary, so the caller never sees the replica's
trouble.
"""

import functools

from flask import current_app, request
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from services.core.db import Database


def database() -> Database:
    return current_app.extensions["database"]


def session() -> Session:
    """This thread's session of the current app (removed when the request or command ends)."""
    return current_app.extensions["database"].session()


def replica_reads(fn):
    """Run the view with its reads on the replica when the request may use it (see the module), and
    outside a transaction (services.core.db) wherever an anonymous GET reads."""

    @functools.wraps(fn)
    def view(*args, **kwargs):
        db = database()
        anonymous_get = request.method in ("GET", "HEAD") and "Authorization" not in request.headers
        if not (anonymous_get and db.read_publicly()):
            return fn(*args, **kwargs)
        try:
            return fn(*args, **kwargs)
        except DBAPIError as error:
            db.replica.failed(error)
            db.end_session()  # a fresh session, on the primary only
            db.read_publicly(replica=False)
            return fn(*args, **kwargs)

    return view
