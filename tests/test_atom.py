"""The Atom feeds as readers and caches see them: one feed per URL, an `updated` that only moves when the
feed changes, cancelled alerts kept for 48 hours, and conditional requests answered with 304.

Every feed a test receives is also checked by RFC 4287's schema and a feed validator's rules (the
`standards_checked` fixture, tests/standards).
"""

from datetime import datetime, timedelta

import defusedxml.ElementTree as SafeET
import pytest
from werkzeug.test import Client

from services.models import Alert
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import DA_NANG, HA_NOI, HAI_CHAU, later
from tests.sql_plans import copy_rows, explain, sent_statements
from tests.standards import assert_valid_atom
from tests.test_alerts import ALERTS, published
from tests.test_cap import back_in_time, cap, text

NS = {"atom": "http://www.w3.org/2005/Atom"}
BASE = "https://citizen.danang.example"
NEVER = "1970-01-01T00:00:00+00:00"


def feed(caller, url, **request):
    response = caller.get(url, **request)
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    return SafeET.fromstring(response.data)


def entries(document) -> dict:
    """{entry id: entry}"""
    return {entry.findtext("atom:id", namespaces=NS): entry for entry in document.findall("atom:entry", NS)}


def instant(node, path) -> datetime:
    return datetime.fromisoformat(node.findtext(path, namespaces=NS))


@pytest.fixture
def announced(write, move):
    """announced(**fields) -> a published announcement (for Hải Châu unless targets say otherwise)."""

    def announce(caller=None, **fields):
        notice = write(caller, kind="announcement", consultation_closes_at=None, **fields)
        return move(notice, "published", caller=caller)

    return announce


# ---------------------------------------------------------------- one feed per URL


@pytest.mark.parametrize(
    "url",
    [
        "/feeds/notices.atom",
        f"/feeds/notices.atom?province_code={DA_NANG}",
        f"/feeds/notices.atom?ward_code={HAI_CHAU}",
        f"/feeds/notices.atom?province_code={DA_NANG}&ward_code={HAI_CHAU}",
    ],
)
def test_each_place_has_a_feed_of_its_own(client, announced, url):
    announced(title="Lịch cắt điện")
    document = feed(client, url)
    assert document.findtext("atom:id", namespaces=NS) == BASE + url
    [self_link] = [link for link in document.findall("atom:link", NS) if link.get("rel") == "self"]
    assert (self_link.get("href"), self_link.get("type")) == (BASE + url, "application/atom+xml")
    assert document.findtext("atom:author/atom:name", namespaces=NS) == "Citizen API"


def test_parameters_a_feed_does_not_take_stay_out_of_its_id_and_self_link(app, announced):
    announced(title="Lịch cắt điện")
    # A plain WSGI client: a reader following the self link finds the canonical URL, not the one asked.
    response = Client(app).get(f"/feeds/notices.atom?utm=%3Cscript%3E&ward_code={HAI_CHAU}&ward_code=1")
    canonical = f"{BASE}/feeds/notices.atom?ward_code={HAI_CHAU}"
    document = assert_valid_atom(response.data, canonical)
    assert document.findtext("{http://www.w3.org/2005/Atom}id") == canonical
    assert b"script" not in response.data


# ---------------------------------------------------------------- updated


def test_a_feed_nothing_was_published_in_is_updated_never(client):
    for url in ("/feeds/notices.atom", "/feeds/alerts.atom"):
        first, second = feed(client, url), feed(client, url)
        assert first.findtext("atom:updated", namespaces=NS) == NEVER
        assert second.findtext("atom:updated", namespaces=NS) == NEVER


def test_an_empty_place_feed_is_as_old_as_the_last_public_change(client, announced, staff):
    admin = staff["admin"]  # only an admin reaches beyond Đà Nẵng
    notice = announced(title="Thông báo Hà Nội", targets={"province_codes": [HA_NOI]}, caller=admin)
    everywhere = feed(client, "/feeds/notices.atom")
    here = [feed(client, f"/feeds/notices.atom?ward_code={HAI_CHAU}") for _ in range(2)]
    assert [entries(document) for document in here] == [{}, {}]
    assert {instant(document, "atom:updated") for document in [everywhere, *here]} == {
        datetime.fromisoformat(notice["updated_at"])
    }


def test_a_scheduled_notice_is_updated_when_it_is_listed(client, write, move, sql):
    notice = move(
        write(kind="announcement", consultation_closes_at=None, publish_at=later(days=2)), "published"
    )
    # Two days on: listed a minute ago, last edited when it was scheduled.
    sql(
        "UPDATE notices SET listed_at = now() - interval '1 minute', "
        "updated_at = now() - interval '2 minutes' WHERE id = :id",
        id=notice["id"],
    )
    entry = entries(feed(client, "/feeds/notices.atom"))[f"urn:uuid:{notice['id']}"]
    assert instant(entry, "atom:updated") == instant(entry, "atom:published")


