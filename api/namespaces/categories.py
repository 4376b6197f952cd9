from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.categories import CategoryQuerySchema, CategorySchema, CategoryUpdateSchema
from schemas.common import page_of
from services.directory import categories

ns = Namespace("categories", description="Categories of feedback, notices and alerts")
CategoryPage = page_of(CategorySchema)


@ns.route("")
class Categories(Resource):
    @operation(ns, action="categories.read", query=CategoryQuerySchema, returns=CategoryPage, auth="none")
    def get(self):
        """Active categories by code (public)."""
        return CategoryPage().dump(categories.list_categories(session(), **query(CategoryQuerySchema())))

    @operation(ns, body=CategorySchema, returns=CategorySchema, status=201, action="categories.manage")
    def post(self):
        """Create a category (admin)."""
        category = categories.create(session(), current_principal(), body(CategorySchema()))
        return CategorySchema().dump(category), 201


@ns.route("/<string:code>")
class Category(Resource):
    @operation(ns, action="categories.read", returns=CategorySchema, auth="none")
    def get(self, code: str):
        """One category."""
        return CategorySchema().dump(categories.get(session(), code))

    @operation(ns, body=CategoryUpdateSchema, returns=CategorySchema, action="categories.manage")
    def patch(self, code: str):
        """Change a category's names, priority or deadline, or retire it (admin)."""
        data = body(CategoryUpdateSchema())
        return CategorySchema().dump(categories.update(session(), current_principal(), code, data))
