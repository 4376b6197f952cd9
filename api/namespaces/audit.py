from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import query
from api.openapi import operation
from schemas.audit import AuditEventSchema, AuditQuerySchema
from schemas.common import page_of
from services.identity import audit

ns = Namespace("audit", description="The audit log of staff and API-key writes (admin)")
AuditEventPage = page_of(AuditEventSchema)


@ns.route("")
class AuditLog(Resource):
    @operation(ns, query=AuditQuerySchema, returns=AuditEventPage, action="audit.read")
    def get(self):
        """Audit events, newest first."""
        page = audit.list_events(session(), current_principal(), **query(AuditQuerySchema()))
        return AuditEventPage().dump(page)
