"""What a feature phone can text to the province's short code (mobile-originated SMS):

  DK <commune name or code>  subscribe to the commune's alerts; answered with a question, confirmed by Y
  Y                          confirm the subscriptions asked for in the last day (double opt-in)
  HUY                        stop every subscription and every SMS to the number, at once and for good

Anything else, or a commune that cannot be told, is answered with how to write it: never silence. A
number that texted HUY gets no answer to it and nothing after it, until it texts DK again.
"""

import re
from dataclasses import replace
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from services.core import areas
from services.core.db import utcnow
from services.core.phones import to_e164
from services.core.text import normalize
from services.models import SmsOptOut, SmsSubscription
from services.sms import Settings, place_name, send, settings_of, text

CONFIRM_WITHIN = timedelta(days=1)
HELP = (
    "Soan DK <ten xa/phuong> (vi du: DK Hai Chau) de nhan canh bao cua xa/phuong qua SMS. Soan HUY de ngung."
)
CHOICES = 3  # communes of the same name offered by code


def received(db: Session, sender: str, message: str) -> str:
    """Act on one text from `sender` (as the SMSC gives it: 84…); returns what was understood."""
    settings = settings_of(db)
    phone = to_e164(f"+{sender.lstrip('+')}") or sender
    words = normalize(message).upper().split()
    keyword, rest = (words[0], " ".join(words[1:])) if words else ("", "")
    if keyword in ("HUY", "STOP", "TC"):
        _stop(db, phone)
        return "stop"
    if keyword == "DK" and rest:
        return _ask(db, phone, rest, settings)
    if keyword in ("Y", "YES", "CO"):
        return _confirm(db, phone, settings)
    _reply(db, phone, HELP, settings)
    return "help"


def _ask(db: Session, phone: str, name: str, settings: Settings) -> str:
    wards = _wards(name, settings.province_code)
    if len(wards) != 1:
        if wards:
            offered = "; ".join(
                f"DK {w.code} ({w.name}, {areas.province(w.province_code).name})" for w in wards
            )
            _reply(db, phone, f"Co nhieu xa/phuong ten nay. Soan: {offered[:300]}", settings)
        else:
            _reply(db, phone, f"Khong tim thay xa/phuong '{name.title()}'. {HELP}", settings)
        return "unknown_commune"
    ward = wards[0]
    found = db.scalar(
        select(SmsSubscription).where(SmsSubscription.phone == phone, SmsSubscription.ward_code == ward.code)
    )
    if found is None:
        found = SmsSubscription(
            phone=phone, province_code=ward.province_code, ward_code=ward.code, source="sms"
        )
        db.add(found)
    if found.status != "active":
        found.status, found.created_at, found.stopped_at = "pending", utcnow(), None
    db.execute(delete(SmsOptOut).where(SmsOptOut.phone == phone))  # the number asked again
    question = (
        f"Tra loi Y de nhan canh bao cua {place_name(ward.code)} qua SMS (mien phi). Soan HUY de ngung."
    )
    _reply(db, phone, question, settings)
    return "asked"


def _confirm(db: Session, phone: str, settings: Settings) -> str:
    pending = list(
        db.scalars(
            select(SmsSubscription).where(
                SmsSubscription.phone == phone,
                SmsSubscription.status == "pending",
                SmsSubscription.created_at >= utcnow() - CONFIRM_WITHIN,
            )
        )
    )
    if not pending:
        _reply(db, phone, HELP, settings)
        return "help"
    for subscription in pending:
        subscription.status, subscription.confirmed_at = "active", utcnow()
    names = ", ".join(place_name(s.ward_code) for s in pending)
    _reply(db, phone, f"Da dang ky nhan canh bao cua {names}. Soan HUY de ngung.", settings)
    return "confirmed"


def _stop(db: Session, phone: str) -> None:
    db.execute(
        update(SmsSubscription)
        .where(SmsSubscription.phone == phone, SmsSubscription.status != "stopped")
        .values(status="stopped", stopped_at=utcnow())
    )
    if not _opted_out(db, phone):
        db.add(SmsOptOut(phone=phone, at=utcnow()))


def _opted_out(db: Session, phone: str) -> bool:
    return db.get(SmsOptOut, phone) is not None


def _reply(db: Session, phone: str, body: str, settings: Settings) -> None:
    if not _opted_out(db, phone):
        send(db, [phone], text([body], replace(settings, sender="")), settings, kind="reply")


def _wards(name: str, province_code: int | None) -> list[areas.Area]:
    if re.fullmatch(r"\d{1,6}", name.strip()):
        ward = areas.ward(int(name))
        return [ward] if ward else []
    found = areas.wards_named(name, province_code) if province_code else []
    return found or areas.wards_named(name)[:CHOICES]
