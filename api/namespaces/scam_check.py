from flask import current_app
from flask_restx import Namespace, Resource

from api.database import session
from api.http import query
from api.limits import SCAM_CHECK, limiter
from api.openapi import operation
from schemas.scam_reports import ScamCheckQuerySchema, ScamCheckSchema
from services.publishing import scam_reports

ns = Namespace("scam-check", description='"Has this been reported?": phone numbers, links, accounts (anyone)')


@ns.route("")
class ScamCheck(Resource):
    @operation(
        ns, action="scam_check.read", query=ScamCheckQuerySchema, returns=ScamCheckSchema, auth="optional"
    )
    @limiter.limit(SCAM_CHECK)
    def get(self):
        """Look a value up in published alerts, the allow-list and citizens' reports; never "safe".

        Only a published alert makes a value `reported`. Citizens' reports are unverified: a count of
        distinct devices, shown from SCAM_REPORT_THRESHOLD (default 3) on, never for allow-listed values."""
        args = query(ScamCheckQuerySchema())
        answer = scam_reports.check(
            session(),
            args["value"],
            args.get("type"),
            threshold=current_app.config["SCAM_REPORT_THRESHOLD"],
            shared_platforms=current_app.config["SCAM_SHARED_PLATFORMS"],
        )
        return ScamCheckSchema().dump(answer)
