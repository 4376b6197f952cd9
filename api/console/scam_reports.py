"""The scam reports page: the values citizens reported in the department's area, ranked by how many
distinct phones reported them (the API's ranking, services/publishing/scam_reports.top), each with a
way to an alert naming it."""

from flask import g, render_template, request
from marshmallow import ValidationError

from api.console import bp
from api.console.alert_form import INDICATOR_NAMES
from api.database import session
from schemas.scam_reports import ScamTopQuerySchema
from services.identity import policy
from services.publishing import scam_reports


@bp.get("/scam-reports")
def scam_reports_list():
    try:
        args = ScamTopQuerySchema().load(request.args)
    except ValidationError:
        args = {}
    ranking = scam_reports.top(session(), g.principal, **args)
    return render_template(
        "console/scam_reports.html",
        ranking=ranking,
        types=INDICATOR_NAMES,
        may_alert=policy.allows(g.principal, "alerts.write"),
    )
