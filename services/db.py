"""Engine, sessions and the transaction discipline.

One `sessionmaker`, wrapped in a `scoped_session` that the HTTP edge removes after each request.
Service functions that write are decorated with `@transactional`: commit on success, roll back and
re-raise on error (after notifications-api's `autocommit`).
"""

import functools
from datetime import UTC, datetime

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session, sessionmaker

SessionFactory = sessionmaker(expire_on_commit=False)
session: scoped_session[Session] = scoped_session(SessionFactory)


def make_engine(url: str, **options) -> Engine:
    if url.startswith("sqlite"):
        options.pop("pool_size", None)
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def bind(engine: Engine, **options) -> None:
    """Point the one session factory at an engine (or, in tests, at a connection)."""
    session.remove()
    SessionFactory.configure(bind=engine, **options)


def transactional(fn):
    """Commit the caller's session when `fn` returns, roll it back when it raises."""

    @functools.wraps(fn)
    def wrapper(db: Session, *args, **kwargs):
        try:
            result = fn(db, *args, **kwargs)
            db.commit()
            return result
        except Exception:
            db.rollback()
            raise

    return wrapper


def utcnow() -> datetime:
    return datetime.now(UTC)
