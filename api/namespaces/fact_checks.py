"""Published fact-checks: public, also as schema.org ClaimReview JSON-LD; their department changes them."""

import json
import uuid

from flask import Response
from flask_restx import Namespace, Resource

from api import API_PREFIX
from api.auth import current_principal
from api.database import session
from api.http import body
from api.namespaces.feeds import public_url
from api.openapi import operation
from schemas.claims import ClaimReviewSchema, FactCheckSchema
from services.publishing import fact_checks

ns = Namespace("fact-checks", description="Fact-checks on reported claims (schema.org ClaimReview)")
JSON_LD = "application/ld+json"


def fact_check_url(fact_check) -> str:
    return public_url(f"{API_PREFIX}/fact-checks/{fact_check.id}")


@ns.route("/<uuid:fact_check_id>")
class FactCheck(Resource):
    @operation(ns, returns=FactCheckSchema, action="fact_checks.read", auth="optional")
    def get(self, fact_check_id: uuid.UUID):
        """A published fact-check."""
        return FactCheckSchema().dump(fact_checks.get(session(), current_principal(), fact_check_id))

    @operation(ns, body=FactCheckSchema, returns=FactCheckSchema, action="claims.fact_check")
    def patch(self, fact_check_id: uuid.UUID):
        """Change a fact-check (writers of its department); the text before is kept as a version."""
        data = body(FactCheckSchema(), partial=True)
        return FactCheckSchema().dump(fact_checks.update(session(), current_principal(), fact_check_id, data))


@ns.route("/<uuid:fact_check_id>/claim-review")
class ClaimReview(Resource):
    @operation(
        ns,
        returns=ClaimReviewSchema,
        action="fact_checks.read",
        auth="optional",
        produces=[JSON_LD],
        reads="replica",
    )
    def get(self, fact_check_id: uuid.UUID):
        """The fact-check as schema.org ClaimReview JSON-LD (what search engines and fact-checkers read)

        reviewRating: ratingValue 1 (false) … 4 (true), worstRating 1, bestRating 4, alternateName the
        rating's Vietnamese name; `unverifiable` carries only the name."""
        db = session()
        fact_check = fact_checks.get(db, current_principal(), fact_check_id)
        document = fact_checks.claim_review(db, fact_check, fact_check_url(fact_check))
        return Response(json.dumps(document, ensure_ascii=False), mimetype=JSON_LD)
