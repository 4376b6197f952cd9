"""py-spy over a gunicorn under load: where the workers' time goes, by layer and by our own functions.

Profiled in a load run of its own, since sampling takes CPU from the measured one.
"""

import re
import subprocess
import threading
from collections import Counter
from pathlib import Path

from tests.reliability.harness import BIN, ROOT

OURS = ("api", "services", "schemas")
# Which layer a sampled leaf frame belongs to, by the first match in its file path.
LAYERS = (
    ("PostgreSQL driver (psycopg, waiting included)", ("/psycopg/", "/psycopg_pool/")),
    ("SQLAlchemy", ("/sqlalchemy/",)),
    ("marshmallow", ("/marshmallow/",)),
    (
        "Flask, flask-restx, Werkzeug",
        ("/flask/", "/flask_restx/", "/werkzeug/", "/flask_limiter/", "/limits/"),
    ),
    ("gunicorn", ("/gunicorn/",)),
    ("JSON", ("/json/",)),
    ("our code", tuple(f"{ROOT}/{package}/" for package in OURS)),
)
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*):\d+\)$")


def record(process, output: Path, load, seconds: int = 10) -> Path | str:
    """Sample `process` and its workers while `load()` runs; the raw stacks file, or why there is none."""
    args = [
        BIN / "py-spy", "record", "--pid", str(process.popen.pid), "--subprocesses", "--nonblocking",
        "--full-filenames", "--rate", "200", "--duration", str(seconds), "--format", "raw",
        "--output", str(output),
    ]  # fmt: skip
    outcome = {}
    sampler = threading.Thread(
        target=lambda: outcome.update(run=subprocess.run(args, capture_output=True, text=True))
    )
    sampler.start()
    load()
    sampler.join()
    if outcome["run"].returncode != 0:
        # Attaching needs ptrace: root, or kernel.yama.ptrace_scope = 0.
        return f"py-spy could not sample: {outcome['run'].stderr.strip().splitlines()[-1:]}"
    return output


def summary(raw: Path, top: int = 10) -> str:
    """Markdown: the share of samples per layer (by leaf frame) and our functions by inclusive share."""
    stacks = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        stacks[stack] += int(count)
    total = sum(stacks.values())
    layers, ours = Counter(), Counter()
    for stack, count in stacks.items():
        frames = [_FRAME.match(frame) for frame in stack.split(";")]
        frames = [frame for frame in frames if frame]
        layers[_layer(frames[-1]["file"]) if frames else "other"] += count
        for name in {_ours(frame) for frame in frames} - {None}:
            ours[name] += count
    lines = [
        f"{total:,} samples of busy worker threads.\n",
        "| layer (where the sample was) | share |",
        "|---|---|",
    ]
    lines += [f"| {layer} | {count / total:.0%} |" for layer, count in layers.most_common()]
    lines += ["", "| our function (time inside it, callees included) | share |", "|---|---|"]
    lines += [f"| `{name}` | {count / total:.0%} |" for name, count in ours.most_common(top)]
    return "\n".join(lines)


def _layer(file: str) -> str:
    return next((name for name, marks in LAYERS if any(mark in file for mark in marks)), "other")


def _ours(frame) -> str | None:
    file = frame["file"]
    for package in OURS:
        prefix = f"{ROOT}/{package}/"
        if file.startswith(prefix):
            return f"{package}/{file[len(prefix) :]}:{frame['function']}"
    return None
