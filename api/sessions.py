"""Cookie sessions only where a blueprint asks for them.

The API is stateless (bearer tokens): under its paths Flask's signed-cookie session is never opened or sent.
A server-rendered blueprint (the console) switches them on for its own URLs with `with_cookie_sessions`.
"""

from flask import Blueprint, Flask, Request
from flask.sessions import SecureCookieSessionInterface

_PATHS = "cookie_session_paths"


class CookieSessionsWhereAsked(SecureCookieSessionInterface):
    def open_session(self, app: Flask, request: Request):
        # The URL is not matched yet when Flask opens the session: decide by path prefix.
        path = request.path
        if any(path == prefix or path.startswith(f"{prefix}/") for prefix in app.extensions[_PATHS]):
            return super().open_session(app, request)
        return None  # Flask then uses its null session, never saved


def init_app(app: Flask) -> None:
    app.extensions[_PATHS] = set()
    app.session_interface = CookieSessionsWhereAsked()


def with_cookie_sessions(blueprint: Blueprint) -> Blueprint:
    """Cookie sessions for `blueprint`'s URLs (its url_prefix) in every app that registers it."""

    def switch_on(state) -> None:
        if not state.url_prefix or state.url_prefix.startswith("/api"):
            raise ValueError(f"{blueprint.name}: cookie sessions need a url_prefix outside /api")
        state.app.extensions[_PATHS].add(state.url_prefix.rstrip("/"))

    blueprint.record(switch_on)
    return blueprint
