"""The documentation says what the code does, and its examples run as written.

- Every `sh` block of docs/ runs, in order, one bash session per page (`set -euo pipefail`), against the
  app started as `make run` starts it: a fresh SQLite database in instance/ migrated with `flask db
  upgrade`, `flask seed-demo`, the API on 127.0.0.1 (here under gunicorn on a free port, which replaces
  the 8000 of the examples) and the push worker with the log backend. Like a newcomer, the session sits in
  a project folder: instance/ (where the demo passwords are), docs/ and .venv. curl fails on any HTTP
  error (a .curlrc with fail-with-body), so an example that gets a 4xx or 5xx fails, naming its block.
- The pushes a page causes appear in the push worker's console output, one line each.
- Every other fence is marked as not run (docs/development.md, "Examples in docs").
- The README's configuration table names every setting the code reads, docs/deploy.md's every gunicorn
  setting, and docs/api.md's error table every problem code the API can answer, with its status.
"""

import ast
import importlib
import os
import pkgutil
import re
import subprocess
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

import api
import services
from services.core.errors import DomainError
from tests.reliability.harness import BIN, ROOT, flask, gunicorn, push_worker, wait_until

DOCS = ROOT / "docs"
RUN = "sh"  # the fence of walk-through steps; the others are shown, never run
NOT_RUN = {"shell", "text", "json", "js", "python", "xml", "nginx", "mermaid"}
EXAMPLE_ORIGIN = re.compile(r"\b(?:127\.0\.0\.1|localhost):8000\b")

# What each page's walk-through makes the push worker print (the log backend: one line per push).
PUSHES = {
    "outbox.md": ["to topic p-48: Cắt điện khu vực Hải Châu — "],
    "notices.md": [
        "to condition 'w-20242' in topics && !('lang-en' in topics): Lấy ý kiến dự thảo: Dự thảo quy định "
        "hỗ trợ tái định cư",
        "to 1 device(s): Cơ quan soạn thảo đã trả lời góp ý của bạn",
    ],
    "alerts.md": [
        "to condition 'w-20242' in topics && !('lang-en' in topics): Giả danh công an gọi điện yêu cầu "
        "chuyển tiền — Đối tượng gọi từ số 0912 345 678",
        "to condition 'w-20242' in topics && 'lang-en' in topics: Fake police calls asking for money [alert ",
    ],
    "feedback.md": [
        "to 1 device(s): Đã nhận phản ánh PA-",
        "đã có trả lời — Đã vá ổ gà. [feedback ",
        # Staff e-mail without SMTP_URL: the focal point of the department the report was routed to.
        "mail (log backend) to xaydung@example.org: [PA-",
    ],
    "claims.md": ["to 2 device(s): Kết quả kiểm chứng: Sai sự thật"],
    # The request filed through Open311 is mailed to the focal point like any other feedback.
    "integrators.md": ["mail (log backend) to xaydung@example.org: [PA-"],
}


def fences(path: Path) -> list:
    return [t for t in MarkdownIt("commonmark").parse(path.read_text()) if t.type == "fence"]


def walkthroughs() -> list[str]:
    return sorted(p.name for p in DOCS.glob("*.md") if any(f.info == RUN for f in fences(p)))


# ---------------------------------------------------------------- the walk-throughs, live


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """`make run` in a project folder of its own; yields (folder, base URL, push worker's log)."""
    folder = tmp_path_factory.mktemp("newcomer")
    instance = folder / "instance"
    settings = {  # development, as `make run` (harness.environment is production for the others)
        "APP_ENV": "development",
        "INSTANCE_PATH": instance,
        "SECRET_KEY": "",  # made in instance/secret_key
        "PUBLIC_BASE_URL": "",  # http://127.0.0.1:$PORT
        "RATELIMIT_ENABLED": "true",
        "PUSH_POLL_INTERVAL": "0.05",
        "GUNICORN_WORKERS": "1",  # one process, like `flask run`: one set of rate-limit counters
        # Every page signs in afresh: a newcomer reads them over minutes, this test runs them in seconds.
        "RATE_LIMIT_SIGN_IN": "100 per minute",
    }
    database = f"sqlite:///{instance / 'citizen.db'}"
    flask(database, "db", "upgrade", **settings)
    flask(database, "seed-demo", **settings)
    (folder / "docs").symlink_to(DOCS)
    (folder / ".venv").symlink_to(BIN.parent)
    (folder / ".curlrc").write_text("fail-with-body\nshow-error\nsilent\n")
    worker = push_worker(database, folder / "push-worker.log", **settings)
    try:
        with gunicorn(database, folder, **settings) as api:
            yield folder, api.base, worker.log
    finally:
        worker.stop()


