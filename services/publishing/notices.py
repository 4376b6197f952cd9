"""Policy notices, announcements and corrections: editing with kept versions, the life cycle with
its history and pushes, targeting by place, search, translations, and cheap read counting.

Editors of the issuing department (and admins) write; the public, devices and integrators with
`notices:read` read what is public: out of `draft` and past its scheduled `publish_at`.
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, func, or_, select, true
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from services import events
from services.core import markup, states, targets
from services.core.db import Prepared, transactional, utcnow
from services.core.errors import Conflict, Forbidden, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.targets import Targets, aim, place, reaching, require_reach
from services.core.text import language, normalize
from services.directory import categories
from services.identity import audit, policy
from services.identity.principals import Caller, Principal
from services.models import (
    Attachment,
    Department,
    Notice,
    NoticeHistory,
    NoticePlace,
    NoticeReadCount,
    NoticeVersion,
)
from services.models.notices import NoticeContent

_POLICY = {
    "draft": ("consultation",),
    "consultation": ("adopted", "archived"),
    "adopted": ("in_effect", "archived"),
    "in_effect": ("archived",),
    "archived": (),
}
_ANNOUNCEMENT = {"draft": ("published",), "published": ("archived",), "archived": ()}
TRANSITIONS = {"policy": _POLICY, "announcement": _ANNOUNCEMENT, "correction": _ANNOUNCEMENT}


class NoticeArchived(Conflict):
    """Editing an archived notice (names `allowed`, empty, like every refused move)."""

    code = "notice_archived"


# The content an edit of a public notice keeps as a version.
VERSIONED = tuple(NoticeContent.__annotations__)
# Copied as given; attachment_ids are resolved to documents by _documents() instead.
_COPIED = (
    *(key for key in VERSIONED if key != "attachment_ids"),
    "category_code",
    "publish_at",
    "consultation_closes_at",
)
READ_SHARDS = 8


@dataclass(frozen=True)
class Localized:
    """A notice as read in one language: its translation, or the Vietnamese original."""

    notice: Notice
    language: str = "vi"
    read_count: int = 0

    def __getattr__(self, name):
        return getattr(self.notice, name)

    def _text(self, key: str) -> str:
        if self.language == "vi":
            return getattr(self.notice, key)
        return self.notice.translations[self.language][key]

    @property
    def title(self) -> str:
        return self._text("title")

    @property
    def summary(self) -> str:
        return self._text("summary")

    @property
    def body(self) -> str:
        return self._text("body")

    @property
    def body_html(self) -> str:
        return markup.to_html(self.body)

    @property
    def languages(self) -> list[str]:
        return ["vi", *sorted(self.notice.translations)]

    @property
    def consultation_open(self) -> bool:
        return consultation_open(self.notice)


def localize(notice: Notice, languages=(), read_count: int = 0) -> Localized:
    """`notice` in the first of `languages` it has (by primary subtag: en-US finds en), else Vietnamese."""
    return Localized(notice, _language(notice.translations, languages), read_count)


def _language(translations: dict, languages) -> str:
    """The first of `languages` the translations have (their key), else Vietnamese."""
    for tag in languages:
        wanted = language(tag)
        if wanted == "vi":
            break
        found = next((key for key in sorted(translations) if language(key) == wanted), None)
        if found:
            return found
    return "vi"


def consultation_open(notice, now: datetime | None = None) -> bool:
    now = now or utcnow()
    return (
        notice.stage == "consultation"
        and notice.listed_at <= now
        and notice.consultation_closes_at is not None
        and notice.consultation_closes_at > now
    )


def preferred_languages(principal: Principal, languages) -> tuple[str, ...]:
    """Accept-Language first; a device without one reads in its own language."""
    if not languages and principal.kind == Caller.DEVICE:
        return (principal.device.locale,)
    return tuple(languages or ())


# ---------------------------------------------------------------- reading


def check_reader(principal: Principal) -> None:
    """Anyone reads public notices, except an API key without `notices:read`."""
    policy.require(principal, "notices.read")


def _public(now: datetime):
    return and_(Notice.stage != "draft", Notice.listed_at <= now)


def _visible(principal: Principal, now: datetime):
    """Public notices, plus every notice of the caller's own department for staff and API keys that
    write notices (all for admins and keys without a department)."""
    if principal.kind != Caller.STAFF and not policy.lets_in(principal, "notices.write"):
        return _public(now)
    if principal.every_department:
        return true()
    return or_(_public(now), Notice.department_id == principal.department_id)


def _for_place(province_code: int | None, ward_code: int | None):
    """Notices that reach the place (services.core.targets.reaching)."""
    return exists().where(NoticePlace.notice_id == Notice.id, reaching(NoticePlace, province_code, ward_code))


def list_notices(
    db: Session,
    principal: Principal,
    *,
    province_code=None,
    ward_code=None,
    category=None,
    kind=None,
    stage=None,
    department_id=None,
    q=None,
    cursor=None,
    limit=20,
    languages=(),
) -> Page:
    """Visible notices for a place, newest first (by publication; drafts by creation); `department_id`
    keeps one issuing department's (the console's list)."""
    check_reader(principal)
    province_code, ward_code = place(province_code, ward_code)
    stmt = select(Notice).where(_visible(principal, utcnow()), _for_place(province_code, ward_code))
    if department_id:
        stmt = stmt.where(Notice.department_id == department_id)
    stmt = stmt.where(Notice.stage == stage if stage else Notice.stage != "archived")
    if category:
        stmt = stmt.where(Notice.category_code == category)
    if kind:
        stmt = stmt.where(Notice.kind == kind)
    if q and normalize(q):
        stmt = stmt.where(Notice.content_search.contains(normalize(q), autoescape=True))
    page = keyset_page(db, stmt, [Notice.listed_at, Notice.id], cursor, limit, descending=True)
    languages = preferred_languages(principal, languages)
    page.items = [localize(n, languages) for n in page.items]
    return page


# What a summary (schemas.notices.NoticeSummarySchema) reads: the body, search text and bookkeeping of
# the feed's notices would cost more to load than the rest of the home screen.
SUMMARY_COLUMNS = (
    Notice.id,
    Notice.kind,
    Notice.stage,
    Notice.category_code,
    Department.id.label("department_id"),
    Department.code.label("department_code"),
    Department.name.label("department_name"),
    Notice.title,
    Notice.summary,
    Notice.translations,
    Notice.document_number,
    Notice.issued_on,
    Notice.effective_on,
    Notice.targets,
    Notice.listed_at,
    Notice.consultation_closes_at,
)


# The feed's statements, built once with the place, the time and the length as bind parameters: building
# them (and keying SQLAlchemy's cache with them) per request cost more than PostgreSQL's work on them.
_SUMMARIES = select(*SUMMARY_COLUMNS).join(Department, Department.id == Notice.department_id)
_IN_FEED = (
    _public(bindparam("now")),
    exists().where(NoticePlace.notice_id == Notice.id, targets.reaching_bound(NoticePlace)),
)
LATEST = Prepared(
    _SUMMARIES.where(*_IN_FEED, Notice.stage != "archived")
    .order_by(Notice.listed_at.desc(), Notice.id.desc())
    .limit(bindparam("limit"))
)
OPEN_CONSULTATIONS = Prepared(
    _SUMMARIES.where(
        *_IN_FEED, Notice.stage == "consultation", Notice.consultation_closes_at > bindparam("now")
    )
    .order_by(Notice.consultation_closes_at, Notice.id)
    .limit(bindparam("limit"))
)


def latest(db: Session, province_code: int, ward_code: int | None, languages, limit: int) -> list[dict]:
    """The newest public notices for a place (archived ones left out)."""
    return _summaries(db, LATEST, province_code, ward_code, languages, limit)


def open_consultations(
    db: Session, province_code: int, ward_code: int | None, languages, limit: int
) -> list[dict]:
    """Public consultations for a place still taking comments, closing soonest first."""
    return _summaries(db, OPEN_CONSULTATIONS, province_code, ward_code, languages, limit)


def _summaries(db: Session, stmt: Prepared, province_code: int, ward_code: int | None, languages, limit: int):
    now, place_parameters = utcnow(), targets.place_parameters(province_code, ward_code)
    found = stmt.rows(db, {"now": now, "limit": limit, **place_parameters})
    return [summary(row, languages, now) for row in found]


def summary(row, languages, now: datetime) -> dict:
    """A row of SUMMARY_COLUMNS as NoticeSummarySchema dumps the localized notice (a public one)."""
    lang = _language(row.translations, languages)
    text = {"title": row.title, "summary": row.summary} if lang == "vi" else row.translations[lang]
    return {
        "id": row.id,
        "kind": row.kind,
        "stage": row.stage,
        "category_code": row.category_code,
        "department": {"id": row.department_id, "code": row.department_code, "name": row.department_name},
        "language": lang,
        "title": text["title"],
        "summary": text["summary"],
        "document_number": row.document_number,
        "issued_on": row.issued_on,
        "effective_on": row.effective_on,
        "targets": row.targets,
        "published_at": None if row.stage == "draft" else row.listed_at,
        "consultation_closes_at": row.consultation_closes_at,
        "consultation_open": consultation_open(row, now),
    }


def newly(
    db: Session, province_code: int, ward_code: int | None, stages, since: datetime, limit: int
) -> list[Notice]:
    """The `limit` latest public notices for a place that reached one of `stages` (adopted, in effect)
    since `since`: what a commune's bulletin announces."""
    reached = exists().where(
        NoticeHistory.notice_id == Notice.id, NoticeHistory.stage.in_(stages), NoticeHistory.at >= since
    )
    stmt = select(Notice).where(
        _public(utcnow()), Notice.stage.in_(stages), reached, _for_place(province_code, ward_code)
    )
    return list(db.scalars(stmt.order_by(Notice.listed_at.desc(), Notice.id.desc()).limit(limit)).unique())


