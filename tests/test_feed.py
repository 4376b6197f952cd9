"""The home feed: what it holds for a place, HTTP caching (ETag/304, Cache-Control, Vary), and a
fixed number of SQL queries whatever the number of notices."""

import json
import uuid

import pytest

from schemas.claims import FactCheckSchema
from schemas.feed import FeedAlertSchema
from schemas.notices import NoticeSummarySchema
from services.models import Alert, FactCheck, Notice
from services.publishing.alerts import feed_card
from services.publishing.notices import localize
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import make_category  # noqa: F401 (a fixture of misinformation_to_b)
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import DA_NANG, HA_NOI, HAI_CHAU, THANH_KHE, later
from tests.test_claims import FACT_CHECK, GROUPS, POST, claim, misinformation_to_b  # noqa: F401

FEED = "/api/v1/feed"


def announce(write, move, title, caller=None, **fields):
    notice = write(caller, kind="announcement", consultation_closes_at=None, title=title, **fields)
    return move(notice, "published", caller=caller)


def test_the_feed_has_alerts_latest_notices_and_consultations_closing_soonest(
    admin, client, write, move, sql
):
    announce(write, move, "Cũ")
    announce(write, move, "Mới", targets={"province_codes": [DA_NANG]})
    announce(write, move, "Hà Nội", admin, targets={"province_codes": [HA_NOI]})  # beyond an editor's reach
    announce(write, move, "Thanh Khê", targets={"ward_codes": [THANH_KHE]})
    move(write(title="Đóng sau", consultation_closes_at=later(days=20)), "consultation")
    move(write(title="Đóng trước", consultation_closes_at=later(days=3)), "consultation")
    closed = move(write(title="Đã đóng"), "consultation")
    sql(
        "UPDATE notices SET consultation_closes_at = now() - interval '1 hour' WHERE id = :id",
        id=closed["id"],
    )
    move(write(kind="announcement", consultation_closes_at=None, title="Lưu trữ"), "published", "archived")

    response = client.get(f"{FEED}?ward_code={HAI_CHAU}")

    assert response.status_code == 200
    home = response.get_json()
    assert (home["province_code"], home["ward_code"], home["alerts"]) == (DA_NANG, HAI_CHAU, [])
    assert [n["title"] for n in home["latest_notices"]] == ["Đã đóng", "Đóng trước", "Đóng sau", "Mới", "Cũ"]
    assert [n["title"] for n in home["open_consultations"]] == ["Đóng trước", "Đóng sau"]
    assert all(n["consultation_open"] for n in home["open_consultations"])
    assert "body" not in home["latest_notices"][0]  # summaries only


def test_a_device_gets_its_registered_place_and_language(app, make_device, client, write, move):
    english = {"title": "In English", "summary": "S", "body": "B"}
    announce(write, move, "Tiếng Việt", translations={"en": english})
    device = Caller(
        app.test_client(), make_device(province_code=DA_NANG, ward_code=HAI_CHAU, locale="en").token
    )

    home = device.get(FEED).get_json()
    assert (home["province_code"], home["ward_code"]) == (DA_NANG, HAI_CHAU)
    assert [n["title"] for n in home["latest_notices"]] == ["In English"]
    assert_problem(client.get(FEED), 422)  # anonymous callers name the place
    assert_problem(client.get(f"{FEED}?ward_code=99999"), 422, "unknown_area")


