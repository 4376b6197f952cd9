"""Rate limits (Flask-Limiter) on the endpoints anyone can call: sign-in, device registration, scam-check,
and what citizens' devices send (feedback, ratings and reopenings, comments on drafts, scam reports,
uploads, changes to the device). Each has a default below and a setting, RATE_LIMIT_<NAME> (docs/api.md).

Limits are per client IP (behind a proxy set TRUSTED_PROXIES so the IP is the client's). Storage
is in-process by default; with several API processes set RATELIMIT_STORAGE_URI (e.g. redis://…)
so they share counts. A limited request gets 429 problem+json with Retry-After.

When the shared storage is down, limits fail open to per-process counts (Flask-Limiter's in-memory
fallback): every process counts for itself, as with memory://, until the storage answers again (checked
after 1, 2, 4… up to 32 s). A Redis outage then neither refuses citizens (fail closed would stop sign-in,
feedback and device registration in the storm that brought the load) nor lifts the limits altogether
(each limit holds per process: looser by the number of processes, never off). Requests wait at most
RATELIMIT_STORAGE_TIMEOUT for Redis.

The limits are declared once, by the decorators of the namespaces (`@limiter.limit`), but each app counts
them in its own storage (`app.extensions["rate_limits"]`): two apps in one process never share counts.
"""

from flask import Flask, current_app
from flask.globals import request_ctx
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from api.auth import current_principal

_COUNTERS = "rate_limits"


def _per_app(name: str, default=None) -> property:
    """An attribute Flask-Limiter keeps in the Limiter, kept in the app the request is for instead."""

    def get(self):
        return self._counters().get(name, default)

    def set(self, value) -> None:
        self._counters()[name] = value

    return property(get, set)


class PerAppLimiter(Limiter):
    """Flask-Limiter keeps the counters' storage, the strategy counting in them, whether limits are on and
    whether the storage is down (with the in-memory storage counting meanwhile) in the Limiter; here they
    live in the app the request is for, so that one Limiter (and the decorators made from it) serves any
    number of apps."""

    def __init__(self, **options):
        self._configuring: dict | None = {}  # what init_app builds, before it belongs to an app
        super().__init__(**options)

    def init_app(self, app: Flask) -> None:
        self._configuring = {}
        super().init_app(app)
        app.extensions[_COUNTERS] = self._configuring
        self._configuring = None

    def _counters(self) -> dict:
        return self._configuring if self._configuring is not None else current_app.extensions[_COUNTERS]

    _storage = _per_app("storage")
    _limiter = _per_app("strategy")
    enabled = _per_app("enabled", True)
    _storage_dead = _per_app("storage_dead", False)
    _fallback_storage = _per_app("fallback_storage")
    _fallback_limiter = _per_app("fallback_strategy")
    # When this app last asked the dead storage whether it is back, and how often it did (the wait doubles).
    _Limiter__last_check_backend = _per_app("last_check", 0.0)
    _Limiter__check_backend_count = _per_app("checks", 0)

    # Flask-Limiter's after-request and teardown hooks read the request's limiter context, creating it if
    # need be, on every answer. An answer made before the limiter's check (the feed's cache: nearly every
    # request at 7 a.m.) has none and leaves them nothing to do: they return at once (a tenth of its CPU).
    @staticmethod
    def _checked() -> bool:
        return hasattr(request_ctx, "_limiter_request_context")

    @property
    def current_limit(self):
        return super().current_limit if self._checked() else None

    def _Limiter__check_conditional_deductions(self, response) -> None:
        if self._checked():
            super()._Limiter__check_conditional_deductions(response)

    def _Limiter__release_context(self, _error=None) -> None:
        if self._checked():
            super()._Limiter__release_context(_error)


limiter = PerAppLimiter(key_func=get_remote_address, headers_enabled=True, in_memory_fallback_enabled=True)


def reset(app: Flask) -> None:
    """Forget `app`'s counts (tests start each case at zero)."""
    if storage := app.extensions[_COUNTERS].get("storage"):  # none when RATELIMIT_ENABLED is false
        storage.reset()


