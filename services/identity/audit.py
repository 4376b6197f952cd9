"""The audit log: every staff or API-key write records actor, action, entity, before/after, IP, time."""

import uuid
from datetime import date, datetime

from sqlalchemy import insert, inspect, or_, select
from sqlalchemy.orm import Session

from services.core.pagination import Page, keyset_page
from services.identity import policy
from services.identity.principals import Principal
from services.models import AuditEvent

# Never copied into the log.
_SECRET_COLUMNS = {"password_hash", "token_hash", "key_hash", "push_token", "secret"}


def snapshot(row) -> dict:
    """A JSON-safe copy of a row's columns, secrets left out."""
    values = {}
    for attr in inspect(row).mapper.column_attrs:
        if attr.key in _SECRET_COLUMNS:
            continue
        value = getattr(row, attr.key)
        if isinstance(value, uuid.UUID | datetime | date):
            value = value.isoformat() if not isinstance(value, uuid.UUID) else str(value)
        values[attr.key] = value
    return values


def record(db: Session, principal: Principal, action: str, row, before: dict | None = None) -> None:
    """Add an audit event for `row` to the caller's transaction. `before` comes from snapshot()."""
    db.flush()
    actor_type, actor_id, actor_label = principal.actor
    entity = row.__tablename__
    # Append-only: one INSERT now, not an object for the unit of work to sort at the next flush.
    db.execute(
        insert(AuditEvent.__table__),
        dict(
            actor_type=actor_type,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            entity=entity,
            entity_id=str(row.id),
            before=before,
            after=None if action.endswith(".delete") else snapshot(row),
            ip=principal.ip,
        ),
    )


def list_events(
    db: Session,
    principal: Principal,
    *,
    entity=None,
    entity_id=None,
    actor=None,
    action=None,
    since=None,
    until=None,
    cursor=None,
    limit=20,
) -> Page:
    """Newest first. `actor`: an id or the label (a user's e-mail, a key's name); `action`: a whole
    action or its start ("user." for every change to users); `since`/`until`: times, until excluded."""
    policy.require(principal, "audit.read")
    stmt = select(AuditEvent)
    if entity:
        stmt = stmt.where(AuditEvent.entity == entity)
    if entity_id:
        stmt = stmt.where(AuditEvent.entity_id == entity_id)
    if actor:
        stmt = stmt.where(or_(AuditEvent.actor_id == actor, AuditEvent.actor_label == actor))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if since:
        stmt = stmt.where(AuditEvent.at >= since)
    if until:
        stmt = stmt.where(AuditEvent.at < until)
    return keyset_page(db, stmt, [AuditEvent.id], cursor, limit, descending=True)
