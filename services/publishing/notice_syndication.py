"""Public notices for portals and the people's radio system: an Atom feed (feedgen)."""

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.identity.principals import ANONYMOUS
from services.models import Notice
from services.publishing import atom, notices

ATOM_ENTRIES = 50


def _last_change(db: Session, now: datetime) -> datetime:
    """When a public notice last changed or became public, wherever it is for: a notice edited, archived
    or moved away from a place changes that place's feed too. It does not move between two requests."""
    edited, listed = db.execute(
        select(func.max(Notice.updated_at), func.max(Notice.listed_at)).where(notices._public(now))
    ).one()
    return max((moment for moment in (edited, listed) if moment), default=atom.EPOCH)


def atom_feed(
    db: Session, self_url: str, entry_url: Callable, *, province_code=None, ward_code=None
) -> atom.Feed:
    """The newest public notices (for a place when given), newest first; each entry carries the
    summary and the sanitised HTML body, and links `entry_url(notice)`. feedgen escapes every text."""
    page = notices.list_notices(
        db, ANONYMOUS, province_code=province_code, ward_code=ward_code, limit=ATOM_ENTRIES
    )
    updated = _last_change(db, utcnow())
    feed = atom.new_feed(
        self_url,
        "Thông báo chính sách",
        "Chính sách, thông báo và đính chính của các cơ quan nhà nước",
        updated,
    )
    for notice in page.items:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{notice.id}")
        entry.title(notice.title)
        entry.summary(notice.summary)
        entry.content(notice.body_html, type="html")
        atom.link(entry, {"href": entry_url(notice), "rel": "alternate", "type": "application/json"})
        entry.published(notice.listed_at)
        entry.updated(max(notice.updated_at, notice.listed_at))  # a scheduled notice is listed after its edit
        entry.author(name=notice.department.name)
        entry.category(term=notice.category_code)
    return atom.Feed(feed.atom_str(pretty=True), updated)