def closing_consultations(
    db: Session, province_code: int, ward_code: int | None, by: datetime, limit: int
) -> list[Notice]:
    """The `limit` public consultations for a place that close before `by`, the soonest first."""
    now = utcnow()
    stmt = select(Notice).where(
        _public(now),
        Notice.stage == "consultation",
        Notice.consultation_closes_at > now,
        Notice.consultation_closes_at <= by,
        _for_place(province_code, ward_code),
    )
    return list(db.scalars(stmt.order_by(Notice.consultation_closes_at, Notice.id).limit(limit)).unique())


def visible(db: Session, principal: Principal, notice_id: uuid.UUID) -> Notice:
    """The notice if the caller may read it, else NotFound."""
    check_reader(principal)
    notice = db.scalar(select(Notice).where(Notice.id == notice_id, _visible(principal, utcnow())))
    if notice is None:
        raise NotFound("No such notice.")
    return notice


def readable(db: Session, principal: Principal, notice_id: uuid.UUID) -> bool:
    try:
        visible(db, principal, notice_id)
    except (NotFound, Forbidden):
        return False
    return True


@transactional
def read(db: Session, principal: Principal, notice_id: uuid.UUID, languages=()) -> Localized:
    """One notice; a read by anyone but staff is counted."""
    notice = visible(db, principal, notice_id)
    if principal.kind != Caller.STAFF:
        _count_read(db, notice.id)
    reads = db.scalar(
        select(func.coalesce(func.sum(NoticeReadCount.count), 0)).where(
            NoticeReadCount.notice_id == notice.id
        )
    )
    return localize(notice, preferred_languages(principal, languages), int(reads))


