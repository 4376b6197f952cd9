"""Citizens' scam reports: routed like feedback of category `scam` (a routing rule's department, else the
province's intake department for triage, else the admins' queue), ranked by distinct reporting devices
for editors, and promoted to a draft alert with the indicator filled in."""

from datetime import timedelta

import pytest

from services.db import utcnow
from services.models import RoutingRule
from tests.conftest import Caller, assert_problem
from tests.feedback_fixtures import *  # noqa: F403

REPORTS = "/api/v1/scam-reports"


def report(caller, **overrides) -> dict:
    body = {
        "type": "phone",
        "value": "0912 345 678",
        "description": "Gọi tự xưng công an, đòi chuyển tiền.",
        "channel": "call",
        "amount_lost_vnd": 5_000_000,
        **overrides,
    }
    response = caller.post(REPORTS, json=body)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


@pytest.fixture
def devices(app, make_device):
    """Citizens in Đà Nẵng: make(n) gives n callers with devices of their own."""
    return lambda n, **place: [
        Caller(app.test_client(), (d := make_device(**place)).token, d) for _ in range(n)
    ]


def test_without_a_rule_a_report_goes_to_the_provinces_intake_department_for_triage(
    staff, citizen, department_a
):
    body = report(citizen)
    assert body["normalized"] == "+84912345678" and body["status"] == "new"
    assert body["department_id"] == str(department_a.id) and body["needs_triage"] is True
    assert (body["province_code"], body["ward_code"]) == (48, 20242)
    assert staff["officer_a"].get(f"{REPORTS}/{body['id']}").status_code == 200
    assert_problem(staff["officer_b"].get(f"{REPORTS}/{body['id']}"), 404)


def test_a_routing_rule_for_scam_sends_reports_from_its_place_to_its_department(
    staff, devices, db, make_category, department_b
):
    scam = make_category("scam")
    db.add(RoutingRule(category_id=scam.id, province_code=48, ward_code=20242, department_id=department_b.id))
    db.commit()
    [in_the_ward] = devices(1)
    [elsewhere_in_the_province] = devices(1, ward_code=20209)
    routed = report(in_the_ward)
    assert routed["department_id"] == str(department_b.id) and routed["needs_triage"] is False
    assert [r["id"] for r in staff["officer_b"].get(REPORTS).get_json()["items"]] == [routed["id"]]
    assert_problem(staff["officer_a"].get(f"{REPORTS}/{routed['id']}"), 404)
    fallback = report(elsewhere_in_the_province)
    assert fallback["department_id"] == str(staff["officer_a"].principal.department_id)
    assert fallback["needs_triage"] is True


def test_a_province_without_intake_keeps_the_report_for_triage(staff, devices):
    [elsewhere] = devices(1, province_code=1, ward_code=4)
    body = report(elsewhere)
    assert body["department_id"] is None and body["needs_triage"] is True
    queue = staff["admin"].get(f"{REPORTS}?needs_triage=true").get_json()["items"]
    assert [r["id"] for r in queue] == [body["id"]]
    assert staff["officer_a"].get(REPORTS).get_json()["items"] == []


def test_bad_reports_are_422_and_only_devices_report(staff, citizen, client, sql):
    for bad in (
        {"value": "12"},
        {"type": "fax"},
        {"value": ""},
        {"channel": "pigeon"},
        {"amount_lost_vnd": -1},
        {"happened_at": (utcnow() + timedelta(days=1)).isoformat()},
    ):
        body = {"type": "phone", "value": "0912345678", **bad}
        assert_problem(citizen.post(REPORTS, json=body), 422)
    assert_problem(client.post(REPORTS, json={"type": "phone", "value": "0912345678"}), 401)
    assert_problem(staff["admin"].post(REPORTS, json={"type": "phone", "value": "0912345678"}), 403)
    assert sql("SELECT count(*) FROM scam_reports").scalar() == 0


