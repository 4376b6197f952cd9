"""A throwaway PostgreSQL server for the test suite, started from Debian's server binaries.

initdb and pg_ctl refuse to run as root, so as root the server runs as the `postgres` user (or
`nobody`). The data directory lives in a temp dir and is removed when the run ends.
"""

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile


def _bindir() -> str:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]))
    found = [d for d in candidates if os.path.exists(os.path.join(d, "initdb"))]
    if not found:
        raise RuntimeError(
            "No PostgreSQL server in /usr/lib/postgresql/*/bin: run `make test` or apt-get install postgresql"
        )
    return found[-1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_as(user: str | None, args: list[str]) -> None:
    command = ["runuser", "-u", user, "--", *args] if user else args
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def start() -> tuple[str, str]:
    """Start a server; returns (SQLAlchemy URL, server version)."""
    bindir = _bindir()
    user = None
    if os.geteuid() == 0:
        user = next(u for u in ("postgres", "nobody") if _user_exists(u))
    base = tempfile.mkdtemp(prefix="citizen-pg-")
    datadir = os.path.join(base, "data")
    if user:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    port = _free_port()
    _run_as(
        user,
        [f"{bindir}/initdb", "-D", datadir, "-U", "citizen", "--auth=trust", "-E", "UTF8", "--no-locale"],
    )
    options = (
        f"-p {port} -k {base} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    _run_as(
        user,
        [f"{bindir}/pg_ctl", "-D", datadir, "-o", options, "-l", os.path.join(base, "log"), "-w", "start"],
    )

    def stop():
        subprocess.run(
            (["runuser", "-u", user, "--"] if user else [])
            + [f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(base, ignore_errors=True)

    atexit.register(stop)
    version = subprocess.run(
        [f"{bindir}/postgres", "--version"], capture_output=True, text=True
    ).stdout.strip()
    return f"postgresql+psycopg://citizen@127.0.0.1:{port}/postgres", version


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False