def _count_read(db: Session, notice_id: uuid.UUID) -> None:
    """Add one to a random shard of today's counter: an upsert that never locks the notice row and
    rarely waits for another read (the same statement on PostgreSQL and SQLite)."""
    dialect = postgresql if db.get_bind().dialect.name == "postgresql" else sqlite
    stmt = dialect.insert(NoticeReadCount).values(
        notice_id=notice_id, day=utcnow().date(), shard=random.randrange(READ_SHARDS), count=1
    )
    db.execute(
        stmt.on_conflict_do_update(
            index_elements=["notice_id", "day", "shard"], set_={"count": NoticeReadCount.count + 1}
        )
    )


def versions(db: Session, principal: Principal, notice_id: uuid.UUID, *, cursor=None, limit=20) -> Page:
    """Earlier versions of a notice, newest first."""
    visible(db, principal, notice_id)
    stmt = select(NoticeVersion).where(NoticeVersion.notice_id == notice_id)
    return keyset_page(db, stmt, [NoticeVersion.version], cursor, limit, descending=True)


# ---------------------------------------------------------------- writing


def own(db: Session, principal: Principal, notice_id: uuid.UUID, action: str = "notices.write") -> Notice:
    """A notice of the caller's department (any for admins); another department's is NotFound."""
    return policy.fetch(db, principal, action, Notice, notice_id, missing="No such notice.")


