"""Bench data made in bulk with SQL (not through the API), and EXPLAIN ANALYZE of the queries the
services really send."""

import time

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.core.db import make_engine
from services.identity.principals import ANONYMOUS
from services.publishing import feed, notice_syndication, notices
from tests import sql_plans

# Vietnamese words and their normalize()d forms: titles read naturally, content_search is searchable.
WORDS = [
    ("học phí", "hoc phi"),
    ("giao thông", "giao thong"),
    ("y tế", "y te"),
    ("đất đai", "dat dai"),
    ("môi trường", "moi truong"),
    ("tuyển sinh", "tuyen sinh"),
    ("bảo hiểm", "bao hiem"),
    ("thuế", "thue"),
    ("nhà ở", "nha o"),
    ("điện nước", "dien nuoc"),
    ("du lịch", "du lich"),
    ("lao động", "lao dong"),
    ("an ninh", "an ninh"),
    ("phòng cháy", "phong chay"),
    ("xây dựng", "xay dung"),
]
SEARCH = "hoc phi"  # q= without diacritics; in 1 notice of 15
WARD, PROVINCE = 20242, 48


def add_notices(url: str, count: int, chunk: int = 100_000) -> float:
    """Add `count` published notices (seconds taken): half for Đà Nẵng, a fifth national, the rest for
    other provinces; one in 100 an open consultation. The trigram index is rebuilt once at the end."""
    vi = "ARRAY[" + ",".join(f"'{w}'" for w, _ in WORDS) + "]"
    plain = "ARRAY[" + ",".join(f"'{n}'" for _, n in WORDS) + "]"
    n = len(WORDS)
    started = time.monotonic()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP INDEX IF EXISTS ix_notices_content_search_trgm"))
        department = connection.scalar(text("SELECT id FROM departments ORDER BY code LIMIT 1"))
        category = connection.scalar(text("SELECT code FROM categories ORDER BY code LIMIT 1"))
        offset = connection.scalar(text("SELECT count(*) FROM notices"))
    for start in range(offset, offset + count, chunk):
        with engine.begin() as connection:
            connection.execute(
                text(f"""
                    INSERT INTO notices (id, kind, stage, category_code, department_id, title, summary, body,
                        translations, content_search, links, targets, listed_at, consultation_closes_at,
                        version, created_at, updated_at)
                    SELECT md5('notice' || i)::uuid, 'announcement',
                        CASE WHEN i % 100 = 0 THEN 'consultation' ELSE 'published' END,
                        :category, :department,
                        'Thông báo số ' || i || ' về ' || ({vi})[1 + i % {n}],
                        'Tóm tắt về ' || ({vi})[1 + (i / 7) % {n}], 'Nội dung chi tiết.', '{{}}'::jsonb,
                        'thong bao so ' || i || ' ve ' || ({plain})[1 + i % {n}] || ' tom tat ve '
                            || ({plain})[1 + (i / 7) % {n}] || ' noi dung chi tiet.',
                        '[]'::jsonb, '{{}}'::jsonb, now() - make_interval(secs => i * 30),
                        CASE WHEN i % 100 = 0 THEN now() + make_interval(days => 1 + i % 30) END,
                        1, now(), now()
                    FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS i
                """),
                {
                    "category": category,
                    "department": department,
                    "start": start,
                    "stop": min(start + chunk, offset + count) - 1,
                },
            )
            connection.execute(
                text("""
                    INSERT INTO notice_places (notice_id, scope, code)
                    SELECT md5('notice' || i)::uuid,
                        CASE WHEN i % 5 = 0 THEN 'national' WHEN i % 10 = 1 THEN 'ward' ELSE 'province' END,
                        CASE WHEN i % 5 = 0 THEN 0 WHEN i % 10 = 1 THEN :ward
                             WHEN i % 2 = 0 THEN :province ELSE 1 + i % 30 END
                    FROM generate_series(CAST(:start AS integer), CAST(:stop AS integer)) AS i
                """),
                {
                    "ward": WARD,
                    "province": PROVINCE,
                    "start": start,
                    "stop": min(start + chunk, offset + count) - 1,
                },
            )
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE INDEX ix_notices_content_search_trgm ON notices"
                " USING gin (content_search gin_trgm_ops)"
            )
        )
    vacuum(engine)
    engine.dispose()
    return time.monotonic() - started


def vacuum(engine) -> None:
    """VACUUM (ANALYZE) the database after a bulk load, as autovacuum would soon after: done here, its
    work does not land in a later section's measured run (the push worker's fan-out, which uses the
    database, against the plain loop, which does not)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM (ANALYZE)"))


def explain(url: str) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of each SELECT the feed, the search and the notices' Atom feed send, captured as the
    services run them."""
    return plans(
        url,
        {
            "feed (ward)": lambda db: feed.home(db, ANONYMOUS, ward_code=WARD),
            f"search q={SEARCH!r} (province)": lambda db: notices.list_notices(
                db, ANONYMOUS, province_code=PROVINCE, q=SEARCH
            ),
            "notices Atom feed (everywhere)": lambda db: notice_syndication.atom_feed(
                db, "https://citizen.example/feeds/notices.atom", lambda notice: f"urn:uuid:{notice.id}"
            ),
        },
    )


def plans(url: str, calls: dict) -> dict[str, list[str]]:
    """EXPLAIN ANALYZE of each SELECT that each call (name: function of a session) sends, captured as the
    services run them, each call in a session of its own."""
    engine = make_engine(url)
    found = {}
    for name, run in calls.items():
        with sql_plans.sent_statements(engine) as sent, Session(engine) as db:
            run(db)
        queries = [(sql, params) for sql, params in sent if sql.lstrip().upper().startswith("SELECT")]
        with engine.connect() as connection:
            found[name] = [
                sql_plans.explain(connection, sql, params, "ANALYZE", "COSTS OFF") for sql, params in queries
            ]
    engine.dispose()
    return found
