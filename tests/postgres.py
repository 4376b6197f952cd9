"""A throwaway PostgreSQL server for the test suite, started from Debian's server binaries.

initdb and pg_ctl refuse to run as root, so as root the server runs as the `postgres` user (or
`nobody`). The data directory lives in a temp dir and is removed when the run ends. The reliability
tests and the benchmarks start servers of their own (`Server`), which they stop and restart at will.
"""

import atexit
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager


def _bindir() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    found = [d for d in candidates if os.path.exists(os.path.join(d, "initdb"))]
    if not found:
        raise RuntimeError(
            "No PostgreSQL server in /usr/lib/postgresql/*/bin: run `make test` or apt-get install postgresql"
        )
    return found[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


class Server:
    """One server in a temp dir on a free port: `start()`, `stop()` (the database goes away, the data
    stays) and `start()` again; `remove()` (also at exit) deletes it. `settings` are extra `-c` options.
    With a running `primary`, a streaming replica of it (`pg_basebackup -R`: a base backup that follows
    the primary's WAL once started; initdb's pg_hba lets 127.0.0.1 replicate)."""

    def __init__(self, settings: dict | None = None, *, primary: "Server | None" = None):
        self.bindir = _bindir()
        self.user = None
        if os.geteuid() == 0:
            self.user = next(u for u in ("postgres", "nobody") if _user_exists(u))
        self.base = tempfile.mkdtemp(prefix="citizen-pg-")
        self.datadir = os.path.join(self.base, "data")
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.base, entry.pw_uid, entry.pw_gid)
        self.port = free_port()
        settings = {
            "listen_addresses": "127.0.0.1",
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
            **(settings or {}),
        }
        self.options = f"-p {self.port} -k {self.base} " + " ".join(
            f"-c {k}={v}" for k, v in settings.items()
        )
        if primary is None:
            self._run(
                "initdb", "-D", self.datadir, "-U", "citizen", "--auth=trust", "-E", "UTF8", "--no-locale"
            )
        else:
            source = ("-h", "127.0.0.1", "-p", str(primary.port), "-U", "citizen")
            self._run("pg_basebackup", "-D", self.datadir, "-R", "-X", "stream", "-c", "fast", *source)
        atexit.register(self.remove)
        self.url = f"postgresql+psycopg://citizen@127.0.0.1:{self.port}/postgres"
        self.version = subprocess.run(
            [f"{self.bindir}/postgres", "--version"], capture_output=True, text=True
        ).stdout.strip()

    def _run(self, program: str, *args: str, check=True) -> None:
        command = [f"{self.bindir}/{program}", *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        subprocess.run(command, check=check, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> "Server":
        log = os.path.join(self.base, "log")
        self._run("pg_ctl", "-D", self.datadir, "-o", self.options, "-l", log, "-w", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects clients and stops cleanly; `immediate` is a crash (recovery at next start)."""
        self._run("pg_ctl", "-D", self.datadir, "-m", mode, "-w", "stop", check=False)

    def remove(self) -> None:
        if os.path.isdir(self.base):
            self.stop("immediate")
            shutil.rmtree(self.base, ignore_errors=True)


def start() -> tuple[str, str]:
    """Start the suite's server; returns (SQLAlchemy URL, server version)."""
    server = Server().start()
    return server.url, server.version


@contextmanager
def primary_and_replica():
    """A primary of the caller's own (the suite's may be neither stopped nor replicated) and its streaming
    replica, both removed afterwards."""
    primary = Server().start()
    replica = Server(primary=primary).start()
    try:
        yield primary, replica
    finally:
        replica.remove()
        primary.remove()


def explain(connection, statement, options: str = "FORMAT JSON", *, generic: bool = False):
    """PostgreSQL's plan of a SQLAlchemy statement, run on `connection` (a SQLAlchemy Connection, in a
    transaction) as psycopg runs it: a prepared statement with its parameters, planned for their values
    (a custom plan) or, `generic`, for any values (the plan PostgreSQL may keep once psycopg prepared a
    statement run five times). `options` as in EXPLAIN (…), e.g. "ANALYZE, BUFFERS"."""
    from psycopg import sql

    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    names = []

    def numbered(match):
        names.append(match[1])
        return f"${len(names)}"

    text = re.sub(r"%\((\w+)\)s", numbered, str(compiled)).replace("%%", "%")
    raw = connection.connection.driver_connection
    values = ", ".join(sql.Literal(compiled.params[name]).as_string(raw) for name in names)
    raw.execute(f"PREPARE explained AS {text}")  # the driver's own: no placeholders in the SQL now
    try:
        if generic:
            raw.execute("SET LOCAL plan_cache_mode = force_generic_plan")
        explained = (
            f"EXPLAIN ({options}) EXECUTE explained({values})"
            if names
            else f"EXPLAIN ({options}) EXECUTE explained"
        )
        rows = raw.execute(explained).fetchall()
    finally:
        raw.execute("DEALLOCATE explained")
    return rows[0][0] if "FORMAT JSON" in options else "\n".join(row[0] for row in rows)
