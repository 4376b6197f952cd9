"""Engine, sessions and the transaction discipline.

Each app owns a `Database` (create_app puts it in `app.extensions["database"]`): its engine and one
`sessionmaker` wrapped in a `scoped_session` that the HTTP edge removes after each request. Services never
look it up: they take the `db: Session` the edge (api/, the CLI, the worker) gives them. Service functions
that write are decorated with `@transactional`: commit on success, roll back and re-raise on error (after
notifications-api's `autocommit`).
"""

import functools
from datetime import UTC, datetime

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, scoped_session, sessionmaker


def make_engine(url: str, *, connect_timeout: int = 0, statement_timeout: int = 0, **options) -> Engine:
    """An engine; on PostgreSQL `connect_timeout` (s) and `statement_timeout` (ms) bound every wait,
    so a request meets a 503 rather than a hang when the server is down or stuck (0: no bound)."""
    if url.startswith("sqlite"):
        options.pop("pool_size", None)
        options.pop("pool_timeout", None)
        engine = create_engine(url, **options)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = dict(options.pop("connect_args", {}))
    if connect_timeout:
        connect_args["connect_timeout"] = connect_timeout
    if statement_timeout:
        connect_args["options"] = (
            f"{connect_args.get('options', '')} -c statement_timeout={statement_timeout}".strip()
        )
    # No pre-ping: it would cost every request a round trip. A connection broken by a server restart
    # fails the one request that meets it (503 database_unavailable); SQLAlchemy then invalidates the
    # whole pool, so the API recovers by itself (tests/reliability/test_database_outage.py).
    return create_engine(url, connect_args=connect_args, **options)


def _sqlite_pragmas(dbapi_connection, _record):
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """One app's engine and sessions. `info` travels with every session (`Session.info`): what the
    services need of the app besides the database, such as its file storage."""

    def __init__(self, engine: Engine, **info):
        self.engine = engine
        self.sessions = sessionmaker(bind=engine, expire_on_commit=False, info=info)
        self.session: scoped_session[Session] = scoped_session(self.sessions)

    def bind(self, bind: Engine | Connection, **options) -> None:
        """Point this app's sessions at another engine or (tests) at a connection."""
        self.session.remove()
        self.sessions.configure(bind=bind, **options)

    def end_session(self) -> None:
        """Close the thread's session after a request. When the server dropped the connection meanwhile
        (PostgreSQL restarting), the closing rollback fails: the pool has already discarded that
        connection, so forget the session instead of failing a request whose response is made."""
        try:
            self.session.remove()
        except DBAPIError:
            self.session.registry.clear()


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


def one_at_a_time(db: Session, key: str) -> None:
    """Hold `key` until the transaction ends, so a count-then-insert (at most N of something) is not
    raced by another transaction doing the same. PostgreSQL's advisory lock; SQLite writes one at a time
    anyway."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
