"""Claims citizens report (false or distorted information seen on Zalo groups, Facebook, TikTok…), grouped
into one claim per viral post, routed to the department that checks it, and the "has this been checked?"
lookup.

Grouping, within one province: a report joins the group that already has a report of the same canonical
link (services.publishing.indicators: tracking parameters such as utm_source or fbclid dropped, `www.`,
case and escapes ignored), else one with near-identical text (normalised Vietnamese; pg_trgm similarity
≥ TEXT_SIMILARITY on PostgreSQL, the same share of shared words on SQLite) reported within GROUP_WINDOW;
else it starts a group. A group counts distinct devices.

Two reports of the same claim at the same moment must not start two groups: the matching and the new
group happen under a transaction-scoped lock per province (services.core.db.one_at_a_time).

Routing is feedback's (category `misinformation` × place → department, else the province's intake
department flagged for triage; a group no department takes waits for the admins, department NULL); an
officer passes a group on to the department that is responsible (`transfer`, event
`claim_group.transferred`). A
group is due Timing.deadline_days working days after it is first seen; it turns urgent when
Timing.urgent_devices distinct devices reported it within the last Timing.urgent_hours hours, and is then
due URGENT_WORKING_HOURS office hours after that moment, unless that is later than the deadline it had.

The check never gives a verdict of its own: it answers with the published fact-checks for the link or
for similar claims, and an empty list otherwise.
"""

import re
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import distinct, func, select, true
from sqlalchemy.orm import Session

from services import events
from services.core import areas, deadlines
from services.core.db import one_at_a_time, transactional, utcnow
from services.core.errors import Conflict, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.text import normalize
from services.directory import routing
from services.identity import audit, consents, policy
from services.identity.principals import Caller, Principal
from services.models import Attachment, ClaimGroup, ClaimInterest, ClaimReport, Department, FactCheck
from services.publishing import indicators

CATEGORY = "misinformation"
# Near-identical: pg_trgm's similarity (shared trigrams over all trigrams), or on SQLite the share of
# shared words; 0.6 joins a repost with a word or two changed and keeps different claims on one topic apart.
TEXT_SIMILARITY = 0.6
GROUP_WINDOW = timedelta(weeks=4)
URGENT_WORKING_HOURS = 4
# How many similar groups the check and the SQLite fallback look at.
CANDIDATES = 200
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class Timing:
    """CLAIM_DEADLINE_WORKING_DAYS, CLAIM_URGENT_DEVICES within CLAIM_URGENT_HOURS (api/config.py)."""

    deadline_days: int = 3
    urgent_devices: int = 5
    urgent_hours: float = 6


def canonical_link(link: str) -> str:
    """The link as indicators store URLs: one value for the same post however it was shared."""
    try:
        return indicators.normalize("url", link).value
    except indicators.BadIndicator as error:
        raise Invalid({"link": [str(error)]}) from None


@transactional
def report(db: Session, principal: Principal, data: dict, timing: Timing = Timing()) -> ClaimReport:
    """File a device's report into its claim group (a new one, routed and timed, when none matches); the
    report's group carries the published fact-check when there is one, which answers the citizen at once."""
    policy.require(principal, "claims.report")
    device = principal.device
    text = " ".join((data.get("text") or "").split())
    link = data.get("link")
    if not text and not link:
        raise Invalid({"text": ["Say what the claim says, or give the link where it was seen."]})
    link_normalized = canonical_link(link) if link else None
    screenshot = _screenshot(db, device, data.get("screenshot_id"))
    if screenshot is not None:
        # A screenshot of a group chat shows people: the citizen consents to sending photos, as for feedback.
        consents.require(db, device.citizen_id, ["photos"])
    province_code, ward_code = device.province_code, data.get("ward_code", device.ward_code)
    if "ward_code" in data and (errors := areas.place_errors(province_code, ward_code)):
        raise Invalid(errors)  # a ward of the device's province
    one_at_a_time(db, f"claim_groups:{province_code}")  # held until commit: one group per claim
    now = utcnow()
    group = _matching_group(db, province_code, link_normalized, normalize(text), now)
    if group is None:
        group = _new_group(db, province_code, ward_code, text or link, now, timing)
    claim = ClaimReport(
        id=uuid.uuid4(),
        group_id=group.id,
        device_id=device.id,
        citizen_id=device.citizen_id,
        province_code=province_code,
        ward_code=ward_code,
        text=text,
        text_search=normalize(text),
        link=link.strip() if link else None,
        link_normalized=link_normalized,
        platform=data["platform"],
        created_at=now,
    )
    db.add(claim)
    db.flush()
    if screenshot is not None:
        screenshot.claim_report_id = claim.id
    group.last_reported_at = now
    group.devices = _devices(db, group.id)
    _maybe_urgent(db, group, now, timing)
    events.emit(db, "claim.reported", claim, {"group_id": str(group.id), "devices": group.devices})
    return claim


