"""Growth to a million feedback rows (issue 20): the department inbox, the tracking lookup, the
feedback report and the public board at 10,000 rows and at BENCH_FEEDBACK_LARGE (default 1,000,000),
made in bulk with SQL.

The rows come in at a steady pace, one every (3 years / LARGE): the large set spans three years and the
small one is its newest part, as a province's history grows behind the weeks its staff work in. So the
same reads find the same rows at both sizes, and only what the table holds besides them grows. Old
feedback is closed or answered (a few stay open, forgotten past their deadline), the last days' is
still being worked on.
"""

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial

import httpx
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from bench import data, load
from services.core import areas
from services.core.db import make_engine
from services.directory import routing
from services.feedback import intake
from services.identity.principals import Caller, Principal
from services.models import Category, Device, Form, User
from services.reports import feedback as feedback_report
from services.reports import scope
from tests.reliability.harness import flask, gunicorn, register_device, scratch_database

SMALL = 10_000
LARGE = int(os.environ.get("BENCH_FEEDBACK_LARGE", "1000000"))
SPAN = timedelta(days=3 * 365)  # what the large set covers
REPORT_DAYS = 7  # the report's period: the last week, well inside the small set's days
PROVINCE = 48
OFFICER = ("growth-officer@example.org", "growth-password-1")
TARGETS = {"inbox": 1.3, "tracking": 1.3, "report": 2.0, "public board": 1.3}
GUNICORN_TIMEOUT = 30  # seconds, gunicorn.conf.py's default
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # intake's


def run(server_url: str, work, report, number: int, rounds: int) -> None:
    """Load, keep a copy at the small size, grow, measure both sizes side by side; writes section `number`
    of the report. In a database of its own, migrated and seeded: the bench's database holds what earlier
    sections wrote (the intake's submissions, some 25,000 in the department measured here), which the
    small size would count as its own."""
    with scratch_database(server_url, "bench_feedback") as url:
        flask(url, "seed-demo")
        _run(url, work, report, number, rounds)


def _run(url: str, work, report, number: int, rounds: int) -> None:
    seconds = add_feedback(url, 0, SMALL)
    loaded = f"Loaded {SMALL:,} feedback rows into a new database with the demo data in {seconds:.0f} s"
    with gunicorn(url, work) as api:
        reads = Reads.prepare(api.base, url)
    plans_small = reads.explain(url)
    # The small size kept as a copy, to be measured alternately with the large one: measured minutes
    # apart on this shared machine, the same read's p50 swung by half.
    with scratch_database(url, "bench_feedback_small", copy=True) as small_url:
        seconds = add_feedback(url, SMALL, LARGE - SMALL)
        with gunicorn(small_url, work) as small, gunicorn(url, work) as large:
            measured = reads.measure(small.base, large.base, rounds)
    plans_large = reads.explain(url)
    longest, seconds_longest = reads.longest_report(url)

    report.section(f"{number}. Growth of feedback ({SMALL:,} → {LARGE:,} rows, `bench/feedback_growth.py`)")
    report.line(
        f"{loaded}; grew to {LARGE:,} in {seconds:.0f} s (bulk SQL: each row with its `submitted` event, "
        "answers with their reply and event, some transfers and reopenings, then VACUUM ANALYZE; one row "
        f"every {SPAN.total_seconds() / LARGE:.0f} s over {SPAN.days // 365} years, the small set the "
        "newest). The small set is a copy of the database taken before the growth, served by an API of its "
        f"own: each read is measured at both sizes one right after the other (in turn first), {rounds} "
        "rounds, by one client (`wrk -c1`): the p50 is the read's own time, not a queue's. Reads, as "
        f"an officer of {reads.department_code} ({reads.department_share:.0%} of the rows) and "
        "as the citizen who sent the tracked feedback:"
    )
    report.line(
        f"- inbox: `GET /api/v1/departments/{{id}}/feedback?status=received` (new feedback, oldest due "
        "first, one page)\n"
        f"- tracking: `GET /api/v1/feedback/track?code={reads.code}`\n"
        f"- report: `GET /api/v1/reports/feedback?from={reads.first_day}&to={reads.last_day}` (the officer's "
        f"department, the last {REPORT_DAYS} days)\n"
        "- public board: `GET /api/v1/feedback/public` (anonymous: the answers departments made public, "
        "newest first, one page)\n"
    )
    report.compare_sizes("read", measured, TARGETS)
    report.line(
        f"\nThe longest report anyone may ask for, every department over the last {scope.MAX_DAYS} days "
        f"({longest:,} feedback at {LARGE:,} rows), took {seconds_longest:.1f} s in one process "
        f"({seconds_longest / longest * 1e6:.0f} µs a feedback, the faster of two runs): "
        f"{seconds_longest / GUNICORN_TIMEOUT:.2f} of the {GUNICORN_TIMEOUT} s after which gunicorn "
        "replaces a silent worker."
    )
    report.plans({SMALL: plans_small, LARGE: plans_large}, "feedback rows")


