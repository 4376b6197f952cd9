"""Citizen devices: anonymous registration that returns a bearer token shown once, and the
device's place, language, interests and push token (which the push worker turns into FCM topics)."""

import uuid
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session, joinedload

from services.core import areas
from services.core.db import transactional, utcnow
from services.core.errors import Conflict, Invalid
from services.core.security import DEVICE_TOKEN_PREFIX, new_token, token_hash
from services.identity import personal_data, policy
from services.identity.principals import Caller, Principal
from services.models import Category, Citizen, Device, TokenRetirement

# last_seen_at is refreshed at most this often, so reads do not turn into writes.
SEEN_RESOLUTION = timedelta(hours=1)
# Fields whose change alters the device's FCM topics.
_TOPIC_FIELDS = ("province_code", "ward_code", "locale", "categories", "push_token")


def by_token(db: Session, token: str) -> Device | None:
    """The calling device, with its citizen's row when there is one: what a citizen sends is checked
    against it (consents, a Zalo-verified phone), so it comes in the same query."""
    return db.scalar(
        select(Device).where(Device.token_hash == token_hash(token)).options(joinedload(Device.citizen))
    )


@transactional
def seen(db: Session, device_id: uuid.UUID) -> None:
    """Record that a device called (the edge does, at most once per SEEN_RESOLUTION)."""
    db.execute(sql_update(Device).where(Device.id == device_id).values(last_seen_at=utcnow()))


@transactional
def register(db: Session, principal: Principal, data: dict) -> tuple[Device, str]:
    """A new device and its bearer token (never stored, never shown again).

    Registering with an existing device's token adds the new device to the same citizen, so
    personal messages (answers to feedback, replies to comments) reach both phones.
    """
    citizen_id = principal.device.citizen_id if principal.kind == Caller.DEVICE else uuid.uuid4()
    return add(db, data, citizen_id)


def add(db: Session, data: dict, citizen_id: uuid.UUID) -> tuple[Device, str]:
    """A device of `citizen_id` (in the caller's transaction) and its bearer token."""
    _check_place(data.get("province_code"), data.get("ward_code"))
    _check_categories(db, data.get("categories"))
    token, hashed = new_token(DEVICE_TOKEN_PREFIX)
    device = Device(
        token_hash=hashed, last_seen_at=utcnow(), subscribed_topics=[], citizen_id=citizen_id, **data
    )
    device.topics_dirty = bool(device.push_token)
    db.add(device)
    return device, token


@transactional
def update(db: Session, principal: Principal, data: dict) -> Device:
    policy.require(principal, "devices.self")
    device = principal.device
    province_code = data.get("province_code", device.province_code)
    # Moving to another province forgets the old ward unless a new one is given.
    ward_code = data.get("ward_code", device.ward_code if province_code == device.province_code else None)
    _check_place(province_code, ward_code)
    _check_categories(db, data.get("categories"))
    data = {**data, "province_code": province_code, "ward_code": ward_code}
    if "push_token" in data and data["push_token"] != device.push_token:
        _retire_token(db, device)
    if "zalo_notifications" in data:
        _set_zalo_notifications(db, device, data.pop("zalo_notifications"))
    changed = any(getattr(device, key) != data[key] for key in _TOPIC_FIELDS if key in data)
    for key, value in data.items():
        setattr(device, key, value)
    if changed:
        device.topics_dirty = True
        device.topics_retry_at = None
    return device


@transactional
def delete(db: Session, principal: Principal) -> None:
    """Forget the device. The citizen's last one takes the citizen with it: nothing could reach them or
    ask for their data afterwards, so what they left is erased (services/identity/personal_data.py)."""
    policy.require(principal, "devices.self")
    device = principal.device
    others = select(Device.id).where(Device.citizen_id == device.citizen_id, Device.id != device.id)
    if db.scalar(others.limit(1)) is None:
        personal_data.erase(db, device.citizen_id, principal)
        return
    forget(db, device)


def forget(db: Session, device: Device) -> None:
    """Delete the device, its token leaving its topics first (also the retention job's, for silent ones)."""
    _retire_token(db, device)
    db.delete(device)


def _set_zalo_notifications(db: Session, device: Device, allowed: bool) -> None:
    """The Mini App's notification opt-in (zmp-sdk requestSendNotification), for a signed-in citizen."""
    citizen = db.get(Citizen, device.citizen_id)
    if citizen is None or citizen.zalo_user_id is None:
        raise Conflict("Sign in with Zalo first (POST /api/v1/devices/zalo).", code="zalo_sign_in_required")
    citizen.zalo_notifications = allowed


def _retire_token(db: Session, device: Device) -> None:
    """The device's old token leaves its topics (by the push worker), so it stops getting area pushes."""
    if device.push_token and device.subscribed_topics:
        db.add(
            TokenRetirement(push_token=device.push_token, topics=list(device.subscribed_topics), attempts=0)
        )
    device.subscribed_topics = []


def _check_categories(db: Session, codes: list[str] | None) -> None:
    if not codes:
        return
    known = set(db.scalars(select(Category.code).where(Category.code.in_(codes), Category.active.is_(True))))
    unknown = sorted(set(codes) - known)
    if unknown:
        raise Invalid({"categories": [f"Unknown categories: {', '.join(unknown)}."]}, code="unknown_category")


def _check_place(province_code, ward_code) -> None:
    errors = areas.place_errors(province_code, ward_code)
    if errors:
        raise Invalid(errors, code="unknown_area")
