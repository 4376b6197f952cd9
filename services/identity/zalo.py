"""Citizens who sign in with Zalo: the Mini App's access token verified with Zalo's Graph API becomes a
device of the citizen that Zalo user is (one citizen across their phones and the native app once linked),
and the phone number Zalo verified is kept only while the citizen consents to it.

The Zalo client (services/outbox/channels/zalo_api.py) is handed in by the edge; None when the province has
not configured Zalo, which every call here answers with 503 `zalo_not_configured`. Only Zalo's user id is
stored, never its access token.
"""

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from services.core.db import one_at_a_time, transactional, utcnow
from services.core.errors import Conflict, Invalid, Unauthorized, Unavailable
from services.core.phones import to_e164
from services.identity import consents, devices, personal_data, policy
from services.identity.principals import Caller, Principal
from services.models import Citizen, Device, Feedback, NoticeComment, NotificationRecipient
from services.outbox.channels.zalo_api import ZaloClient, ZaloError

PHONE = "phone"
SIGN_IN = "zalo_sign_in"
RETRY_AFTER = timedelta(seconds=30)


@transactional
def sign_in(db: Session, principal: Principal, client: ZaloClient | None, data: dict) -> tuple[Device, str]:
    """A new device (platform `zalo`) of the citizen the access token's Zalo user is, and its token.

    Sent with a device token (the native app linking its Zalo account), an anonymous caller's citizen
    becomes that Zalo user's: its feedback and inbox follow."""
    notice = consents.notice(SIGN_IN, data["notice_version"])
    user = _ask(client, "me", data["access_token"])
    one_at_a_time(db, f"zalo-user:{user.id}")  # two first sign-ins at once make one citizen
    citizen = db.scalar(select(Citizen).where(Citizen.zalo_user_id == user.id))
    caller = principal.device if principal.kind == Caller.DEVICE else None
    if citizen is None:
        anonymous = caller is not None and db.get(Citizen, caller.citizen_id) is None
        citizen = Citizen(id=caller.citizen_id if anonymous else uuid.uuid4(), zalo_user_id=user.id)
        db.add(citizen)
        db.flush()
    elif caller is not None and caller.citizen_id != citizen.id:
        if db.get(Citizen, caller.citizen_id) is not None:
            raise Conflict(
                "This device belongs to another Zalo account; sign out of it first.",
                code="zalo_account_mismatch",
            )
        _merge(db, caller.citizen_id, citizen.id)
    fields = {k: data[k] for k in ("province_code", "ward_code", "locale") if k in data}
    device, token = devices.add(db, {"platform": "zalo", **fields}, citizen.id)
    db.flush()
    consents.record(
        db, citizen.id, SIGN_IN, "given", channel="zalo", device_id=device.id, version=notice.version
    )
    return device, token


@transactional
def share_phone(db: Session, principal: Principal, client: ZaloClient | None, data: dict) -> Citizen:
    """Exchange the Mini App's one-time phone `code` for the number Zalo verified, kept with the consent
    the citizen gave on the notice they were shown."""
    policy.require(principal, "devices.self")
    notice = consents.notice(PHONE, data["notice_version"])
    if client is None:
        raise _not_configured()
    citizen = _signed_in(db, principal)
    user = _ask(client, "me", data["access_token"])
    if user.id != citizen.zalo_user_id:
        raise Unauthorized("The access token is another Zalo user's.", code="invalid_zalo_token")
    number = _ask(client, "phone_number", data["access_token"], data["code"])
    citizen.phone = _e164(number)
    citizen.phone_verified_at = utcnow()
    consents.record(
        db, citizen.id, PHONE, "given", channel="zalo", device_id=principal.device.id, version=notice.version
    )
    return citizen


@transactional
def withdraw_phone(db: Session, principal: Principal) -> None:
    """The citizen withdraws consent: the number is erased at once (ZNS and SMS stop reaching them).
    Zalo is not asked: a withdrawal is honoured even when Zalo is down or no longer configured."""
    policy.require(principal, "devices.self")
    citizen = _signed_in(db, principal)
    if citizen.phone is not None:
        consents.record(db, citizen.id, PHONE, "withdrawn", channel="zalo", device_id=principal.device.id)
    personal_data.stop(db, citizen.id, PHONE)


def verified_contact(device: Device) -> tuple[str | None, str | None]:
    """(how the device's citizen is verified, their consented phone) for a feedback they submit."""
    citizen = device.citizen
    if citizen is None or citizen.zalo_user_id is None:
        return None, None
    return "zalo", citizen.phone


def _signed_in(db: Session, principal: Principal) -> Citizen:
    citizen = db.get(Citizen, principal.device.citizen_id)
    if citizen is None or citizen.zalo_user_id is None:
        raise Conflict("Sign in with Zalo first (POST /api/v1/devices/zalo).", code="zalo_sign_in_required")
    return citizen


def _ask(client: ZaloClient | None, call: str, *args):
    """A Graph API call, its failures as the answers the caller should get."""
    if client is None:
        raise _not_configured()
    try:
        return getattr(client, call)(*args)
    except ZaloError as error:
        if error.kind == "invalid_token":
            raise Unauthorized("Zalo did not accept the access token.", code="invalid_zalo_token") from None
        if error.kind == "invalid_code":
            raise Invalid(
                {"code": ["Zalo did not accept the phone code: it is used, expired or another user's."]},
                code="invalid_phone_code",
            ) from None
        raise Unavailable(
            f"Zalo cannot be reached now ({error.message}); try again shortly.",
            code="zalo_unavailable",
            retry_after=RETRY_AFTER,
        ) from None


def _not_configured() -> Unavailable:
    return Unavailable("This province has not set up Zalo.", code="zalo_not_configured")


def _e164(number: str) -> str:
    """Zalo answers "84912345678"."""
    e164 = to_e164(f"+{number.lstrip('+')}")
    if e164 is None:
        raise Unavailable("Zalo answered a phone number that is not valid.", code="zalo_unavailable")
    return e164


def _merge(db: Session, anonymous, into) -> None:
    """An anonymous citizen's devices, feedback, comments and personal messages become `into`'s."""
    for table in (Device, Feedback, NoticeComment, NotificationRecipient):
        db.execute(
            update(table).where(table.citizen_id == anonymous).values(citizen_id=into),
            execution_options={"synchronize_session": "fetch"},
        )
