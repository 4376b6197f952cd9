"""A throwaway Redis for the tests (shared rate limits), from Debian's redis-server (`make redis-binaries`):
on 127.0.0.1, a free port, nothing written to disk. `stop()` and `start()` again on the same port, as an
outage and its end."""

import shutil
import subprocess
import tempfile

import pytest
import redis

from tests.postgres import free_port
from tests.reliability.harness import wait_until


class RedisServer:
    def __init__(self):
        self.binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="citizen-redis-")
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            # Persistence off: counts of a minute's windows are worth nothing after a restart.
            [
                self.binary,
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.dir,
            stdout=subprocess.DEVNULL,
        )
        wait_until(self.answers, timeout=10, what="redis-server")
        return self

    def answers(self) -> bool:
        try:
            return redis.Redis.from_url(self.url, socket_timeout=1).ping()
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server():
    """One Redis for the session (import the fixture into the test module); tests stop and restart it."""
    server = RedisServer().start()
    yield server
    server.remove()
