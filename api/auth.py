"""Who is calling, from `Authorization: Bearer ...`.

Tokens describe themselves: `dev_...` is a citizen device, `cak_...` an integrator's API key, and
anything else must be a staff JWT. A header that is present but wrong is a 401, never anonymous.
"""

from flask import current_app, g, request

from services.core.db import session, utcnow
from services.core.errors import Unauthorized
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
            return Principal(kind=Caller.DEVICE, device=device, ip=ip)
    elif token.startswith(API_KEY_PREFIX):
        api_key = api_keys.by_key(db, token)
        if api_key is not None:
            _touch(api_key)
            return Principal(kind=Caller.API_KEY, api_key=api_key, scopes=frozenset(api_key.scopes), ip=ip)
    else:
        claims = read_jwt(current_app.config["SECRET_KEY"], token, current_app.config["JWT_TTL"])
        user = users.from_claims(session(), claims) if claims else None
        if user is not None:
            return Principal(kind=Caller.STAFF, user=user, ip=ip)
    raise Unauthorized("The token is invalid, expired or revoked.", code="invalid_token")


def _touch(api_key) -> None:
    """Record use at most once a minute, so reads stay reads."""
    now = utcnow()
    if api_key.last_used_at is None or (now - api_key.last_used_at).total_seconds() > 60:
        api_key.last_used_at = now
        session().commit()
