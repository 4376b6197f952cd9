"""Open311 GeoReport v2 (/open311/v2): an Open311 client lists the services (JSON and XML), reads a
service definition, files a request and reads its status and the department's answer; every bad input is
the spec's list of errors with 400, 403 or 404, never a 5xx."""

import threading
from datetime import datetime, timedelta

import defusedxml.ElementTree as SafeXML
import pytest
from georeport import GeoReport
from sqlalchemy import select
from werkzeug.serving import make_server

from services.models import AuditEvent, Feedback
from tests.feedback_fixtures import *  # noqa: F403
from tests.feedback_fixtures import DA_NANG, HAI_CHAU

V2 = "/open311/v2"
PHONE = "0905 123 456"


@pytest.fixture
def portal(app, make_api_key):
    """The city portal's key: files requests and reads them back (every department's)."""
    from tests.conftest import Caller

    api_key = make_api_key(scopes=("feedback:write", "feedback:read"))
    return Caller(app.test_client(), None, api_key)


def filed(portal, expect=201, suffix=".json", **params):
    """POST a road-damage request as a form (with `params`; None leaves one out)."""
    data = {
        "api_key": portal.principal.key,
        "service_code": "road-damage",
        "address_string": "12 Bạch Đằng, phường Hải Châu, Đà Nẵng",
        "lat": "16.0712",
        "long": "108.2240",
        "attribute[where]": "Trước số 12 Bạch Đằng",
        "attribute[kind]": "pothole",
        "attribute[cars]": "3",
        "description": "Ổ gà sâu giữa làn xe máy",
        "first_name": "Lan",
        "last_name": "Nguyễn",
        "phone": PHONE,
        "email": "lan@example.org",
        "media_url": "https://portal.danang.example/photos/1.jpg",
        "device_id": "portal-web",
        **params,
    }
    response = portal.post(f"{V2}/requests{suffix}", data={k: v for k, v in data.items() if v is not None})
    assert response.status_code == expect, response.get_data(as_text=True)
    return response


def errors_of(response, status):
    """The spec's error list (JSON or XML) with this status, as {code, description} dicts."""
    assert response.status_code == status, response.get_data(as_text=True)
    if response.mimetype == "application/json":
        found = response.get_json()
    else:
        assert response.mimetype == "application/xml"
        root = SafeXML.fromstring(response.data)
        assert root.tag == "errors"
        found = [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root]
    assert found and all(error["code"] == status and error["description"] for error in found), found
    return found


# ---------------------------------------------------------------- services


def test_services_are_the_active_forms_in_json_and_in_xml(client, road_form):
    services = client.get(f"{V2}/services.json").get_json()
    assert services == [
        {
            "service_code": "road-damage",
            "service_name": "Phản ánh hư hỏng đường",
            "description": "Danh mục roads: Phản ánh hư hỏng đường",
            "metadata": True,
            "type": "realtime",
            "keywords": "roads",
            "group": "Danh mục roads",
        }
    ]
    for path in (f"{V2}/services", f"{V2}/services.xml"):  # XML is the spec's default
        response = client.get(path)
        assert response.mimetype == "application/xml"
        root = SafeXML.fromstring(response.data)
        assert root.tag == "services"
        assert [s.findtext("service_code") for s in root.findall("service")] == ["road-damage"]
        assert root.find("service/metadata").text == "true"
        assert root.find("service/service_name").text == "Phản ánh hư hỏng đường"
    english = client.get(f"{V2}/services.json", headers={"Accept-Language": "en-US,en;q=0.8"}).get_json()
    assert english[0]["service_name"] == "Report road damage"
    assert client.get(f"{V2}/services.json?jurisdiction_id=1").get_json() == []  # Hà Nội has no form
    errors_of(client.get(f"{V2}/services.json?jurisdiction_id=3"), 404)


def test_a_definition_gives_the_form_fields_as_attributes_in_the_callers_language(client, road_form):
    definition = client.get(f"{V2}/services/road-damage.json").get_json()
    assert definition["service_code"] == "road-damage"
    # `details` (the long text) is Open311's description; photos are the app's uploads.
    attributes = {a["code"]: a for a in definition["attributes"]}
    assert list(attributes) == ["where", "kind", "cars"]
    assert attributes["kind"] == {
        "variable": True,
        "code": "kind",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": 2,
        "description": "Loại hư hỏng",
        "values": [{"key": "pothole", "name": "Ổ gà"}, {"key": "flooding", "name": "Ngập"}],
    }
    assert (attributes["where"]["datatype"], attributes["cars"]["datatype"]) == ("string", "number")

    english = client.get(f"{V2}/services/road-damage.json", headers={"Accept-Language": "en"}).get_json()
    kind = english["attributes"][1]
    assert [v["name"] for v in kind["values"]] == ["Pothole", "Flooding"]
    assert kind["description"] == "Loại hư hỏng"  # no English label: the Vietnamese one

    root = SafeXML.fromstring(client.get(f"{V2}/services/road-damage").data)
    assert root.tag == "service_definition"
    values = root.findall("attributes/attribute/values/value")
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("pothole", "Ổ gà"),
        ("flooding", "Ngập"),
    ]


