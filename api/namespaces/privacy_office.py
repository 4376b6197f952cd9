"""The data-protection officer's side of /api/v1/privacy: citizens' requests under the personal data law
(also the citizen's own view of theirs), the breach register and the access log (docs/privacy.md)."""

import uuid

from flask_restx import Namespace, Resource

from api import API_PREFIX
from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.limits import PRIVACY_REQUESTS_PER_DEVICE, PRIVACY_REQUESTS_PER_IP, calling_device, limiter
from api.openapi import operation
from schemas.common import ListQuerySchema, page_of
from schemas.privacy_office import (
    AccessEntrySchema,
    AccessLogQuerySchema,
    BreachChangesSchema,
    BreachInformSchema,
    BreachNotifiedSchema,
    BreachSchema,
    NewPrivacyRequestSchema,
    PrivacyRequestQuerySchema,
    PrivacyRequestSchema,
    RequestActSchema,
    RequestAnswerSchema,
    RequestCloseSchema,
    RequestExtendSchema,
)
from services.privacy import access_log, breaches, requests

ns = Namespace(
    "privacy-office",
    description="Requests under the personal data law, the breach register, the access log",
)
ns.mount_path = f"{API_PREFIX}/privacy"
RequestPage = page_of(PrivacyRequestSchema)
BreachPage = page_of(BreachSchema)
AccessPage = page_of(AccessEntrySchema)
REQUEST = PrivacyRequestSchema()
BREACH = BreachSchema()


@ns.route("/requests")
class PrivacyRequests(Resource):
    @operation(
        ns,
        body=NewPrivacyRequestSchema,
        returns=PrivacyRequestSchema,
        status=201,
        action="privacy.requests.submit",
    )
    @limiter.limit(
        PRIVACY_REQUESTS_PER_DEVICE, key_func=calling_device, deduct_when=lambda r: r.status_code == 201
    )
    @limiter.limit(PRIVACY_REQUESTS_PER_IP)
    def post(self):
        """Make a request about one's personal data
        To see, correct or delete it, or to restrict, object to or withdraw consent to its processing. The
        answer is due within 2 working days; the right is carried out within 15 days (20 when a
        processor must act too), extendable once. Each step reaches the citizen's devices."""
        created = requests.submit(session(), current_principal(), body(NewPrivacyRequestSchema()))
        return REQUEST.dump(created), 201

    @operation(ns, query=PrivacyRequestQuerySchema, returns=RequestPage, action="privacy.requests.track")
    def get(self):
        """A citizen's own requests, or the officer's inbox
        The citizen's newest first; the officer's: open requests by the deadline they are on, overdue
        first."""
        args = query(PrivacyRequestQuerySchema())
        return RequestPage().dump(requests.listing(session(), current_principal(), **args))


@ns.route("/requests/<uuid:request_id>")
class PrivacyRequest(Resource):
    @operation(ns, returns=PrivacyRequestSchema, action="privacy.requests.track")
    def get(self, request_id: uuid.UUID):
        """One request with its clock and every step (a citizen: only their own)."""
        return REQUEST.dump(requests.get(session(), current_principal(), request_id))


def _request_step(path: str, schema, service, summary: str) -> None:
    """POST /requests/{id}/`path`: one of the officer's steps on a request."""

    class Step(Resource):
        @operation(ns, body=schema, returns=PrivacyRequestSchema, action="privacy.requests", conflicts=True)
        def post(self, request_id: uuid.UUID):
            return REQUEST.dump(service(session(), current_principal(), request_id, body(schema())))

    Step.post.__doc__ = summary
    Step.__name__ = f"PrivacyRequest{path.title()}"
    ns.route(f"/requests/<uuid:request_id>/{path}")(Step)


_request_step(
    "answer",
    RequestAnswerSchema,
    requests.answer,
    "Answer the request (due within 2 working days)\nSay `processor_involved` when a processor or third "
    "party must act too: the right is then due within 20 days.",
)
_request_step("act", RequestActSchema, requests.act, "Record that the right was carried out")
_request_step(
    "extend", RequestExtendSchema, requests.extend, "Extend the completion deadline, once, by at most 15 days"
)
_request_step(
    "close",
    RequestCloseSchema,
    requests.close,
    "Close the request: fulfilled (after …/act), refused (say the legal ground) or withdrawn",
)


@ns.route("/breaches")
class Breaches(Resource):
    @operation(ns, query=ListQuerySchema, returns=BreachPage, action="privacy.breaches")
    def get(self):
        """The breach register, the most recently detected first."""
        return BreachPage().dump(
            breaches.list_breaches(session(), current_principal(), **query(ListQuerySchema()))
        )

    @operation(ns, body=BreachSchema, returns=BreachSchema, status=201, action="privacy.breaches")
    def post(self):
        """Register a breach
        The 72-hour clock to notify the Ministry of Public Security starts at its detection; the officers
        are reminded by e-mail until the notification is recorded."""
        return BREACH.dump(breaches.create(session(), current_principal(), body(BreachSchema()))), 201


@ns.route("/breaches/<uuid:breach_id>")
class Breach(Resource):
    @operation(ns, returns=BreachSchema, action="privacy.breaches")
    def get(self, breach_id: uuid.UUID):
        """One breach."""
        return BREACH.dump(breaches.get(session(), current_principal(), breach_id))

    @operation(ns, body=BreachChangesSchema, returns=BreachSchema, action="privacy.breaches")
    def patch(self, breach_id: uuid.UUID):
        """Complete a breach's record: the data and people affected, the measures, the detection time."""
        data = body(BreachChangesSchema())
        return BREACH.dump(breaches.update(session(), current_principal(), breach_id, data))


@ns.route("/breaches/<uuid:breach_id>/notified")
class BreachNotified(Resource):
    @operation(ns, body=BreachNotifiedSchema, returns=BreachSchema, action="privacy.breaches", conflicts=True)
    def post(self, breach_id: uuid.UUID):
        """Record the notification to the Ministry of Public Security (A05)
        When and how it was sent; the reminders stop."""
        data = body(BreachNotifiedSchema())
        return BREACH.dump(breaches.notified(session(), current_principal(), breach_id, data))


@ns.route("/breaches/<uuid:breach_id>/inform")
class BreachInform(Resource):
    @operation(ns, body=BreachInformSchema, returns=BreachSchema, action="privacy.breaches")
    def post(self, breach_id: uuid.UUID):
        """Tell affected citizens through their channels (a push to each of their devices and their inbox)."""
        data = body(BreachInformSchema())
        return BREACH.dump(breaches.inform(session(), current_principal(), breach_id, data))


@ns.route("/access-log")
class AccessLog(Resource):
    @operation(ns, query=AccessLogQuerySchema, returns=AccessPage, action="privacy.access_log")
    def get(self):
        """Reads of personal data by staff and integrators, newest first
        Contact details shown and the citizen's photos served; `subject`: a citizen's id or a feedback's."""
        args = query(AccessLogQuerySchema())
        return AccessPage().dump(access_log.entries(session(), current_principal(), **args))
