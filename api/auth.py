"""Who is calling, from `Authorization: Bearer ...`.

Tokens describe themselves: `dev_...` is a citizen device, `cak_...` an integrator's API key, and
anything else must be a staff JWT. A header that is present but wrong is a 401, never anonymous.
"""

from datetime import datetime, timedelta

from flask import current_app, g, request
from sqlalchemy.exc import DBAPIError

from api.database import database, session
from services.core.db import utcnow
from services.core.errors import Forbidden, Unauthorized
from services.core.security import API_KEY_PREFIX, DEVICE_TOKEN_PREFIX, read_jwt
from services.identity import api_keys, devices, users
from services.identity.principals import ANONYMOUS, Caller, Principal


def current_principal() -> Principal:
    if "principal" not in g:
        g.principal = _authenticate(request.headers.get("Authorization"))
    return g.principal


def _authenticate(header: str | None) -> Principal:
    ip = request.remote_addr
    if not header:
        return Principal(kind=Caller.ANONYMOUS, ip=ip) if ip else ANONYMOUS
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Use Authorization: Bearer <token>.", code="invalid_token")
    db = session()
    if token.startswith(DEVICE_TOKEN_PREFIX):
        device = devices.by_token(db, token)
        if device is not None:
            _note_use(devices.seen, device.id, device.last_seen_at, devices.SEEN_RESOLUTION)
            return Principal(kind=Caller.DEVICE, device=device, ip=ip)
    elif token.startswith(API_KEY_PREFIX):
        principal = _api_key(token, ip)
        if principal is not None:
            return principal
    else:
        claims = read_jwt(current_app.config["SECRET_KEY"], token, current_app.config["JWT_TTL"])
        user = users.from_claims(session(), claims) if claims else None
        if user is not None:
            return Principal(kind=Caller.STAFF, user=user, ip=ip)
    raise Unauthorized("The token is invalid, expired or revoked.", code="invalid_token")


def _api_key(token: str, ip: str | None) -> Principal | None:
    api_key = api_keys.by_key(session(), token)
    if api_key is None:
        return None
    _note_use(api_keys.used, api_key.id, api_key.last_used_at, api_keys.USE_RESOLUTION)
    return Principal(kind=Caller.API_KEY, api_key=api_key, scopes=frozenset(api_key.scopes), ip=ip)


def use_api_key(token: str) -> Principal:
    """An API key given as a parameter (Open311's `api_key`) is the caller, whatever the headers say;
    a wrong one is refused (403 `invalid_api_key`)."""
    principal = _api_key(token, request.remote_addr) if token.startswith(API_KEY_PREFIX) else None
    if principal is None:
        raise Forbidden("The api_key is invalid or revoked.", code="invalid_api_key")
    g.principal = principal
    return principal


def _note_use(record, row_id, last: datetime | None, resolution: timedelta) -> None:
    """Remember to record that a device or key was used, when its last record is older than `resolution`
    (so that most reads stay reads); `record_use` writes it when the request is over."""
    if last is None or utcnow() - last > resolution:
        g.record_use = (record, row_id)


def record_use() -> None:
    """Record the caller's use in a transaction of its own, after the request's work was committed or
    rolled back by its services and its session closed: it neither commits half of a failed request nor
    is lost with it. A database failure here is not the caller's: the answer is already made."""
    if "record_use" in g:
        record, row_id = g.pop("record_use")
        try:
            with database().sessions() as db:
                record(db, row_id)
        except DBAPIError:
            current_app.logger.warning("could not record the last use of a device or key", exc_info=True)