# ---------------------------------------------------------------- filing and reading back


def test_a_request_is_filed_like_the_apps_and_read_back_with_the_departments_answer(
    client, portal, road_form, staff, department_a, db
):
    created = filed(portal).get_json()
    assert len(created) == 1 and created[0]["account_id"] is None
    request_id = created[0]["service_request_id"]
    assert request_id.startswith("PA-") and request_id in created[0]["service_notice"]

    # Routed, deadlined and audited by intake, as a submission from the app.
    feedback = db.scalar(select(Feedback).where(Feedback.tracking_code == request_id))
    assert (feedback.department_id, feedback.province_code, feedback.ward_code) == (
        department_a.id,
        DA_NANG,
        HAI_CHAU,
    )
    assert feedback.answers == {
        "where": "Trước số 12 Bạch Đằng",
        "kind": "pothole",
        "cars": 3,
        "details": "Ổ gà sâu giữa làn xe máy",
    }
    assert feedback.contact == {"name": "Lan Nguyễn", "phone": "+84905123456", "email": "lan@example.org"}
    assert (feedback.lat, feedback.lon) == (16.0712, 108.224)
    assert [(e.kind, e.actor_type) for e in feedback.events] == [("submitted", "api_key")]
    audited = select(AuditEvent).where(AuditEvent.entity_id == str(feedback.id))
    assert [(a.action, a.actor_id) for a in db.scalars(audited)] == [
        ("feedback.create", str(portal.principal.id))
    ]

    mine = portal.get(f"{V2}/requests/{request_id}.json?api_key={portal.principal.key}").get_json()
    assert len(mine) == 1
    request = mine[0]
    assert request["status"] == "open" and request["status_notes"] == "Đã tiếp nhận (received)"
    assert request["agency_responsible"] == department_a.name
    assert request["description"] == "Ổ gà sâu giữa làn xe máy"
    assert request["address"] == "12 Bạch Đằng, phường Hải Châu, Đà Nẵng"
    assert request["media_url"] == "https://portal.danang.example/photos/1.jpg"
    assert (request["lat"], request["long"]) == (16.0712, 108.224)
    expected = datetime.fromisoformat(request["expected_datetime"])
    assert request["expected_datetime"].endswith("+07:00") and expected == feedback.due_at
    assert request["requested_datetime"].endswith("+07:00")
    body = portal.get(f"{V2}/requests/{request_id}.json?api_key={portal.principal.key}").get_data(
        as_text=True
    )
    assert "0905" not in body and "+8490" not in body and "lan@example.org" not in body and "Lan" not in body

    # Not on the public board yet: anonymous callers do not see it.
    errors_of(client.get(f"{V2}/requests/{request_id}.json"), 404)

    officer = staff["officer_a"]
    answer = {"body": "Đã vá ổ gà ngày 5/12.", "public": True}
    assert officer.post(f"/api/v1/feedback/{feedback.id}/replies", json=answer).status_code == 201

    public = client.get(f"{V2}/requests/{request_id}").data  # XML, anonymous
    root = SafeXML.fromstring(public)
    assert root.tag == "service_requests"
    assert root.findtext("request/status") == "closed"
    assert root.findtext("request/status_notes") == "Đã trả lời (answered): Đã vá ổ gà ngày 5/12."
    assert root.findtext("request/description") == ""  # what the citizen wrote is for the department
    assert root.findtext("request/agency_responsible") == department_a.name
    english = client.get(f"{V2}/requests/{request_id}.json", headers={"Accept-Language": "en"}).get_json()
    assert english[0]["status_notes"] == "Answered (answered): Đã vá ổ gà ngày 5/12."


