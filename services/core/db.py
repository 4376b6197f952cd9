"""Engine, sessions and the transaction discipline.

Each app owns a `Database` (create_app puts it in `app.extensions["database"]`): its engine and one
`sessionmaker` wrapped in a `scoped_session` that the HTTP edge removes after each request. Services never
look it up: they take the `db: Session` the edge (api/, the CLI, the worker) gives them. Service functions
that write are decorated with `@transactional`: commit on success, roll back and re-raise on error (after
notifications-api's `autocommit`). A session the edge marks for public reads runs its SELECTs on the
streaming replica (`Replica`) when there is one fit to use, else on the primary; either way outside a
transaction (each statement has its own snapshot under READ COMMITTED anyway), so a public read sends no
BEGIN and no ROLLBACK: two of the home feed's six round trips.
"""

import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
from psycopg.rows import namedtuple_row
from sqlalchemy import (
    Boolean,
    ColumnElement,
    Select,
    String,
    Uuid,
    any_,
    bindparam,
    create_engine,
    event,
    insert,
    inspect,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, make_transient_to_detached, scoped_session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal

# 19 digits in a row may be an integer beyond 64 bits, which orjson would read as a float.
_LONG_NUMBER = {bytes: re.compile(rb"\d{19}"), str: re.compile(r"\d{19}")}


def json_loads(text: str | bytes):
    """JSON columns as the database answers them, parsed by orjson (a sixth of an uncached home feed's
    CPU was json.loads on its notices' and alerts' translations); the standard library reads what orjson
    would read otherwise or refuses (long integers, infinities, escaped lone surrogates)."""
    if _LONG_NUMBER[type(text)].search(text) is None:
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            pass
    return json.loads(text)


def make_engine(url: str, *, connect_timeout: int = 0, statement_timeout: int = 0, **options) -> Engine:
    """An engine; on PostgreSQL `connect_timeout` (s) and `statement_timeout` (ms) bound every wait,
    so a request meets a 503 rather than a hang when the server is down or stuck (0: no bound)."""
    options.setdefault("json_deserializer", json_loads)
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


log = logging.getLogger("citizen.replica")

# How far behind the primary the replica is, in seconds: 0 when it has replayed all it received (a
# primary without writes lets pg_last_xact_replay_timestamp() grow old without the replica being
# behind); infinite when it is behind and has replayed nothing since it started.
_LAG = text(
    """
    SELECT CASE
        WHEN NOT pg_is_in_recovery() THEN 0
        WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
        ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 'Infinity')
    END
    """
)


class Replica:
    """A streaming replica and whether reads may go to it now: it answers and is at most `max_lag`
    seconds behind. Looked at once per `every` seconds per process (not per request); a change of
    verdict is logged once and told to `on_change(usable, reason)` (the edge's metric)."""

    def __init__(
        self,
        engine: Engine,
        max_lag: float,
        *,
        every: float = 1.0,
        on_change: Callable[[bool, str], None] | None = None,
    ):
        self.engine = engine
        self.max_lag = max_lag
        self.every = every
        self.on_change = on_change
        self.reason = "not checked yet"
        self._usable = None
        self._checked = float("-inf")
        self._checking = threading.Lock()

    def usable(self) -> bool:
        """Whether to read from the replica; one thread looks again when the verdict is `every` old,
        the others keep the last verdict meanwhile."""
        if time.monotonic() - self._checked >= self.every and self._checking.acquire(blocking=False):
            try:
                self._set(*self._look())
            finally:
                self._checking.release()
        return bool(self._usable)

    def failed(self, error: Exception) -> None:
        """A read on the replica failed (it went down, or cancelled the query to replay): off until the
        next look."""
        self._set(False, f"a read failed: {error.__class__.__name__}")

    def _look(self) -> tuple[bool, str]:
        try:
            with self.engine.connect() as connection:
                lag = float(connection.execute(_LAG).scalar_one())
        except DBAPIError as error:
            return False, f"unreachable ({error.orig.__class__.__name__ if error.orig else error})"
        if lag > self.max_lag:
            return False, f"{lag:.1f} s behind the primary (REPLICA_MAX_LAG {self.max_lag:g} s)"
        return True, "streaming"

    def _set(self, usable: bool, reason: str) -> None:
        self._checked = time.monotonic()
        changed, self._usable, self.reason = usable != self._usable, usable, reason
        if changed:
            if usable:
                log.info("replica usable again: public reads go to it")
            else:
                log.warning("replica not used: %s; reads go to the primary", reason)
            if self.on_change:
                self.on_change(usable, reason)


class RoutingSession(Session):
    """A session whose SELECTs go to the engine `Database.read_publicly` marked it with; flushes, writes
    and raw SQL stay on the primary, in a transaction (SQLAlchemy's custom get_bind partitioning). Once
    it writes, its SELECTs follow on the primary too: it reads its own writes back (a notice's read
    count that includes this read)."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        reads = self.info.get("reads")
        if reads is not None:
            if not self._flushing and isinstance(clause, Select):
                return reads
            if self._flushing or clause is not None:
                del self.info["reads"]
        return super().get_bind(mapper, clause=clause, **kwargs)


def _untransacted(engine: Engine) -> Engine:
    """The engine's twin (same pool) whose connections run each statement on its own: the DBAPI's
    autocommit, which for psycopg is a flag on the connection, not a round trip."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class Database:
    """One app's engine and sessions. `info` travels with every session (`Session.info`): what the
    services need of the app besides the database, such as its file storage. `replica`, optional,
    serves the public reads the edge sends to it."""

    def __init__(self, engine: Engine, replica: Replica | None = None, **info):
        self.engine = engine
        self.replica = replica
        self.sessions = sessionmaker(bind=engine, class_=RoutingSession, expire_on_commit=False, info=info)
        self.session: scoped_session[Session] = scoped_session(self.sessions)
        self._primary_reads = _untransacted(engine)
        self._replica_reads = _untransacted(replica.engine) if replica is not None else None

    def read_publicly(self, *, replica: bool = True) -> bool:
        """Send this thread's session's SELECTs to the replica, when `replica` and there is one fit to use
        now, else to the primary; outside a transaction either way. Whether they go to the replica."""
        to_replica = replica and self.replica is not None and self.replica.usable()
        reads = self._replica_reads if to_replica else self._primary_reads
        if reads is not None:  # None: tests hold the sessions in a transaction of their own
            self.session().info["reads"] = reads
        return to_replica

    def bind(self, bind: Engine | Connection, **options) -> None:
        """Point this app's sessions at another engine or (tests) at a connection."""
        self.session.remove()
        self.sessions.configure(bind=bind, **options)
        self._primary_reads = _untransacted(bind) if isinstance(bind, Engine) else None

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


def insert_now(db: Session, obj):
    """Write a new ORM object at once, with one Core INSERT, and attach it to `db` as if loaded from it;
    returns `obj`. For rows a request writes once and leaves (a submission, a timeline step): the unit of
    work spent some 1,200 function calls flushing a new feedback with its first step (its relationships'
    cascades, the sort), the two INSERTs themselves 150. The columns' Python defaults are applied here;
    a key the database makes (a serial id) is read back. The rows it points to must already be written.
    """
    mapper = inspect(obj).mapper
    table = mapper.local_table
    values, made = {}, []
    for attr in mapper.column_attrs:
        column = attr.columns[0]
        if attr.key in obj.__dict__:
            values[column.key] = obj.__dict__[attr.key]
        elif column.default is not None:
            default = column.default
            values[column.key] = default.arg(None) if default.is_callable else default.arg
        elif column.server_default is not None or column is table.autoincrement_column:
            made.append(attr)
        else:
            values[column.key] = None
    stmt = insert(table)
    if made:
        row = db.execute(stmt.returning(*(attr.columns[0] for attr in made)), values).one()
        for attr, value in zip(made, row, strict=True):
            set_committed_value(obj, attr.key, value)
    else:
        db.execute(stmt, values)
    for attr in mapper.column_attrs:
        if attr.key not in obj.__dict__:
            set_committed_value(obj, attr.key, values[attr.columns[0].key])
    make_transient_to_detached(obj)  # its values as loaded, with its identity
    db.add(obj)
    return obj


def utcnow() -> datetime:
    return datetime.now(UTC)


def read_rows(db: Session, stmt: Select, params: dict):
    """The rows of a SELECT of columns (no ORM objects) through SQLAlchemy's Core path, which skips the
    ORM's result machinery (a third of each statement's Python time, on the home feed's); the session's
    routing still picks the connection (the replica, for a public read). Prepared goes further for
    statements built once."""
    return db.connection(bind_arguments={"clause": stmt}).execute(stmt, params).all()


class Prepared:
    """A SELECT of columns built once (at import) and run with its parameters, as the home feed's are. On
    psycopg it is compiled once and run on the driver's cursor, its rows as psycopg makes them (named
    tuples): SQLAlchemy's per-call cache lookup, parameter set-up and result set-up cost more than the
    driver and PostgreSQL together (a quarter of an uncached feed's CPU). SQLAlchemy still runs the
    cursor (`_cursor_execute`, as its dialects do for their own statements): its events, echo and
    error handling hold, a dropped connection included. Elsewhere (SQLite), or when a column's type
    converts what the driver answers, the statement runs through SQLAlchemy Core, as read_rows does."""

    def __init__(self, stmt: Select):
        self.stmt = stmt
        self._direct: dict[str, tuple | None] = {}  # per dialect: (SQL, compiled, bind processors) or None

    def rows(self, db: Session, params: dict) -> list:
        connection = db.connection(bind_arguments={"clause": self.stmt})
        dialect = connection.dialect
        direct = self._direct.get(dialect.name, False)
        if direct is False:
            direct = self._direct[dialect.name] = self._compile(dialect)
        if direct is None:
            return connection.execute(self.stmt, params).all()
        sql, compiled, processors = direct
        parameters = compiled.construct_params(params)
        for name, process in processors:
            parameters[name] = process(parameters[name])
        cursor = connection.connection.cursor()
        try:
            cursor.row_factory = namedtuple_row
            connection._cursor_execute(cursor, sql, parameters)
            return cursor.fetchall()
        finally:
            cursor.close()

    def _compile(self, dialect) -> tuple | None:
        if dialect.driver != "psycopg":
            return None
        if any(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in self.stmt.selected_columns
        ):
            return None
        compiled = self.stmt.compile(dialect=dialect)
        if compiled.post_compile_params:  # expanding IN lists: SQL rewritten per call
            return None
        processors = [
            (name, process)
            for name, bind in compiled.binds.items()
            if (process := bind.type.dialect_impl(dialect).bind_processor(dialect))
        ]
        return str(compiled), compiled, processors


def one_of(db: Session, column, values) -> ColumnElement[bool]:
    """`column IN values` for a batch (the worker's 500 deliveries or devices). On PostgreSQL it is one
    array parameter, `= ANY(...)`: a 500-placeholder IN list costs psycopg a fresh parse of the query
    text at every call, which was a tenth of a fan-out's CPU."""
    if db.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
    return column.in_(values)


class InList(ColumnElement[bool]):
    """`column IN` the list given at execution as the parameter `name`, for statements built once: on
    PostgreSQL one array parameter, `= ANY(...)`, elsewhere an expanding IN (one_of does the same for
    values known when the statement is built). An expanding IN has its SQL rewritten by SQLAlchemy at
    every call, which was about a tenth of the home feed's CPU."""

    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("name", InternalTraversal.dp_string),
    ]
    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it is, not `… = 1` where booleans are integers

    def __init__(self, column, name: str):
        self.column, self.name = column, name