@transactional
def create(db: Session, principal: Principal, data: dict) -> Localized:
    policy.require(principal, "notices.write")
    department_id = data.get("department_id") or principal.department_id
    if department_id is None:
        raise Invalid({"department_id": ["Name the issuing department."]})
    if not policy.reaches_department(principal, department_id):
        raise Forbidden("Editors publish for their own department only.")
    if db.get(Department, department_id) is None:
        raise Invalid({"department_id": ["No such department."]})
    now = utcnow()
    notice = Notice(
        id=uuid.uuid4(),
        kind=data["kind"],
        stage="draft",
        department_id=department_id,
        translations={},
        links=[],
        listed_at=now,
        version=1,
        created_by_id=principal.user_id,
    )
    _apply(db, principal, notice, data)
    notice.history.append(NoticeHistory(stage="draft", at=now, actor_id=principal.user_id))
    db.add(notice)
    audit.record(db, principal, "notice.create", notice)
    return localize(notice)


@transactional
def update(db: Session, principal: Principal, notice_id: uuid.UUID, data: dict) -> Localized:
    """Change a notice; once public, the content it replaces is kept as a version."""
    notice = own(db, principal, notice_id)
    states.require_changeable(TRANSITIONS[notice.kind], _named(notice), notice.stage, refusal=NoticeArchived)
    before = audit.snapshot(notice)
    previous = {key: getattr(notice, key) for key in VERSIONED}
    _apply(db, principal, notice, data)
    if notice.stage != "draft" and any(getattr(notice, key) != previous[key] for key in VERSIONED):
        db.add(
            NoticeVersion(
                notice_id=notice.id, version=notice.version, replaced_by_id=principal.user_id, **previous
            )
        )
        notice.version += 1
    audit.record(db, principal, "notice.update", notice, before)
    return localize(notice)


