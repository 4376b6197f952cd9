"""wrk against 127.0.0.1, and nginx as the hardware ceiling for static bytes."""

import contextlib
import os
import re
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests import nginx_proxy
from tests.postgres import free_port
from tests.reliability.harness import Process, wait_until

DURATION = 10  # seconds per measurement, after a 2 s warm-up
CONNECTIONS = 16
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers and socket errors

    def row(self) -> str:
        return f"{self.rps:,.0f} req/s, p50 {self.p50_ms:.2f} ms, p99 {self.p99_ms:.2f} ms"


def wrk(
    url: str,
    *,
    headers=(),
    post_body: bytes | None = None,
    duration=DURATION,
    measured=None,
    connections=CONNECTIONS,
) -> Result:
    """wrk's figures for `url`; `measured`, a context manager, wraps the measured run (not the warm-up)."""
    # A slow request is measured, not dropped: wrk's default 2 s timeout would count it as a socket error.
    args = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", "--latency", "--timeout", "30s"]
    for header in headers:
        args += ["-H", header]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        if post_body is not None:
            script.write(f'wrk.method = "POST"\nwrk.body = [==[{post_body.decode()}]==]\n')
            script.write('wrk.headers["Content-Type"] = "application/json"\n')
            script.flush()
            args += ["-s", script.name]
        if post_body is None:  # a warm-up (writes would only add rows)
            subprocess.run([*args, "-d2s", url], capture_output=True, check=True)
        with measured or contextlib.nullcontext():
            out = subprocess.run(
                [*args, f"-d{duration}s", url], capture_output=True, text=True, check=True
            ).stdout
    return _parse(out)


def one_client(url: str, *, headers=()) -> Result:
    """wrk with one connection, asking again as soon as answered: the p50 is the request's own time.
    Under CONNECTIONS it is mostly the wait for one of gunicorn's processes, and the way wrk's keep-alive
    connections happened to fall on them swung it by half from one run to the next."""
    return wrk(url, headers=headers, connections=1, duration=5)  # a thousand answers or more


def cpu_seconds(pid: int) -> float:
    """CPU time of a process, its children (gunicorn's workers, PostgreSQL's backends) and the children
    it has reaped."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children")
    total = 0
    for child in [pid, *map(int, children.read_text().split())]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rpartition(")")[2].split()
        except FileNotFoundError:  # exited meanwhile
            continue
        # utime, stime; then cutime, cstime: the reaped children's
        total += sum(int(n) for n in fields[11 : 15 if child == pid else 13])
    return total / ticks


def postgres_pid(server) -> int:
    """The postmaster of a tests.postgres.Server: its children are the backends."""
    return int(Path(server.datadir, "postmaster.pid").read_text().split()[0])


@contextlib.contextmanager
def cpu_spent(into: list[float], *pids: int):
    """Add the CPU seconds each of `pids` (and its children) spends meanwhile into `into`."""
    before = [cpu_seconds(pid) for pid in pids]
    yield
    for i, (pid, start) in enumerate(zip(pids, before, strict=True)):
        into[i] += cpu_seconds(pid) - start


def ms_per_request(seconds: list[float], runs: list[Result]) -> list[float]:
    """CPU seconds that cpu_spent() added up over `runs`, as milliseconds per request they answered."""
    answered = sum(run.requests for run in runs)
    return [spent / answered * 1000 for spent in seconds]


def alternated(pairs: dict[str, tuple[Callable[[], Result], Callable[[], Result]]], rounds: int):
    """Each pair's two measurements one right after the other, `rounds` times over and first one then the
    other first, so whatever else the shared machine is doing weighs on both alike;
    {name: [(first, second) of each round]}."""
    found = {name: [] for name in pairs}
    for round_ in range(rounds):
        for name, measures in pairs.items():
            results = {i: measures[i]() for i in ((0, 1) if round_ % 2 == 0 else (1, 0))}
            found[name].append((results[0], results[1]))
    return found


def median(runs: list[Result]) -> Result:
    """The run with the median throughput (the upper middle of an even number)."""
    return sorted(runs, key=lambda run: run.rps)[len(runs) // 2]


def _parse(out: str) -> Result:
    def latency(percent: str) -> float:
        found = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        if found is None:  # nothing completed (wrk pads a figure in seconds with a space)
            return float("nan")
        value, unit = found.groups()
        return float(value) * _UNITS[unit]

    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Result(
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(re.search(r"(\d+) requests in", out).group(1)),
        errors=errors,
    )


def _listening(base: str) -> bool:
    try:
        return httpx.get(base).status_code > 0
    except httpx.TransportError:
        return False


def nginx(root: Path, log_dir: Path, directives: str = "access_log off;") -> tuple[Process, str]:
    """nginx serving `root` (2 workers, like the cores) on a free port, with `directives` in its `http`
    context; returns (process, base URL)."""
    port = free_port()
    conf = log_dir / "nginx.conf"
    site = f"""
        {directives}
        server {{
            listen 127.0.0.1:{port};
            root {root};
            default_type application/json;
        }}
    """
    nginx_proxy.write_conf(conf, site, error_log=log_dir / "nginx-error.log", connections=1024)
    process = Process([nginx_proxy.BINARY, "-c", str(conf)], dict(os.environ), log_dir / "nginx.log")
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _listening(base), timeout=10, what="nginx")
    return process, base
