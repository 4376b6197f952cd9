import uuid

from flask import current_app
from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import page_of
from schemas.scam_reports import TrustedIndicatorQuerySchema, TrustedIndicatorSchema
from services.publishing import trusted_indicators

ns = Namespace(
    "trusted-indicators",
    description="Known-legitimate values (government sites, banks' hotlines) citizens' reports never mark",
)
TrustedIndicatorPage = page_of(TrustedIndicatorSchema)


@ns.route("")
class TrustedIndicators(Resource):
    @operation(
        ns, query=TrustedIndicatorQuerySchema, returns=TrustedIndicatorPage, action="trusted_indicators.read"
    )
    def get(self):
        """The allow-list, newest first (any staff)."""
        args = query(TrustedIndicatorQuerySchema())
        return TrustedIndicatorPage().dump(
            trusted_indicators.list_entries(session(), current_principal(), **args)
        )

    @operation(
        ns,
        body=TrustedIndicatorSchema,
        returns=TrustedIndicatorSchema,
        status=201,
        action="trusted_indicators.manage",
    )
    def post(self):
        """Allow-list a value (admin): 409 `trusted_indicator_exists` when it already is; a shared platform
        (github.io, sites.google.com…) or a domain above one is a 422 `shared_platform`."""
        entry = trusted_indicators.add(
            session(),
            current_principal(),
            body(TrustedIndicatorSchema()),
            shared_platforms=current_app.config["SCAM_SHARED_PLATFORMS"],
        )
        return TrustedIndicatorSchema().dump(entry), 201


@ns.route("/<uuid:entry_id>")
class TrustedIndicator(Resource):
    @operation(ns, status=204, action="trusted_indicators.manage")
    def delete(self, entry_id: uuid.UUID):
        """Take a value off the allow-list (admin)."""
        trusted_indicators.remove(session(), current_principal(), entry_id)
        return "", 204
