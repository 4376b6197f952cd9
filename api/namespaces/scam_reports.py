import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.limits import SCAM_REPORTS_PER_DEVICE, SCAM_REPORTS_PER_IP, calling_device, limiter
from api.openapi import operation
from schemas.alerts import AlertSchema
from schemas.common import page_of
from schemas.scam_reports import (
    ScamReportModerationSchema,
    ScamReportQuerySchema,
    ScamReportSchema,
    ScamTopQuerySchema,
    ScamTopSchema,
)
from services.publishing import scam_reports

ns = Namespace(
    "scam-reports", description="Citizens report scams; editors see them ranked and turn them into alerts"
)
ScamReportPage = page_of(ScamReportSchema)


@ns.route("")
class ScamReports(Resource):
    @operation(ns, query=ScamReportQuerySchema, returns=ScamReportPage, action="scam_reports.read")
    def get(self):
        """Reports routed to the caller's department, newest first (admins: all, and the triage queue)."""
        args = query(ScamReportQuerySchema())
        return ScamReportPage().dump(scam_reports.list_reports(session(), current_principal(), **args))

    @operation(ns, body=ScamReportSchema, returns=ScamReportSchema, status=201, action="scam_reports.submit")
    @limiter.limit(
        SCAM_REPORTS_PER_DEVICE, key_func=calling_device, deduct_when=lambda r: r.status_code == 201
    )
    @limiter.limit(SCAM_REPORTS_PER_IP)
    def post(self):
        """Report a scam attempt from a citizen's device (never refused for want of a department).

        Limited per device and per address (429 with Retry-After); the same value again from the same
        device within a day is a 409 `already_reported`. Reports are unverified: scam-check shows them
        only as a count of distinct devices, from a threshold on."""
        report = scam_reports.report(session(), current_principal(), body(ScamReportSchema()))
        return ScamReportSchema().dump(report), 201


@ns.route("/top")
class Top(Resource):
    @operation(ns, query=ScamTopQuerySchema, returns=ScamTopSchema, action="scam_reports.read")
    def get(self):
        """Reported values ranked by distinct reporting devices since `since` (default: a week), dismissed
        reports left out."""
        args = query(ScamTopQuerySchema())
        return ScamTopSchema().dump(scam_reports.top(session(), current_principal(), **args))


@ns.route("/<uuid:report_id>")
class ScamReport(Resource):
    @operation(ns, returns=ScamReportSchema, action="scam_reports.read")
    def get(self, report_id: uuid.UUID):
        """One report."""
        return ScamReportSchema().dump(scam_reports.get(session(), current_principal(), report_id))


@ns.route("/<uuid:report_id>/status")
class Moderation(Resource):
    @operation(ns, body=ScamReportModerationSchema, returns=ScamReportSchema, action="scam_reports.moderate")
    def post(self, report_id: uuid.UUID):
        """Confirm, or dismiss with a reason (officer, editor; admins: any report). Applies to the
        department's other open reports of the same value too (reversing a dismissal: its dismissed
        ones); each is audited. A refused move is a 409 `invalid_transition` naming the `allowed` ones."""
        data = body(ScamReportModerationSchema())
        return ScamReportSchema().dump(scam_reports.moderate(session(), current_principal(), report_id, data))


@ns.route("/<uuid:report_id>/promote")
class Promote(Resource):
    @operation(
        ns,
        action="scam_reports.promote",
        returns=AlertSchema,
        status=201,
        conflicts=True,
        problems={422: "`trusted_indicator`: the value is allow-listed (only an admin may name it)"},
    )
    def post(self, report_id: uuid.UUID):
        """Draft a scam alert naming the report's value, for an editor to check and publish (from new or
        confirmed; 409 `invalid_transition` otherwise; 422 `trusted_indicator` for an allow-listed value
        unless admin)."""
        alert = scam_reports.promote(session(), current_principal(), report_id)
        return AlertSchema().dump(alert), 201
