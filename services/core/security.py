"""Secrets: argon2 password hashes, opaque bearer tokens stored as SHA-256, staff JWTs."""

import hashlib
import secrets
from datetime import timedelta
from functools import cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.core.db import utcnow

_hasher = PasswordHasher()

DEVICE_TOKEN_PREFIX = "dev_"
API_KEY_PREFIX = "cak_"
JWT_ALGORITHM = "HS256"
# Clocks of the API machines may differ a little: a token is taken this many seconds before its `iat`
# and after its `exp`, and may live this much longer than the configured lifetime.
JWT_LEEWAY = 30


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """Verifying against this keeps the time of "no such user" close to "wrong password". Made on first
    use: hashing at import would slow every worker's start."""
    return _hasher.hash("citizen-api-dummy-password")


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token(prefix: str) -> tuple[str, str]:
    """A fresh bearer token and the hash to store."""
    token = prefix + secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_jwt(secret: str, ttl: int, **claims) -> str:
    now = utcnow()
    payload = {**claims, "iat": now, "exp": now + timedelta(seconds=ttl)}
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM)


def read_jwt(secret: str, token: str, max_ttl: int) -> dict | None:
    """The claims of a token signed with `secret`, or None when it is expired, not yet valid, or lives
    longer than `max_ttl` seconds (a token with a far `exp` would never end)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            leeway=JWT_LEEWAY,
            options={"require": ["exp", "iat", "sub"]},
        )
    except jwt.PyJWTError:
        return None
    # PyJWT has checked that both are whole numbers (or strings of them).
    return claims if int(claims["exp"]) - int(claims["iat"]) <= max_ttl + JWT_LEEWAY else None
