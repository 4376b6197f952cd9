import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.http import body, query
from api.openapi import operation
from schemas.alerts import AlertSchema
from schemas.common import page_of
from schemas.scam_reports import ScamReportQuerySchema, ScamReportSchema, ScamTopQuerySchema, ScamTopSchema
from services import scam_reports
from services.db import session

ns = Namespace(
    "scam-reports", description="Citizens report scams; editors see them ranked and turn them into alerts"
)
ScamReportPage = page_of(ScamReportSchema)


@ns.route("")
class ScamReports(Resource):
    @operation(ns, query=ScamReportQuerySchema, returns=ScamReportPage, who="staff")
    def get(self):
        """Reports routed to the caller's department, newest first (admins: all, and the triage queue)."""
        args = query(ScamReportQuerySchema())
        return ScamReportPage().dump(scam_reports.list_reports(session(), current_principal(), **args))

    @operation(ns, body=ScamReportSchema, returns=ScamReportSchema, status=201, who="device")
    def post(self):
        """Report a scam attempt from a citizen's device; it is never refused for want of a department."""
        report = scam_reports.report(session(), current_principal(), body(ScamReportSchema()))
        return ScamReportSchema().dump(report), 201


@ns.route("/top")
class Top(Resource):
    @operation(ns, query=ScamTopQuerySchema, returns=ScamTopSchema, who="staff")
    def get(self):
        """Reported values ranked by distinct reporting devices since `since` (default: a week)."""
        args = query(ScamTopQuerySchema())
        return ScamTopSchema().dump(scam_reports.top(session(), current_principal(), **args))


@ns.route("/<uuid:report_id>")
class ScamReport(Resource):
    @operation(ns, returns=ScamReportSchema, who="staff")
    def get(self, report_id: uuid.UUID):
        """One report."""
        return ScamReportSchema().dump(scam_reports.get(session(), current_principal(), report_id))


@ns.route("/<uuid:report_id>/promote")
class Promote(Resource):
    @operation(ns, returns=AlertSchema, status=201, who="staff", conflicts=True)
    def post(self, report_id: uuid.UUID):
        """Draft a scam alert naming the report's value, for an editor to check and publish."""
        alert = scam_reports.promote(session(), current_principal(), report_id)
        return AlertSchema().dump(alert), 201