@pytest.mark.parametrize("page", walkthroughs())
def test_the_walkthrough_runs_as_written(project, page):
    folder, base, console = project
    blocks = [f for f in fences(DOCS / page) if f.info == RUN]
    script = ["set -euo pipefail"]
    for number, block in enumerate(blocks):
        script += [
            f"echo '@@block {number}'",
            EXAMPLE_ORIGIN.sub(base.removeprefix("http://"), block.content),
        ]
    result = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        cwd=folder,
        env={**os.environ, "CURL_HOME": str(folder)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        failed, _, output = result.stdout.rpartition("@@block ")[2].partition("\n")
        block = blocks[int(failed)]
        pytest.fail(
            f"docs/{page}, the block at line {block.map[0] + 1} failed (exit {result.returncode}):\n"
            f"{block.content}\n---- its output:\n{output}"
        )

    for line in PUSHES.get(page, []):
        wait_until(lambda line=line: line in console.read_text(), timeout=30, what=f"the push line {line!r}")


# ---------------------------------------------------------------- fences, settings, error codes


def test_every_example_says_whether_it_runs():
    unmarked = [
        f"{path.name}:{fence.map[0] + 1} ```{fence.info}"
        for path in sorted(DOCS.glob("*.md"))
        for fence in fences(path)
        if fence.info != RUN and fence.info not in NOT_RUN
    ]
    assert unmarked == []


def table_names(path: Path) -> set[str]:
    """The `NAMES` in the first column of a page's tables."""
    rows = (line.split("|")[1] for line in path.read_text().splitlines() if line.startswith("| `"))
    return {name for cell in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", cell)}


def environment_reads(path: Path) -> set[str]:
    """Names read with env("NAME", ...) or os.environ.get("NAME", ...)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            function = ast.unparse(node.func)
            if function in ("env", "os.environ.get", "os.getenv"):
                names.add(node.args[0].value)
    return names


def test_the_readme_names_every_setting():
    settings = environment_reads(ROOT / "api" / "config.py")
    server = environment_reads(ROOT / "gunicorn.conf.py")
    readme = table_names(ROOT / "README.md")
    deploy = table_names(DOCS / "deploy.md")

    assert {"SECRET_KEY", "CAP_SENDER", "ATTACHMENTS_DIR", "PUBLIC_BASE_URL", "INSTANCE_PATH"} <= settings
    assert sorted(settings - readme) == [], "read by api/config.py, missing in README.md's table"
    assert sorted(server - readme - deploy) == [], (
        "read by gunicorn.conf.py, missing in docs/deploy.md's table"
    )
    assert sorted(readme - settings - server) == [], "in README.md's table, read by nothing"


def test_the_limits_table_names_every_rate_limit():
    from api.limits import RATE_LIMITS

    limits = {f"RATE_LIMIT_{name}" for name in RATE_LIMITS}
    rows = [line for line in (DOCS / "api.md").read_text().splitlines() if line.startswith("| ")]
    documented = {name for row in rows for name in re.findall(r"`(RATE_LIMIT_[A-Z_]+)` \|$", row)}
    assert sorted(limits - documented) == [], "in api/limits.py, missing in docs/api.md's table"
    assert sorted(documented - limits) == [], "in docs/api.md's table, in api/limits.py no more"


def codes_in_source() -> dict[str, set[int | None]]:
    """Every problem `code` the API can answer, with its statuses (None: any other HTTP error): class
    attributes of DomainError subclasses, `code=` given to them, `problem(status, "code", …)` and the
    table of Werkzeug's errors in api/errors.py with its default."""
    for package in (api, services):  # every DomainError subclass, wherever it is defined
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            importlib.import_module(module.name)
    statuses, pending = {}, [DomainError]
    while pending:
        cls = pending.pop()
        statuses[cls.__name__] = cls.status
        pending += cls.__subclasses__()

    codes = {}
    for path in sorted([*ROOT.glob("api/**/*.py"), *ROOT.glob("services/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text())):
            found = []  # (the code's node, its status)
            if isinstance(node, ast.ClassDef) and node.name in statuses:
                found += [
                    (item.value, statuses[node.name])
                    for item in node.body
                    if isinstance(item, ast.Assign) and ast.unparse(item.targets[0]) == "code"
                ]
            elif isinstance(node, ast.Call):
                function = ast.unparse(node.func)
                name = function.split(".")[-1]
                if name in statuses:
                    found += [(k.value, statuses[name]) for k in node.keywords if k.arg == "code"]
                elif name == "problem" and isinstance(node.args[0], ast.Constant):  # not problem_for's
                    found.append((node.args[1], node.args[0].value))
                elif function == "_HTTP_CODES.get":
                    found.append((node.args[1], None))
            elif isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "_HTTP_CODES":
                found += [
                    (code, key.value) for key, code in zip(node.value.keys, node.value.values, strict=True)
                ]
            for code, status in found:
                assert isinstance(code, ast.Constant), f"{path}:{node.lineno}: write the code as a literal"
                codes.setdefault(code.value, set()).add(status)
    return codes


def test_the_error_table_lists_every_code_the_api_answers():
    documented = set()
    for line in (DOCS / "api.md").read_text().splitlines():
        if row := re.match(r"\| (\d{3}|other) \| `([a-z_]+)` \|", line):
            documented.add(f"{row[1]} {row[2]}")
    source = {
        f"{status or 'other'} {code}" for code, statuses in codes_in_source().items() for status in statuses
    }

    assert {"401 invalid_token", "403 target_out_of_reach", "507 storage_full", "other http_error"} <= source
    assert sorted(source - documented) == [], "answered by the API, missing in docs/api.md's error table"
    assert sorted(documented - source) == [], "in docs/api.md's error table, answered by nothing"
