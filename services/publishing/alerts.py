"""Public alerts: draft → published → (updated) → cancelled, expiring on their own.

Editors write for their own department (admins for any). Publishing, updating and cancelling each
record a CAP message and enqueue the push in the same transaction. Active = published and
expires_at > now at query time, so nothing has to run when an alert expires.
"""

import unicodedata
import uuid
from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import Session

from services import events, notifications
from services.core import states, targets
from services.core.db import Prepared, transactional, utcnow
from services.core.errors import Conflict, Forbidden, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.targets import Targets, aim, place, reaching, require_reach
from services.core.text import language
from services.identity import audit, policy
from services.identity.principals import Caller, Principal
from services.models import SEVERITIES, Alert, AlertIndicator, AlertPlace, Department
from services.publishing import indicators, trusted_indicators

READ_SCOPE = "alerts:read"
# An Update is a change of a published alert, not a move; expiry is a time, not a state.
TRANSITIONS = {"draft": ("published",), "published": ("cancelled",), "cancelled": ()}


# The codes clients already know for the refused moves (from, to); each names `allowed` too.
class AlertCancelled(Conflict):
    code = "alert_cancelled"


class AlertAlreadyPublished(Conflict):
    code = "alert_already_published"


class AlertAlreadyCancelled(Conflict):
    code = "alert_already_cancelled"


class AlertNotPublished(Conflict):
    code = "alert_not_published"


_REFUSALS = {
    ("published", "published"): AlertAlreadyPublished,
    ("cancelled", "published"): AlertCancelled,
    ("cancelled", "cancelled"): AlertAlreadyCancelled,
    ("draft", "cancelled"): AlertNotPublished,
}
SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES, start=1)}
ORDER = [Alert.severity_rank, Alert.sent_at, Alert.id]  # most severe, then most recent, first
# The event each CAP msgType announces (the citizen push texts are in services/outbox/texts.py).
EVENTS = {"Alert": "alert.published", "Update": "alert.updated", "Cancel": "alert.cancelled"}
# Title prefixes of the Atom feed's entries that follow the first one, by CAP msgType.
TITLE_PREFIXES = {
    "Alert": {},
    "Update": {"vi": "Cập nhật: ", "en": "Update: "},
    "Cancel": {"vi": "Đã hủy: ", "en": "Cancelled: "},
}
_FIELDS = (
    "category",
    "headline",
    "description",
    "instruction",
    "severity",
    "urgency",
    "certainty",
    "source_url",
    "expires_at",
    "translations",
)


# ---------------------------------------------------------------- reading


def _visible(principal: Principal):
    """Who sees what: published and cancelled alerts are public; drafts stay with their department."""
    policy.require(principal, "alerts.read")
    if principal.kind != Caller.STAFF and not policy.lets_in(principal, "alerts.write"):
        return Alert.status != "draft"
    if principal.every_department:
        return true()
    return or_(Alert.status != "draft", Alert.department_id == principal.department_id)


def live(now: datetime):
    """Published and not yet expired."""
    return and_(Alert.status == "published", Alert.expires_at > now)


def _at_place(province_code: int | None, ward_code: int | None):
    """Alerts that reach the place (services.core.targets.reaching)."""
    return exists().where(AlertPlace.alert_id == Alert.id, reaching(AlertPlace, province_code, ward_code))


def list_alerts(
    db: Session,
    principal: Principal,
    *,
    province_code=None,
    ward_code=None,
    active=True,
    category=None,
    cursor=None,
    limit=20,
) -> Page:
    province_code, ward_code = place(province_code, ward_code)
    stmt = select(Alert).where(_visible(principal), _at_place(province_code, ward_code))
    if active:
        stmt = stmt.where(live(utcnow()))
    if category:
        stmt = stmt.where(Alert.category == category)
    return keyset_page(db, stmt, ORDER, cursor, limit, descending=True)


def active_at(
    db: Session, province_code: int | None, ward_code: int | None, limit: int = 20, *, options=()
) -> list[Alert]:
    """What a citizen in this place (anywhere, without one) should see now, most severe and most recent
    first: the home feed. `options`: loader options for what the caller needs."""
    return list(db.scalars(_active(select(Alert).options(*options), province_code, ward_code, limit)))


def _active(stmt, province_code: int | None, ward_code: int | None, limit: int):
    return (
        stmt.where(live(utcnow()), _at_place(province_code, ward_code))
        .order_by(*(c.desc() for c in ORDER))
        .limit(limit)
    )


