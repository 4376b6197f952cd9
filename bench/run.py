"""`make bench`: every benchmark of issue 7 and of the channels and voices since (SMS, text to speech,
bulletins) in one run, as ratios measured in that run, written to bench/RESULTS.md. Sizes:
BENCH_NOTICES_LARGE (default 1,000,000), BENCH_FEEDBACK_LARGE (default 1,000,000), BENCH_DEVICES (default
100,000), BENCH_DELIVERED (default 10,000,000 delivered outbox rows). BENCH_SECTIONS (e.g. `1,12`): only
those sections (the numbers of the headings in bench/RESULTS.md), for rerunning some, written to RESULTS.md
in the run's temporary folder; every section by default. The capacity section (14) runs those it takes its
figures from."""

import datetime
import json
import os
import pickle
import platform
import statistics
import tempfile
import time
from collections import defaultdict
from functools import partial
from pathlib import Path

import httpx
from sqlalchemy import text

from bench import bulletins as bulletin_bench
from bench import (
    capacity,
    captured,
    data,
    feed_database,
    feedback_growth,
    load,
    outbox_growth,
    profile,
    proxy_cache,
    tts,
)
from bench import push as push_bench
from bench import sms as sms_bench
from bench import webhooks as webhook_bench
from services.core.db import make_engine
from tests.fake_fcm import FakeFcm
from tests.postgres import Server
from tests.reliability.harness import (
    FEEDBACK,
    ROOT,
    flask,
    gunicorn,
    migrate,
    register_device,
    scratch_database,
)

SMALL = 10_000
LARGE = int(os.environ.get("BENCH_NOTICES_LARGE", "1000000"))
DEVICES = int(os.environ.get("BENCH_DEVICES", "100000"))
ROUNDS = 3  # of each feed measurement against its ceiling
GROWTH_ROUNDS = 5  # of each read at the two sizes, one client: short runs, so a round that swings is outvoted
INTAKE_TARGET = 0.5  # of the one-INSERT ceiling's rate
EVERY_ROUND = True  # in a table row: the verdict on the lowest per-round ratio, not on the median runs'
FEED = f"/api/v1/feed?ward_code={data.WARD}"
SEARCH = f"/api/v1/notices?province_code={data.PROVINCE}&q={data.SEARCH.replace(' ', '+')}"
ATOM = "/feeds/notices.atom"  # integrators poll it; its last change once read every notice
SECTIONS = {int(n) for n in os.environ.get("BENCH_SECTIONS", "").split(",") if n.strip()}


