"""The templates Zalo approved for our messages, as the province's admins record them, and how a
message's values fill one: each parameter takes one of our fields (the tracking code, the department, the
answer…), cut at a word boundary to the parameter's limit, so Zalo never refuses a message for length."""

import uuid
from string import Formatter

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import transactional, utcnow
from services.core.errors import Invalid, NotFound
from services.core.text import shorten
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import ZaloTemplate
from services.outbox import texts

# What a parameter may take, beyond the placeholders of the message's texts: its rendered title and body.
RENDERED = ("title", "body")


def fields_of(message: str) -> list[str]:
    """The fields a template for `message` can use: the placeholders of its Vietnamese text, then the
    rendered title and body."""
    title, body = texts.TEXTS[message]["vi"]
    names = [name for _, name, _, _ in Formatter().parse(title + body) if name]
    return [*dict.fromkeys(names), *RENDERED]


def fill(template: ZaloTemplate, values: dict, content: dict) -> dict:
    """template_data for one message: each parameter's field from `values` (or the rendered Vietnamese
    `content`), cut to the parameter's max_length."""
    rendered = content.get("vi", {})
    data = {}
    for param in template.params:
        field = param["field"]
        value = str(rendered.get(field, "") if field in RENDERED else values.get(field, ""))
        data[param["name"]] = shorten(" ".join(value.split()), param["max_length"])
    return data


def active(db: Session, message: str, *channels: str) -> dict[str, ZaloTemplate]:
    """The active template for `message` on each of these channels that has one (one query for all)."""
    found = db.scalars(
        select(ZaloTemplate).where(
            ZaloTemplate.channel.in_(channels), ZaloTemplate.message == message, ZaloTemplate.active.is_(True)
        )
    )
    return {template.channel: template for template in found}


def list_all(db: Session, principal: Principal) -> list[ZaloTemplate]:
    policy.require(principal, "zalo.templates")
    return list(db.scalars(select(ZaloTemplate).order_by(ZaloTemplate.channel, ZaloTemplate.message)))


@transactional
def put(db: Session, principal: Principal, channel: str, message: str, data: dict) -> ZaloTemplate:
    """Record (or replace) the template Zalo approved for `message` on `channel`."""
    policy.require(principal, "zalo.templates")
    if not texts.has(message):
        raise NotFound(f"No message {message!r}: see GET /api/v1/zalo/templates/messages.")
    allowed = fields_of(message)
    unknown = sorted({p["field"] for p in data["params"]} - set(allowed))
    if unknown:
        raise Invalid(
            {"params": [f"Unknown fields {', '.join(unknown)}; {message} offers {', '.join(allowed)}."]},
            code="unknown_template_field",
        )
    template = db.scalar(
        select(ZaloTemplate).where(ZaloTemplate.channel == channel, ZaloTemplate.message == message)
    )
    before = audit.snapshot(template) if template else None
    if template is None:
        template = ZaloTemplate(id=uuid.uuid4(), channel=channel, message=message)
        db.add(template)
    template.template_id = data["template_id"]
    template.params = [dict(p) for p in data["params"]]
    template.active = data.get("active", True)
    template.updated_at, template.updated_by_id = utcnow(), principal.user.id
    audit.record(
        db, principal, "zalo_template.update" if before else "zalo_template.create", template, before
    )
    return template


@transactional
def delete(db: Session, principal: Principal, channel: str, message: str) -> None:
    policy.require(principal, "zalo.templates")
    template = db.scalar(
        select(ZaloTemplate).where(ZaloTemplate.channel == channel, ZaloTemplate.message == message)
    )
    if template is None:
        raise NotFound("No template for that message on that channel.")
    audit.record(db, principal, "zalo_template.delete", template, audit.snapshot(template))
    db.delete(template)
