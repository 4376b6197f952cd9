"""Fact-checks: the responsible department's published answer to a claim group, kept in versions, told
to every citizen who reported or asked about the claim (`fact_check.published`), and served as schema.org
ClaimReview JSON-LD and as an Atom feed.

ClaimReview's reviewRating maps the fixed scale onto numbers, worst 1 to best 4, by how true the claim is:
false 1, misleading 2, missing_context 3, true 4. `unverifiable` is not on that line: its rating carries
only the alternateName (schema.org does not require ratingValue; fact-check readers take the name).
"""

import uuid
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from services import events
from services.core import deadlines
from services.core.db import Prepared, transactional, utcnow
from services.core.errors import Conflict, Invalid, NotFound
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import ClaimGroup, ClaimReport, Department, FactCheck, FactCheckVersion, Notice
from services.publishing import atom, claims

RATING_VALUES = {"false": 1, "misleading": 2, "missing_context": 3, "true": 4}
WORST, BEST = 1, 4
RATING_NAMES = {
    "vi": {
        "false": "Sai sự thật",
        "misleading": "Gây hiểu lầm",
        "missing_context": "Thiếu bối cảnh",
        "true": "Đúng",
        "unverifiable": "Chưa thể kiểm chứng",
    },
    "en": {
        "false": "False",
        "misleading": "Misleading",
        "missing_context": "Missing context",
        "true": "True",
        "unverifiable": "Unverifiable",
    },
}
EDITABLE = ("claim_reviewed", "rating", "explanation", "sources", "correction_notice_id")
ATOM_ENTRIES = 50
FEED_ENTRIES = 5


def _correction_notice(db: Session, data: dict) -> None:
    notice_id = data.get("correction_notice_id")
    if notice_id is not None:
        notice = db.get(Notice, notice_id)
        if notice is None or notice.kind != "correction":
            raise Invalid({"correction_notice_id": ["No such correction notice."]})


@transactional
def publish(db: Session, principal: Principal, group_id: uuid.UUID, data: dict) -> FactCheck:
    """Publish the group's fact-check (writers of its department; another department's group is a 404)."""
    group = policy.fetch(
        db, principal, "claims.fact_check", ClaimGroup, group_id, missing="No such claim group."
    )
    if group.fact_check is not None:
        raise Conflict("This claim has a fact-check: change it with PATCH.", code="already_fact_checked")
    if group.department_id is None:
        raise Conflict("Route the claim to a department first.", code="claim_not_routed")
    _correction_notice(db, data)
    now = utcnow()
    fact_check = FactCheck(
        id=uuid.uuid4(),
        group_id=group.id,
        department_id=group.department_id,
        **{key: data.get(key) for key in EDITABLE},
        version=1,
        published_at=now,
        updated_at=now,
        published_by_id=principal.user.id if principal.user else None,
    )
    db.add(fact_check)
    group.status, group.fact_checked_at = "fact_checked", now
    audit.record(db, principal, "fact_check.publish", fact_check)
    events.emit(
        db, "fact_check.published", fact_check, {"group_id": str(group.id), "rating": fact_check.rating}
    )
    return fact_check


@transactional
def update(db: Session, principal: Principal, fact_check_id: uuid.UUID, data: dict) -> FactCheck:
    """Change a published fact-check; the text it had is kept as a version. Emits `fact_check.updated`
    (webhooks carry it; the citizens who reported or asked are told again only when the rating changed:
    a corrected typo or an added source is no news to them)."""
    fact_check = policy.fetch(
        db, principal, "claims.fact_check", FactCheck, fact_check_id, missing="No such fact-check."
    )
    _correction_notice(db, data)
    before = audit.snapshot(fact_check)
    db.add(
        FactCheckVersion(
            fact_check_id=fact_check.id,
            version=fact_check.version,
            content={key: before[key] for key in EDITABLE},
            created_at=fact_check.updated_at,
            created_by_id=principal.user.id if principal.user else None,
        )
    )
    for key in EDITABLE:
        if key in data:
            setattr(fact_check, key, data[key])
    fact_check.version += 1
    fact_check.updated_at = utcnow()
    audit.record(db, principal, "fact_check.update", fact_check, before)
    events.emit(
        db,
        "fact_check.updated",
        fact_check,
        {
            "group_id": str(fact_check.group_id),
            "rating": fact_check.rating,
            "version": fact_check.version,
            "rating_changed": fact_check.rating != before["rating"],
        },
    )
    return fact_check


def get(db: Session, principal: Principal, fact_check_id: uuid.UUID) -> FactCheck:
    """A published fact-check (every fact-check is public once it exists)."""
    policy.require(principal, "fact_checks.read")
    fact_check = db.get(FactCheck, fact_check_id)
    if fact_check is None:
        raise NotFound("No such fact-check.")
    return fact_check