def test_reports_count_in_scam_check_once_per_device(citizen, client):
    report(citizen)
    report(citizen, value="+84 912 345 678")
    body = client.get("/api/v1/scam-check", query_string={"value": "84-912-345-678"}).get_json()
    assert body["verdict"] == "reported" and body["citizen_reports"] == 1 and body["alerts"] == []


def test_top_ranks_indicators_by_distinct_reporting_devices(staff, devices):
    crowd = devices(3)
    for caller in crowd:
        report(caller, value="0987 654 321", amount_lost_vnd=1_000_000)
    for _ in range(4):  # one device reporting again and again counts once
        report(crowd[0], type="url", value="https://scam.com/otp?utm_source=sms", amount_lost_vnd=None)
    top = staff["editor_a"].get(f"{REPORTS}/top").get_json()
    ranked = [(i["normalized"], i["devices"], i["reports"]) for i in top["items"]]
    assert ranked == [("+84987654321", 3, 3), ("scam.com/otp", 1, 4)]
    assert top["items"][0]["amount_lost_vnd"] == 3_000_000 and top["items"][0]["alerted"] is False

    later = (utcnow() + timedelta(minutes=1)).isoformat()
    assert staff["editor_a"].get(f"{REPORTS}/top", query_string={"since": later}).get_json()["items"] == []
    assert staff["officer_b"].get(f"{REPORTS}/top").get_json()["items"] == []  # not their department's
    assert_problem(crowd[0].get(f"{REPORTS}/top"), 403)


def test_promote_makes_a_draft_alert_with_the_indicator_filled_in(staff, citizen, sql):
    editor = staff["editor_a"]
    reported = report(citizen, value="0912.345.678")
    latest = editor.get(f"{REPORTS}/top").get_json()["items"][0]["latest_report_id"]
    assert latest == reported["id"]

    assert_problem(staff["officer_a"].post(f"{REPORTS}/{latest}/promote"), 403)
    response = editor.post(f"{REPORTS}/{latest}/promote")
    assert response.status_code == 201, response.get_json()
    alert = response.get_json()
    assert alert["status"] == "draft" and alert["category"] == "scam"
    assert alert["department_id"] == str(editor.principal.department_id)
    assert alert["targets"] == {"national": False, "province_codes": [48], "ward_codes": []}
    assert [(i["type"], i["normalized"]) for i in alert["indicators"]] == [("phone", "+84912345678")]
    assert editor.get(f"{REPORTS}/{latest}").get_json()["alert_id"] == alert["id"]
    assert_problem(editor.post(f"{REPORTS}/{latest}/promote"), 409, "report_already_promoted")
    assert sql("SELECT count(*) FROM audit_events WHERE action = 'scam_report.promote'").scalar() == 1

    assert editor.post(f"/api/v1/alerts/{alert['id']}/publish").status_code == 200
    assert editor.get(f"{REPORTS}/top").get_json()["items"][0]["alerted"] is True


def test_an_editor_cannot_promote_a_report_from_beyond_their_province(staff, devices, db, make_category, sql):
    """A routing rule sends Hà Nội's scam reports to department A (in Đà Nẵng): its editor may read
    them, but the draft alert would target Hà Nội, so only an admin promotes them."""
    scam = make_category("scam")
    department_a = staff["editor_a"].principal.department_id
    db.add(RoutingRule(category_id=scam.id, province_code=1, department_id=department_a))
    db.commit()
    [in_ha_noi] = devices(1, province_code=1, ward_code=4)
    reported = report(in_ha_noi)
    url = f"{REPORTS}/{reported['id']}/promote"

    body = assert_problem(staff["editor_a"].post(url), 403, "target_out_of_reach")
    assert body["errors"] == {"targets": ["Beyond your department's reach: province 1."]}
    assert sql("SELECT status, alert_id FROM scam_reports").one() == ("new", None)
    assert sql("SELECT count(*) FROM alerts").scalar() == 0

    promoted = staff["admin"].post(url)
    assert promoted.status_code == 201, promoted.get_json()
    assert promoted.get_json()["targets"] == {"national": False, "province_codes": [1], "ward_codes": []}
    assert promoted.get_json()["department_id"] == str(department_a)
