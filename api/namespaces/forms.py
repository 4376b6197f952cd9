from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import page_of
from schemas.forms import FormQuerySchema, FormSchema, FormUpdateSchema
from services.feedback import forms

ns = Namespace("forms", description="Feedback forms the province offers (admins write, anyone reads)")
FormPage = page_of(FormSchema)


@ns.route("")
class Forms(Resource):
    @operation(ns, action="forms.read", query=FormQuerySchema, returns=FormPage, auth="none")
    def get(self):
        """Active forms, by slug; with `province_code`/`ward_code`, those offered there."""
        return FormPage().dump(forms.list_forms(session(), **query(FormQuerySchema())))

    @operation(ns, body=FormSchema, returns=FormSchema, status=201, action="forms.manage")
    def post(self):
        """Create a form (admin)."""
        form = forms.create(session(), current_principal(), body(FormSchema()))
        return FormSchema().dump(form), 201


@ns.route("/<string:slug>")
class Form(Resource):
    @operation(ns, action="forms.read", returns=FormSchema, auth="none")
    def get(self, slug: str):
        """One active form at its current version."""
        return FormSchema().dump(forms.get(session(), slug))

    @operation(ns, body=FormUpdateSchema, returns=FormSchema, action="forms.manage")
    def put(self, slug: str):
        """Replace a form's definition (admin); once it has submissions this makes a new version."""
        form = forms.update(session(), current_principal(), slug, body(FormUpdateSchema()))
        return FormSchema().dump(form)