# FactCheckSchema's fields, without loading the claim group and the department whole.
ENTRY_COLUMNS = (
    FactCheck.id,
    FactCheck.group_id,
    FactCheck.department_id,
    Department.name.label("department_name"),
    FactCheck.claim_reviewed,
    FactCheck.rating,
    FactCheck.explanation,
    FactCheck.sources,
    FactCheck.correction_notice_id,
    FactCheck.version,
    FactCheck.published_at,
    FactCheck.updated_at,
)
# The feed's statements, built once with the place as bind parameters (as alerts.FEED): the province's
# fact-checks, and those of a ward's (its own claims and the province-wide ones).
_IN_PROVINCE = (
    select(*ENTRY_COLUMNS)
    .join(ClaimGroup, ClaimGroup.id == FactCheck.group_id)
    .join(Department, Department.id == FactCheck.department_id)
    .where(ClaimGroup.province_code == bindparam("province_code"))
    .order_by(FactCheck.published_at.desc(), FactCheck.id)
    .limit(FEED_ENTRIES)
)
_ENTRIES = Prepared(_IN_PROVINCE)
_WARD_ENTRIES = Prepared(
    _IN_PROVINCE.where(ClaimGroup.ward_code.is_(None) | (ClaimGroup.ward_code == bindparam("ward_code")))
)


def latest(db: Session, province_code: int, ward_code: int | None) -> list[dict]:
    """The newest fact-checks on claims reported in the province (in the ward, or province-wide, when a
    ward is given), as FactCheckSchema dumps them: what the commune's home feed shows."""
    stmt = _ENTRIES if ward_code is None else _WARD_ENTRIES
    found = stmt.rows(db, {"province_code": province_code, "ward_code": ward_code})
    return [row._asdict() for row in found]


def message_values(fact_check: FactCheck) -> dict:
    """The values of the `fact_check.published` message, per language."""
    return {
        lang: {
            "rating": names[fact_check.rating],
            "claim": fact_check.claim_reviewed,
            "department": fact_check.department.name,
        }
        for lang, names in RATING_NAMES.items()
    }


def citizens_to_tell(db: Session, fact_check: FactCheck) -> list[uuid.UUID]:
    return claims.citizens_to_tell(db, fact_check.group_id)


# ---------------------------------------------------------------- standards


def claim_review(db: Session, fact_check: FactCheck, url: str) -> dict:
    """The fact-check as schema.org ClaimReview JSON-LD; `url` is where it is read."""
    first_seen = db.execute(
        select(ClaimReport.link, ClaimReport.created_at)
        .where(ClaimReport.group_id == fact_check.group_id, ClaimReport.link.is_not(None))
        .order_by(ClaimReport.created_at)
    ).all()
    links = list(dict.fromkeys(link if "://" in link else f"https://{link}" for link, _ in first_seen))
    claim = {"@type": "Claim", "name": fact_check.claim_reviewed}
    if links:
        claim["firstAppearance"] = {"@type": "CreativeWork", "url": links[0]}
        claim["appearance"] = [{"@type": "CreativeWork", "url": link} for link in links]
    rating = {"@type": "Rating", "alternateName": RATING_NAMES["vi"][fact_check.rating]}
    if fact_check.rating in RATING_VALUES:
        rating |= {"ratingValue": RATING_VALUES[fact_check.rating], "bestRating": BEST, "worstRating": WORST}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": url,
        "claimReviewed": fact_check.claim_reviewed,
        "reviewRating": rating,
        "itemReviewed": claim,
        "author": {"@type": "GovernmentOrganization", "name": fact_check.department.name},
        "datePublished": fact_check.published_at.astimezone(deadlines.LOCAL)
        .date()
        .isoformat(),  # the local day
        "dateModified": fact_check.updated_at.isoformat(),
        "reviewBody": fact_check.explanation,
        "inLanguage": "vi",
    }


def _last_change(db: Session) -> datetime:
    return db.scalar(select(func.max(FactCheck.updated_at))) or atom.EPOCH


def atom_feed(db: Session, self_url: str, entry_url: Callable) -> atom.Feed:
    """The newest fact-checks, newest first; each entry links its ClaimReview JSON-LD."""
    updated = _last_change(db)
    feed = atom.new_feed(
        self_url, "Kiểm chứng thông tin", "Thông tin sai sự thật đã được kiểm chứng", updated
    )
    newest = db.scalars(
        select(FactCheck).order_by(FactCheck.published_at.desc(), FactCheck.id).limit(ATOM_ENTRIES)
    )
    for fact_check in newest:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{fact_check.id}")
        entry.title(f"{RATING_NAMES['vi'][fact_check.rating]}: {fact_check.claim_reviewed}")
        entry.summary(fact_check.explanation)
        atom.link(
            entry,
            {"href": entry_url(fact_check), "rel": "alternate", "type": "application/json"},
            {
                "href": f"{entry_url(fact_check)}/claim-review",
                "rel": "alternate",
                "type": "application/ld+json",
            },
        )
        entry.published(fact_check.published_at)
        entry.updated(fact_check.updated_at)
        entry.author(name=fact_check.department.name)
        entry.category(term=fact_check.rating)
    return atom.Feed(feed.atom_str(pretty=True), updated)
