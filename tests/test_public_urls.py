"""Absolute URLs the API writes (Atom ids and links, the CAP sender) come from PUBLIC_BASE_URL, never from
the request's Host header, which any caller chooses."""

import pytest

from tests.conftest import PUBLIC_BASE_URL
from tests.notice_fixtures import *  # noqa: F403
from tests.notice_fixtures import NOTICES
from tests.test_alerts import ALERTS, published

FORGED = "attacker.example"


@pytest.fixture
def syndicated(staff, write, move):
    """An active alert and a public announcement."""
    alert = published(staff["editor_a"])
    move(write(kind="announcement", consultation_closes_at=None), "published")
    return alert


def documents(caller, alert, **request) -> list[str]:
    urls = ["/feeds/alerts.atom", "/feeds/notices.atom", f"{ALERTS}/{alert['id']}/cap"]
    responses = [caller.get(url, **request) for url in urls]
    assert [r.status_code for r in responses] == [200, 200, 200]
    return [r.get_data(as_text=True) for r in responses]


@pytest.mark.parametrize(
    "request_",
    [
        {"headers": {"Host": FORGED}},
        {"base_url": f"https://{FORGED}"},
        {"headers": {"Host": "citizen.danang.example", "X-Forwarded-Host": FORGED}},
    ],
    ids=["host-header", "absolute-url", "forwarded-host"],
)
def test_a_forged_host_appears_in_no_feed_or_cap_document(client, syndicated, request_):
    alerts_atom, notices_atom, cap = documents(client, syndicated, **request_)

    for document in (alerts_atom, notices_atom, cap):
        assert FORGED not in document
    assert "<id>https://citizen.danang.example/feeds/alerts.atom</id>" in alerts_atom
    assert f'href="https://citizen.danang.example/api/v1/alerts/{syndicated["id"]}/cap"' in alerts_atom
    assert "<id>https://citizen.danang.example/feeds/notices.atom</id>" in notices_atom
    assert f'href="https://citizen.danang.example{NOTICES}/' in notices_atom
    assert "<sender>citizen.danang.example</sender>" in cap


def test_a_base_url_with_a_path_prefixes_every_link(make_app, syndicated):
    app = make_app(PUBLIC_BASE_URL="https://portal.danang.example/citizen/")
    alerts_atom, notices_atom, cap = documents(app.test_client(), syndicated)

    assert 'href="https://portal.danang.example/citizen/feeds/alerts.atom"' in alerts_atom
    assert f'href="https://portal.danang.example/citizen/api/v1/alerts/{syndicated["id"]}/cap"' in alerts_atom
    assert "<id>https://portal.danang.example/citizen/feeds/notices.atom</id>" in notices_atom
    assert "<sender>portal.danang.example</sender>" in cap
    assert PUBLIC_BASE_URL not in alerts_atom + notices_atom + cap


def test_cap_sender_wins_over_the_base_url(make_app, syndicated):
    app = make_app(CAP_SENDER="canhbao.danang.gov.vn")
    *_, cap = documents(app.test_client(), syndicated)
    assert "<sender>canhbao.danang.gov.vn</sender>" in cap
