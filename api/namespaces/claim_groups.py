"""Staff's view of reported claims, and the fact-checks their department publishes."""

import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.claims import (
    ClaimGroupDetailSchema,
    ClaimGroupQuerySchema,
    ClaimGroupSchema,
    ClaimTransferSchema,
    FactCheckSchema,
)
from schemas.common import page_of
from services.publishing import claims, fact_checks

ns = Namespace("claim-groups", description="Reported claims routed to a department, and their fact-checks")
ClaimGroupPage = page_of(ClaimGroupSchema)


@ns.route("")
class ClaimGroups(Resource):
    @operation(ns, query=ClaimGroupQuerySchema, returns=ClaimGroupPage, action="claims.read")
    def get(self):
        """Claim groups of the caller's department (admins: all, and those no department took, or one
        department's with `department_id`), first seen newest first; `overdue`: open past their deadline."""
        args = query(ClaimGroupQuerySchema())
        return ClaimGroupPage().dump(claims.list_groups(session(), current_principal(), **args))


@ns.route("/<uuid:group_id>")
class ClaimGroup(Resource):
    @operation(ns, returns=ClaimGroupDetailSchema, action="claims.read")
    def get(self, group_id: uuid.UUID):
        """A group with its reports (and their screenshots), when it was first seen and its growth."""
        return ClaimGroupDetailSchema().dump(claims.details(session(), current_principal(), group_id))


@ns.route("/<uuid:group_id>/fact-check")
class FactCheck(Resource):
    @operation(
        ns,
        body=FactCheckSchema,
        returns=FactCheckSchema,
        status=201,
        action="claims.fact_check",
        conflicts=True,
    )
    def post(self, group_id: uuid.UUID):
        """Publish the claim's fact-check (writers of the group's department; another's: 404).

        Everyone who reported the claim or asked about it is told on their best channel; webhooks, the
        commune's feed and /feeds/fact-checks.atom carry it. 409 `already_fact_checked`: change it with
        PATCH /fact-checks/{id}; 409 `claim_not_routed`: no department holds the claim."""
        data = body(FactCheckSchema())
        return FactCheckSchema().dump(
            fact_checks.publish(session(), current_principal(), group_id, data)
        ), 201


@ns.route("/<uuid:group_id>/transfer")
class Transfer(Resource):
    @operation(
        ns, body=ClaimTransferSchema, returns=ClaimGroupSchema, action="claims.transfer", conflicts=True
    )
    def post(self, group_id: uuid.UUID):
        """Pass the claim on to the department responsible for checking it (writers of its department).

        Its deadline stays; event `claim_group.transferred` (webhooks of both departments). 409
        `claim_checked`: a fact-checked claim stays with the department that checked it."""
        data = body(ClaimTransferSchema())
        return ClaimGroupSchema().dump(claims.transfer(session(), current_principal(), group_id, data))
