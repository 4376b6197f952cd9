"""Zalo as the citizen push's other channels: Mini App notifications and ZNS messages.

The domain side of the two adapters in services/outbox/channels/zalo.py. A personal message goes to the
best channel a citizen has (services/push chooses: app push, then the Mini App if they opted in, then ZNS
to the phone they shared), and an area message also goes to the opted-in Mini App citizens of the place,
as far as Zalo allows (services/zalo/allowance.py); each needs a template Zalo approved for that message
(services/zalo/templates.py). Addresses are `citizen:<id>`, resolved at send time, so a withdrawn opt-in
or an erased phone stops what is queued.
"""

import uuid
from datetime import datetime

from sqlalchemy import Select, literal, or_, select
from sqlalchemy.orm import Session

from services.core.db import UuidText, one_of
from services.core.targets import Targets
from services.models import Citizen, Delivery, Device
from services.outbox import Claimed
from services.outbox.channels.base import Result
from services.zalo import allowance, templates

MINIAPP = "zalo_miniapp"
ZNS = "zns"
CITIZEN = "citizen:"
_ADDRESS = literal(CITIZEN) + UuidText(Citizen.id)  # a citizen's address, as the database writes it


def personal_channels(
    db: Session, citizens, message: str | None, notification_id: uuid.UUID, at: datetime, until=None
) -> tuple[dict[uuid.UUID, tuple[str, object]], datetime | None]:
    """For each citizen that app push cannot reach: (channel, template) of the best Zalo channel they
    have for `message` (citizens with none are left out: their inbox still has it), and when the Mini App
    ones go out. `citizens` are rows with their id, phone, zalo_user_id, zalo_notifications and
    zalo_seen (allowance.LAST_SEEN), which services/push reads once for Zalo and SMS; the templates are
    looked up only when one of them has a Zalo channel, the allowance only when one may get the Mini App's.
    A message over `until` (its expiry, or None) before Zalo's hours open goes on no Mini App."""
    if message is None or not any(c.phone or (c.zalo_notifications and c.zalo_user_id) for c in citizens):
        return {}, None
    found = templates.active(db, message, MINIAPP, ZNS)
    miniapp, zns = found.get(MINIAPP), found.get(ZNS)
    on_miniapp, send_at = set(), allowance.send_time(db, at)
    if miniapp is not None and not _past(until, send_at):
        reachable = [
            c.id
            for c in citizens
            if c.zalo_notifications and c.zalo_user_id and allowance.seen_recently(c.zalo_seen, send_at)
        ]
        if reachable:
            on_miniapp = allowance.for_citizens(db, reachable, notification_id, at)
    best = {}
    for citizen in citizens:
        if citizen.id in on_miniapp:
            best[citizen.id] = (MINIAPP, miniapp)
        elif zns is not None and citizen.phone:
            best[citizen.id] = (ZNS, zns)
    return best, send_at


def place_citizens(
    db: Session,
    targets: Targets,
    message: str | None,
    notification_id: uuid.UUID,
    at: datetime,
    until=None,
    correcting: tuple[uuid.UUID, ...] = (),
):
    """(template, the addresses of the Mini App citizens of the place Zalo allows it to, as a SELECT for
    outbox.enqueue_many, when they go out) for an area message; Nones when the message has no template
    or the day no Mini App notification left for area messages, or it is over (`until`) before Zalo's
    hours open. A message `correcting` earlier events (a cancellation) goes on the Mini App only to the
    citizens those reached there: the day's few notifications are not spent on ones who never heard."""
    template = templates.active(db, message, MINIAPP).get(MINIAPP) if message else None
    if template is None or _past(until, allowance.send_time(db, at)):
        return None, None, None
    in_place = ()
    if not targets.national:
        in_place = (
            or_(Device.province_code.in_(targets.province_codes), Device.ward_code.in_(targets.ward_codes)),
        )
    heard = (Citizen.id.in_(_reached(correcting)),) if correcting else ()
    chosen, send_at = allowance.for_place(db, in_place, notification_id, at, heard)
    if chosen is None:
        return None, None, None
    return template, select(_ADDRESS).where(Citizen.id.in_(chosen)), send_at


def _reached(event_ids: tuple[uuid.UUID, ...]) -> Select:
    """The citizens these events' Mini App notifications reached."""
    return (
        select(Citizen.id)
        .join(Delivery, Delivery.address == _ADDRESS)
        .where(Delivery.channel == MINIAPP, Delivery.status == "sent", Delivery.event_id.in_(event_ids))
    )


def _past(until: datetime | None, send_at: datetime) -> bool:
    return until is not None and send_at > until


def addresses(db: Session, citizen_ids: list[uuid.UUID]) -> Select:
    """These citizens' addresses, as outbox.enqueue_many takes them."""
    return select(_ADDRESS).where(one_of(db, Citizen.id, citizen_ids))


def payload(template, values: dict, content: dict, data: dict, expires_at: str | None) -> dict:
    """What a Zalo adapter sends: the template and its filled parameters, the message's data (its
    notification id keeps the delivery summary) and when it is past sending (ISO, or None)."""
    return {
        "template_id": template.template_id,
        "template_data": templates.fill(template, values, content),
        "data": data,
        "expires_at": expires_at,
    }


# ---------------------------------------------------------------- the channels' domain side


def _citizens(db: Session, addresses: list[str]) -> dict[str, Citizen]:
    ids = [uuid.UUID(a.removeprefix(CITIZEN)) for a in addresses if a.startswith(CITIZEN)]
    return {f"{CITIZEN}{c.id}": c for c in db.scalars(select(Citizen).where(Citizen.id.in_(ids)))}


def resolve_miniapp(db: Session, addresses: list[str]) -> dict[str, dict | None]:
    """The Zalo user id of each citizen still opted in; None (gone) for one who withdrew."""
    found = _citizens(db, addresses)
    return {
        a: {"user_id": c.zalo_user_id}
        if (c := found.get(a)) and c.zalo_notifications and c.zalo_user_id
        else None
        for a in addresses
    }


def resolve_zns(db: Session, addresses: list[str]) -> dict[str, dict | None]:
    """The phone each citizen still shares, as Zalo writes it (84…); None (gone) once withdrawn."""
    found = _citizens(db, addresses)
    return {a: {"phone": c.phone.lstrip("+")} if (c := found.get(a)) and c.phone else None for a in addresses}


def forget_opt_outs(db: Session, outcomes: list[tuple[Claimed, Result]]) -> None:
    """Zalo says a user no longer accepts the Mini App's notifications: stop sending them any."""
    gone = [uuid.UUID(d.address.removeprefix(CITIZEN)) for d, _ in outcomes if d.status == "gone"]
    for citizen in db.scalars(select(Citizen).where(Citizen.id.in_(gone))) if gone else ():
        citizen.zalo_notifications = False
