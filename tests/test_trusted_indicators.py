"""The allow-list of known-legitimate values: admins keep it (audited), any staff reads it, shared
platforms cannot be on it, and only an admin may name an allow-listed value in an alert."""

import pytest

from tests.conftest import assert_problem
from tests.scam_fixtures import *  # noqa: F403
from tests.scam_fixtures import REPORTS, TRUSTED, check, report, trust
from tests.test_alerts import ALERTS, draft, payload


def test_an_admin_keeps_the_list_and_every_change_is_audited(staff, devices, client, sql):
    admin = staff["admin"]
    entry = trust(admin, "phone", "1900 54 54 13", note="Tổng đài Vietcombank")
    assert (entry["type"], entry["value"], entry["normalized"]) == ("phone", "1900 54 54 13", "+841900545413")
    assert entry["created_by_id"] == str(admin.principal.id)
    for reader in (staff["editor_a"], staff["officer_b"], staff["viewer_a"]):
        assert [e["id"] for e in reader.get(TRUSTED).get_json()["items"]] == [entry["id"]]
    assert staff["editor_a"].get(TRUSTED, query_string={"type": "domain"}).get_json()["items"] == []

    for attacker in devices(3):
        report(attacker, value="1900545413")
    assert check(client, "1900545413")["unverified_citizen_reports"] == 0
    assert admin.delete(f"{TRUSTED}/{entry['id']}").status_code == 204
    assert check(client, "1900545413")["unverified_citizen_reports"] == 3
    assert_problem(admin.delete(f"{TRUSTED}/{entry['id']}"), 404)
    actions = sql("SELECT action FROM audit_events WHERE entity = 'trusted_indicators' ORDER BY id").scalars()
    assert list(actions) == ["trusted_indicator.create", "trusted_indicator.delete"]


def test_only_admins_change_the_list(staff, citizen, client, sql):
    entry = {"type": "domain", "value": "gov.vn", "note": "Cơ quan nhà nước"}
    for caller, status in ((staff["editor_a"], 403), (citizen, 403), (client, 401)):
        assert_problem(caller.post(TRUSTED, json=entry), status)
    assert_problem(citizen.get(TRUSTED), 403)
    assert_problem(client.get(TRUSTED), 401)
    kept = trust(staff["admin"], "domain", "gov.vn")
    assert_problem(staff["editor_a"].delete(f"{TRUSTED}/{kept['id']}"), 403)
    assert sql("SELECT count(*) FROM trusted_indicators").scalar() == 1


@pytest.mark.parametrize(
    ("type_", "value", "code", "field"),
    [
        ("domain", "github.io", "shared_platform", "value"),  # the public suffix list's private section
        ("domain", "sites.google.com", "shared_platform", "value"),  # SCAM_SHARED_PLATFORMS
        ("domain", "m.facebook.com", "shared_platform", "value"),  # under one
        ("domain", "google.com", "shared_platform", "value"),  # above one: would vouch for sites.google.com
        ("domain", "vn", "validation_failed", "value"),  # a whole top-level domain
        ("phone", "12", "validation_failed", "value"),
        ("fax", "0912345678", "validation_failed", "type"),
    ],
)
def test_what_cannot_be_on_the_list(admin, sql, type_, value, code, field):
    response = admin.post(TRUSTED, json={"type": type_, "value": value, "note": "Chính thức"})
    assert list(assert_problem(response, 422, code)["errors"]) == [field]
    assert sql("SELECT count(*) FROM trusted_indicators").scalar() == 0


def test_a_value_is_on_the_list_once_however_it_is_written(admin):
    trust(admin, "domain", "dichvucong.gov.vn")
    again = admin.post(
        TRUSTED, json={"type": "domain", "value": "https://WWW.DichVuCong.gov.vn/", "note": "x"}
    )
    assert_problem(again, 409, "trusted_indicator_exists")
    # The same text as another type is another entry.
    assert (
        admin.post(TRUSTED, json={"type": "url", "value": "dichvucong.gov.vn/", "note": "x"}).status_code
        == 201
    )


def test_an_editor_cannot_name_an_allow_listed_value_in_an_alert_an_admin_can(staff, sql):
    admin, editor = staff["admin"], staff["editor_a"]
    trust(admin, "domain", "gov.vn", note="Cơ quan nhà nước")
    indicators = [
        {"type": "phone", "value": "0912 345 678"},
        {"type": "url", "value": "https://dichvucong.gov.vn/p/home"},
    ]
    body = assert_problem(editor.post(ALERTS, json=payload(indicators=indicators)), 422, "trusted_indicator")
    assert body["errors"] == {
        "indicators": {
            "1": {
                "value": [
                    "On the allow-list of known-legitimate values (gov.vn: Cơ quan nhà nước); only an admin "
                    "may name it in an alert."
                ]
            }
        }
    }
    assert sql("SELECT count(*) FROM alerts").scalar() == 0
    mine = draft(editor)
    assert_problem(
        editor.patch(f"{ALERTS}/{mine['id']}", json={"indicators": indicators}), 422, "trusted_indicator"
    )
    assert editor.get(f"{ALERTS}/{mine['id']}").get_json()["indicators"][0]["normalized"] == "+84912345678"
    # Scammers spoof official numbers and sites; the province can say so.
    assert admin.post(ALERTS, json=payload(indicators=indicators)).status_code == 201


def test_an_editor_cannot_promote_a_report_of_an_allow_listed_value(staff, citizen, sql):
    trust(staff["admin"], "phone", "1900 545413", note="Tổng đài Vietcombank")
    reported = report(citizen, value="1900 545413")
    assert_problem(staff["editor_a"].post(f"{REPORTS}/{reported['id']}/promote"), 422, "trusted_indicator")
    assert staff["editor_a"].get(f"{REPORTS}/{reported['id']}").get_json()["status"] == "new"
    assert sql("SELECT count(*) FROM alerts").scalar() == 0
    [top] = staff["editor_a"].get(f"{REPORTS}/top").get_json()["items"]
    assert top["trusted"] is True
