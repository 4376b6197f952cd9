"""Keyset pagination with opaque cursors: `{"items": [...], "next_cursor": ...}`, never OFFSET."""

import base64
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, tuple_
from sqlalchemy.orm import Session

from services.core.errors import Invalid

MAX_LIMIT = 100


@dataclass
class Page:
    items: list[Any]
    next_cursor: str | None


def _encode(values: list) -> str:
    plain = [
        v.isoformat() if isinstance(v, datetime) else str(v) if isinstance(v, uuid.UUID) else v
        for v in values
    ]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns) -> list:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError
        return [_from_json(value, column) for value, column in zip(raw, columns, strict=True)]
    except (ValueError, TypeError, UnicodeDecodeError):
        raise Invalid({"cursor": ["Not a cursor this list gave out."]}, code="invalid_cursor") from None


def _from_json(value, column):
    """A cursor value of the column's type, or an error: a forged cursor must not reach the database."""
    python_type = column.type.python_type
    if python_type in (datetime, uuid.UUID):
        if not isinstance(value, str):
            raise TypeError
        if python_type is uuid.UUID:
            return uuid.UUID(value)
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed
    if type(value) is not python_type:  # exactly: JSON true is not an integer here
        raise TypeError
    if python_type is int and not -(2**63) <= value < 2**63:
        raise ValueError  # beyond BIGINT
    if python_type is str and "\x00" in value:
        raise ValueError  # PostgreSQL text cannot hold NUL
    return value


def keyset_page(
    db: Session, stmt: Select, columns: list, cursor: str | None, limit: int, *, descending: bool = False
) -> Page:
    """One page of `stmt` ordered by `columns` (which together must be unique)."""
    if cursor:
        stmt = stmt.where(past_cursor(columns, cursor, descending=descending))
    rows = list(db.scalars(stmt.order_by(*ordered(columns, descending)).limit(limit + 1)).unique())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = _encode([getattr(rows[-1], c.key) for c in columns])
    return Page(rows, next_cursor)


def past_cursor(columns: list, cursor: str, *, descending: bool = False):
    """SQL: the rows after `cursor` in the order of `columns`, for a part of a page's statement that
    must be bounded by it too (a subquery with its own LIMIT)."""
    key, after = tuple_(*columns), tuple_(*_decode(cursor, columns))
    return key < after if descending else key > after


def ordered(columns: list, descending: bool = False) -> list:
    return [c.desc() if descending else c.asc() for c in columns]