def test_the_last_change_is_read_from_the_newest_entries_of_two_indexes(client, announced, transaction):
    """Integrators poll the feed: finding its last change once read every notice (45 ms at 200,000, on
    three processes). With thousands of notices it reads the newest of ix_notices_updated and
    ix_notices_listed."""
    announced(title="Lịch cắt điện")
    copy_rows(transaction, "notices", 5000, updated_at="updated_at - make_interval(secs => copy)")
    with sent_statements(transaction) as sent:
        feed(client, "/feeds/notices.atom")
    [last_change] = [(statement, parameters) for statement, parameters in sent if "max(notices" in statement]
    statement, parameters = last_change
    plan = explain(transaction, statement, parameters)
    assert "Seq Scan" not in plan, plan
    assert "Index Scan Backward using ix_notices_updated" in plan, plan
    assert "Index Scan Backward using ix_notices_listed" in plan, plan


def test_an_alert_entry_is_published_and_updated_when_its_cap_messages_were_sent(staff, client):
    editor = staff["editor_a"]
    alert = published(editor)
    first = text(cap(client, alert["id"]), "cap:sent")
    entry = entries(feed(client, "/feeds/alerts.atom"))[f"urn:uuid:{alert['id']}"]
    assert instant(entry, "atom:published") == instant(entry, "atom:updated") == datetime.fromisoformat(first)

    editor.patch(f"{ALERTS}/{alert['id']}", json={"severity": "extreme"})
    update = text(cap(client, alert["id"]), "cap:sent")
    entry = entries(feed(client, "/feeds/alerts.atom"))[f"urn:uuid:{alert['id']}"]
    assert entry.findtext("atom:title", namespaces=NS) == f"Cập nhật: {alert['headline']}"
    assert instant(entry, "atom:published") == datetime.fromisoformat(first)
    assert instant(entry, "atom:updated") == datetime.fromisoformat(update)


def test_cancelling_the_newest_alert_moves_the_feed_forward_and_keeps_it_marked(staff, client):
    editor = staff["editor_a"]
    older = published(editor, severity="minor", headline="Tin nhắn trúng thưởng")
    newest = published(editor)
    before = instant(feed(client, "/feeds/alerts.atom"), "atom:updated")
    assert before == datetime.fromisoformat(text(cap(client, newest["id"]), "cap:sent"))

    editor.post(f"{ALERTS}/{newest['id']}/cancel", json={"reason": "Đã xác minh: không phải lừa đảo"})
    document = feed(client, "/feeds/alerts.atom")
    cancel = text(cap(client, newest["id"]), "cap:sent")
    assert instant(document, "atom:updated") == datetime.fromisoformat(cancel) >= before
    shown = entries(document)
    assert list(shown) == [f"urn:uuid:{newest['id']}", f"urn:uuid:{older['id']}"]
    entry = shown[f"urn:uuid:{newest['id']}"]
    assert entry.findtext("atom:title", namespaces=NS) == f"Đã hủy: {newest['headline']}"
    assert entry.findtext("atom:summary", namespaces=NS) == "Đã xác minh: không phải lừa đảo"
    assert {c.get("term") for c in entry.findall("atom:category", NS)} == {"scam", "cancelled"}
    [link] = [link for link in entry.findall("atom:link", NS) if link.get("rel") == "alternate"]
    assert link.get("href") == f"{BASE}/api/v1/alerts/{newest['id']}/cap"
    assert text(cap(client, newest["id"]), "cap:msgType") == "Cancel"


def test_a_cancelled_alert_leaves_after_48_hours_and_an_expired_one_at_its_expiry(staff, client, db):
    editor = staff["editor_a"]
    cancelled, expired, active = published(editor), published(editor), published(editor, severity="minor")
    editor.post(f"{ALERTS}/{cancelled['id']}/cancel", json={"reason": "Nhầm"})
    for alert in (cancelled, expired, active):
        back_in_time(db, alert["id"], hours=49)
    back_in_time(db, expired["id"], days=2)  # issued 3 days and an hour ago, expired an hour ago

    document = feed(client, "/feeds/alerts.atom")
    assert list(entries(document)) == [f"urn:uuid:{active['id']}"]
    left = db.get(Alert, cancelled["id"]).cancelled_at + timedelta(hours=48)
    assert instant(document, "atom:updated") == left  # an hour ago, after the expiry


# ---------------------------------------------------------------- HTTP caching


@pytest.mark.parametrize("url", ["/feeds/notices.atom", f"/feeds/notices.atom?ward_code={HAI_CHAU}"])
def test_a_notices_feed_answers_304_until_a_notice_is_published(client, announced, url):
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert first.headers["Last-Modified"] == "Thu, 01 Jan 1970 00:00:00 GMT"
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304

    announced(title="Lịch tiêm chủng")
    by_etag = client.get(url, headers={"If-None-Match": etag})
    assert by_etag.status_code == 200 and by_etag.headers["ETag"] != etag
    assert "Lịch tiêm chủng" in by_etag.get_data(as_text=True)
    by_date = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 200 and by_date.headers["Last-Modified"] != first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": by_etag.headers["ETag"]}).status_code == 304


def test_the_alerts_feed_answers_304_until_an_alert_is_published(staff, client):
    url = "/feeds/alerts.atom"
    first = client.get(url)
    assert first.headers["Cache-Control"] == "public, max-age=60"
    unchanged = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert (unchanged.status_code, unchanged.data) == (304, b"")

    published(staff["editor_a"])
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and len(entries(SafeET.fromstring(changed.data))) == 1
    assert client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 200
