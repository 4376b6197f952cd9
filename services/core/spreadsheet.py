"""CSV that Excel opens as meant: UTF-8 with a byte-order mark (without it Excel reads Vietnamese as
cp1252), times in Việt Nam, and cells that would start a formula made inert."""

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from services.core.deadlines import LOCAL


def csv_bytes(header: Iterable[str], rows: Iterable[Iterable]) -> bytes:
    """The rows under `header` as CSV for Excel; a cell is its text (None: empty), made inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([inert("" if value is None else str(value)) for value in row])
    return "\ufeff".encode() + out.getvalue().encode()


def local_time(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL).isoformat(timespec="seconds") if moment else None


def inert(text: str) -> str:
    """A cell Excel will not run: a citizen's "=HYPERLINK(...)" stays text."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
