"""Citizens' scam reports: routed like feedback of category `scam` (a routing rule's department, else the
province's intake department for triage, else the admins' queue), ranked by distinct reporting devices
for editors, moderated (confirmed or dismissed) by the department's staff, promoted to a draft alert with
the indicator filled in, and rate-limited per device and per address."""

from datetime import timedelta

import pytest

from services.core.db import utcnow
from services.models import RoutingRule
from tests.conftest import assert_problem
from tests.feedback_fixtures import *  # noqa: F403
from tests.scam_fixtures import *  # noqa: F403
from tests.scam_fixtures import REPORTS, check, report


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


def test_a_device_reporting_the_same_value_again_within_a_day_is_refused(staff, citizen, sql):
    first = report(citizen)
    again = citizen.post(REPORTS, json={"type": "phone", "value": "+84 912 345 678"})
    assert_problem(again, 409, "already_reported")
    assert sql("SELECT count(*) FROM scam_reports").scalar() == 1
    # A day later it is a new attempt: a second report, still one device.
    sql(
        "UPDATE scam_reports SET created_at = created_at - interval '25 hours' WHERE id = :id", id=first["id"]
    )
    report(citizen, value="84-912-345-678")
    [top] = staff["editor_a"].get(f"{REPORTS}/top").get_json()["items"]
    assert (top["normalized"], top["devices"], top["reports"]) == ("+84912345678", 1, 2)


def test_top_ranks_indicators_by_distinct_reporting_devices(staff, devices):
    crowd = devices(3)
    for caller in crowd:
        report(caller, value="0987 654 321", amount_lost_vnd=1_000_000)
    report(crowd[0], type="url", value="https://scam.com/otp?utm_source=sms", amount_lost_vnd=None)
    top = staff["editor_a"].get(f"{REPORTS}/top").get_json()
    ranked = [(i["normalized"], i["devices"], i["reports"]) for i in top["items"]]
    assert ranked == [("+84987654321", 3, 3), ("scam.com/otp", 1, 1)]
    assert top["items"][0]["amount_lost_vnd"] == 3_000_000 and top["items"][0]["alerted"] is False
    assert top["items"][0]["trusted"] is False

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
    assert (
        assert_problem(editor.post(f"{REPORTS}/{latest}/promote"), 409, "invalid_transition")["allowed"] == []
    )
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


# ---------------------------------------------------------------- moderation


def moderate(caller, report_id, **body):
    return caller.post(f"{REPORTS}/{report_id}/status", json=body)


@pytest.fixture
def smear(devices):
    """Three devices report a bank's landline hotline, routed to department A (its intake)."""
    return [report(attacker, value="024 3824 3524", description="Lừa đảo!") for attacker in devices(3)]


def test_a_dismissed_report_stops_counting_everywhere(staff, smear, client, sql):
    assert check(client, "024 3824 3524")["unverified_citizen_reports"] == 3
    response = moderate(
        staff["officer_a"], smear[0]["id"], to="dismissed", reason="legitimate", note="Tổng đài của ngân hàng"
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["status"], body["dismiss_reason"], body["moderation_note"]) == (
        "dismissed",
        "legitimate",
        "Tổng đài của ngân hàng",
    )
    # The department's other reports of that number are dismissed with it, each audited.
    dismissed = staff["officer_a"].get(REPORTS, query_string={"status": "dismissed"}).get_json()["items"]
    assert sorted(r["id"] for r in dismissed) == sorted(r["id"] for r in smear)
    assert sql("SELECT count(*) FROM audit_events WHERE action = 'scam_report.dismiss'").scalar() == 3
    assert check(client, "02438243524")["unverified_citizen_reports"] == 0
    assert staff["editor_a"].get(f"{REPORTS}/top").get_json()["items"] == []


def test_dismissing_stays_within_the_department_and_leaves_promoted_reports(
    staff, smear, devices, db, make_category, department_b, client
):
    db.add(
        RoutingRule(
            category_id=make_category("scam").id,
            province_code=48,
            ward_code=20209,
            department_id=department_b.id,
        )
    )
    db.commit()
    elsewhere = [report(c, value="024 3824 3524") for c in devices(3, ward_code=20209)]
    promoted = report(devices(1)[0], value="024 3824 3524")
    assert staff["editor_a"].post(f"{REPORTS}/{promoted['id']}/promote").status_code == 201
    assert (
        moderate(staff["officer_a"], smear[0]["id"], to="dismissed", reason="legitimate").status_code == 200
    )
    statuses = {
        r["id"]: r["status"]
        for r in staff["admin"].get(REPORTS, query_string={"limit": 100}).get_json()["items"]
    }
    assert [statuses[r["id"]] for r in smear] == ["dismissed"] * 3
    assert [statuses[r["id"]] for r in elsewhere] == ["new"] * 3
    assert statuses[promoted["id"]] == "promoted"
    # Department B's three and the promoted one still count: four devices.
    assert check(client, "024 3824 3524")["unverified_citizen_reports"] == 4


