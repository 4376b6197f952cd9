"""The HTTP edge: create_app builds the Flask app, the Swagger-documented API and the CLI."""

import json
import os

from flask import Flask, current_app
from flask.json.provider import DefaultJSONProvider
from flask_cors import CORS
from flask_restx import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from api import auth, logs, metrics, security_headers, sessions
from api import config as configuration
from api.errors import PROBLEM_MIMETYPE, register_errors, render_error
from api.limits import limiter
from services import sms
from services.core import db, speech, storage
from services.zalo import allowance

API_PREFIX = "/api/v1"


class JSONEncoder(json.JSONEncoder):
    """Vietnamese as UTF-8, not \\u escapes (smaller on slow networks), except when the answer holds text
    UTF-8 cannot carry (a lone surrogate): then escaped, so that one bad value never breaks a whole list."""

    def encode(self, o):
        text = super().encode(o)
        if not self.ensure_ascii and not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                self.ensure_ascii = True
                text = super().encode(o)
        return text


class JSONProvider(DefaultJSONProvider):
    ensure_ascii = False

    def dumps(self, obj, **kwargs):
        return super().dumps(obj, cls=JSONEncoder, **kwargs)


class CitizenFlask(Flask):
    json_provider_class = JSONProvider

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sync_code: set = set()

    def ensure_sync(self, func):
        """Flask asks on every request, of every hook and view, whether it is a coroutine function (an
        inspect call each, a twentieth of a cached feed answer's CPU). The answer lies in the function's
        code, which is made once (a view's method is bound anew at each request), so it is remembered
        per code object: a set as small as the program."""
        if getattr(func, "__code__", None) in self._sync_code:
            return func
        synced = super().ensure_sync(func)
        if synced is func and hasattr(func, "__code__"):
            self._sync_code.add(func.__code__)
        return synced


class CitizenApi(Api):
    """flask-restx Api whose errors are the same problem+json as the rest of the app."""

    def handle_error(self, e):
        return render_error(e)

    def render_doc(self):
        return security_headers.swagger_ui(self)

    @property
    def __schema__(self):
        if not self._schema:
            from api.openapi import mark_uuid_path_params

            mark_uuid_path_params(super().__schema__, current_app.url_map)
        return self._schema


def create_app(test_config: dict | None = None) -> Flask:
    app = CitizenFlask(__name__, instance_path=configuration.instance_path(), instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(configuration.from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    configuration.complete(app.config, app.instance_path)
    app.config.update(
        RESTX_ERROR_404_HELP=False,
        RESTX_MASK_SWAGGER=False,
        RESTX_VALIDATE=False,
        RESTX_JSON={"ensure_ascii": False, "cls": JSONEncoder},
    )
    logs.configure(app.config["LOG_FORMAT"])
    sessions.init_app(app)

    def engine_of(url):
        return db.make_engine(
            url,
            pool_size=app.config["DB_POOL_SIZE"],
            pool_timeout=app.config["DB_POOL_TIMEOUT"],
            connect_timeout=app.config["DB_CONNECT_TIMEOUT"],
            statement_timeout=app.config["DB_STATEMENT_TIMEOUT"],
        )

    replica = None
    if app.config["DATABASE_REPLICA_URL"]:
        replica = db.Replica(
            engine_of(app.config["DATABASE_REPLICA_URL"]),
            app.config["REPLICA_MAX_LAG"],
            on_change=metrics.replica_state,
        )
    database = db.Database(
        engine_of(app.config["DATABASE_URL"]),
        replica,
        storage=storage.LocalStorage(app.config["ATTACHMENTS_DIR"]),
        public_base_url=app.config["PUBLIC_BASE_URL"],  # links in staff e-mail (services/staff_mail)
        sms=sms.Settings.from_config(app.config),  # what goes by SMS, and the day's budget (services/sms)
        zalo_miniapp=allowance.Allowance.from_config(app.config),  # what Zalo allows (services/zalo)
        voice=speech.voice(app.config),  # who reads bulletins and alerts aloud (services/core/speech.py)
    )
    app.extensions["database"] = database

    @app.teardown_appcontext
    def end_request(_exc):
        database.end_session()
        auth.record_use()  # after the request's own work, in a transaction of its own

    if app.config["TRUSTED_PROXIES"]:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    if app.config["CORS_ORIGINS"]:
        CORS(
            app,
            resources={rf"{API_PREFIX}/*": {"origins": app.config["CORS_ORIGINS"]}},
            expose_headers=["ETag", "Retry-After", "Location", "Idempotent-Replayed"],
            max_age=600,
        )

    register_errors(app)
    logs.init_app(app, observers=(metrics.count_request,))  # first: the request id and clock
    metrics.init_app(app)
    security_headers.init_app(app)
    from api.namespaces import feed, zalo

    feed.init_app(app)  # its before_request hook must run before the limiter's
    limiter.init_app(app)
    zalo.init_app(app)
    _register_api(app)

    from api import cli, console, health, worker

    console.init_app(app)

    worker.subscribers(app.config)
    health.register(app)
    cli.register(app)
    return app


def _register_api(app: Flask) -> None:
    from api import openapi, openapi3
    from api.namespaces import NAMESPACES

    api = CitizenApi(
        app,
        version="1.0",
        title="Citizen API",
        description=(
            "Backend of a province's Citizen App: policy notices, scam alerts, feedback routing and push. "
            "Errors are RFC 9457 problem details with a stable `code`. "
            "Authenticate with `Authorization: Bearer <token>`: a staff JWT from POST /api/v1/auth/token, "
            "a device token from POST /api/v1/devices, or an integrator's API key. "
            "This description is served as Swagger 2.0 at /swagger.json and as OpenAPI 3.1 at /openapi.json."
        ),
        license="AGPL-3.0-or-later",
        license_url="https://www.gnu.org/licenses/agpl-3.0.html",
        doc="/docs",
        authorizations={
            "bearer": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "Bearer <staff JWT | device token | API key>",
            }
        },
        security="bearer",
    )
    api.representations[PROBLEM_MIMETYPE] = api.representations["application/json"]
    for ns in NAMESPACES:
        api.add_namespace(ns, path=getattr(ns, "mount_path", f"{API_PREFIX}/{ns.name}"))
    openapi.build_models(api)
    from api.namespaces import open311

    app.extensions["error_formats"] = {open311.PREFIX: open311.error_response}
    app.extensions["api"] = api
    openapi3.register(app, api)
