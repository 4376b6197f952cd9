"""The radio system's integration hears of each bulletin through the `bulletin.ready` webhook event
(docs/bulletins.md): its delivery carries the bulletin as the API shows it."""

from sqlalchemy import select

from services.models import Delivery
from tests.test_bulletins import HAI_CHAU, alert
from tests.test_webhooks import created, permissive  # noqa: F401  (a fixture)


def test_an_urgent_bulletin_is_announced_to_the_radio_systems_webhook(permissive, admin, staff, db):  # noqa: F811
    hook = created(admin, events=["bulletin.ready"])
    alert(staff["editor_a"], severity="extreme")
    [delivery] = db.scalars(select(Delivery).where(Delivery.address == hook["id"])).all()
    body = delivery.payload
    assert body["event"] == "bulletin.ready"
    assert (body["data"]["kind"], body["data"]["ward_code"]) == ("urgent", HAI_CHAU)
    assert body["data"]["text"].startswith("Kính thưa bà con Phường Hải Châu")
