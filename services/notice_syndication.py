"""Public notices for portals and the people's radio system: an Atom feed (feedgen)."""

from collections.abc import Callable

from feedgen.feed import FeedGenerator
from sqlalchemy.orm import Session

from services import notices
from services.db import utcnow
from services.principals import ANONYMOUS

ATOM_ENTRIES = 50


def atom_feed(
    db: Session, self_url: str, entry_url: Callable, *, province_code=None, ward_code=None
) -> bytes:
    """The newest public notices (for a place when given), newest first; each entry carries the
    summary and the sanitised HTML body, and links `entry_url(notice)`. feedgen escapes every text."""
    page = notices.list_notices(
        db, ANONYMOUS, province_code=province_code, ward_code=ward_code, limit=ATOM_ENTRIES
    )
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title("Thông báo chính sách")
    feed.subtitle("Chính sách, thông báo và đính chính của các cơ quan nhà nước")
    feed.link(href=self_url, rel="self")
    feed.language("vi")
    feed.updated(max((n.updated_at for n in page.items), default=None) or utcnow())
    for notice in page.items:
        entry = feed.add_entry(order="append")
        entry.id(f"urn:uuid:{notice.id}")
        entry.title(notice.title)
        entry.summary(notice.summary)
        entry.content(notice.body_html, type="html")
        entry.link(href=entry_url(notice))
        entry.published(notice.published_at)
        entry.updated(notice.updated_at)
        entry.author(name=notice.department.name)
        entry.category(term=notice.category_code)
    return feed.atom_str(pretty=True)