def test_etag_and_if_none_match_give_304_until_something_changes(client, write, move):
    announce(write, move, "Một")
    first = client.get(f"{FEED}?ward_code={HAI_CHAU}")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    assert client.get(f"{FEED}?ward_code={HAI_CHAU}").headers["ETag"] == etag

    cached = client.get(f"{FEED}?ward_code={HAI_CHAU}", headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b""
    assert cached.headers["ETag"] == etag

    announce(write, move, "Hai")
    fresh = client.get(f"{FEED}?ward_code={HAI_CHAU}", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert [n["title"] for n in fresh.get_json()["latest_notices"]] == ["Hai", "Một"]


def test_the_feed_is_compact_utf8_json_with_its_keys_sorted(staff, client, write, move):
    """The bytes the API's JSON writes (a release that wrote them otherwise would change every phone's
    ETag at once, and every phone would fetch the whole feed again), Vietnamese as it is."""
    from tests.test_alerts import published

    announce(write, move, "Lịch tiếp công dân", document_number="12/TB-UBND")
    published(staff["editor_a"])
    body = client.get(f"{FEED}?ward_code={HAI_CHAU}").get_data()
    home = json.loads(body)
    assert home["alerts"] and home["latest_notices"]
    assert body == f"{json.dumps(home, ensure_ascii=False, sort_keys=True, separators=(',', ':'))}\n".encode()


def test_cache_headers_public_for_anonymous_private_for_devices(client, citizen):
    anonymous = client.get(f"{FEED}?province_code={DA_NANG}")
    assert anonymous.cache_control.public and anonymous.cache_control.max_age == 30
    # Shared caches keep it no longer than the app's own cache (here off: FEED_CACHE_SECONDS=0).
    assert anonymous.cache_control.s_maxage == 0
    assert {"Accept-Language", "Authorization"} <= set(anonymous.vary)

    mine = citizen.get(FEED)
    assert "private" in mine.cache_control and mine.cache_control.max_age == 30


def test_languages_have_their_own_etag_and_each_revalidates_to_304(client, write, move):
    announce(
        write, move, "Tiếng Việt", translations={"en": {"title": "English", "summary": "S", "body": "B"}}
    )
    url = f"{FEED}?ward_code={HAI_CHAU}"
    vi = client.get(url)
    en = client.get(url, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert en.get_json()["latest_notices"][0]["title"] == "English"
    assert en.headers["ETag"] != vi.headers["ETag"]

    english_again = client.get(url, headers={"Accept-Language": "en", "If-None-Match": en.headers["ETag"]})
    assert english_again.status_code == 304
    assert "Accept-Language" in english_again.vary and english_again.cache_control.max_age == 30
    # A cached Vietnamese copy is not the English one: the full English feed comes back.
    switched = client.get(url, headers={"Accept-Language": "en", "If-None-Match": vi.headers["ETag"]})
    assert switched.status_code == 200 and switched.headers["ETag"] == en.headers["ETag"]
    # Languages without a translation, or refused with q=0, fall back to Vietnamese: the same ETag.
    for header in ("fr", "zh-Hant-TW, ja;q=0.5", "en;q=0"):
        fallback = client.get(url, headers={"Accept-Language": header, "If-None-Match": vi.headers["ETag"]})
        assert fallback.status_code == 304, header


def test_the_feed_costs_the_same_few_queries_for_2_or_20_notices(client, staff, write, move, statements):
    from tests.test_alerts import published

    published(
        staff["editor_a"]
    )  # an alert with its indicators: the feed shows neither them nor its department

    def feed_queries() -> int:
        statements.clear()
        response = client.get(f"{FEED}?ward_code={HAI_CHAU}")
        assert response.status_code == 200
        return len(statements)

    for n in range(2):
        move(write(title=f"Tham vấn {n}"), "consultation")
    few = feed_queries()
    for n in range(18):
        announce(write, move, f"Thông báo {n}")
        move(write(title=f"Tham vấn thêm {n}"), "consultation")
    many = feed_queries()

    assert few == many <= 4  # alerts, latest notices, open consultations, fact-checks
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements)  # a read writes nothing


@pytest.mark.usefixtures("misinformation_to_b")
def test_the_feed_loads_only_what_it_shows_and_answers_what_the_schemas_dump(
    staff, citizen, db, write, move, statements
):
    """Notices' bodies and search text, alerts' CAP messages and texts, the departments' contacts: the
    feed selects none of them (loaded whole, they made an uncached feed cost several times the bare SQL),
    and says what the summary schemas dump from the full objects, in the caller's language."""
    from tests.test_alerts import published

    english = {"title": "English", "summary": "In English", "body": "Body"}
    announce(write, move, "Tiếng Việt", translations={"en": english}, document_number="12/TB-UBND")
    move(write(title="Tham vấn", translations={"en": english}), "consultation")
    published(staff["editor_a"], translations={"en": {"headline": "Fake police calls"}})
    group_id = claim(citizen, link=POST)["group_id"]
    assert staff["officer_b"].post(f"{GROUPS}/{group_id}/fact-check", json=FACT_CHECK).status_code == 201

    statements.clear()
    home = citizen.get(FEED, headers={"Accept-Language": "en-GB"}).get_json()

    sent = " ".join(statements)
    for column in (
        "notices.body",
        "notices.content_search",
        "alerts.cap_messages",
        "alerts.description",
        "alerts.instruction",
        "focal_phone",
        "claim_groups.text",
    ):
        assert column not in sent
    assert [a["headline"] for a in home["alerts"]] == ["Fake police calls"]
    assert {n["title"] for n in home["latest_notices"] + home["open_consultations"]} == {"English"}
    assert len(home["fact_checks"]) == 1

    def full(model, entries):
        return [db.get(model, uuid.UUID(entry["id"])) for entry in entries]

    assert home["alerts"] == FeedAlertSchema(many=True).dump(
        [feed_card(alert, "en-GB") for alert in full(Alert, home["alerts"])]
    )
    for listed in ("latest_notices", "open_consultations"):
        localized = [localize(notice, ("en-GB",)) for notice in full(Notice, home[listed])]
        assert home[listed] == NoticeSummarySchema(many=True).dump(localized)
    assert home["fact_checks"] == FactCheckSchema(many=True).dump(full(FactCheck, home["fact_checks"]))


def test_a_device_feed_adds_only_the_token_lookup(citizen, write, move, statements):
    def feed_queries() -> int:
        statements.clear()
        assert citizen.get(FEED).status_code == 200
        return len(statements)

    move(write(title="Tham vấn"), "consultation")
    few = feed_queries()
    for n in range(10):
        announce(write, move, f"Thông báo {n}")
    assert feed_queries() == few <= 5
    assert all(s.lstrip().upper().startswith("SELECT") for s in statements)


def test_anonymous_answers_are_kept_for_a_few_seconds_per_place_and_language(make_app, write, move, citizen):
    cached = make_app(FEED_CACHE_SECONDS=60).test_client()
    announce(write, move, "Trước")
    first = cached.get(f"{FEED}?ward_code={HAI_CHAU}")
    announce(write, move, "Sau")

    again = cached.get(f"{FEED}?ward_code={HAI_CHAU}")
    assert again.get_data() == first.get_data() and again.headers["ETag"] == first.headers["ETag"]
    revalidated = cached.get(f"{FEED}?ward_code={HAI_CHAU}", headers={"If-None-Match": first.headers["ETag"]})
    assert revalidated.status_code == 304
    # Another language or another place is another answer, computed now.
    english = cached.get(f"{FEED}?ward_code={HAI_CHAU}", headers={"Accept-Language": "en"}).get_json()
    assert [n["title"] for n in english["latest_notices"]] == ["Sau", "Trước"]
    # Devices are answered privately and never from the shared cache.
    device = cached.get(FEED, headers={"Authorization": f"Bearer {citizen.token}"}).get_json()
    assert [n["title"] for n in device["latest_notices"]] == ["Sau", "Trước"]


def test_a_cached_answer_is_served_without_sql_and_only_to_valid_anonymous_requests(
    make_app, write, move, statements
):
    cached = make_app(FEED_CACHE_SECONDS=60).test_client()
    announce(write, move, "Tin")
    first = cached.get(f"{FEED}?ward_code={HAI_CHAU}")
    assert first.status_code == 200 and statements  # computed from the database

    statements.clear()
    revalidated = cached.get(f"{FEED}?ward_code={HAI_CHAU}", headers={"If-None-Match": first.headers["ETag"]})
    again = cached.get(f"{FEED}?ward_code={HAI_CHAU}&utm_source=zalo")  # unknown parameters are ignored
    assert (revalidated.status_code, revalidated.get_data()) == (304, b"")
    assert again.get_data() == first.get_data()
    assert statements == []
    assert revalidated.headers["Cache-Control"] == first.headers["Cache-Control"]
    assert (first.cache_control.max_age, first.cache_control.s_maxage) == (30, 60)
    assert revalidated.headers["Vary"] == first.headers["Vary"]

    # A bad token is still refused, and a bad place still named, whatever the cache holds.
    assert_problem(cached.get(f"{FEED}?ward_code={HAI_CHAU}", headers={"Authorization": "Bearer nope"}), 401)
    assert_problem(cached.get(f"{FEED}?ward_code=99999999"), 422)
    assert_problem(cached.get(f"{FEED}?ward_code=99999999"), 422)


def test_the_answer_cache_is_bounded_in_bytes():
    from api.namespaces.feed import AnswerCache

    cache = AnswerCache(seconds=60, max_bytes=10_000)
    for language in range(50):
        cache.put((None, "20242", (f"x-{language}",)), (b"{" + b" " * 998 + b"}", '"etag"'))
    kept = [language for language in range(50) if cache.get((None, "20242", (f"x-{language}",)))]
    assert kept == list(range(40, 50))  # the newest ten answers of a thousand bytes


def test_an_api_key_reads_the_feed_only_with_notices_read(app, make_api_key):
    without = Caller(app.test_client(), make_api_key(scopes=("alerts:read",)).key)
    with_scope = Caller(app.test_client(), make_api_key(scopes=("notices:read",)).key)

    refused = without.get("/api/v1/feed", query_string={"province_code": DA_NANG})
    answered = with_scope.get("/api/v1/feed", query_string={"province_code": DA_NANG})

    assert assert_problem(refused, 403, "missing_scope")["detail"] == "API key lacks scope notices:read."
    assert answered.status_code == 200 and answered.get_json()["province_code"] == DA_NANG
