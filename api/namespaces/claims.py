"""Citizens report claims they saw (Zalo groups, Facebook, TikTok…) and ask whether one was checked."""

from flask import current_app
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.limits import SCAM_REPORTS_PER_DEVICE, SCAM_REPORTS_PER_IP, calling_device, limiter
from api.openapi import operation
from schemas.claims import ClaimCheckQuerySchema, ClaimCheckSchema, ClaimReportSchema
from services.publishing import claims

ns = Namespace(
    "claims", description="Citizens report false or distorted information; anyone asks if it was checked"
)


def timing() -> claims.Timing:
    config = current_app.config
    return claims.Timing(
        deadline_days=config["CLAIM_DEADLINE_WORKING_DAYS"],
        urgent_devices=config["CLAIM_URGENT_DEVICES"],
        urgent_hours=config["CLAIM_URGENT_HOURS"],
    )


@ns.route("")
class Claims(Resource):
    @operation(ns, body=ClaimReportSchema, returns=ClaimReportSchema, status=201, action="claims.report")
    @limiter.limit(
        SCAM_REPORTS_PER_DEVICE, key_func=calling_device, deduct_when=lambda r: r.status_code == 201
    )
    @limiter.limit(SCAM_REPORTS_PER_IP)
    def post(self):
        """Report a claim seen on a platform: its text and/or link (one at least), an optional screenshot.

        Reports of the same link (tracking parameters aside) or of near-identical text join one claim
        group. When the claim was already checked, `fact_check` carries the answer. Limited like scam
        reports (429 with Retry-After)."""
        claim = claims.report(session(), current_principal(), body(ClaimReportSchema()), timing())
        return ClaimReportSchema().dump(claim), 201


@ns.route("/check")
class Check(Resource):
    @operation(
        ns,
        query=ClaimCheckQuerySchema,
        returns=ClaimCheckSchema,
        action="claims.check",
        auth="optional",
        reads="replica",
    )
    def get(self):
        """Has this been checked? Published fact-checks for the link (`url`) or similar claims (`q`).

        Never a verdict on a claim not checked: an empty list. A device token, when sent, records the
        device as interested, so it is told when a fact-check on the claim is published."""
        found = claims.check(session(), current_principal(), **query(ClaimCheckQuerySchema()))
        return ClaimCheckSchema().dump({"items": found})