def wanted(*sections: int) -> bool:
    return not SECTIONS or bool(SECTIONS.intersection(sections))


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="citizen-bench-"))
    os.chmod(work, 0o755)  # nginx's workers read the static copy
    server = Server({"shared_buffers": "512MB"}).start()
    migrate(server.url)
    flask(server.url, "seed-demo")
    report = Report()
    report.line(
        f"Started {datetime.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}; PostgreSQL: {server.version}."
    )

    seconds = data.add_notices(server.url, SMALL)
    report.line(f"Loaded {SMALL:,} notices in {seconds:.0f} s.")
    profiles = {}
    with gunicorn(server.url, work) as api:
        add_alerts(api.base, server.url)
        save_feed(api, work)
        # What the database-path ceilings replay (bench/sql_ceiling.py), the alerts in place.
        statements = captured.run(server.url, work, FEED) if wanted(4, 11, 13, 14) else None
        if wanted(1, 14):
            feed_ceilings(api, server.url, work, report)
        if wanted(4, 11, 14):
            profiles["Feedback intake"] = feedback_intake(api, server, work, report, statements)
        report.rss("API worker after the feed and feedback runs", api)
    if wanted(12, 14):
        proxy_cache.report(report, proxy_cache.run(server.url, work, FEED, ROUNDS), FEED)
    if wanted(13, 14):
        feed_database.report(report, feed_database.run(server, work, FEED, ROUNDS, statements), FEED)
    # Growth is about the database, so these runs answer every feed request from it (cache off).
    if wanted(11):
        with gunicorn(server.url, work, FEED_CACHE_SECONDS="0") as api:
            profiles[f"Feed from the database ({SMALL:,} notices, cache off)"] = profile.record(
                api, work / "feed.raw", lambda: load.wrk(api.base + FEED)
            )
    if wanted(2):
        plans_small = data.explain(server.url)
        # The small size kept as a copy, measured alternately with the large one (feedback_growth.run).
        with scratch_database(server.url, "bench_notices_small", copy=True) as small_url:
            seconds = data.add_notices(server.url, LARGE - SMALL)
            report.line(
                f"Grew to {LARGE:,} notices in {seconds:.0f} s (bulk SQL, trigram index rebuilt, "
                "VACUUM ANALYZE)."
            )
            with (
                gunicorn(small_url, work, FEED_CACHE_SECONDS="0") as small,
                gunicorn(server.url, work, FEED_CACHE_SECONDS="0") as large,
            ):
                rounds = load.alternated(
                    {
                        name: (
                            partial(load.one_client, small.base + path),
                            partial(load.one_client, large.base + path),
                        )
                        for name, path in (("feed", FEED), ("search", SEARCH), ("notices Atom", ATOM))
                    },
                    GROWTH_ROUNDS,
                )
                report.rss("API worker after the growth runs", large)
        report.growth(rounds, plans_small, data.explain(server.url))

    if wanted(3):
        feedback_growth.run(server.url, work, report, 3, GROWTH_ROUNDS)
    if wanted(5, 14):
        push_run(server.url, work, report)
    if wanted(6, 14):
        webhook_run(server.url, work, report)
    if wanted(7, 14):
        sms_run(report)
    if wanted(8):
        report.section("8. Text to speech (a 2-minute loudspeaker bulletin, `bench/tts.py`)")
        for line in tts.lines(tts.run()):
            report.line(line)
    if wanted(9):
        report.section("9. Morning bulletins of a province's communes, with audio (`bench/bulletins.py`)")
        for line in bulletin_bench.lines(bulletin_bench.run(server.url)):
            report.line(line)
    if wanted(10):
        report.section(f"10. Outbox growth: the worker's claim at {outbox_growth.LARGE:,} delivered rows")
        for line in outbox_growth.lines(outbox_growth.run()):
            report.line(line)
    if wanted(11):
        report.profiles(profiles)
    if wanted(14):
        capacity.report(report)
    server.remove()
    # A partial run leaves the full run's RESULTS.md alone.
    report.write(work / "RESULTS.md" if SECTIONS else ROOT / "bench" / "RESULTS.md")


def add_alerts(base: str, url: str, count: int = 50) -> None:
    """50 active alerts for the ward, published through the API as an admin."""
    flask(
        url,
        "create-user",
        "--email",
        "bench@example.org",
        "--password",
        "bench-password-1",
        "--role",
        "admin",
    )
    token = httpx.post(
        f"{base}/api/v1/auth/token", json={"email": "bench@example.org", "password": "bench-password-1"}
    ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    expires = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)).isoformat()
    for i in range(count):
        alert = httpx.post(
            f"{base}/api/v1/alerts",
            headers=headers,
            json={
                "category": "scam",
                "headline": f"Cảnh báo lừa đảo số {i}",
                "description": "Giả danh công an gọi điện.",
                "severity": "severe",
                "urgency": "immediate",
                "certainty": "observed",
                "targets": {"ward_codes": [data.WARD]},
                "expires_at": expires,
            },
        )
        assert alert.status_code == 201, alert.text
        published = httpx.post(f"{base}/api/v1/alerts/{alert.json()['id']}/publish", headers=headers)
        assert published.status_code == 200, published.text


def save_feed(api, work: Path) -> None:
    """The ward's feed as the API answers it, for the ceiling app and nginx to answer."""
    response = httpx.get(api.base + FEED)
    body_file = work / "static" / "feed.json"
    body_file.parent.mkdir()
    body_file.write_bytes(response.content)
    os.chmod(body_file.parent, 0o755)


