"""Integrators' API keys: scoped, shown once, stored hashed, revoked at once."""

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.core.db import transactional, utcnow
from services.core.errors import Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.security import API_KEY_PREFIX, new_token, token_hash
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import ApiKey, Department

# The full list an admin can grant; services/identity/policy.py says what each lets a key do.
SCOPES = (
    "notices:read",
    "notices:write",
    "alerts:read",
    "alerts:write",
    "feedback:read",
    "feedback:write",
    "departments:read",
    "webhooks:manage",
    "bulletins:read",
)
# last_used_at is refreshed at most this often, so reads do not turn into writes.
USE_RESOLUTION = timedelta(minutes=1)


def by_key(db: Session, key: str) -> ApiKey | None:
    api_key = db.scalar(select(ApiKey).where(ApiKey.key_hash == token_hash(key)))
    if api_key is None or api_key.revoked_at is not None:
        return None
    return api_key


@transactional
def used(db: Session, api_key_id: uuid.UUID) -> None:
    """Record that a key was used (the edge does, at most once per USE_RESOLUTION)."""
    db.execute(update(ApiKey).where(ApiKey.id == api_key_id).values(last_used_at=utcnow()))


def list_keys(db: Session, principal: Principal, *, cursor=None, limit=20) -> Page:
    policy.require(principal, "api_keys.manage")
    return keyset_page(db, select(ApiKey), [ApiKey.created_at, ApiKey.id], cursor, limit, descending=True)


@transactional
def create(db: Session, principal: Principal, data: dict) -> tuple[ApiKey, str]:
    policy.require(principal, "api_keys.manage")
    if data.get("department_id") and db.get(Department, data["department_id"]) is None:
        raise Invalid({"department_id": ["No such department."]})
    key, hashed = new_token(API_KEY_PREFIX)
    api_key = ApiKey(
        id=uuid.uuid4(),
        name=data["name"],
        prefix=key[: len(API_KEY_PREFIX) + 6],
        key_hash=hashed,
        scopes=sorted(set(data["scopes"])),
        department_id=data.get("department_id"),
        created_by_id=principal.user.id,
        created_at=utcnow(),
    )
    db.add(api_key)
    audit.record(db, principal, "api_key.create", api_key)
    return api_key, key


@transactional
def revoke(db: Session, principal: Principal, key_id: uuid.UUID) -> None:
    policy.require(principal, "api_keys.manage")
    api_key = db.get(ApiKey, key_id)
    if api_key is None or api_key.revoked_at is not None:
        raise NotFound("No such active API key.")
    before = audit.snapshot(api_key)
    api_key.revoked_at = utcnow()
    audit.record(db, principal, "api_key.revoke", api_key, before)