def _screenshot(db: Session, device, attachment_id: uuid.UUID | None) -> Attachment | None:
    if attachment_id is None:
        return None
    attachment = db.get(Attachment, attachment_id)
    if (
        attachment is None
        or not attachment.free_for(device)
        or not attachment.content_type.startswith("image/")
    ):
        raise Invalid({"screenshot_id": ["Give an unused image this device uploaded (POST /attachments)."]})
    return attachment


def _matching_group(db: Session, province_code: int, link: str | None, text: str, now) -> ClaimGroup | None:
    if link:
        by_link = db.scalar(
            select(ClaimReport.group_id)
            .where(ClaimReport.province_code == province_code, ClaimReport.link_normalized == link)
            .order_by(ClaimReport.created_at)
            .limit(1)
        )
        if by_link is not None:
            return db.get(ClaimGroup, by_link)
    if text:
        similar = similar_groups(db, text, since=now - GROUP_WINDOW, province_code=province_code)
        if similar:
            return db.get(ClaimGroup, similar[0])
    return None


def similar_groups(db: Session, text: str, *, since=None, province_code=None) -> list[uuid.UUID]:
    """Ids of the groups with a report whose normalised text is near-identical to `text`, closest first."""
    scope = [ClaimReport.text_search != ""]
    if since is not None:
        scope.append(ClaimReport.created_at >= since)
    if province_code is not None:
        scope.append(ClaimReport.province_code == province_code)
    if db.get_bind().dialect.name == "postgresql":
        score = func.max(func.similarity(ClaimReport.text_search, text))
        rows = db.execute(
            select(ClaimReport.group_id, score)
            .where(*scope, ClaimReport.text_search.op("%")(text))
            .group_by(ClaimReport.group_id)
            .having(score >= TEXT_SIMILARITY)
            .order_by(score.desc())
            .limit(CANDIDATES)
        ).all()
        return [group_id for group_id, _ in rows]
    recent = db.execute(
        select(ClaimReport.group_id, ClaimReport.text_search)
        .where(*scope)
        .order_by(ClaimReport.created_at.desc())
        .limit(CANDIDATES * 10)
    ).all()
    scores: dict[uuid.UUID, float] = {}
    for group_id, other in recent:
        scores[group_id] = max(scores.get(group_id, 0.0), word_similarity(text, other))
    ranked = sorted((s, str(g), g) for g, s in scores.items() if s >= TEXT_SIMILARITY)
    return [group_id for _, _, group_id in reversed(ranked)]


def word_similarity(a: str, b: str) -> float:
    """Shared distinct words over all distinct words (SQLite's stand-in for pg_trgm's similarity)."""
    first, second = set(_WORDS.findall(a)), set(_WORDS.findall(b))
    return len(first & second) / len(first | second) if first or second else 0.0


