import uuid

from flask import current_app
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import ListQuerySchema, page_of
from schemas.webhooks import (
    WebhookChangesSchema,
    WebhookDeliverySchema,
    WebhookQuerySchema,
    WebhookSchema,
    WebhookWithSecretSchema,
)
from services.webhooks import registry, wiring

ns = Namespace(
    "webhooks",
    description="Signed event deliveries to a department's or the province's systems (docs/webhooks.md)",
)
WebhookPage = page_of(WebhookSchema)


def url_rules() -> registry.UrlRules:
    config = current_app.config
    return registry.UrlRules(config["WEBHOOK_ALLOW_HTTP"], config["WEBHOOK_ALLOW_PRIVATE"])


@ns.route("")
class Webhooks(Resource):
    @operation(ns, query=WebhookQuerySchema, returns=WebhookPage, action="webhooks.manage")
    def get(self):
        """The webhooks the caller manages (a department's own; all for admins), newest first."""
        args = query(WebhookQuerySchema())
        return WebhookPage().dump(registry.list_webhooks(session(), current_principal(), **args))

    @operation(ns, body=WebhookSchema, returns=WebhookWithSecretSchema, status=201, action="webhooks.manage")
    def post(self):
        """Register a webhook; the answer carries its signing secret, shown only this once."""
        webhook = registry.create(session(), current_principal(), body(WebhookSchema()), url_rules())
        return WebhookWithSecretSchema().dump(webhook), 201


@ns.route("/<uuid:webhook_id>")
class Webhook(Resource):
    @operation(ns, returns=WebhookSchema, action="webhooks.manage")
    def get(self, webhook_id: uuid.UUID):
        """One webhook, with why it was disabled if it was."""
        return WebhookSchema().dump(registry.get(session(), current_principal(), webhook_id))

    @operation(ns, body=WebhookChangesSchema, returns=WebhookSchema, action="webhooks.manage")
    def patch(self, webhook_id: uuid.UUID):
        """Change URL, events or description; `{"active": true}` switches a disabled webhook on again."""
        data = body(WebhookChangesSchema())
        return WebhookSchema().dump(
            registry.update(session(), current_principal(), webhook_id, data, url_rules())
        )

    @operation(ns, status=204, action="webhooks.manage")
    def delete(self, webhook_id: uuid.UUID):
        """Delete a webhook: nothing more is sent to it."""
        registry.delete(session(), current_principal(), webhook_id)
        return "", 204


@ns.route("/<uuid:webhook_id>/rotate-secret")
class RotateSecret(Resource):
    @operation(ns, returns=WebhookWithSecretSchema, action="webhooks.manage")
    def post(self, webhook_id: uuid.UUID):
        """Issue a new signing secret (shown only in this answer); the old one stops signing at once."""
        return WebhookWithSecretSchema().dump(
            registry.rotate_secret(session(), current_principal(), webhook_id)
        )


DeliveryPage = page_of(WebhookDeliverySchema)


@ns.route("/<uuid:webhook_id>/test")
class WebhookTest(Resource):
    @operation(ns, returns=WebhookDeliverySchema, status=202, action="webhooks.manage", conflicts=True)
    def post(self, webhook_id: uuid.UUID):
        """Send a `ping` event to the webhook; follow it in …/deliveries."""
        return WebhookDeliverySchema().dump(wiring.send_test(session(), current_principal(), webhook_id)), 202


@ns.route("/<uuid:webhook_id>/deliveries")
class WebhookDeliveries(Resource):
    @operation(ns, query=ListQuerySchema, returns=DeliveryPage, action="webhooks.manage")
    def get(self, webhook_id: uuid.UUID):
        """What was sent to the webhook, newest first: status, attempts, answer code, latency, last error."""
        args = query(ListQuerySchema())
        return DeliveryPage().dump(wiring.deliveries(session(), current_principal(), webhook_id, **args))
