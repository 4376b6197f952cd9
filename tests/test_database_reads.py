"""How the app reads rows: services.core.db.Prepared (the home feed's statements, run on psycopg's
cursor, answer what SQLAlchemy Core would, fail as SQLAlchemy fails, and leave a column whose type
converts values to SQLAlchemy) and JSON columns parsed by orjson with the standard library behind it."""

import datetime
import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import String, TypeDecorator, bindparam, cast, literal, literal_column, select
from sqlalchemy.exc import DBAPIError

from services.core import targets
from services.core.db import Prepared, read_rows
from services.models.base import JSONDocument
from services.publishing import alerts, notices
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import DA_NANG, HAI_CHAU


@pytest.fixture
def feed_rows(staff, write, move):
    """A public notice with a translation and dates, and a published alert, in Hải Châu."""
    from tests.test_alerts import published

    english = {"title": "English", "summary": "In English", "body": "Body"}
    move(
        write(title="Tiếng Việt", translations={"en": english}, document_number="12/TB-UBND"), "consultation"
    )
    published(staff["editor_a"], translations={"en": {"headline": "Fake police calls"}})


@pytest.mark.usefixtures("feed_rows")
@pytest.mark.parametrize("prepared", [alerts.FEED, notices.LATEST, notices.OPEN_CONSULTATIONS])
def test_a_feed_statement_answers_on_the_driver_s_cursor_what_sqlalchemy_core_reads(db, prepared):
    now = datetime.datetime.now(datetime.UTC)
    params = {"now": now, "limit": 10, **targets.place_parameters(DA_NANG, HAI_CHAU)}
    direct, core = prepared.rows(db, params), read_rows(db, prepared.stmt, params)
    assert direct and type(direct[0]) is not type(core[0])  # psycopg's named tuples, not SQLAlchemy's rows
    assert [row._asdict() for row in direct] == [row._asdict() for row in core]
    values = direct[0]._asdict()
    assert isinstance(values["id"], uuid.UUID)
    assert isinstance(values["translations"], dict)
    assert all(v.tzinfo is not None for v in values.values() if isinstance(v, datetime.datetime))


class Shouted(TypeDecorator):
    """A type that converts what the driver answers: Prepared must not skip it."""

    impl = String
    cache_ok = True

    def process_result_value(self, value, dialect):
        return value.upper()


def test_a_column_whose_type_converts_values_is_read_through_sqlalchemy(db):
    stmt = select(literal_column("'bão'", Shouted).label("word"), bindparam("n", type_=String).label("n"))
    assert [tuple(row) for row in Prepared(stmt).rows(db, {"n": "số 9"})] == [("BÃO", "số 9")]


def test_a_statement_the_database_refuses_raises_sqlalchemy_s_error(db):
    """The edge turns SQLAlchemy's errors into 503s and sends a failed replica read to the primary."""
    dividing = Prepared(select((literal_column("1") / bindparam("divisor")).label("quotient")))
    assert dividing.rows(db, {"divisor": 2})[0].quotient == Decimal("0.5")
    with pytest.raises(DBAPIError, match="division by zero"), db.begin_nested():
        dividing.rows(db, {"divisor": 0})


@pytest.mark.parametrize(
    "stored",
    [
        {"answer": 123456789012345678901234567890},  # beyond 64 bits: orjson would make it a float
        {"answer": -9223372036854775809, "code": "1234567890123456789012"},
        {"answer": 1.5, "text": "Tiếng Việt", "list": [1, None, True]},
    ],
)
def test_a_json_column_reads_back_what_json_allows(db, stored):
    """A province's form can take a number of any length; PostgreSQL keeps it, so it must read back."""
    written = select(cast(literal(json.dumps(stored)), JSONDocument).label("value"))
    assert db.execute(written).scalar_one() == stored