def _combinations(connection) -> list[dict]:
    """Each feedback form with its current version and the department routing sends it to."""
    with Session(bind=connection) as db:
        found = []
        for form in db.scalars(select(Form).where(Form.active).order_by(Form.slug)):
            category: Category = form.category
            place = routing.route(db, category, PROVINCE, None)
            found.append(
                {
                    "form": form.id,
                    "version": form.current_version.id,
                    "category": category.id,
                    "priority": category.priority,
                    "department": place.department.id,
                    # The deadline, roughly: urgent in a day, the others in their working days.
                    "days": 1 if category.priority == "urgent" else category.deadline_working_days * 7 // 5,
                    "fields": {spec["name"] for spec in form.current_version.fields},
                }
            )
        return found


def add_feedback(url: str, offset: int, count: int, chunk: int = 100_000) -> float:
    """Add feedback rows `offset` to `offset + count - 1` (seconds taken); the trigram index of the
    inbox's search is rebuilt once at the end."""
    started = time.monotonic()
    engine = make_engine(url)
    with engine.begin() as connection:
        combos = _combinations(connection)
        departments = list(connection.scalars(text("SELECT id FROM departments WHERE active ORDER BY code")))
        connection.execute(text("DROP INDEX IF EXISTS ix_feedback_search_trgm"))
    wards = [ward.code for ward in areas.wards(PROVINCE)]
    arrays = {
        "forms": [c["form"] for c in combos],
        "versions": [c["version"] for c in combos],
        "categories": [c["category"] for c in combos],
        "priorities": [c["priority"] for c in combos],
        "routed": [c["department"] for c in combos],
        "days": [c["days"] for c in combos],
        "with_kind": [int("kind" in c["fields"]) for c in combos],
        "departments": departments,
        "wards": wards,
        "step": SPAN.total_seconds() / LARGE,
    }
    for start in range(offset, offset + count, chunk):
        with engine.begin() as connection:
            connection.execute(
                _INSERT, {**arrays, "start": start, "stop": min(start + chunk, offset + count) - 1}
            )
    with engine.begin() as connection:
        connection.execute(
            text("CREATE INDEX ix_feedback_search_trgm ON feedback USING gin (search gin_trgm_ops)")
        )
    data.vacuum(engine)
    engine.dispose()
    return time.monotonic() - started


