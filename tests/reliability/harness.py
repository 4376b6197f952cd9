"""Real processes for the reliability tests and the benchmarks: a migrated database, the API under
gunicorn with the production configuration (gunicorn.conf.py), push workers, and a citizen's device.

Everything listens on 127.0.0.1; every wait is a bounded poll.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from functools import partial
from pathlib import Path

import httpx
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from api.cli import alembic_config
from services.core.db import make_engine
from tests.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SECRET = "reliability-secret-key-of-at-least-32-chars"
FEEDBACK = {
    "form": "road-damage",
    "answers": {"where": "Đường Bạch Đằng", "kind": "pothole", "details": "Ổ gà sâu trước số 12"},
    "province_code": 48,
    "ward_code": 20242,
    "contact": {"name": "Nguyễn Văn A", "phone": "0912 345 678"},
}


def wait_until(predicate, *, timeout: float, what: str, every: float = 0.1):
    """Poll `predicate` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout} s")
        time.sleep(every)


def migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(url, connection), "head")
    finally:
        engine.dispose()


@contextmanager
def scratch_database(server_url: str, prefix: str, *, copy: bool = False):
    """A database of its own on a server, dropped afterwards: built by the migrations, or with `copy` a copy
    of the database at `server_url` as it is now (nobody may be connected to it)."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    source = make_url(server_url)
    # CREATE DATABASE copies a template nobody is connected to: for a copy, ask from another database.
    server = create_engine(source.set(database="template1") if copy else source, isolation_level="AUTOCOMMIT")
    template = f' TEMPLATE "{source.database}" STRATEGY FILE_COPY' if copy else ""
    with server.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{template}'))
    url = source.set(database=name).render_as_string(hide_password=False)
    try:
        if not copy:
            migrate(url)
        yield url
    finally:
        with server.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


def environment(database_url: str, **extra) -> dict:
    """The production configuration against `database_url`, rate limits off (load comes from one IP)."""
    return {
        **os.environ,
        "APP_ENV": "production",
        "SECRET_KEY": SECRET,
        "PUBLIC_BASE_URL": "https://citizen.danang.example",
        "DATABASE_URL": database_url,
        "RATELIMIT_ENABLED": "false",
        "PUSH_BACKEND": "log",
        "GUNICORN_ACCESS_LOG": "",
        **{k: str(v) for k, v in extra.items()},
    }


def flask(database_url: str, *args: str, **extra) -> str:
    result = subprocess.run(
        [BIN / "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=environment(database_url, **extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


class Process:
    """A child process in its own process group, stopped (or killed) with everything it started."""

    def __init__(self, args: list, env: dict, log: Path):
        self.log = log
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(
                args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def signal(self, sig: int) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)

    def stop(self) -> None:
        self.signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.signal(signal.SIGKILL)
            self.popen.wait(timeout=10)

    def peak_rss_kib(self) -> dict[int, int]:
        """Peak resident memory (VmHWM) of the process and its children (gunicorn's workers), by pid."""
        pids = [self.popen.pid]
        children = Path(f"/proc/{self.popen.pid}/task/{self.popen.pid}/children")
        if children.exists():
            pids += [int(p) for p in children.read_text().split()]
        peaks = {}
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks[pid] = int(line.split()[1])
        return peaks

    def kill(self) -> None:
        """SIGKILL: the process dies at once, mid-whatever it was doing."""
        self.signal(signal.SIGKILL)
        self.popen.wait(timeout=10)


@contextmanager
def gunicorn(database_url: str, log_dir: Path, app: str = "wsgi:app", **extra):
    """The API (or another WSGI app) under gunicorn.conf.py; yields the Process, with `base` (its URL),
    once /healthz answers."""
    with gunicorns(1, database_url, log_dir, app, **extra) as (process,):
        yield process


@contextmanager
def gunicorns(count: int, database_url: str, log_dir: Path, app: str = "wsgi:app", **extra):
    """`count` instances of `gunicorn()`, each on its own port, started together; yields their Processes."""
    processes = []
    try:
        for _ in range(count):
            port = free_port()
            env = environment(database_url, GUNICORN_BIND=f"127.0.0.1:{port}", PORT=port, **extra)
            process = Process(
                [BIN / "gunicorn", "-c", ROOT / "gunicorn.conf.py", app],
                env,
                log_dir / f"gunicorn-{port}.log",
            )
            process.base = f"http://127.0.0.1:{port}"
            processes.append(process)
        for process in processes:
            wait_until(partial(_answers, f"{process.base}/healthz", process), timeout=60, what="gunicorn")
        yield processes
    finally:
        for process in processes:
            process.stop()


def _answers(url: str, process: Process) -> bool:
    if process.popen.poll() is not None:
        raise AssertionError(f"gunicorn exited; see {process.log}")
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def push_worker(database_url: str, log: Path, **extra) -> Process:
    """`flask --app wsgi worker`. No voice unless asked: the morning bulletins' speech synthesis, which the
    worker starts by the clock (from 5:00 Việt Nam time), is no delivery test's or benchmark's, and would
    load the machine at some hours of the day only."""
    settings = {"TTS_COMMAND": "false", **extra}
    return Process([BIN / "flask", "--app", "wsgi", "worker"], environment(database_url, **settings), log)


def register_device(base: str, http=httpx) -> str:
    """A citizen's device in Hải Châu, Đà Nẵng, that consented to be contacted; returns its bearer token.
    `http` may be an httpx.Client (on a WSGITransport it reaches an app in this process)."""
    response = http.post(
        f"{base}/api/v1/devices", json={"platform": "android", "province_code": 48, "ward_code": 20242}
    )
    assert response.status_code == 201, response.text
    token = response.json()["device_token"]
    # The citizen agrees that the department may contact them (FEEDBACK names their phone).
    notices = http.get(f"{base}/api/v1/privacy/notices").json()["items"]
    version = next(n["version"] for n in notices if n["purpose"] == "feedback_contact")
    consent = http.post(
        f"{base}/api/v1/privacy/consents",
        json={"purpose": "feedback_contact", "notice_version": version},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert consent.status_code in (200, 201), consent.text
    return token
