"""The webhook operations that need the outbox: a test ping and the deliveries log (see
merge-h1/README.md; they join the webhooks namespace once services.outbox is merged)."""

import uuid

from flask_restx import Resource

from api.auth import current_principal
from api.database import session
from api.http import query
from api.namespaces.webhooks import ns
from api.openapi import operation
from schemas.common import ListQuerySchema, page_of
from schemas.webhooks import WebhookDeliverySchema
from services.webhooks import wiring

DeliveryPage = page_of(WebhookDeliverySchema)


@ns.route("/<uuid:webhook_id>/test")
class Test(Resource):
    @operation(ns, returns=WebhookDeliverySchema, status=202, action="webhooks.manage", conflicts=True)
    def post(self, webhook_id: uuid.UUID):
        """Send a `ping` event to the webhook; follow it in …/deliveries."""
        return WebhookDeliverySchema().dump(wiring.send_test(session(), current_principal(), webhook_id)), 202


@ns.route("/<uuid:webhook_id>/deliveries")
class Deliveries(Resource):
    @operation(ns, query=ListQuerySchema, returns=DeliveryPage, action="webhooks.manage")
    def get(self, webhook_id: uuid.UUID):
        """What was sent to the webhook, newest first: status, attempts, answer code, latency, last error."""
        args = query(ListQuerySchema())
        return DeliveryPage().dump(wiring.deliveries(session(), current_principal(), webhook_id, **args))