# One statement per chunk: the feedback, the replies of the answered ones and every row's timeline.
# Row i came in i steps ago; h spreads the statuses independently of the form (i % forms) and of the
# transfers (i % 10 = 3: to another department an hour after it came in).
_CODE = " || ".join(f"substr('{_CODE_ALPHABET}', 1 + ((g.n >> {5 * k}) & 31)::int, 1)" for k in range(6))
_INSERT = text(f"""
WITH new AS (
    INSERT INTO feedback (id, tracking_code, form_id, form_version_id, category_id, citizen_id, department_id,
        needs_triage, status, priority, answers, search, province_code, ward_code, anonymous, received_at,
        due_at, answered_at, closed_at, resolution, public, rating_score, rated_at, created_at, updated_at)
    SELECT md5('feedback' || g.i)::uuid,
        'PA-' || to_char(g.r AT TIME ZONE 'UTC', 'YYMM') || '-' || {_CODE},
        (CAST(:forms AS uuid[]))[g.c], (CAST(:versions AS uuid[]))[g.c], (CAST(:categories AS uuid[]))[g.c],
        md5('citizen' || g.i % 200000)::uuid,
        CASE WHEN g.i % 10 = 3
             THEN (CAST(:departments AS uuid[]))[1 + (g.i / 10) % cardinality(CAST(:departments AS uuid[]))]
             ELSE (CAST(:routed AS uuid[]))[g.c] END,
        false, s.status, (CAST(:priorities AS text[]))[g.c],
        jsonb_build_object('where', 'Tổ ' || g.i % 40 || ', đường số ' || g.i % 300,
                           'details', 'Phản ánh số ' || g.i || ': cần xử lý sớm')
            || CASE WHEN (CAST(:with_kind AS int[]))[g.c] = 1 THEN
                    jsonb_build_object('kind', (ARRAY['pothole', 'flooding', 'streetlight'])[1 + g.i % 3])
                ELSE '{{}}'::jsonb END,
        'to ' || g.i % 40 || ', duong so ' || g.i % 300 || ' phan anh so ' || g.i || ': can xu ly som',
        {PROVINCE}, (CAST(:wards AS int[]))[1 + (g.i / 3) % cardinality(CAST(:wards AS int[]))], false, g.r,
        g.r + make_interval(days => (CAST(:days AS int[]))[g.c]),
        CASE WHEN s.status IN ('answered', 'closed', 'reopened') THEN a.at END,
        CASE WHEN s.status = 'closed' THEN a.at + interval '7 days' END,
        CASE WHEN s.status = 'closed' THEN 'resolved' END,
        s.status IN ('answered', 'closed') AND g.i % 20 = 0,
        CASE WHEN s.status = 'closed' AND g.i % 3 = 0 THEN 1 + g.i % 5 END,
        CASE WHEN s.status = 'closed' AND g.i % 3 = 0 THEN a.at + interval '1 day' END,
        g.r, g.r
    FROM (
        SELECT i, 1 + i % cardinality(CAST(:forms AS uuid[])) AS c, (i * 37) % 100 AS h,
            now() - make_interval(secs => i * CAST(:step AS float8)) AS r,
            (i::bigint * 747796405) % 1073741824 AS n  -- odd multiplier mod 2^30: 30 bits, no repeats
        FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS i
    ) AS g
    CROSS JOIN LATERAL (SELECT CASE
        WHEN now() - g.r < interval '2 days' THEN CASE
            WHEN g.h < 40 THEN 'received' WHEN g.h < 60 THEN 'assigned' WHEN g.h < 80 THEN 'in_progress'
            ELSE 'answered' END
        WHEN now() - g.r < interval '30 days' THEN CASE
            WHEN g.h < 5 THEN 'received' WHEN g.h < 15 THEN 'in_progress' WHEN g.h < 50 THEN 'answered'
            WHEN g.h < 95 THEN 'closed' ELSE 'rejected' END
        ELSE CASE
            WHEN g.h < 1 THEN 'in_progress' WHEN g.h < 2 THEN 'reopened' WHEN g.h < 17 THEN 'answered'
            WHEN g.h < 96 THEN 'closed' ELSE 'rejected' END
        END AS status) AS s
    CROSS JOIN LATERAL (SELECT LEAST(g.r + make_interval(hours => 2 + g.i % 150), now()) AS at) AS a
    RETURNING id, form_id, department_id, status, received_at, answered_at, closed_at, public
),
replies AS (
    INSERT INTO feedback_replies (id, feedback_id, department_id, body, public, created_at)
    SELECT md5('reply' || id::text)::uuid, id, department_id, 'Đơn vị đã tiếp nhận và xử lý.', public,
        answered_at
    FROM new WHERE answered_at IS NOT NULL
)
INSERT INTO feedback_events (feedback_id, at, kind, actor_type, actor_label, from_status, to_status,
    department_id, data)
SELECT new.id, e.at, e.kind, e.actor_type, '', e.from_status, e.to_status, e.department_id, '{{}}'::jsonb
FROM new
CROSS JOIN LATERAL (VALUES
    (new.received_at, 'submitted', 'device', NULL, 'received',
     (CAST(:routed AS uuid[]))[array_position(CAST(:forms AS uuid[]), new.form_id)]),
    (new.received_at + interval '1 hour', 'transferred', 'user', 'received', 'received', new.department_id),
    (new.answered_at, 'answered', 'user', 'received', 'answered', new.department_id),
    (new.closed_at, 'closed', 'user', 'answered', 'closed', new.department_id),
    (new.answered_at + interval '1 day', 'reopened', 'device', 'answered', 'reopened', new.department_id)
) AS e(at, kind, actor_type, from_status, to_status, department_id)
WHERE CASE e.kind
    WHEN 'submitted' THEN true
    WHEN 'transferred' THEN new.department_id
        <> (CAST(:routed AS uuid[]))[array_position(CAST(:forms AS uuid[]), new.form_id)]
    WHEN 'answered' THEN new.answered_at IS NOT NULL
    WHEN 'closed' THEN new.closed_at IS NOT NULL
    ELSE new.status = 'reopened' END
""")