def _new_group(db: Session, province_code, ward_code, text: str, now, timing: Timing) -> ClaimGroup:
    route = routing.route_category(db, CATEGORY, province_code, ward_code)
    group = ClaimGroup(
        id=uuid.uuid4(),
        province_code=province_code,
        ward_code=ward_code,
        department_id=route.department.id if route else None,
        needs_triage=route.needs_triage if route else True,
        text=text,
        status="open",
        devices=0,
        first_seen_at=now,
        last_reported_at=now,
        due_at=deadlines.add_working_days(now, timing.deadline_days),
    )
    db.add(group)
    db.flush()
    return group


def _devices(db: Session, group_id: uuid.UUID, since=None) -> int:
    stmt = select(func.count(distinct(ClaimReport.device_id))).where(ClaimReport.group_id == group_id)
    if since is not None:
        stmt = stmt.where(ClaimReport.created_at >= since)
    return db.scalar(stmt)


def _maybe_urgent(db: Session, group: ClaimGroup, now, timing: Timing) -> None:
    if group.urgent or group.status != "open":
        return
    if _devices(db, group.id, since=now - timedelta(hours=timing.urgent_hours)) >= timing.urgent_devices:
        group.urgent = True
        group.due_at = min(group.due_at, deadlines.add_working_hours(now, URGENT_WORKING_HOURS))


# ---------------------------------------------------------------- "has this been checked?"


@transactional
def check(
    db: Session, principal: Principal, *, url: str | None = None, q: str | None = None
) -> list[FactCheck]:
    """Published fact-checks for the link or for claims like `q`, newest first; never a verdict on a claim
    not checked (an empty list). A calling device is recorded as interested in the open groups found, so
    that it is told when their fact-check comes."""
    policy.require(principal, "claims.check")
    if url:
        link = canonical_link(url)
        group_ids = list(
            db.scalars(select(distinct(ClaimReport.group_id)).where(ClaimReport.link_normalized == link))
        )
    elif q and normalize(q):
        group_ids = similar_groups(db, normalize(q))[:CANDIDATES]
    else:
        raise Invalid({"url": ["Give url or q."]})
    if not group_ids:
        return []
    groups = db.scalars(select(ClaimGroup).where(ClaimGroup.id.in_(group_ids))).all()
    if principal.kind == Caller.DEVICE:
        _interested(db, principal.device, [g for g in groups if g.status == "open"])
    checked = [g.fact_check for g in groups if g.fact_check is not None]
    return sorted(checked, key=lambda f: f.published_at, reverse=True)


def _interested(db: Session, device, groups: list[ClaimGroup]) -> None:
    known = set(
        db.scalars(
            select(ClaimInterest.group_id).where(
                ClaimInterest.device_id == device.id, ClaimInterest.group_id.in_([g.id for g in groups])
            )
        )
    )
    for group in groups:
        if group.id not in known:
            db.add(ClaimInterest(group_id=group.id, device_id=device.id, citizen_id=device.citizen_id))


def citizens_to_tell(db: Session, group_id: uuid.UUID) -> list[uuid.UUID]:
    """The citizens whose devices reported the claim or asked about it, in the order they first did."""
    reporters = db.execute(
        select(ClaimReport.citizen_id, func.min(ClaimReport.created_at))
        .where(ClaimReport.group_id == group_id)
        .group_by(ClaimReport.citizen_id)
    ).all()
    askers = db.execute(
        select(ClaimInterest.citizen_id, func.min(ClaimInterest.created_at))
        .where(ClaimInterest.group_id == group_id)
        .group_by(ClaimInterest.citizen_id)
    ).all()
    first: dict[uuid.UUID, object] = {}
    for citizen_id, at in [*reporters, *askers]:
        first[citizen_id] = min(at, first.get(citizen_id, at))
    return sorted(first, key=lambda citizen_id: (first[citizen_id], str(citizen_id)))


# ---------------------------------------------------------------- staff


def _in_reach(principal: Principal):
    """Admins see every group (and those no department took); other staff their department's."""
    policy.require(principal, "claims.read")
    if policy.every_department(principal, "claims.read"):
        return true()
    return ClaimGroup.department_id == principal.department_id