def test_a_multivaluelist_is_repeated_and_a_ward_code_places_it(portal, make_form, feedback_category, db):
    make_form(
        slug="noise",
        fields=[
            {"name": "details", "label": {"vi": "Mô tả"}, "type": "textarea", "required": True},
            {
                "name": "when",
                "label": {"vi": "Khi nào", "en": "When"},
                "type": "multi_choice",
                "options": [
                    {"value": "night", "label": {"vi": "Ban đêm"}},
                    {"value": "day", "label": {"vi": "Ban ngày"}},
                ],
            },
        ],
    )
    response = portal.post(
        f"{V2}/requests.xml",
        data={
            "api_key": portal.principal.key,
            "service_code": "noise",
            "ward_code": str(HAI_CHAU),
            "attribute[when][]": ["night", "day"],
            "description": "Karaoke đến 1 giờ sáng",
            "phone": PHONE,
        },
    )
    assert response.status_code == 201, response.data
    request_id = SafeXML.fromstring(response.data).findtext("request/service_request_id")
    feedback = db.scalar(select(Feedback).where(Feedback.tracking_code == request_id))
    assert feedback.answers == {"when": ["night", "day"], "details": "Karaoke đến 1 giờ sáng"}
    assert (feedback.ward_code, feedback.address, feedback.lat) == (HAI_CHAU, None, None)


def test_requests_are_listed_by_filters_within_90_days(client, portal, road_form, staff, db):
    first = filed(portal).get_json()[0]["service_request_id"]
    second = filed(portal).get_json()[0]["service_request_id"]
    key = f"api_key={portal.principal.key}"

    listed = portal.get(f"{V2}/requests.json?{key}").get_json()
    assert [r["service_request_id"] for r in listed] == [second, first]  # newest first
    assert (
        portal.get(f"{V2}/requests.json?{key}&page_size=1&page=2").get_json()[0]["service_request_id"]
        == first
    )
    assert len(portal.get(f"{V2}/requests.json?{key}&status=open&service_code=road-damage").get_json()) == 2
    assert portal.get(f"{V2}/requests.json?{key}&status=closed").get_json() == []
    by_id = portal.get(f"{V2}/requests.json?{key}&service_request_id={first.lower()},PA-0000-NOPE").get_json()
    assert [r["service_request_id"] for r in by_id] == [first]
    long_ago = "start_date=2025-01-01T00:00:00%2B07:00&end_date=2025-03-01T00:00:00%2B07:00"
    assert portal.get(f"{V2}/requests.json?{key}&{long_ago}").get_json() == []
    assert client.get(f"{V2}/requests.json").get_json() == []  # anonymous: the public board only


@pytest.fixture
def live(app, database, db):
    """The app on 127.0.0.1 for a client library that makes its own HTTP calls; `live.sync()` commits
    what the test wrote so the server's requests see it (as Caller does for the test client)."""
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Live:
        url = f"http://127.0.0.1:{server.port}{V2}"

        @staticmethod
        def sync():
            db.commit()
            database.session.commit()
            database.session.remove()

    yield Live
    server.shutdown()
    thread.join()


def test_an_open311_client_library_lists_reads_and_follows_a_request(live, portal, road_form, staff, db):
    """georeport (PyPI) reads; it files nothing, so the request is filed over plain HTTP as above."""
    request_id = filed(portal).get_json()[0]["service_request_id"]
    feedback = db.scalar(select(Feedback).where(Feedback.tracking_code == request_id))
    officer = staff["officer_a"]
    answer = {"body": "Đã vá ổ gà ngày 5/12.", "public": True}
    assert officer.post(f"/api/v1/feedback/{feedback.id}/replies", json=answer).status_code == 201
    live.sync()

    json_client, xml_client = GeoReport(live.url), GeoReport(live.url, output_format="xml")
    assert [s["service_code"] for s in json_client.get_service_list()] == ["road-damage"]
    assert xml_client.get_service_list()["service_code"] == "road-damage"  # xmltodict: one child, a dict
    definition = json_client.get_service_definition("road-damage")
    assert [a["code"] for a in definition["attributes"]] == ["where", "kind", "cars"]
    kind = xml_client.get_service_definition("road-damage")["attributes"]["attribute"][1]
    assert [v["key"] for v in kind["values"]["value"]] == ["pothole", "flooding"]

    followed = json_client.get_service_request(request_id)
    assert followed["status"] == "closed"
    assert followed["status_notes"] == "Đã trả lời (answered): Đã vá ổ gà ngày 5/12."
    assert followed["agency_responsible"] == feedback.department.name
    listed = xml_client.get_service_requests(status="closed", service_code="road-damage")
    assert (listed["service_request_id"], listed["status"]) == (request_id, "closed")


