"""Staff's side of SMS subscriptions: a commune office records a number with the citizen's consent
(active at once: the citizen is there), lists them, and stops one. Every change is audited."""

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core import areas
from services.core.db import transactional, utcnow
from services.core.errors import Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.phones import to_e164
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import SmsOptOut, SmsSubscription


def list_all(
    db: Session, principal: Principal, *, ward_code=None, phone=None, status=None, cursor=None, limit=20
) -> Page:
    policy.require(principal, "sms.subscriptions")
    stmt = select(SmsSubscription)
    if ward_code is not None:
        stmt = stmt.where(SmsSubscription.ward_code == ward_code)
    if phone:
        stmt = stmt.where(SmsSubscription.phone == (to_e164(phone) or phone))
    if status:
        stmt = stmt.where(SmsSubscription.status == status)
    keys = [SmsSubscription.created_at, SmsSubscription.id]
    return keyset_page(db, stmt, keys, cursor, limit, descending=True)


@transactional
def record(db: Session, principal: Principal, data: dict) -> SmsSubscription:
    """A number subscribed at the commune office, after the citizen agreed there."""
    policy.require(principal, "sms.subscriptions")
    phone = to_e164(data["phone"])
    ward = areas.ward(data["ward_code"])
    errors = {}
    if phone is None:
        errors["phone"] = ["Not a valid phone number."]
    if ward is None:
        errors["ward_code"] = ["No such commune."]
    if not data.get("consent"):
        errors["consent"] = ["Record a subscription only after the citizen agreed to it."]
    if errors:
        raise Invalid(errors)  # every field at once: the office form shows each beside its field
    found = db.scalar(
        select(SmsSubscription).where(SmsSubscription.phone == phone, SmsSubscription.ward_code == ward.code)
    )
    before = audit.snapshot(found) if found else None
    if found is None:
        found = SmsSubscription(
            id=uuid.uuid4(),
            phone=phone,
            province_code=ward.province_code,
            ward_code=ward.code,
            source="office",
        )
        db.add(found)
    found.status, found.confirmed_at, found.stopped_at = "active", utcnow(), None
    found.source, found.created_by_id = "office", principal.user.id if principal.user else None
    opted_out = db.get(SmsOptOut, phone)
    if opted_out is not None:  # the citizen, in person, asks for alerts again
        db.delete(opted_out)
    audit.record(
        db, principal, "sms_subscription.update" if before else "sms_subscription.create", found, before
    )
    return found


@transactional
def stop(db: Session, principal: Principal, subscription_id: uuid.UUID) -> None:
    policy.require(principal, "sms.subscriptions")
    found = db.get(SmsSubscription, subscription_id)
    if found is None:
        raise NotFound("No such SMS subscription.")
    before = audit.snapshot(found)
    found.status, found.stopped_at = "stopped", utcnow()
    audit.record(db, principal, "sms_subscription.stop", found, before)