@compiles(InList)
def _in_list(element: InList, compiler, **kw) -> str:
    return compiler.process(element.column.in_(bindparam(element.name, expanding=True)), **kw)


@compiles(InList, "postgresql")
def _in_array(element: InList, compiler, **kw) -> str:
    array = bindparam(element.name, type_=ARRAY(element.column.type))
    return compiler.process(element.column == any_(array), **kw)


class NewUuid(FunctionElement):
    """A random UUID (version 4) made by the database, for rows an INSERT … SELECT writes."""

    type = Uuid()
    inherit_cache = True


@compiles(NewUuid, "postgresql")
def _gen_random_uuid(element, compiler, **kw) -> str:
    return "gen_random_uuid()"


@compiles(NewUuid, "sqlite")
def _random_hex_uuid(element, compiler, **kw) -> str:
    # 32 hex digits, as SQLAlchemy's Uuid keeps them there, with the version 4 and variant bits set.
    return (
        "lower(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2) || "
        "substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || hex(randomblob(6)))"
    )


class UuidText(FunctionElement):
    """A UUID column as Python's str() writes it (8-4-4-4-12, lower case): addresses the database
    composes match those composed in Python."""

    type = String()
    inherit_cache = True


@compiles(UuidText, "postgresql")
def _uuid_cast(element, compiler, **kw) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS TEXT)"


@compiles(UuidText, "sqlite")
def _uuid_dashes(element, compiler, **kw) -> str:
    column = compiler.process(element.clauses, **kw)
    parts = [f"substr({column}, {start}, {length})" for start, length in ((1, 8), (9, 4), (13, 4), (17, 4))]
    return "lower(" + " || '-' || ".join([*parts, f"substr({column}, 21)"]) + ")"


def one_at_a_time(db: Session, key: str) -> None:
    """Hold `key` until the transaction ends, so a count-then-insert (at most N of something) is not
    raced by another transaction doing the same. PostgreSQL's advisory lock; SQLite writes one at a time
    anyway."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})