def feed_ceilings(api, url: str, work: Path, report: "Report") -> None:
    response = httpx.get(api.base + FEED)
    body_file = work / "static" / "feed.json"
    revalidate = [f"If-None-Match: {response.headers['ETag']}"]
    runs = {"ours": [], "ours 304": [], "flask": [], "flask 304": []}
    with gunicorn(url, work, app="bench.ceiling:app", BENCH_FEED_BODY=body_file) as ceiling:
        assert httpx.get(ceiling.base + FEED).content == response.content
        # Alternated, so whatever else the shared machine is doing weighs on both sides alike.
        for _ in range(ROUNDS):
            runs["ours"].append(load.wrk(api.base + FEED))
            runs["flask"].append(load.wrk(ceiling.base + FEED))
            runs["ours 304"].append(load.wrk(api.base + FEED, headers=revalidate))
            runs["flask 304"].append(load.wrk(ceiling.base + FEED, headers=revalidate))
    nginx, static = load.nginx(body_file.parent, work)
    try:
        nginx_full = [load.wrk(static + "/feed.json")]
    finally:
        nginx.stop()
    report.section(
        f"1. Home feed (`GET {FEED}`, {len(response.content):,} bytes, {SMALL:,} notices, 50 active alerts)"
    )
    report.line(
        f"API and ceiling measured alternately, {ROUNDS} rounds each; the median run is shown, and the "
        "range of the per-round ratios.\n"
    )
    report.table(
        [
            ("API, full response", runs["ours"], runs["flask"], 0.6),
            ("API, If-None-Match → 304", runs["ours 304"], runs["flask 304"], 0.85, EVERY_ROUND),
            ("API vs nginx static file (hardware limit)", runs["ours"], nginx_full, None),
            ("Flask ceiling vs nginx", runs["flask"], nginx_full, None),
        ]
    )
    report.figures["feed_app"] = load.median(runs["ours"]).rps
    report.figures["feed_304"] = load.median(runs["ours 304"]).rps


def feedback_intake(api, server, work: Path, report: "Report", statements: Path) -> Path | str:
    """Measured against two ceilings with the CPU it took, counted, then profiled; returns the profile."""
    url, postgres = server.url, load.postgres_pid(server)
    token = register_device(api.base)
    headers = [f"Authorization: Bearer {token}"]
    body = json.dumps(FEEDBACK, ensure_ascii=False).encode()
    cpu = defaultdict(lambda: [0.0, 0.0])  # each side's: its process's CPU, PostgreSQL's
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, body jsonb)"))

    def submissions(name: str, process, auth=(), path="/api/v1/feedback"):
        measured = partial(load.cpu_spent, cpu[name], process.popen.pid, postgres)
        # A fresh cpu_spent() each run: a context manager serves once.
        return lambda: load.wrk(process.base + path, headers=auth, post_body=body, measured=measured())

    with (
        gunicorn(url, work, app="bench.ceiling:app", BENCH_FEED_BODY=work / "static" / "feed.json") as one,
        gunicorn(url, work, app="bench.sql_ceiling:app", BENCH_CAPTURED_SQL=statements) as same,
    ):
        # Alternated: measured once each, minutes apart, the one-INSERT ceiling's rate alone swung from
        # 1,458 to 2,863 submissions a second.
        pairs = load.alternated(
            {
                "one INSERT": (submissions("ours", api, headers), submissions("one INSERT", one)),
                "same SQL": (submissions("ours", api, headers), submissions("same SQL", same)),
                "one round trip": (
                    submissions("one round trip", same, path=captured.PIPELINED),
                    submissions("one INSERT beside one round trip", one),
                ),
            },
            ROUNDS,
        )
    runs = {name: [run for _, run in pairs[name]] for name in ("one INSERT", "same SQL")}
    runs["ours"] = [run for name in ("one INSERT", "same SQL") for run, _ in pairs[name]]
    runs["one round trip"] = [run for run, _ in pairs["one round trip"]]
    runs["one INSERT beside one round trip"] = [run for _, run in pairs["one round trip"]]
    with engine.begin() as connection:
        counts = connection.execute(
            text("""
                SELECT (SELECT count(*) FROM feedback WHERE tracking_code NOT LIKE :ceiling),
                       (SELECT count(*) FROM feedback_events e JOIN feedback f ON f.id = e.feedback_id
                         WHERE e.kind = 'submitted' AND f.tracking_code NOT LIKE :ceiling),
                       (SELECT count(*) FROM notifications n JOIN feedback f ON n.source_id = f.id::text
                         WHERE n.source_type = 'feedback' AND f.tracking_code NOT LIKE :ceiling)
            """),
            {"ceiling": captured.CEILING_CODE + "%"},
        ).one()
    engine.dispose()
    created = sum(run.requests - run.errors for run in runs["ours"])
    report.figures["intake"] = load.median(runs["ours"]).rps
    report.section("4. Feedback intake (`POST /api/v1/feedback`: validation, routing, deadline, timeline)")
    report.line(
        "Against two ceilings, each measured alternately with the API, "
        f"{ROUNDS} rounds each: a bare Flask app that does one INSERT (`bench/ceiling.py`), and one that "
        f"runs the {len(pickle.loads(statements.read_bytes())['intake']['statements'])} statements the API "
        "sent for a submission, with their parameters (new ids and tracking code each time), in one "
        "transaction with psycopg and answers the API's bytes (`bench/sql_ceiling.py`): what any code "
        "that reads and writes what a submission must would cost. The last row sends those statements "
        "in one round trip (psycopg's pipeline mode), measured alternately with one INSERT: the most that "
        "fewer, bigger statements (a database function) could save of the round trips.\n"
    )
    report.table(
        [
            (
                "API vs one INSERT per request",
                [run for run, _ in pairs["one INSERT"]],
                runs["one INSERT"],
                INTAKE_TARGET,
            ),
            (
                "API vs the same SQL with psycopg",
                [run for run, _ in pairs["same SQL"]],
                runs["same SQL"],
                None,
            ),
            ("the same SQL vs one INSERT", runs["same SQL"], runs["one INSERT"], None),
            (
                "the same SQL in one round trip vs one INSERT",
                runs["one round trip"],
                runs["one INSERT beside one round trip"],
                None,
            ),
        ]
    )
    # wrk counts the answers it read; requests still in flight when it stopped may have committed too.
    complete = counts[0] == counts[1] == counts[2] >= created
    report.line(
        f"\n201s counted by wrk: {created:,}; the API's rows: feedback {counts[0]:,}, `submitted` timeline "
        f"events {counts[1]:,}, receipts in the push outbox {counts[2]:,} "
        f"({'every 201 has its row, its event and its outbox row' if complete else 'MISMATCH'})."
    )
    report.line(_intake_cpu(runs, cpu))
    return profile.record(
        api,
        work / "intake.raw",
        lambda: load.wrk(api.base + "/api/v1/feedback", headers=headers, post_body=body),
    )


