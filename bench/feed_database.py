"""The home feed from the database (FEED_CACHE_SECONDS=0) against bench/sql_ceiling.py: the same SQL
statements run with psycopg directly, the same bytes answered.

`python -m bench.feed_database CAPTURE_FILE URL_PATH` (with the API's environment) records the statements
one anonymous request sends, as bench/data.py's `explain` does, and the answer's bytes and headers.
"""

import pickle
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy import event

from bench import load
from tests.reliability.harness import BIN, ROOT, environment, gunicorn


def run(server, work: Path, path: str, rounds: int) -> dict:
    """Rounds of (API, ceiling), alternated, like the other feed measurements, with the CPU seconds the
    measured process and PostgreSQL spent in them."""
    url = server.url
    postgres = load.postgres_pid(server)
    captured = work / "feed-sql.pickle"
    subprocess.run(
        [BIN / "python", "-m", "bench.feed_database", captured, path],
        cwd=ROOT,
        env=environment(url, FEED_CACHE_SECONDS="0"),
        stdout=subprocess.DEVNULL,  # the app's request log
        check=True,
        timeout=120,
    )
    statements = pickle.loads(captured.read_bytes())["statements"]
    runs = {"ours": [], "ceiling": []}
    cpu = {name: [0.0, 0.0] for name in runs}  # the process's, PostgreSQL's
    with (
        gunicorn(url, work, FEED_CACHE_SECONDS="0") as api,
        gunicorn(url, work, app="bench.sql_ceiling:app", BENCH_FEED_SQL=captured) as ceiling,
    ):
        ours = httpx.get(api.base + path)
        assert httpx.get(ceiling.base + path).content == ours.content
        for _ in range(rounds):
            for name, process in (("ours", api), ("ceiling", ceiling)):
                spent = load.cpu_spent(cpu[name], process.popen.pid, postgres)
                runs[name].append(load.wrk(process.base + path, measured=spent))
    per_request = {name: load.ms_per_request(cpu[name], runs[name]) for name in runs}
    return {"runs": runs, "statements": statements, "bytes": len(ours.content), "cpu_ms": per_request}


def report(report, result: dict, path: str) -> None:
    runs = result["runs"]
    report.section(f"13. Home feed from the database (`GET {path}`, `FEED_CACHE_SECONDS=0`)")
    report.line(
        f"The ceiling (`bench/sql_ceiling.py`) runs the {len(result['statements'])} statements the API sent "
        "for this feed, with their parameters, on a psycopg connection per thread, fetches every row and "
        "answers "
        f"the API's {result['bytes']:,} bytes (it builds no JSON: a ceiling). Alternated, "
        f"{len(runs['ours'])} rounds; the verdict on the median run."
    )
    report.table([("API vs the same SQL with psycopg", runs["ours"], runs["ceiling"], 0.6)])
    (ours, ours_db), (ceiling, ceiling_db) = result["cpu_ms"]["ours"], result["cpu_ms"]["ceiling"]
    report.line(
        f"\nCPU per request in the measured runs: the API's processes {ours:.1f} ms and PostgreSQL "
        f"{ours_db:.1f} ms; the ceiling's {ceiling:.1f} ms and PostgreSQL {ceiling_db:.1f} ms. On 2 shared "
        "cores the rate follows the CPU: what the API spends beyond the ceiling in its own processes goes "
        "to SQLAlchemy's execution of the statements (built once, their rows read through its Core), "
        "Flask's handling of the request and writing the JSON (section 11 has the profile)."
    )
    report.line("\n<details><summary>The statements</summary>\n")
    for sql, _params in result["statements"]:
        report.line(f"```sql\n{sql.strip()}\n```")
    report.line("</details>")
    report.figures["feed_db"] = load.median(runs["ours"]).rps
    report.figures["feed_db_cpu_ms"], report.figures["feed_db_postgres_ms"] = ours, ours_db


def capture(path: str) -> dict:
    """The statements one anonymous request for `path` sends (after a first request has connected), and
    the answer's bytes and headers."""
    from api import create_app  # the API in this process, with the environment it was run with

    app = create_app()
    sent = []
    event.listen(
        app.extensions["database"].engine,
        "before_cursor_execute",
        lambda _c, _cur, sql, params, _ctx, _many: sent.append((sql, params)),
    )
    client = app.test_client()
    client.get(path)
    sent.clear()
    answer = client.get(path)
    assert answer.status_code == 200, answer.text
    kept = ("Content-Type", "ETag", "Cache-Control", "Vary")
    headers = [(name, value) for name, value in answer.headers.items() if name in kept]
    return {"statements": list(sent), "body": answer.get_data(), "headers": headers}


if __name__ == "__main__":
    Path(sys.argv[1]).write_bytes(pickle.dumps(capture(sys.argv[2])))
