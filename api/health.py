"""Liveness and readiness probes for the load balancer (outside the versioned API)."""

from flask import Flask, jsonify
from sqlalchemy import text

from api.database import session
from api.errors import problem


def register(app: Flask) -> None:
    @app.get("/healthz")
    def healthz():
        """The process is up."""
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz():
        """The database answers."""
        try:
            session().execute(text("SELECT 1"))
        except Exception:
            return problem(
                503,
                "database_unavailable",
                "Not ready",
                "The database cannot be reached.",
                {"Retry-After": "5"},
            )
        return jsonify(status="ready")
