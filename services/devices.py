"""Citizen devices: anonymous registration that returns a bearer token shown once."""

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import areas
from services.db import transactional, utcnow
from services.errors import Invalid
from services.models import Device
from services.principals import Principal
from services.security import DEVICE_TOKEN_PREFIX, new_token, token_hash

# last_seen_at is refreshed at most this often, so reads do not turn into writes.
SEEN_RESOLUTION = timedelta(hours=1)


def by_token(db: Session, token: str) -> Device | None:
    device = db.scalar(select(Device).where(Device.token_hash == token_hash(token)))
    if device is not None and utcnow() - device.last_seen_at > SEEN_RESOLUTION:
        device.last_seen_at = utcnow()
        db.commit()
    return device


@transactional
def register(db: Session, data: dict) -> tuple[Device, str]:
    """A new device and its bearer token (never stored, never shown again)."""
    _check_place(data.get("province_code"), data.get("ward_code"))
    token, hashed = new_token(DEVICE_TOKEN_PREFIX)
    device = Device(token_hash=hashed, last_seen_at=utcnow(), **data)
    db.add(device)
    return device, token


@transactional
def update(db: Session, principal: Principal, data: dict) -> Device:
    device = principal.require_device()
    province_code = data.get("province_code", device.province_code)
    # Moving to another province forgets the old ward unless a new one is given.
    ward_code = data.get("ward_code", device.ward_code if province_code == device.province_code else None)
    _check_place(province_code, ward_code)
    for key, value in {**data, "province_code": province_code, "ward_code": ward_code}.items():
        setattr(device, key, value)
    return device


@transactional
def delete(db: Session, principal: Principal) -> None:
    db.delete(principal.require_device())


def _check_place(province_code, ward_code) -> None:
    errors = areas.place_errors(province_code, ward_code)
    if errors:
        raise Invalid(errors, code="unknown_area")