def list_groups(
    db: Session,
    principal: Principal,
    *,
    status=None,
    overdue=None,
    department_id=None,
    urgent_first=False,
    cursor=None,
    limit=20,
) -> Page:
    """The caller's department's claim groups (those who see every department: all, or `department_id`'s),
    first seen newest first; `urgent_first`: the urgent ones before the others (the console's inbox)."""
    stmt = select(ClaimGroup).where(_in_reach(principal))
    if department_id is not None:
        stmt = stmt.where(ClaimGroup.department_id == department_id)
    if status is not None:
        stmt = stmt.where(ClaimGroup.status == status)
    if overdue is not None:
        late = (ClaimGroup.status == "open") & (ClaimGroup.due_at < utcnow())
        stmt = stmt.where(late if overdue else ~late)
    order = [ClaimGroup.first_seen_at, ClaimGroup.id]
    if urgent_first:
        order.insert(0, ClaimGroup.urgent)
    return keyset_page(db, stmt, order, cursor, limit, descending=True)


def recent_reports(db: Session, group_ids: list[uuid.UUID], since) -> dict[uuid.UUID, int]:
    """How many reports each group received since `since` (its growth); groups with none are absent."""
    if not group_ids:
        return {}
    rows = db.execute(
        select(ClaimReport.group_id, func.count())
        .where(ClaimReport.group_id.in_(group_ids), ClaimReport.created_at >= since)
        .group_by(ClaimReport.group_id)
    ).all()
    return dict(rows)


def get(db: Session, principal: Principal, group_id: uuid.UUID) -> ClaimGroup:
    group = db.scalar(select(ClaimGroup).where(ClaimGroup.id == group_id, _in_reach(principal)))
    if group is None:
        raise NotFound("No such claim group.")
    return group


def details(db: Session, principal: Principal, group_id: uuid.UUID) -> dict:
    """A group with its reports (and their screenshots' attachment ids) and its growth: reports per
    local day."""
    group = get(db, principal, group_id)
    shots = db.execute(
        select(Attachment.claim_report_id, Attachment.id)
        .join(ClaimReport, ClaimReport.id == Attachment.claim_report_id)
        .where(ClaimReport.group_id == group.id)
        .order_by(Attachment.created_at)
    ).all()
    by_report: dict[uuid.UUID, list[uuid.UUID]] = {}
    for report_id, attachment_id in shots:
        by_report.setdefault(report_id, []).append(attachment_id)
    days = Counter(r.created_at.astimezone(deadlines.LOCAL).date() for r in group.reports)
    return {
        "group": group,
        "reports": [{"report": r, "screenshot_ids": by_report.get(r.id, [])} for r in group.reports],
        "growth": [{"date": day, "reports": days[day]} for day in sorted(days)],
    }


@transactional
def transfer(db: Session, principal: Principal, group_id: uuid.UUID, data: dict) -> ClaimGroup:
    """ "Not ours to check": hand the group to the department that is responsible. Its deadline stays (the
    claim keeps spreading meanwhile); a fact-checked group stays with the department that checked it."""
    group = policy.fetch(
        db, principal, "claims.transfer", ClaimGroup, group_id, missing="No such claim group."
    )
    target = db.get(Department, data["department_id"])
    if target is None or not target.active:
        raise Invalid({"department_id": ["No such active department."]})
    if target.id == group.department_id:
        raise Invalid({"department_id": ["The claim is already with this department."]})
    if group.status != "open":
        raise Conflict(
            "A fact-checked claim stays with the department that checked it.", code="claim_checked"
        )
    before = audit.snapshot(group)
    source = group.department
    group.department_id, group.department, group.needs_triage = target.id, target, False
    audit.record(db, principal, "claim_group.transfer", group, before)
    events.emit(
        db,
        "claim_group.transferred",
        group,
        {
            "from_department": source.name if source else None,
            "to_department": target.name,
            "reason": data["reason"],
        },
        also_concerns=(source.id,) if source else (),
    )
    return group
