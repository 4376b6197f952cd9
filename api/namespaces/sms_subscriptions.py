"""SMS subscriptions of feature phones to their commune's alerts, for staff (docs/sms.md)."""

import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import page_of
from schemas.sms import SmsSubscriptionQuerySchema, SmsSubscriptionSchema
from services.sms import subscriptions

ns = Namespace("sms-subscriptions", description="Phone numbers that get their commune's alerts by SMS")
SubscriptionPage = page_of(SmsSubscriptionSchema)


@ns.route("")
class SmsSubscriptions(Resource):
    @operation(ns, query=SmsSubscriptionQuerySchema, returns=SubscriptionPage, action="sms.subscriptions")
    def get(self):
        """Subscriptions, newest first; by commune, number or status."""
        page = subscriptions.list_all(session(), current_principal(), **query(SmsSubscriptionQuerySchema()))
        return SubscriptionPage().dump(page)

    @operation(
        ns, body=SmsSubscriptionSchema, returns=SmsSubscriptionSchema, status=201, action="sms.subscriptions"
    )
    def post(self):
        """Record a number at the commune office, after the citizen agreed there: active at once."""
        found = subscriptions.record(session(), current_principal(), body(SmsSubscriptionSchema()))
        return SmsSubscriptionSchema().dump(found), 201


@ns.route("/<uuid:subscription_id>")
class SmsSubscription(Resource):
    @operation(ns, status=204, action="sms.subscriptions")
    def delete(self, subscription_id: uuid.UUID):
        """Stop a subscription (the number may text DK again)."""
        subscriptions.stop(session(), current_principal(), subscription_id)
        return "", 204
