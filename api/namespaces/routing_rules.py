import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import page_of
from schemas.routing import RoutingRuleQuerySchema, RoutingRuleSchema
from services.directory import routing

ns = Namespace("routing-rules", description="Which department answers feedback of a category from a place")
RoutingRulePage = page_of(RoutingRuleSchema)


@ns.route("")
class RoutingRules(Resource):
    @operation(ns, query=RoutingRuleQuerySchema, returns=RoutingRulePage, action="routing_rules.read")
    def get(self):
        """Routing rules (staff read)."""
        args = query(RoutingRuleQuerySchema())
        return RoutingRulePage().dump(routing.list_rules(session(), current_principal(), **args))

    @operation(
        ns, body=RoutingRuleSchema, returns=RoutingRuleSchema, status=201, action="routing_rules.manage"
    )
    def post(self):
        """Add a rule (admin); one per category and place."""
        rule = routing.create(session(), current_principal(), body(RoutingRuleSchema()))
        return RoutingRuleSchema().dump(rule), 201


@ns.route("/<uuid:rule_id>")
class RoutingRule(Resource):
    @operation(ns, status=204, action="routing_rules.manage")
    def delete(self, rule_id: uuid.UUID):
        """Remove a rule (admin); new feedback then follows the next most specific rule."""
        routing.delete(session(), current_principal(), rule_id)
        return "", 204