# The defaults; each is read from the app's settings (RATE_LIMIT_<NAME>) when a request is counted, so
# an operator changes one with an environment variable (docs/api.md lists them).
RATE_LIMITS = {
    "SIGN_IN": "10 per minute;100 per hour",
    # Generous: many phones share one carrier-grade NAT address.
    "DEVICE_REGISTRATION": "60 per minute",
    # A device changing its place, language or push token, or marking its inbox read: a few a minute from
    # a real phone, never a stream.
    "DEVICE_UPDATES_PER_DEVICE": "60 per minute;600 per hour",
    # "Has this been reported?": enough for a family behind one address, not for bulk harvesting.
    "SCAM_CHECK": "30 per minute;300 per hour",
    # Feedback submissions: a device's successful ones, and every attempt from one address (NAT-generous).
    "FEEDBACK_PER_DEVICE": "10 per hour;30 per day",
    "FEEDBACK_PER_IP": "60 per hour",
    # Rating or reopening one's own feedback: a handful a day; the reopen rule bounds the rest.
    "FEEDBACK_FOLLOW_UPS_PER_DEVICE": "20 per hour;50 per day",
    # Comments on drafts: a citizen may comment on several sections, not flood a consultation.
    "COMMENTS_PER_DEVICE": "20 per hour;100 per day",
    "COMMENTS_PER_IP": "120 per hour",
    # Scam reports: the few scam attempts of a citizen's day, not a list. Devices cost nothing to register,
    # so the address limit is the one that slows a farm of them (scam-check never trusts reports anyway).
    "SCAM_REPORTS_PER_DEVICE": "5 per hour;20 per day",
    "SCAM_REPORTS_PER_IP": "30 per hour",
    # Requests under the personal data law: each starts a legal clock for the officer; a citizen has a few.
    "PRIVACY_REQUESTS_PER_DEVICE": "5 per day",
    "PRIVACY_REQUESTS_PER_IP": "30 per hour",
    # Uploads (up to 10 MB each): a feedback's few photos at a time, not a stream of files; every attempt
    # from one address counts (devices cost nothing to create). Staff attach answers' photos and notices'
    # documents. What an uploader may leave unused is bounded apart (services/attachments.py).
    "UPLOADS_PER_DEVICE": "10 per minute;40 per hour;120 per day",
    "UPLOADS_PER_USER": "30 per minute;300 per hour",
    "UPLOADS_PER_IP": "30 per minute;200 per hour",
    # Giving or withdrawing a consent: a citizen's few decisions, not a loop toggling one.
    "CONSENTS_PER_DEVICE": "30 per hour;100 per day",
    # An export reads every row and photo of the citizen: a few a day is plenty.
    "EXPORTS_PER_DEVICE": "5 per hour;20 per day",
}


def setting(name: str):
    """The limit RATE_LIMIT_`name` of the app serving the request (Flask-Limiter calls it per request)."""
    assert name in RATE_LIMITS, name
    return lambda: current_app.config[f"RATE_LIMIT_{name}"]


SIGN_IN = setting("SIGN_IN")
DEVICE_REGISTRATION = setting("DEVICE_REGISTRATION")
DEVICE_UPDATES_PER_DEVICE = setting("DEVICE_UPDATES_PER_DEVICE")
SCAM_CHECK = setting("SCAM_CHECK")
FEEDBACK_PER_DEVICE = setting("FEEDBACK_PER_DEVICE")
FEEDBACK_PER_IP = setting("FEEDBACK_PER_IP")
FEEDBACK_FOLLOW_UPS_PER_DEVICE = setting("FEEDBACK_FOLLOW_UPS_PER_DEVICE")
COMMENTS_PER_DEVICE = setting("COMMENTS_PER_DEVICE")
COMMENTS_PER_IP = setting("COMMENTS_PER_IP")
SCAM_REPORTS_PER_DEVICE = setting("SCAM_REPORTS_PER_DEVICE")
SCAM_REPORTS_PER_IP = setting("SCAM_REPORTS_PER_IP")
UPLOADS_PER_IP = setting("UPLOADS_PER_IP")
PRIVACY_REQUESTS_PER_DEVICE = setting("PRIVACY_REQUESTS_PER_DEVICE")
PRIVACY_REQUESTS_PER_IP = setting("PRIVACY_REQUESTS_PER_IP")
CONSENTS_PER_DEVICE = setting("CONSENTS_PER_DEVICE")
EXPORTS_PER_DEVICE = setting("EXPORTS_PER_DEVICE")


def calling_device() -> str:
    """The limit key of the calling device or staff user (its operation has already checked the caller)."""
    principal = current_principal()
    if principal.device:
        return f"device:{principal.device.id}"
    return f"user:{principal.user.id}" if principal.user else get_remote_address()


def uploads_per_uploader() -> str:
    return current_app.config[
        "RATE_LIMIT_UPLOADS_PER_DEVICE" if current_principal().device else "RATE_LIMIT_UPLOADS_PER_USER"
    ]