def _intake_cpu(runs: dict, cpu: dict) -> str:
    """Where the CPU per submission goes, and whether the target is within reach of any code that reads
    and writes what a submission must."""
    spent = {name: load.ms_per_request(cpu[name], runs[name]) for name in runs}
    (app, db), (one_app, one_db), (same_app, same_db) = spent["ours"], spent["one INSERT"], spent["same SQL"]
    trip_app, trip_db = spent["one round trip"]
    same, trip = (
        load.median(runs[name]).rps / load.median(runs[reference]).rps
        for name, reference in (
            ("same SQL", "one INSERT"),
            ("one round trip", "one INSERT beside one round trip"),
        )
    )
    reached = f"the same SQL alone reaches {same:.2f}, sent in one round trip {trip:.2f}"
    reach = (
        f"out of reach of any code that keeps every 201's rows: {reached}"
        if max(same, trip) < INTAKE_TARGET
        else f"within reach: {reached}"
    )
    return (
        f"\nCPU per submission in the measured runs (the app's processes, PostgreSQL): the API {app:.1f} ms "
        f"and {db:.1f} ms; the same SQL {same_app:.1f} ms and {same_db:.1f} ms, in one round trip "
        f"{trip_app:.1f} ms and {trip_db:.1f} ms; one INSERT {one_app:.1f} ms and {one_db:.1f} ms. A "
        "submission reads the form, consent, routing rules, the department's mail recipients, webhooks "
        "and the citizen's devices, and writes its row, timeline event, audit entry, event and the "
        f"citizen's receipt. The target ({INTAKE_TARGET} of one INSERT) is {reach}. What the "
        "API spends beyond the same SQL is ours: SQLAlchemy's unit of work and execution of the "
        "statements, Flask and the schemas (section 11 has the profile)."
    )