@dataclass
class Reads:
    """The three reads and who makes them: an officer of the biggest department, and the citizen who
    sent one feedback of the small set (so it exists at both sizes)."""

    officer_id: uuid.UUID
    device_id: uuid.UUID
    device_token: str
    department_id: uuid.UUID
    department_code: str
    department_share: float
    code: str
    last_day: date = field(default_factory=scope.today)

    @property
    def first_day(self) -> date:
        return self.last_day - timedelta(days=REPORT_DAYS - 1)

    @classmethod
    def prepare(cls, base: str, url: str) -> "Reads":
        engine = make_engine(url)
        with engine.begin() as connection:
            department_id, department_code, share = connection.execute(
                text("""
                    SELECT d.id, d.code, count(*)::float / sum(count(*)) OVER ()
                    FROM feedback f JOIN departments d ON d.id = f.department_id
                    GROUP BY d.id, d.code ORDER BY count(*) DESC LIMIT 1
                """)
            ).one()
        flask(url, "create-user", "--email", OFFICER[0], "--password", OFFICER[1], "--role", "officer",
              "--department", department_code)  # fmt: skip
        token = register_device(base)
        device_id = uuid.UUID(httpx.get(f"{base}/api/v1/devices/me", headers=_bearer(token)).json()["id"])
        officer_id = None
        with engine.begin() as connection:
            officer_id = connection.scalar(text("SELECT id FROM users WHERE email = :e"), {"e": OFFICER[0]})
            # A feedback of the small set's middle, now the citizen's: sent from this device.
            code = connection.scalar(
                text("""
                    UPDATE feedback SET citizen_id = d.citizen_id, device_id = d.id FROM devices d
                    WHERE d.id = :device AND feedback.id = md5('feedback' || :i)::uuid
                    RETURNING feedback.tracking_code
                """),
                {"device": device_id, "i": SMALL // 2},
            )
        engine.dispose()
        return cls(officer_id, device_id, token, department_id, department_code, share, code)

    def urls(self, base: str) -> dict[str, tuple[str, dict]]:
        officer = _bearer(_officer_token(base))
        return {
            "inbox": (f"{base}/api/v1/departments/{self.department_id}/feedback?status=received", officer),
            "tracking": (f"{base}/api/v1/feedback/track?code={self.code}", _bearer(self.device_token)),
            "report": (
                f"{base}/api/v1/reports/feedback?from={self.first_day}&to={self.last_day}",
                officer,
            ),
            "public board": (f"{base}/api/v1/feedback/public", {}),
        }

    def measure(
        self, small: str, large: str, rounds: int
    ) -> dict[str, list[tuple[load.Result, load.Result]]]:
        """Each read from the API at the small size and the one at the large size, alternated."""
        at_small, at_large = self.urls(small), self.urls(large)
        pairs = {}
        for name in at_small:
            for address, headers in (at_small[name], at_large[name]):
                response = httpx.get(address, headers=headers, timeout=120)
                assert response.status_code == 200, response.text
            pairs[name] = tuple(
                partial(load.one_client, address, headers=[f"{k}: {v}" for k, v in headers.items()])
                for address, headers in (at_small[name], at_large[name])
            )
        return load.alternated(pairs, rounds)

    def explain(self, url: str) -> dict[str, list[str]]:
        """EXPLAIN ANALYZE of what the four endpoints ask the services, in the database at `url`."""
        period = scope.Scope(self.first_day, self.last_day, None, (self.department_id,))
        return data.plans(
            url,
            {
                "inbox (status=received)": lambda db: intake.inbox(
                    db, self._officer(db), self.department_id, status="received"
                ),
                "tracking lookup": lambda db: intake.track(
                    db, Principal(Caller.DEVICE, device=db.get(Device, self.device_id)), self.code
                ),
                f"feedback report ({REPORT_DAYS} days, one department)": lambda db: feedback_report.report(
                    db, period
                ),
                "public board (first page)": lambda db: intake.public_board(db),
            },
        )

    @staticmethod
    def longest_report(url: str) -> tuple[int, float]:
        """The feedback report over the longest period, every department: (feedback, seconds)."""
        engine = make_engine(url)
        period = scope.Scope(scope.today() - timedelta(days=scope.MAX_DAYS - 1), scope.today())
        times = []
        with Session(engine) as db:
            for _ in range(2):
                started = time.perf_counter()
                rows = sum(row["received"] for row in feedback_report.report(db, period)["departments"])
                times.append(time.perf_counter() - started)
        engine.dispose()
        return rows, min(times)

    def _officer(self, db: Session) -> Principal:
        return Principal(Caller.STAFF, user=db.get(User, self.officer_id))


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _officer_token(base: str) -> str:
    answer = httpx.post(f"{base}/api/v1/auth/token", json={"email": OFFICER[0], "password": OFFICER[1]})
    return answer.json()["access_token"]


if __name__ == "__main__":  # this section alone, on a server of its own: python -m bench.feedback_growth
    import tempfile
    from pathlib import Path

    from bench.run import Report
    from tests.postgres import Server
    from tests.reliability.harness import migrate

    server = Server({"shared_buffers": "512MB"}).start()
    migrate(server.url)
    flask(server.url, "seed-demo")
    section = Report()
    run(server.url, Path(tempfile.mkdtemp(prefix="citizen-bench-")), section, 3, rounds=5)
    server.remove()
