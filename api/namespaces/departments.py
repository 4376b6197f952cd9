import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import page_of
from schemas.departments import DepartmentQuerySchema, DepartmentSchema, DepartmentUpdateSchema
from schemas.feedback import FeedbackSummarySchema, InboxQuerySchema
from services.directory import departments
from services.feedback import intake

ns = Namespace("departments", description="Departments and their focal points (admins write, staff read)")
DepartmentPage = page_of(DepartmentSchema)
FeedbackPage = page_of(FeedbackSummarySchema)


@ns.route("")
class Departments(Resource):
    @operation(ns, query=DepartmentQuerySchema, returns=DepartmentPage, action="departments.read")
    def get(self):
        """List departments by code."""
        args = query(DepartmentQuerySchema())
        return DepartmentPage().dump(departments.list_departments(session(), current_principal(), **args))

    @operation(ns, body=DepartmentSchema, returns=DepartmentSchema, status=201, action="departments.manage")
    def post(self):
        """Create a department (admin)."""
        department = departments.create(session(), current_principal(), body(DepartmentSchema()))
        return DepartmentSchema().dump(department), 201


@ns.route("/<uuid:department_id>")
class Department(Resource):
    @operation(ns, returns=DepartmentSchema, action="departments.read")
    def get(self, department_id: uuid.UUID):
        """One department."""
        return DepartmentSchema().dump(departments.get(session(), current_principal(), department_id))

    @operation(ns, body=DepartmentUpdateSchema, returns=DepartmentSchema, action="departments.manage")
    def patch(self, department_id: uuid.UUID):
        """Change a department (admin)."""
        data = body(DepartmentUpdateSchema())
        return DepartmentSchema().dump(
            departments.update(session(), current_principal(), department_id, data)
        )


@ns.route("/<uuid:department_id>/feedback")
class DepartmentFeedback(Resource):
    @operation(ns, query=InboxQuerySchema, returns=FeedbackPage, action="feedback.read")
    def get(self, department_id: uuid.UUID):
        """The department's feedback inbox, oldest due first (staff of the department; admins any)."""
        args = query(InboxQuerySchema())
        return FeedbackPage().dump(intake.inbox(session(), current_principal(), department_id, **args))