def push_run(url: str, work: Path, report: "Report") -> None:
    fake = FakeFcm().start()
    credentials = fake.service_account(work / "service-account.json", push_bench.PROJECT)
    try:
        result = push_bench.fan_out(url, fake, credentials, work, DEVICES)
    finally:
        fake.stop()
    ratio = result["dispatcher_mps"] / result["plain_mps"]
    report.figures["push"] = result["dispatcher_mps"]
    latency = statistics.median(result["latencies"])
    report.section(f"5. Push dispatch ({DEVICES:,}-device personal fan-out to the fake FCM server)")
    report.line(
        "| | messages/s | peak RSS |\n|---|---|---|\n"
        f"| outbox worker (FCM channel, claims of {push_bench.CLAIM}) | {result['dispatcher_mps']:,.0f} "
        f"| {result['dispatcher_peak_rss_mib']:.0f} MiB |\n"
        f"| plain `send_each_for_multicast` loop, mean of a run before and one after the worker's "
        f"({' and '.join(f'{rate:,.0f}' for rate in result['plain_runs_mps'])}) | {result['plain_mps']:,.0f} "
        f"| {result['plain_peak_rss_mib']:.0f} MiB |\n\n"
        f"Ratio {ratio:.2f} — target ≥ 0.9: **{'met' if ratio >= 0.9 else 'MISSED'}** (the loop sends the "
        "message the FCM channel builds for the same payload, checked equal). Topic alert, commit to FCM "
        f"request with the worker "
        f"idle-polling: {push_bench.summary(result['latencies'])} over {len(result['latencies'])} alerts "
        f"— target < 1 s: **{'met' if latency < 1 else 'MISSED'}**. The fan-out's {DEVICES:,} deliveries "
        f"were written in {result['enqueue_seconds']:.2f} s, in the transaction that made them "
        "(`push.enqueue`: the database writes them in one INSERT … SELECT)."
    )
    if "batch_cycle_ms" in result:
        own = result["batch_cycle_ms"] - result["batch_send_ms"]
        report.line(
            f"\nPer claim of {push_bench.CLAIM} (means, from the worker's log): sending took "
            f"{result['batch_send_ms']:,.0f} ms (the loop's pace: "
            f"{push_bench.CLAIM / result['plain_mps'] * 1000:,.0f} ms), one batch to the next "
            f"{result['batch_cycle_ms']:,.0f} ms. The {own:,.0f} ms between are the worker's own, which the "
            "loop does not do: the claim, the devices' tokens, recording the outcomes, the commits and the "
            "chores' look for work."
        )


def webhook_run(url: str, work: Path, report: "Report") -> None:
    result = webhook_bench.run(url, work)
    ratio = result["worker_dps"] / result["plain_dps"]
    low, high = result["ratio_range"]
    report.figures["webhook"] = result["worker_dps"]
    report.section(f"6. Webhook deliveries ({result['deliveries']:,} to a receiver on 127.0.0.1)")
    report.line(
        "| | deliveries/s |\n|---|---|\n"
        f"| outbox worker (webhook channel: address check, signature, outcome recorded) "
        f"| {result['worker_dps']:,.0f} |\n"
        f"| plain `requests.post` loop, same bodies | {result['plain_dps']:,.0f} |\n\n"
        f"Medians of {result['rounds']} alternated rounds of {result['deliveries']:,} deliveries each. "
        f"Ratio {ratio:.2f} (rounds {low:.2f}–{high:.2f}) — target ≥ 0.8: "
        f"**{'met' if ratio >= 0.8 else 'MISSED'}**."
    )


def sms_run(report: "Report") -> None:
    result = sms_bench.run()
    report.figures["sms"] = result["channel"]
    report.section(f"7. SMS submissions ({result['messages']:,} SMS over SMPP to the fake SMSC on 127.0.0.1)")
    report.line(sms_bench.summary(result))


