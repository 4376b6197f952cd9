"""Cursors, decoded: a cursor this list gave out takes you on; anything else is a 422 before any SQL,
whatever it was forged to hold."""

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from services.core.errors import Invalid
from services.core.pagination import _decode, _encode
from services.models import AuditEvent, Department

DEPARTMENTS = [Department.code, Department.id]  # (text, uuid)
AUDIT = [AuditEvent.at, AuditEvent.id]  # (time, integer)
WHEN = datetime(2026, 12, 2, 7, 0, tzinfo=UTC)
SOME_ID = uuid.UUID("6f1c7e5a-2b1d-4c8e-9f00-0a1b2c3d4e5f")


def forged(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    ("columns", "values"),
    [
        (DEPARTMENTS, ["STTTT-DN", SOME_ID]),
        (AUDIT, [WHEN, 42]),
        (AUDIT, [WHEN, 2**63 - 1]),
        (AUDIT, [WHEN, -(2**63)]),
    ],
)
def test_a_cursor_given_out_reads_back_as_the_same_values(columns, values):
    assert _decode(_encode(values), columns) == values


def test_a_cursor_is_unpadded_url_safe_base64_of_json():
    cursor = _encode(["STTTT-DN", SOME_ID])
    assert "=" not in cursor
    assert json.loads(base64.urlsafe_b64decode(cursor + "==")) == ["STTTT-DN", str(SOME_ID)]


@pytest.mark.parametrize(
    ("columns", "cursor"),
    [
        (DEPARTMENTS, "not base64 at all!"),
        (DEPARTMENTS, base64.urlsafe_b64encode(b"\xff\xfe").decode()),  # not UTF-8
        (DEPARTMENTS, forged({"code": "STTTT-DN"})),  # not a list
        (DEPARTMENTS, forged(["STTTT-DN"])),  # too short
        (DEPARTMENTS, forged(["STTTT-DN", str(SOME_ID), 1])),  # too long
        (DEPARTMENTS, forged([1, str(SOME_ID)])),  # a number for text
        (DEPARTMENTS, forged(["STTTT\u0000DN", str(SOME_ID)])),  # NUL: PostgreSQL text cannot hold it
        (DEPARTMENTS, forged(["STTTT-DN", "not-a-uuid"])),
        (DEPARTMENTS, forged(["STTTT-DN", 7])),  # a number for a uuid
        (AUDIT, forged(["2026-12-02T07:00:00", 1])),  # a time without its offset
        (AUDIT, forged(["yesterday", 1])),
        (AUDIT, forged([1733122800, 1])),  # a number for a time
        (AUDIT, forged([WHEN.isoformat(), True])),  # JSON true is not an integer
        (AUDIT, forged([WHEN.isoformat(), 1.5])),
        (AUDIT, forged([WHEN.isoformat(), "1"])),
        (AUDIT, forged([WHEN.isoformat(), 2**63])),  # beyond BIGINT
        (AUDIT, forged([WHEN.isoformat(), -(2**63) - 1])),
    ],
)
def test_a_forged_cursor_is_a_422_naming_the_cursor(columns, cursor):
    with pytest.raises(Invalid) as refused:
        _decode(cursor, columns)
    assert refused.value.code == "invalid_cursor"
    assert refused.value.extra["errors"] == {"cursor": ["Not a cursor this list gave out."]}