def _apply(db: Session, principal: Principal, notice: Notice, data: dict) -> None:
    """Check `data` against the notice's kind and state, then copy it onto the notice."""
    errors = {}
    documents = None
    if "attachment_ids" in data:
        documents, problem = _documents(db, principal, notice, data["attachment_ids"])
        if problem:
            errors["attachment_ids"] = [problem]
    if "category_code" in data and categories.active(db, data["category_code"], "notice") is None:
        errors["category_code"] = [f"No active notice category {data['category_code']}."]
    if "publish_at" in data and notice.stage != "draft":
        errors["publish_at"] = ["Only a draft can be scheduled."]
    publish_at = data.get("publish_at", notice.publish_at)
    closes = data.get("consultation_closes_at", notice.consultation_closes_at)
    if "consultation_closes_at" in data and closes is None and notice.stage == "consultation":
        errors["consultation_closes_at"] = ["A consultation in progress needs its closing time."]
    elif "consultation_closes_at" in data and closes is not None:
        if notice.kind != "policy":
            errors["consultation_closes_at"] = ["Only policies go to consultation."]
        elif "publish_at" not in data and publish_at and closes <= publish_at:  # the stored one
            errors["consultation_closes_at"] = ["Must be after publish_at."]
    claim_url = data.get("claim_url", notice.claim_url)
    if notice.kind == "correction" and not claim_url:
        errors["claim_url"] = ["A correction links the claim it corrects."]
    elif notice.kind != "correction" and claim_url:
        errors["claim_url"] = ["Only corrections link a claim."]
    if errors:
        raise Invalid(errors)
    if "targets" in data:
        require_reach(principal, data["targets"])

    for key in _COPIED:
        if key in data:
            setattr(notice, key, data[key])
    if documents is not None:
        notice.files.extend(document for document in documents if document not in notice.files)
        notice.attachment_ids = [str(document.id) for document in documents]
    if "targets" in data:
        aim(notice, data["targets"], NoticePlace)
    texts = [notice.title, notice.summary, notice.body, notice.document_number or ""]
    texts += [text[key] for text in notice.translations.values() for key in ("title", "summary", "body")]
    notice.content_search = normalize(" ".join(texts))


def _documents(db: Session, principal: Principal, notice: Notice, ids: list) -> tuple[list[Attachment], str]:
    """The attachments to show, in order, and what is wrong with the list ("" when nothing): each must
    be the notice's already or the editor's own upload that nothing uses yet."""
    if len(set(ids)) != len(ids):
        return [], "An attachment is listed twice."
    found = {a.id: a for a in db.scalars(select(Attachment).where(Attachment.id.in_(ids)))} if ids else {}

    def usable(attachment: Attachment | None) -> bool:
        if attachment is None:
            return False
        if attachment.notice_id is not None:
            return attachment.notice_id == notice.id
        return attachment.free_for(principal.user)

    unusable = [str(id_) for id_ in ids if not usable(found.get(id_))]
    if unusable:
        return [], f"Not an upload of yours that nothing uses yet: {', '.join(unusable)}."
    return [found[id_] for id_ in ids], ""


def next_stages(notice: Notice) -> tuple[str, ...]:
    """The stages the notice may move to now (what transition() accepts), in the life cycle's order."""
    return TRANSITIONS[notice.kind][notice.stage]


def _named(notice: Notice) -> str:
    return f"{'An' if notice.kind[0] in 'aeiou' else 'A'} {notice.kind}"


@transactional
def transition(db: Session, principal: Principal, notice_id: uuid.UUID, data: dict) -> Localized:
    """Move a notice to its next stage, record it in the history and push it to its places."""
    notice = own(db, principal, notice_id)
    states.require_move(TRANSITIONS[notice.kind], _named(notice), notice.stage, data["to"])
    if data["to"] != "archived":
        # Going public or to a next stage lists and pushes the notice in its places; archiving is
        # withdrawing it, which any editor of its department may do.
        require_reach(principal, Targets.from_dict(notice.targets))
    before = audit.snapshot(notice)
    now = utcnow()
    at = now
    if notice.stage == "draft":
        # Public from now, or from its scheduled time; lists place it by that time.
        at = notice.listed_at = max(now, notice.publish_at or now)
    if data["to"] == "consultation" and (
        notice.consultation_closes_at is None or notice.consultation_closes_at <= at
    ):
        raise Invalid({"consultation_closes_at": ["Set a closing time after publication, in the future."]})
    notice.stage = data["to"]
    notice.history.append(
        NoticeHistory(stage=notice.stage, at=at, note=data.get("note"), actor_id=principal.user_id)
    )
    name = "notice.published" if before["stage"] == "draft" else "notice.stage_changed"
    changed = {
        "from": before["stage"],
        "to": notice.stage,
        "at": at.isoformat(),
        "push": data.get("push", True),
    }
    events.emit(db, name, notice, changed)
    audit.record(db, principal, "notice.transition", notice, before)
    return localize(notice)
