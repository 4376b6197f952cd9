"""What the console's forms and filters offer to choose from."""

from services.core.pagination import MAX_LIMIT
from services.directory import departments


def active_departments(db, principal) -> list:
    """Every active department the caller may see, by name: all pages of the listing (a province has
    more departments than one page holds once its communes' offices are in)."""
    found, cursor = [], None
    while True:
        page = departments.list_departments(db, principal, active=True, cursor=cursor, limit=MAX_LIMIT)
        found += page.items
        if not (cursor := page.next_cursor):
            return sorted(found, key=lambda d: d.name)