def test_another_departments_key_reads_only_what_was_published_and_not_the_description(
    app, portal, road_form, staff, department_b, make_api_key, db
):
    request_id = filed(portal).get_json()[0]["service_request_id"]
    other = make_api_key(scopes=("feedback:read",), department=department_b)
    url = f"{V2}/requests/{request_id}.json?api_key={other.key}"
    errors_of(portal.get(url), 404)
    feedback = db.scalar(select(Feedback).where(Feedback.tracking_code == request_id))
    answer = {"body": "Đã xử lý.", "public": True}
    assert staff["officer_a"].post(f"/api/v1/feedback/{feedback.id}/replies", json=answer).status_code == 201
    seen = portal.get(url).get_json()[0]
    assert seen["status"] == "closed" and seen["description"] is None


# ---------------------------------------------------------------- bad input


def test_every_bad_input_is_the_specs_error_list(client, portal, road_form, make_api_key):
    # Unknown service: 404, in the format the path asks for (XML without a suffix).
    errors_of(filed(portal, expect=404, service_code="no-such-service"), 404)
    errors_of(filed(portal, expect=404, suffix="", service_code="no-such-service"), 404)
    errors_of(client.get(f"{V2}/services/no-such-service.json"), 404)
    errors_of(client.get(f"{V2}/services/no-such-service"), 404)
    errors_of(client.get(f"{V2}/requests/PA-0000-NOPE.json"), 404)

    # Missing location: 400 naming what to send (lat/long alone locate no ward).
    missing = errors_of(filed(portal, expect=400, address_string=None), 400)
    assert "ward_code" in missing[0]["description"] and "jurisdiction_id" in missing[0]["description"]
    errors_of(filed(portal, expect=400, address_string="Somewhere far away"), 400)
    assert filed(portal, address_string=None, jurisdiction_id="48").status_code == 201  # province-wide

    # Bad api_key: 403, as are a missing key and a key without feedback:write.
    errors_of(filed(portal, expect=403, api_key="cak_not-a-key"), 403)
    errors_of(filed(portal, expect=403, api_key="garbage"), 403)
    errors_of(filed(portal, expect=403, api_key=None), 403)
    reader = make_api_key(scopes=("feedback:read",))
    errors_of(filed(portal, expect=403, api_key=reader.key), 403)
    errors_of(client.get(f"{V2}/services.json?api_key=cak_wrong"), 403)

    # Dates in the wrong format, the wrong order or more than 90 days apart: 400.
    for query in (
        "start_date=yesterday",
        "end_date=2026-13-01T00:00:00Z",
        "start_date=2026-06-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",
        "start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z",
        "status=pending",
        "page_size=5000",
    ):
        errors_of(client.get(f"{V2}/requests.json?{query}"), 400)
    errors_of(client.get(f"{V2}/requests?start_date=yesterday"), 400)  # XML

    # Every bad field of a request at once, named as the request's parameters.
    bad = errors_of(
        filed(portal, expect=400, **{"attribute[kind]": "volcano", "attribute[lava]": "hot", "phone": None}),
        400,
    )
    described = " ".join(error["description"] for error in bad)
    assert "attribute[kind]" in described and "attribute[lava]" in described and "phone" in described
    errors_of(filed(portal, expect=400, **{"attribute[cars]": "many"}), 400)
    for not_an_attribute in ("photos", "details"):  # an upload of the app's; the description
        found = errors_of(filed(portal, expect=400, **{f"attribute[{not_an_attribute}]": "x"}), 400)
        assert found[0]["description"].startswith(f"attribute[{not_an_attribute}]: Not an attribute")
    errors_of(filed(portal, expect=400, lat="north", media_url="javascript:alert(1)"), 400)
    assert "long: Send lat and long together." in str(errors_of(filed(portal, expect=400, long=None), 400))


@pytest.mark.parametrize(
    "junk",
    [
        "service_code=road-damage&description=%00",
        "service_code=road-damage&first_name=%ED%A0%80&ward_code=20242",
        "service_code=%FF%FE&lat=1e999&long=nan",
        "service_code=road-damage&ward_code=99999999999999999999&attribute%5B%5D=1",
        "service_code=road-damage&jurisdiction_id=-1&attribute%5Bkind%5D%5B%5D=x",
    ],
)
def test_junk_is_a_4xx_never_a_5xx(portal, road_form, junk):
    response = portal.post(
        f"{V2}/requests.json",
        data=f"api_key={portal.principal.key}&{junk}",
        content_type="application/x-www-form-urlencoded",
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    errors_of(response, response.status_code)


def test_times_are_local_with_their_offset(portal, road_form):
    request_id = filed(portal).get_json()[0]["service_request_id"]
    found = portal.get(f"{V2}/requests/{request_id}.json?api_key={portal.principal.key}").get_json()[0]
    requested = datetime.fromisoformat(found["requested_datetime"])
    assert requested.utcoffset() == timedelta(hours=7)
