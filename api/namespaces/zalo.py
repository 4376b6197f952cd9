"""Zalo: the templates Zalo approved for our messages and the Official Account's webhook (docs/zalo.md).
Sign-in and phone sharing are device operations (api/namespaces/devices.py); the privacy notices are in
api/namespaces/privacy.py."""

from flask import current_app, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body
from api.openapi import operation
from schemas.zalo import (
    TEMPLATE_CHANNELS,
    TemplateMessagesSchema,
    ZaloTemplateSchema,
    ZaloTemplatesSchema,
    ZaloWebhookAnswerSchema,
)
from services.core.errors import Unavailable
from services.outbox import texts
from services.outbox.channels.zalo_api import ZaloClient, ZaloSettings
from services.zalo import receipts, templates

ns = Namespace("zalo", description="The templates Zalo approved for the province's messages (admins)")
webhooks = Namespace("zalo-webhook", description="Zalo's calls to us: the Official Account's webhook")
webhooks.mount_path = "/webhooks"
CHANNEL = f"<any({', '.join(TEMPLATE_CHANNELS)}):channel>"


def client() -> ZaloClient | None:
    """The app's Zalo client; None when the province has not configured Zalo."""
    return current_app.extensions["zalo"]


def init_app(app) -> None:
    settings = ZaloSettings.from_config(app.config)
    app.extensions["zalo_settings"] = settings
    app.extensions["zalo"] = ZaloClient(settings) if settings else None


@ns.route("/templates")
class ZaloTemplates(Resource):
    @operation(ns, returns=ZaloTemplatesSchema, action="zalo.templates")
    def get(self):
        """Every template recorded, on both channels."""
        return ZaloTemplatesSchema().dump({"items": templates.list_all(session(), current_principal())})


@ns.route("/templates/messages")
class TemplateMessages(Resource):
    @operation(ns, returns=TemplateMessagesSchema, action="zalo.templates")
    def get(self):
        """The messages a template can carry, and the fields each offers its parameters."""
        items = [{"message": key, "fields_": templates.fields_of(key)} for key in sorted(texts.TEXTS)]
        return TemplateMessagesSchema().dump({"items": items})


@ns.route(f"/templates/{CHANNEL}/<string:message>")
@ns.param("channel", "zalo_miniapp (Mini App notifications) or zns (ZNS messages to a phone)")
@ns.param("message", "A message key, e.g. feedback.answered (GET /api/v1/zalo/templates/messages)")
class ZaloTemplate(Resource):
    @operation(
        ns,
        body=ZaloTemplateSchema,
        returns=ZaloTemplateSchema,
        action="zalo.templates",
        problems={503: "Zalo is not configured on this deployment (`zalo_not_configured`)."},
    )
    def put(self, channel: str, message: str):
        """Record the template Zalo approved for a message, and the field each parameter takes."""
        data = body(ZaloTemplateSchema())
        if client() is None:  # no worker would send it: messages would wait for ever
            raise Unavailable("This province has not set up Zalo.", code="zalo_not_configured")
        template = templates.put(session(), current_principal(), channel, message, data)
        return ZaloTemplateSchema().dump(template)

    @operation(ns, status=204, action="zalo.templates")
    def delete(self, channel: str, message: str):
        """Stop sending the message on that channel."""
        templates.delete(session(), current_principal(), channel, message)
        return "", 204


@webhooks.route("/zalo")
class ZaloWebhook(Resource):
    @operation(
        webhooks,
        returns=ZaloWebhookAnswerSchema,
        action="zalo.webhook",
        auth="none",
        problems={401: "Not signed by Zalo (`X-ZEvent-Signature`), or signed too long ago."},
    )
    def post(self):
        """Zalo's Official Account events: a ZNS message received (`user_received_message`) or read
        (`user_seen_message`) marks its delivery. Signed with the OA secret key; anything else is refused."""
        matched = receipts.receive(
            session(),
            current_app.extensions["zalo_settings"],
            request.get_data(cache=False),
            request.headers.get("X-ZEvent-Signature"),
        )
        return ZaloWebhookAnswerSchema().dump({"received": True, "matched": matched})
