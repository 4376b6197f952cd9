"""The home feed from the database (FEED_CACHE_SECONDS=0) against bench/sql_ceiling.py: the same SQL
statements (captured by bench/captured.py) run with psycopg directly, the same bytes answered.
"""

import pickle
from pathlib import Path

import httpx

from bench import load
from tests.reliability.harness import gunicorn


def run(server, work: Path, path: str, rounds: int, captured: Path) -> dict:
    """Rounds of (API, ceiling), alternated, like the other feed measurements, with the CPU seconds the
    measured process and PostgreSQL spent in them."""
    url = server.url
    postgres = load.postgres_pid(server)
    statements = pickle.loads(captured.read_bytes())["feed"]["statements"]
    runs = {"ours": [], "ceiling": []}
    cpu = {name: [0.0, 0.0] for name in runs}  # the process's, PostgreSQL's
    with (
        gunicorn(url, work, FEED_CACHE_SECONDS="0") as api,
        gunicorn(url, work, app="bench.sql_ceiling:app", BENCH_CAPTURED_SQL=captured) as ceiling,
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
        "cores the rate follows the CPU: the API sends the statements as the ceiling does (compiled once, "
        "on psycopg's cursor: `services.core.db.Prepared`); what it spends beyond the ceiling in its own "
        "processes goes to Flask's handling of the request (its hooks, the request's line in the log), "
        "the session handing out the connection, building the entries and writing the JSON (section 11 "
        "has the profile)."
    )
    report.line("\n<details><summary>The statements</summary>\n")
    for sql, _params in result["statements"]:
        report.line(f"```sql\n{sql.strip()}\n```")
    report.line("</details>")
    report.figures["feed_db"] = load.median(runs["ours"]).rps
    report.figures["feed_db_cpu_ms"], report.figures["feed_db_postgres_ms"] = ours, ours_db