def test_a_dismissal_is_reversed_by_confirming(staff, smear, client, sql):
    moderate(staff["officer_a"], smear[1]["id"], to="dismissed", reason="abusive")
    response = moderate(staff["admin"], smear[2]["id"], to="confirmed")
    assert response.status_code == 200
    assert (response.get_json()["status"], response.get_json()["dismiss_reason"]) == ("confirmed", None)
    assert check(client, "024 3824 3524")["unverified_citizen_reports"] == 3
    assert sql("SELECT count(*) FROM audit_events WHERE action = 'scam_report.confirm'").scalar() == 3


def test_invalid_moves_are_409_naming_the_allowed_ones(staff, smear):
    officer, editor = staff["officer_a"], staff["editor_a"]
    first, second, third = (r["id"] for r in smear)
    assert moderate(officer, first, to="confirmed").status_code == 200  # all three become confirmed
    body = assert_problem(moderate(officer, first, to="confirmed"), 409, "invalid_transition")
    assert body["allowed"] == ["dismissed", "promoted"]
    assert editor.post(f"{REPORTS}/{second}/promote").status_code == 201
    body = assert_problem(
        moderate(officer, second, to="dismissed", reason="not_a_scam"), 409, "invalid_transition"
    )
    assert body["allowed"] == []
    assert moderate(officer, third, to="dismissed", reason="not_a_scam").status_code == 200
    body = assert_problem(editor.post(f"{REPORTS}/{third}/promote"), 409, "invalid_transition")
    assert body["allowed"] == ["confirmed"]


def test_moderation_needs_a_reason_to_dismiss_and_the_departments_staff(staff, smear, citizen, sql):
    report_id = smear[0]["id"]
    for bad, field in (
        ({"to": "dismissed"}, "reason"),
        ({"to": "confirmed", "reason": "legitimate"}, "reason"),
        ({"to": "dismissed", "reason": "boring"}, "reason"),
        ({"to": "promoted"}, "to"),
        ({"to": "dismissed", "reason": "abusive", "note": "x" * 1001}, "note"),
    ):
        assert list(assert_problem(moderate(staff["officer_a"], report_id, **bad), 422)["errors"]) == [field]
    assert_problem(moderate(staff["viewer_a"], report_id, to="confirmed"), 403)
    assert_problem(moderate(staff["officer_b"], report_id, to="confirmed"), 404)
    assert_problem(moderate(citizen, report_id, to="confirmed"), 403)
    assert sql("SELECT count(*) FROM scam_reports WHERE status = 'new'").scalar() == 3
    assert sql("SELECT count(*) FROM audit_events WHERE entity = 'scam_reports'").scalar() == 0


# ---------------------------------------------------------------- limits


def test_a_device_may_send_five_reports_an_hour(citizen):
    for number in ("0911 111 111", "0922 222 222", "0933 333 333", "0944 444 444"):
        report(citizen, value=number)
    assert_problem(
        citizen.post(REPORTS, json={"type": "phone", "value": "0911111111"}), 409, "already_reported"
    )
    report(citizen, value="0955 555 555")  # the repeat refused above did not count
    limited = citizen.post(REPORTS, json={"type": "phone", "value": "0966 666 666"})
    assert_problem(limited, 429)
    assert 0 < int(limited.headers["Retry-After"]) <= 3600


def test_an_address_may_send_thirty_reports_an_hour_whatever_its_devices(devices, sql):
    farm = devices(31)
    for device in farm[:30]:
        report(device, value="024 3824 3524")
    limited = farm[30].post(REPORTS, json={"type": "phone", "value": "024 3824 3524"})
    assert_problem(limited, 429)
    assert int(limited.headers["Retry-After"]) > 0
    assert sql("SELECT count(*) FROM scam_reports").scalar() == 30