FEED_CARDS = 20
# What a feed card reads: the CAP messages, texts and bookkeeping of the feed's alerts would cost more to load
# than the rest of the home screen.
CARD_COLUMNS = (
    Alert.id,
    Alert.category,
    Alert.headline,
    Alert.translations,
    Alert.severity,
    Alert.urgency,
    Alert.expires_at,
    Alert.source_url,
    Alert.published_at,
)
# The feed's statement, built once with the place and the time as bind parameters: building it (and keying
# SQLAlchemy's cache with it) per request cost more than PostgreSQL's work on it.
FEED = Prepared(
    select(*CARD_COLUMNS)
    .where(
        live(bindparam("now")),
        exists().where(AlertPlace.alert_id == Alert.id, targets.reaching_bound(AlertPlace)),
    )
    .order_by(*(c.desc() for c in ORDER))
    .limit(FEED_CARDS)
)


def for_feed(db: Session, province_code: int, ward_code: int | None, locale: str) -> list[dict]:
    """Active alerts on the home screen (schemas.feed.FeedAlertSchema), headline in the reader's language."""
    found = FEED.rows(db, {"now": utcnow(), **targets.place_parameters(province_code, ward_code)})
    return [feed_card(row, locale) for row in found]


def feed_card(alert, locale: str = "vi") -> dict:
    """The alert (or a row of its CARD_COLUMNS) as the home screen shows it (the console previews it on
    a draft, even an unsaved one)."""
    return {
        "id": alert.id,
        "category": alert.category,
        "headline": headline(alert, locale),
        "severity": alert.severity,
        "urgency": alert.urgency,
        "expires_at": alert.expires_at,
        "source_url": alert.source_url,
        "published_at": alert.published_at,
    }


def headline(alert, locale: str) -> str:
    """The headline in the language of `locale` (as texts() picks it), else the Vietnamese one."""
    wanted = language(locale)
    if wanted != "vi":
        for tag, text in (alert.translations or {}).items():
            if language(tag) == wanted:
                return text["headline"]  # the first of the language, as in texts()
    return alert.headline


def of_department(db: Session, principal: Principal, *, department_id=None, cursor=None, limit=20) -> Page:
    """The alerts a department issued, drafts included, the latest written first (admins: every
    department's, or the one they pick): the console's list."""
    policy.require(principal, "alerts.deliveries")
    department_id = department_id if principal.every_department else principal.department_id
    stmt = select(Alert)
    if department_id is not None:
        stmt = stmt.where(Alert.department_id == department_id)
    elif not principal.every_department:
        stmt = stmt.where(false())  # staff of no department issued nothing
    return keyset_page(db, stmt, [Alert.created_at, Alert.id], cursor, limit, descending=True)


def stage(alert: Alert, now: datetime | None = None) -> str:
    """Where an alert is as its editors see it: draft, published, updated (an Update went out),
    expired (published, past its expiry) or cancelled."""
    if alert.status == "published":
        if alert.expires_at <= (now or utcnow()):
            return "expired"
        return "updated" if alert.msg_type == "Update" else "published"
    return alert.status


def get(db: Session, principal: Principal, alert_id: uuid.UUID) -> Alert:
    alert = db.scalar(select(Alert).where(Alert.id == alert_id, _visible(principal)))
    if alert is None:
        raise NotFound("No such alert.")
    return alert


def issued(db: Session, principal: Principal, alert_id: uuid.UUID) -> Alert:
    """A visible alert that has a CAP document: published or cancelled, not a draft."""
    alert = get(db, principal, alert_id)
    if not alert.cap_messages:
        raise NotFound("A draft has no CAP document yet.")
    return alert


def with_indicator(db: Session, keys: list[str], limit: int = 20) -> list[Alert]:
    """Published alerts (active or expired; not cancelled) naming any of these normalised values."""
    named = exists().where(AlertIndicator.alert_id == Alert.id, AlertIndicator.normalized.in_(keys))
    stmt = select(Alert).where(Alert.status == "published", named)
    return list(db.scalars(stmt.order_by(*(c.desc() for c in ORDER)).limit(limit)))


def naming_links_on(
    db: Session, host: str, registrable: str, limit: int = 20
) -> list[tuple[Alert, list[str]]]:
    """Published alerts naming links on `host` (or a subdomain), each with those links, for the caller to
    judge the site by: a site of its own, or a shared platform whose other pages are harmless."""
    # The registrable domain narrows the rows through its index; the host is matched here. A private
    # suffix (github.io) is the registrable domain of none of the sites under it: theirs end with it.
    same_site = AlertIndicator.domain == registrable
    if indicators.private_suffix(host):
        same_site = or_(same_site, AlertIndicator.domain.endswith(f".{host}", autoescape=True))
    links = (
        select(AlertIndicator.alert_id, AlertIndicator.normalized)
        .join(Alert)
        .where(Alert.status == "published", AlertIndicator.type == "url", same_site)
    )
    urls = defaultdict(list)
    for alert_id, url in db.execute(links):
        if indicators.on_site(url, host):
            urls[alert_id].append(url)
    if not urls:
        return []
    stmt = select(Alert).where(Alert.id.in_(urls)).order_by(*(c.desc() for c in ORDER)).limit(limit)
    return [(alert, urls[alert.id]) for alert in db.scalars(stmt)]


