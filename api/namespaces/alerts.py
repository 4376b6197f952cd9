import uuid

from flask import current_app
from flask_restx import Namespace, Resource
from yarl import URL

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.namespaces.bulletins import AUDIO, SPEECH_DOWN, played
from api.namespaces.feeds import NOT_MODIFIED, alert_url, syndicated
from api.openapi import operation
from schemas.alerts import AlertChangesSchema, AlertQuerySchema, AlertSchema, CancelSchema
from schemas.bulletins import AudioQuerySchema
from schemas.common import page_of
from schemas.notifications import DeliverySummarySchema
from services.core import speech
from services.publishing import alert_syndication, alerts, bulletins

ns = Namespace(
    "alerts",
    description="Public alerts (scams, misinformation, safety…): editors publish, anyone reads, CAP 1.2",
)
AlertPage = page_of(AlertSchema)


def cap_sender() -> str:
    """CAP `sender`: globally unique and stable, by default the public host name of the API."""
    return current_app.config["CAP_SENDER"] or URL(current_app.config["PUBLIC_BASE_URL"]).host


@ns.route("")
class Alerts(Resource):
    @operation(
        ns, action="alerts.read", query=AlertQuerySchema, returns=AlertPage, auth="optional", reads="replica"
    )
    def get(self):
        """Alerts, most severe and most recent first: active ones by default, for a ward or province."""
        args = query(AlertQuerySchema())
        return AlertPage().dump(alerts.list_alerts(session(), current_principal(), **args))

    @operation(ns, body=AlertSchema, returns=AlertSchema, status=201, action="alerts.write")
    def post(self):
        """Draft an alert (editor for their department, or admin); publish it with POST …/publish."""
        alert = alerts.create(session(), current_principal(), body(AlertSchema()))
        return AlertSchema().dump(alert), 201


@ns.route("/<uuid:alert_id>")
class Alert(Resource):
    @operation(ns, action="alerts.read", returns=AlertSchema, auth="optional", reads="replica")
    def get(self, alert_id: uuid.UUID):
        """One alert (drafts only for their department)."""
        return AlertSchema().dump(alerts.get(session(), current_principal(), alert_id))

    @operation(ns, body=AlertChangesSchema, returns=AlertSchema, action="alerts.write")
    def patch(self, alert_id: uuid.UUID):
        """Change a draft; on a published alert, issue an Update (CAP msgType=Update, pushed again)."""
        data = body(AlertChangesSchema())
        return AlertSchema().dump(alerts.update(session(), current_principal(), alert_id, data))


@ns.route("/<uuid:alert_id>/publish")
class Publish(Resource):
    @operation(ns, returns=AlertSchema, action="alerts.write", conflicts=True)
    def post(self, alert_id: uuid.UUID):
        """Publish a draft: pushed at once (high priority, until it expires) to the places it targets."""
        return AlertSchema().dump(alerts.publish(session(), current_principal(), alert_id))


@ns.route("/<uuid:alert_id>/cancel")
class Cancel(Resource):
    @operation(ns, body=CancelSchema, returns=AlertSchema, action="alerts.write")
    def post(self, alert_id: uuid.UUID):
        """Cancel a published alert (CAP msgType=Cancel); phones get a cancel notice in its place."""
        reason = body(CancelSchema())["reason"]
        return AlertSchema().dump(alerts.cancel(session(), current_principal(), alert_id, reason))


@ns.route("/<uuid:alert_id>/cap")
class Cap(Resource):
    @operation(
        ns, action="alerts.read", auth="optional", produces=[alert_syndication.CAP_MIMETYPE], reads="replica"
    )
    @ns.response(304, NOT_MODIFIED)
    def get(self, alert_id: uuid.UUID):
        """The alert's latest message (Alert, Update or Cancel) as an OASIS CAP document
        A CAP 1.2 `alert` element, sent as application/cap+xml."""
        alert = alerts.issued(session(), current_principal(), alert_id)
        document = alert_syndication.cap_document(alert, cap_sender(), alert_url(alert), spoken(alert))
        return syndicated(document, alert_syndication.CAP_MIMETYPE, alert.sent_at)


def spoken(alert) -> alert_syndication.AudioResource | None:
    """A severe or extreme alert read aloud (MP3, what radio systems play), for its CAP resource; None when
    the voice is not working: the CAP document never waits on it."""
    if alert.severity not in bulletins.URGENT or alert.status != "published":
        return None
    try:
        audio = bulletins.audio(session(), bulletins.alert_words(alert), "mp3")
    except speech.SpeechUnavailable:  # no voice now: the CAP document never waits on it
        return None
    uri = f"{alert_url(alert)}/audio?format=mp3"
    return alert_syndication.AudioResource(uri, audio.media_type, audio.data)


@ns.route("/<uuid:alert_id>/audio")
class AlertAudio(Resource):
    @operation(
        ns,
        query=AudioQuerySchema,
        action="alerts.read",
        auth="optional",
        produces=AUDIO,
        problems=SPEECH_DOWN,
    )
    def get(self, alert_id: uuid.UUID):
        """The alert read aloud in Vietnamese (the app's "listen" button for elderly readers)."""
        fmt = query(AudioQuerySchema())["format"]
        alert = alerts.get(session(), current_principal(), alert_id)
        return played(bulletins.audio(session(), bulletins.alert_words(alert), fmt))


@ns.route("/<uuid:alert_id>/deliveries")
class Deliveries(Resource):
    @operation(ns, returns=DeliverySummarySchema, action="alerts.deliveries")
    def get(self, alert_id: uuid.UUID):
        """How the alert's pushes went: counts by status, first and last send (its department, admins)."""
        return DeliverySummarySchema().dump(alerts.deliveries(session(), current_principal(), alert_id))
