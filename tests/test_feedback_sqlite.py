"""The feedback path on SQLite, the embedded default (the rest of the suite runs on PostgreSQL): the
migrations, form versions, routing and triage, idempotent retries, photos, the workflow, deadlines,
tracking, rating, reopening, the inbox filters and the public board."""

from datetime import datetime

import pytest
from alembic import command
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api import create_app
from api.cli import alembic_config
from services.core.security import DEVICE_TOKEN_PREFIX, new_token
from services.feedback import workflow
from services.models import Category, Department, Device, Feedback, User
from tests.conftest import TEST_SECRET, Caller, assert_problem, staff_token
from tests.feedback_fixtures import DA_NANG, FEEDBACK, HAI_CHAU, JPEG, ROAD_FORM, consenting, submit, upload


@pytest.fixture
def sqlite(tmp_path):
    """An app on a new SQLite file built by the migrations, with two departments, their officers, an
    admin and a citizen's phone (consenting to every purpose)."""
    url = f"sqlite:///{tmp_path / 'citizen.db'}"
    app = create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": TEST_SECRET,
            "APP_ENV": "test",
            "ATTACHMENTS_DIR": str(tmp_path / "attachments"),
        }
    )
    engine = app.extensions["database"].engine
    with engine.begin() as connection:
        command.upgrade(alembic_config(url, connection), "head")
    with Session(engine, expire_on_commit=False) as db:
        intake = Department(
            code="VP", name="Văn phòng", name_search="van phong", province_code=DA_NANG, intake=True
        )
        roads = Department(code="SXD", name="Sở Xây dựng", name_search="so xay dung", province_code=DA_NANG)
        category = Category(
            code="roads", kind="feedback", name_vi="Đường", priority="normal", deadline_working_days=5
        )
        token, hashed = new_token(DEVICE_TOKEN_PREFIX)
        device = Device(token_hash=hashed, platform="android", province_code=DA_NANG, ward_code=HAI_CHAU)
        users = {
            name: User(
                email=f"{name}@example.org", full_name=name, password_hash="x", role=role, department=dept
            )
            for name, role, dept in (
                ("admin", "admin", None),
                ("intake", "officer", intake),
                ("roads", "officer", roads),
            )
        }
        db.add_all([intake, roads, category, device, *users.values()])
        db.commit()
        consenting(db, device)
    callers = {name: Caller(app.test_client(), staff_token(user), user) for name, user in users.items()}
    callers["citizen"] = Caller(app.test_client(), token, device)
    yield app, engine, callers, {"intake": intake, "roads": roads, "category": category}
    engine.dispose()


def test_the_whole_feedback_path_on_sqlite(sqlite):
    app, engine, who, rows = sqlite
    citizen, admin = who["citizen"], who["admin"]
    assert admin.post("/api/v1/forms", json=ROAD_FORM).status_code == 201

    # No rule: the intake department takes it, flagged for triage; a retry creates nothing.
    key = {"Idempotency-Key": "sqlite-1"}
    first = submit(citizen, headers=key)
    assert submit(citizen, headers=key)["id"] == first["id"]
    assert (first["department"]["name"], first["needs_triage"]) == ("Văn phòng", True)
    received = datetime.fromisoformat(first["received_at"])
    assert datetime.fromisoformat(first["due_at"]) == workflow.due_at(rows["category"], received)

    # A ward rule beats nothing; the new submission carries a photo and answers form version 2.
    rule = {"category_code": "roads", "ward_code": HAI_CHAU, "department_id": str(rows["roads"].id)}
    assert admin.post("/api/v1/routing-rules", json=rule).status_code == 201
    edited = {k: v for k, v in ROAD_FORM.items() if k != "slug"}
    assert admin.put("/api/v1/forms/road-damage", json=edited).get_json()["version"] == 2
    photo = upload(citizen, JPEG)
    second = submit(citizen, answers={"where": "Cầu Rồng", "kind": "flooding", "photos": [photo["id"]]})
    assert (second["department"]["name"], second["needs_triage"]) == ("Sở Xây dựng", False)
    assert (first["form"]["version"], second["form"]["version"]) == (1, 2)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Feedback)) == 2

    # The intake office transfers the first to Sở Xây dựng, which answers it publicly.
    intake, roads = who["intake"], who["roads"]
    moved = intake.post(
        f"{FEEDBACK}/{first['id']}/transfer",
        json={"department_id": str(rows["roads"].id), "reason": "Đường sá"},
    ).get_json()
    assert moved["department"]["name"] == "Sở Xây dựng" and moved["due_at"] >= first["due_at"]
    assert_problem(intake.get(f"{FEEDBACK}/{first['id']}"), 404)
    inbox = f"/api/v1/departments/{rows['roads'].id}/feedback"
    assert len(roads.get(inbox).get_json()["items"]) == 2
    assert [i["id"] for i in roads.get(f"{inbox}?q=cau rong").get_json()["items"]] == [second["id"]]
    assert roads.get(f"{inbox}?overdue=true").get_json()["items"] == []
    assert len(roads.get(f"{inbox}?limit=1").get_json()["next_cursor"]) > 0
    answered = roads.post(f"{FEEDBACK}/{first['id']}/replies", json={"body": "Đã vá.", "public": True})
    assert answered.status_code == 201, answered.get_json()
    assert_problem(
        roads.post(f"{FEEDBACK}/{first['id']}/status", json={"to": "in_progress"}), 409, "invalid_transition"
    )

    # The citizen tracks, rates and reopens; the public board shows the answer without personal data.
    tracked = citizen.get(f"{FEEDBACK}/track?code={first['tracking_code']}").get_json()
    assert tracked["replies"][0]["body"] == "Đã vá."
    assert citizen.get(second["attachments"][0]["url"]).data == JPEG
    assert (
        citizen.post(f"{FEEDBACK}/{first['id']}/rating", json={"score": 4}).get_json()["rating"]["score"] == 4
    )
    board = app.test_client().get(f"{FEEDBACK}/public?province_code={DA_NANG}").get_json()["items"]
    assert [i["tracking_code"] for i in board] == [first["tracking_code"]] and "contact" not in board[0]
    reopened = citizen.post(f"{FEEDBACK}/{first['id']}/reopen", json={"reason": "Vẫn còn"}).get_json()
    assert reopened["status"] == "reopened"
    assert [i["id"] for i in citizen.get(f"{FEEDBACK}/mine").get_json()["items"]] == [
        second["id"],
        first["id"],
    ]
    # The citizen's inbox has every receipt, newest first.
    inbox = citizen.get("/api/v1/devices/me/notifications").get_json()["items"]
    assert [item["title"] for item in inbox] == [
        f"Phản ánh {first['tracking_code']} đã có trả lời",
        f"Phản ánh {first['tracking_code']} đã được chuyển",
        f"Đã nhận phản ánh {second['tracking_code']}",
        f"Đã nhận phản ánh {first['tracking_code']}",
    ]