def deliveries(db: Session, principal: Principal, alert_id: uuid.UUID) -> dict:
    alert = _own(db, principal, alert_id, "alerts.deliveries")
    return notifications.delivery_summary(db, "alert", str(alert.id))


# ---------------------------------------------------------------- writing


def _own(db: Session, principal: Principal, alert_id: uuid.UUID, action: str = "alerts.write") -> Alert:
    """The alert if it belongs to the caller's department (any, for admins); NotFound otherwise."""
    return policy.fetch(db, principal, action, Alert, alert_id, missing="No such alert.")


def add_draft(db: Session, principal: Principal, data: dict) -> Alert:
    """A new draft in the caller's transaction (create() and scam-report promotion commit it)."""
    policy.require(principal, "alerts.write")
    alert = Alert(
        id=uuid.uuid4(),
        status="draft",
        department_id=_department_for(db, principal, data.get("department_id")),
        instruction="",
        translations={},
        cap_messages=[],
        sent_at=utcnow(),
        created_by_id=principal.user_id,
    )
    changes = _changes(alert, {**data, "department_id": alert.department_id})  # resolved above
    require_reach(principal, data["targets"])
    db.add(alert)
    _apply(db, alert, changes)
    trusted_indicators.refuse_in_alert(db, principal, alert.indicators)
    audit.record(db, principal, "alert.create", alert)
    return alert


@transactional
def create(db: Session, principal: Principal, data: dict) -> Alert:
    return add_draft(db, principal, data)


@transactional
def update(db: Session, principal: Principal, alert_id: uuid.UUID, data: dict) -> Alert:
    """Change a draft, or issue an Update of a published alert (CAP Update, pushed again). Values equal
    to the stored ones are no change: a PATCH that changes nothing sends nothing and records nothing."""
    alert = _own(db, principal, alert_id)
    states.require_changeable(TRANSITIONS, "An alert", alert.status, refusal=AlertCancelled)
    if alert.status == "published" and not alert.active:
        raise Conflict(
            "An expired alert cannot change: issue a new alert.",
            code="alert_expired",
            allowed=list(TRANSITIONS["published"]),
        )
    if "department_id" in data:
        data = {**data, "department_id": _department_for(db, principal, data["department_id"])}
    changes = _changes(alert, data)
    if not changes:
        return alert
    published = alert.status == "published"
    if published or "targets" in changes:
        # An Update is pushed to the alert's places again; a draft is checked when it is published.
        require_reach(principal, changes.get("targets") or Targets.from_dict(alert.targets))
    before = audit.snapshot(alert)
    _apply(db, alert, changes)
    if "indicators" in changes:
        trusted_indicators.refuse_in_alert(db, principal, alert.indicators)
    if published:
        _issue(db, principal, alert, "Update")
    audit.record(db, principal, "alert.update", alert, before)
    return alert


@transactional
def publish(db: Session, principal: Principal, alert_id: uuid.UUID) -> Alert:
    alert = _own(db, principal, alert_id)
    _require_move(alert, "published")
    now = utcnow()
    if alert.expires_at <= now:
        raise Invalid({"expires_at": ["Already past: set a later expiry before publishing."]})
    require_reach(principal, Targets.from_dict(alert.targets))  # an admin's draft may reach further
    before = audit.snapshot(alert)
    alert.status = "published"
    alert.published_at = now
    _issue(db, principal, alert, "Alert")
    audit.record(db, principal, "alert.publish", alert, before)
    return alert


@transactional
def cancel(db: Session, principal: Principal, alert_id: uuid.UUID, reason: str) -> Alert:
    """Withdraw a published alert. Any editor of its department may, whatever its reach."""
    alert = _own(db, principal, alert_id)
    _require_move(alert, "cancelled")
    before = audit.snapshot(alert)
    alert.status = "cancelled"
    alert.cancel_reason = reason
    alert.cancelled_at = utcnow()
    # What the alert said and is still on its way to people stops there (an SMS stream, the Mini App's
    # held for the morning); the cancellation reaches them instead.
    events.withdraw(db, alert, "alert.published", "alert.updated")
    # An expired alert can still be withdrawn (scam-check stops citing it), without a CAP Cancel or a
    # push: readers dropped it at its expiry, and a Cancel sent after `expires` is refused by them.
    if alert.expires_at > alert.cancelled_at:
        _issue(db, principal, alert, "Cancel")
    audit.record(db, principal, "alert.cancel", alert, before)
    return alert


