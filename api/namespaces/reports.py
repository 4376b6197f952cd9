"""KPI reports for the communication office (JSON, or one CSV table for Excel), and the public on-time
ranking of departments."""

from flask import Response, current_app, jsonify, request
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import query
from api.openapi import operation
from schemas.reports import (
    AlertsReportSchema,
    ClaimsReportSchema,
    CoverageReportSchema,
    FeedbackReportSchema,
    PublicDepartmentsSchema,
    ReportQuerySchema,
)
from services.reports import alerts, claims, coverage, feedback, public, scope, table

ns = Namespace("reports", description="KPI reports for the communication office (docs/reports.md)")
CSV = "text/csv"
PUBLIC_MAX_AGE = 600  # seconds shared caches may keep the public ranking (figures of 90 days move slowly)
NOT_MODIFIED = "Not modified: the ETag in If-None-Match is current"


# The reports by name: their service module and the schema of their JSON (the console shows the same).
REPORTS = {
    "coverage": (coverage, CoverageReportSchema),
    "feedback": (feedback, FeedbackReportSchema),
    "alerts": (alerts, AlertsReportSchema),
    "claims": (claims, ClaimsReportSchema),
}


def build(name: str, db, report_scope: scope.Scope) -> dict:
    """A report of the scope, with what the app's settings add (the on-time target)."""
    module, _ = REPORTS[name]
    if module is feedback:
        return module.report(db, report_scope, on_time_target=current_app.config["REPORT_ON_TIME_TARGET"])
    return module.report(db, report_scope)


def as_json(name: str, report: dict) -> dict:
    return REPORTS[name][1]().dump(report)


def as_csv(name: str, report: dict) -> Response:
    """One CSV table for Excel, as a download named for the report and its period."""
    filename = f"{name}-{report['from']}-{report['to']}.csv"
    return Response(
        table.to_csv(report, REPORTS[name][0].SECTIONS),
        mimetype=CSV,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _report(name: str):
    """The report for the query's scope: JSON, or CSV with `?format=csv` or `Accept: text/csv`."""
    args = query(ReportQuerySchema())
    db = session()
    report = build(name, db, scope.resolve(db, current_principal(), args))
    wanted = args.get("format") or (
        "csv" if request.accept_mimetypes.best_match(["application/json", CSV]) == CSV else "json"
    )
    return as_csv(name, report) if wanted == "csv" else as_json(name, report)


def _reading(returns):
    return operation(
        ns,
        query=ReportQuerySchema,
        returns=returns,
        action="reports.read",
        produces=["application/json", CSV],
    )


@ns.route("/coverage")
class CoverageReport(Resource):
    @_reading(CoverageReportSchema)
    def get(self):
        """Focal points of the departments, and each policy's trail from draft to implementation."""
        return _report("coverage")


@ns.route("/feedback")
class FeedbackReport(Resource):
    @_reading(FeedbackReportSchema)
    def get(self):
        """Feedback answered on time, per department (ranked), category, commune and week."""
        return _report("feedback")


@ns.route("/alerts")
class AlertsReport(Resource):
    @_reading(AlertsReportSchema)
    def get(self):
        """Alerts by category and severity, scam report to alert times, deliveries by outcome."""
        return _report("alerts")


@ns.route("/claims")
class ClaimsReport(Resource):
    @_reading(ClaimsReportSchema)
    def get(self):
        """Claims reported per week, median hours from first report to fact-check, share answered within
        the deadline, per department."""
        return _report("claims")


@ns.route("/public/departments")
class PublicDepartmentsReport(Resource):
    @operation(ns, returns=PublicDepartmentsSchema, action="reports.public", auth="none", reads="replica")
    @ns.response(304, NOT_MODIFIED)
    def get(self):
        """Each department's on-time share, answered count and average rating over the last 90 days, best
        first; cacheable by anyone for 10 minutes, revalidated with If-None-Match."""
        response = jsonify(PublicDepartmentsSchema().dump(public.departments(session())))
        response.add_etag()
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
        return response.make_conditional(request)