class Report:
    def __init__(self):
        self.parts: list[str] = []
        self.figures: dict[str, float] = {}  # this run's per-instance rates, for the capacity section
        self.started = time.monotonic()

    def line(self, text: str) -> None:
        print(text, flush=True)
        self.parts.append(text + "\n")

    def section(self, title: str) -> None:
        self.line(f"\n## {title}\n")

    def table(self, rows) -> None:
        """Rows of (name, our runs, reference runs, target[, EVERY_ROUND]): the median runs, their ratio,
        and the range of the ratios of runs made side by side; the verdict on the median runs' ratio, or
        with EVERY_ROUND on the lowest ratio of a round."""
        self.line(
            "| comparison | ours | reference | rps ratio | range | p50 ratio (ours/ref) | target | verdict |"
        )
        self.line("|---|---|---|---|---|---|---|---|")
        for name, ours, ref, target, *every_round in rows:
            mine, theirs = load.median(ours), load.median(ref)
            ratio = mine.rps / theirs.rps
            side_by_side = len(ours) == len(ref)
            paired = [a.rps / b.rps for a, b in zip(ours, ref, strict=True)] if side_by_side else [ratio]
            spread = f"{min(paired):.2f}–{max(paired):.2f}"
            judged = min(paired) if every_round else ratio
            verdict = "—" if target is None else ("met" if judged >= target else "MISSED")
            goal = "—" if target is None else f"≥ {target}" + (" in every round" if every_round else "")
            self.line(
                f"| {name} | {mine.row()} | {theirs.row()} | {ratio:.2f} | {spread} "
                f"| {mine.p50_ms / theirs.p50_ms:.2f} | {goal} | {verdict} |"
            )

    def growth(self, rounds, plans_small, plans_large) -> None:
        self.section(f"2. Growth ({SMALL:,} → {LARGE:,} notices)")
        self.line(
            "With the feed cache off (`FEED_CACHE_SECONDS=0`): every request reads the database. The "
            "small size is a copy of the database taken before the growth, served by an API of its own: "
            "each read is measured at both sizes one right after the other (in turn first), "
            f"{GROWTH_ROUNDS} rounds, by one client (`wrk -c1`): the p50 is the read's own time, not a "
            "queue's."
        )
        self.compare_sizes("query", rounds, {"feed": 1.3, "search": 2.0, "notices Atom": 1.3})
        self.plans({SMALL: plans_small, LARGE: plans_large}, "notices")

    def compare_sizes(self, what: str, rounds: dict, targets: dict[str, float]) -> None:
        """Each read's p50 at the small and the large size, measured side by side in rounds
        ({name: [(small, large) of each round]}): the median of the rounds' ratios against its target."""
        self.line(f"| {what} | p50 at small | p50 at large | ratio | range | target | verdict |")
        self.line("|---|---|---|---|---|---|---|")
        for name, target in targets.items():
            pairs = sorted(rounds[name], key=lambda pair: pair[1].p50_ms / pair[0].p50_ms)
            small, large = pairs[len(pairs) // 2]  # the round with the median ratio
            ratio = large.p50_ms / small.p50_ms
            low, high = (pair[1].p50_ms / pair[0].p50_ms for pair in (pairs[0], pairs[-1]))
            self.line(
                f"| {name} | {small.p50_ms:.2f} ms | {large.p50_ms:.2f} ms | {ratio:.2f} "
                f"| {low:.2f}–{high:.2f} | ≤ {target} | {'met' if ratio <= target else 'MISSED'} |"
            )

    def plans(self, by_size: dict[int, dict], rows: str) -> None:
        """EXPLAIN ANALYZE of each read at each size, folded."""
        for size, plans in by_size.items():
            for name, queries in plans.items():
                self.line(f"\n<details><summary>EXPLAIN ANALYZE, {name}, {size:,} {rows}</summary>\n")
                for plan in queries:
                    self.line(f"```\n{plan}\n```")
                self.line("</details>")

    def profiles(self, profiles: dict) -> None:
        self.section("11. Where the time goes (py-spy over the API workers, in load runs of their own)")
        for title, raw in profiles.items():
            self.line(f"\n### {title}\n")
            self.line(profile.summary(raw) if isinstance(raw, Path) else raw)

    def rss(self, what: str, api) -> None:
        peaks = api.peak_rss_kib()
        workers = [kib for pid, kib in peaks.items() if pid != api.popen.pid]
        self.line(f"\nPeak RSS, {what}: {max(workers) / 1024:.0f} MiB (largest of {len(workers)} workers).")

    def write(self, path: Path) -> None:
        cpu = next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor(),
        )
        memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
        header = (
            "# Benchmark results\n\n"
            f"Written by `make bench` (`python -m bench.run`) on {datetime.date.today()}, taking "
            f"{(time.monotonic() - self.started) / 60:.0f} min. Machine: {os.cpu_count()} cores ({cpu}), "
            f"{memory} GiB, {platform.platform()}, Python {platform.python_version()}. Load from wrk "
            f"(`wrk -t2 -c{load.CONNECTIONS} -d{load.DURATION}s --latency`, after a 2 s warm-up) on "
            "127.0.0.1; the API and the ceiling app under the same `gunicorn.conf.py` defaults; PostgreSQL a "
            "throwaway server on the same machine. Ratios are measured in the same run: absolute figures "
            "drift on a shared machine, ratios much less.\n"
        )
        path.write_text(header + "".join(self.parts))
        print(f"Written to {path}.")


if __name__ == "__main__":
    main()
