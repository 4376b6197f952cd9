"""The app's database as the edge reaches it: create_app makes one per app (`app.extensions["database"]`),
requests, CLI commands and the worker find it through `current_app` and hand its session to the services."""

from flask import current_app
from sqlalchemy.orm import Session

from services.core.db import Database


def database() -> Database:
    return current_app.extensions["database"]


def session() -> Session:
    """This thread's session of the current app (removed when the request or command ends)."""
    return current_app.extensions["database"].session()
