from flask_restx import Namespace, Resource

from api.http import query
from api.limits import SCAM_CHECK, limiter
from api.openapi import operation
from schemas.scam_reports import ScamCheckQuerySchema, ScamCheckSchema
from services import scam_reports
from services.db import session

ns = Namespace("scam-check", description='"Has this been reported?": phone numbers, links, accounts (anyone)')


@ns.route("")
class ScamCheck(Resource):
    @operation(ns, query=ScamCheckQuerySchema, returns=ScamCheckSchema, auth="optional")
    @limiter.limit(SCAM_CHECK)
    def get(self):
        """Look a value up in published alerts and citizens' reports; the answer is never "safe"."""
        args = query(ScamCheckQuerySchema())
        return ScamCheckSchema().dump(scam_reports.check(session(), args["value"], args.get("type")))