def _require_move(alert: Alert, to: str) -> None:
    refusal = _REFUSALS.get((alert.status, to), states.InvalidTransition)
    hint = "issue a new alert" if alert.status == "cancelled" else ""
    states.require_move(TRANSITIONS, "An alert", alert.status, to, refusal=refusal, hint=hint)


def _department_for(db: Session, principal: Principal, department_id: uuid.UUID | None) -> uuid.UUID | None:
    """Editors publish for their own department; admins for any department, or for the province."""
    if not principal.every_department:
        if department_id is not None and department_id != principal.department_id:
            raise Forbidden("Editors publish for their own department.", code="other_department")
        return principal.department_id
    if department_id is not None and db.get(Department, department_id) is None:
        raise Invalid({"department_id": ["No such department."]})
    return department_id


def _changes(alert: Alert, data: dict) -> dict:
    """What in `data` differs from `alert`, its indicators normalised (schemas.alerts has the static rules).

    Values are compared as the alert stores and shows them: text in NFC, targets as sets of places,
    indicators by their normalised values (in any order). "indicators" comes back as stored rows."""
    rows = indicator_rows(data.get("indicators") or ())
    changes = {key: data[key] for key in (*_FIELDS, "department_id") if key in data}
    changes = {key: value for key, value in changes.items() if _nfc(value) != _nfc(getattr(alert, key))}
    if "targets" in data and (alert.targets is None or Targets.from_dict(alert.targets) != data["targets"]):
        changes["targets"] = data["targets"]
    if "indicators" in data and _indicator_set(rows) != _indicator_set(
        [{"type": i.type, "normalized": i.normalized, "note": i.note} for i in alert.indicators]
    ):
        changes["indicators"] = rows
    return changes


def indicator_rows(items) -> list[dict]:
    """Indicators ({type, value, note}) as stored, normalised; Invalid naming each one that does not
    parse by its position (the console also asks this of a form the schema refused, to say it all at once)."""
    errors = {}
    rows = []
    for index, item in enumerate(items):
        try:
            n = indicators.normalize(item["type"], item["value"])
        except indicators.BadIndicator as error:
            errors[index] = {"value": [str(error)]}
            continue
        rows.append(
            {
                "type": n.type,
                "value": item["value"].strip(),
                "normalized": n.value,
                "domain": n.domain,
                "note": item.get("note"),
            }
        )
    if errors:
        raise Invalid({"indicators": errors})
    return rows


def _nfc(value):
    """`value` with its text in NFC, the one spelling of what a reader sees."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {key: _nfc(item) for key, item in value.items()}
    return value


def _indicator_set(rows: list[dict]) -> set:
    return {(row["type"], row["normalized"], _nfc(row["note"])) for row in rows}


def _apply(db: Session, alert: Alert, changes: dict) -> None:
    """Copy checked `changes` (from _changes) onto `alert`."""
    for key in (*_FIELDS, "department_id"):
        if key in changes:
            setattr(alert, key, changes[key])
    alert.severity_rank = SEVERITY_RANK[alert.severity]
    if "targets" in changes:
        aim(alert, changes["targets"], AlertPlace)
    if "indicators" in changes:
        alert.indicators = [AlertIndicator(position=i, **row) for i, row in enumerate(changes["indicators"])]


def _issue(db: Session, principal: Principal, alert: Alert, msg_type: str) -> None:
    """Record the next CAP message and announce it (the citizen push takes it to the alert's place)."""
    now = utcnow().replace(microsecond=0)  # CAP times carry whole seconds
    number = len(alert.cap_messages) + 1
    message = {"identifier": f"{alert.id}.{number}", "msg_type": msg_type, "sent": now.isoformat()}
    alert.cap_messages = [*alert.cap_messages, message]
    alert.sent_at = now
    events.emit(db, EVENTS[msg_type], alert, {"msg_type": msg_type, "identifier": message["identifier"]})


def texts(alert: Alert) -> dict[str, dict[str, str | None]]:
    """{language: {headline, description, instruction, event}}, Vietnamese first, one per language (its
    primary subtag: `en-US` is `en`); `event` is a translation's own CAP event name, None when built in."""
    result = {
        "vi": {
            "headline": alert.headline,
            "description": alert.description,
            "instruction": alert.instruction,
            "event": None,
        }
    }
    for tag, text in (alert.translations or {}).items():
        lang = language(tag)
        if lang in result:
            continue  # stored before tags were normalised: the original, or the first, wins
        result[lang] = {
            "headline": text["headline"],
            "description": text.get("description") or "",
            "instruction": text.get("instruction") or "",
            "event": text.get("event"),
        }
    return result
