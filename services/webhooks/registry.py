"""Registering webhooks: who may, which URLs and events, the secret shown once, and switching on again."""

import secrets
import uuid
from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from services import events
from services.core import netguard
from services.core.db import one_at_a_time, transactional, utcnow
from services.core.errors import Forbidden, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Department, Webhook

MAX_PER_DEPARTMENT = 20  # and as many without a department
ALL = object()  # managed_department(): every department's webhooks, and those without one


@dataclass(frozen=True)
class UrlRules:
    """From the settings: plain http (development) and private addresses (tests, internal networks)."""

    allow_http: bool = False
    allow_private: bool = False


def new_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def managed_department(principal: Principal):
    """Whose webhooks the caller manages under the policy's "webhooks.manage": ALL for admins and for an
    API key with no department; its own department's (the id) for an editor or a department's key."""
    policy.require(principal, "webhooks.manage")
    return ALL if principal.every_department else principal.department_id


def _visible(principal: Principal) -> Select:
    department = managed_department(principal)
    stmt = select(Webhook)
    return stmt if department is ALL else stmt.where(Webhook.department_id == department)


def get(db: Session, principal: Principal, webhook_id: uuid.UUID) -> Webhook:
    """The webhook if the caller manages it; 404 otherwise (also for other departments' webhooks)."""
    webhook = db.scalar(_visible(principal).where(Webhook.id == webhook_id))
    if webhook is None:
        raise NotFound("No such webhook.")
    return webhook


def list_webhooks(db: Session, principal: Principal, *, cursor=None, limit=20) -> Page:
    return keyset_page(
        db, _visible(principal), [Webhook.created_at, Webhook.id], cursor, limit, descending=True
    )


@transactional
def create(db: Session, principal: Principal, data: dict, rules: UrlRules) -> Webhook:
    """A new webhook; its `secret` is the caller's to keep (the API shows it in this answer only)."""
    managed = managed_department(principal)
    department_id = data.get("department_id")
    if managed is not ALL:
        if department_id not in (None, managed):
            raise Forbidden("Webhooks of your own department only.", code="other_department")
        department_id = managed
    elif department_id is not None and db.get(Department, department_id) is None:
        raise Invalid({"department_id": ["No such department."]})
    same_owner = Webhook.department_id == department_id if department_id else Webhook.department_id.is_(None)
    one_at_a_time(db, f"webhooks of {department_id or 'the province'}")  # two creates at once stay within 20
    if db.scalar(select(func.count()).select_from(Webhook).where(same_owner)) >= MAX_PER_DEPARTMENT:
        raise Invalid(
            {"department_id": [f"At most {MAX_PER_DEPARTMENT} webhooks per department; delete one first."]},
            code="webhook_limit_reached",
        )
    webhook = Webhook(
        id=uuid.uuid4(),
        url=checked_url(data["url"], rules),
        events=known_events(data["events"]),
        department_id=department_id,
        description=data.get("description", ""),
        secret=new_secret(),
        active=True,
        failures=0,
        created_by=principal.actor[2] or principal.actor[1] or "",
    )
    db.add(webhook)
    audit.record(db, principal, "webhook.create", webhook)
    return webhook


@transactional
def update(db: Session, principal: Principal, webhook_id: uuid.UUID, data: dict, rules: UrlRules) -> Webhook:
    """Change the URL, events or description; `active: true` switches a disabled webhook on again with
    a clean slate, `active: false` switches it off."""
    webhook = get(db, principal, webhook_id)
    before = audit.snapshot(webhook)
    if "url" in data:
        webhook.url = checked_url(data["url"], rules)
    if "events" in data:
        webhook.events = known_events(data["events"])
    if "description" in data:
        webhook.description = data["description"]
    if data.get("active") is True and not webhook.active:
        webhook.active, webhook.disabled_reason, webhook.disabled_at = True, None, None
        webhook.failures, webhook.failing_since = 0, None
    elif data.get("active") is False and webhook.active:
        disable(webhook, f"Switched off by {principal.actor[2] or principal.actor[0]}.")
    audit.record(db, principal, "webhook.update", webhook, before)
    return webhook


@transactional
def rotate_secret(db: Session, principal: Principal, webhook_id: uuid.UUID) -> Webhook:
    """A new secret signs every delivery sent from now on (retries of earlier ones included)."""
    webhook = get(db, principal, webhook_id)
    webhook.secret = new_secret()
    audit.record(db, principal, "webhook.rotate_secret", webhook)
    return webhook


@transactional
def delete(db: Session, principal: Principal, webhook_id: uuid.UUID) -> None:
    """Gone at once: deliveries still waiting find no webhook and end as `gone`."""
    webhook = get(db, principal, webhook_id)
    before = audit.snapshot(webhook)
    audit.record(db, principal, "webhook.delete", webhook, before)
    db.delete(webhook)


def disable(webhook: Webhook, reason: str) -> None:
    webhook.active, webhook.disabled_reason, webhook.disabled_at = False, reason[:1000], utcnow()


def known_events(names: list[str]) -> list[str]:
    unknown = sorted(set(names) - set(events.NAMES))
    if unknown:
        raise Invalid(
            {"events": [f"Unknown events: {', '.join(unknown)}. Known: {', '.join(events.NAMES)}."]},
            code="unknown_event",
        )
    return sorted(set(names))


def checked_url(url: str, rules: UrlRules) -> str:
    """The URL if deliveries may go there: https (http only where allowed), no credentials, a host that
    resolves to public addresses only (unless private ones are allowed). Checked again at every delivery."""
    parts = urlsplit(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        port = None
    if parts.scheme not in ("http", "https") or not parts.hostname or port is None or _unprintable(url):
        raise Invalid({"url": ["Not an http(s) URL with a host."]}, code="invalid_url")
    if parts.username is not None or parts.password is not None:
        raise Invalid({"url": ["Put no user name or password in the URL; deliveries are signed."]},
                      code="url_has_credentials")  # fmt: skip
    if parts.scheme != "https" and not rules.allow_http:
        raise Invalid({"url": ["Webhooks are sent over https only."]}, code="url_not_https")
    try:
        netguard.resolve(parts.hostname, port, allow_private=rules.allow_private)
    except netguard.Refused as error:
        raise Invalid({"url": [f"{error}."]}, code="url_not_public") from None
    except netguard.Unresolvable:
        raise Invalid({"url": [f"{parts.hostname} does not resolve."]}, code="url_unresolvable") from None
    return url


def _unprintable(url: str) -> bool:
    return any(char.isspace() or not char.isprintable() for char in url)
