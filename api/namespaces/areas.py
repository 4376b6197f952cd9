from flask_restx import Namespace, Resource

from api.http import query
from api.openapi import operation
from schemas.areas import AreaQuerySchema, ProvinceListSchema, ProvinceSchema, WardListSchema
from services.core import areas

ns = Namespace("areas", description="Provinces and wards/communes (after the July 2025 reform)")


@ns.route("/provinces")
class Provinces(Resource):
    @operation(ns, action="areas.read", query=AreaQuerySchema, returns=ProvinceListSchema, auth="none")
    def get(self):
        """All 34 provinces, or those whose name matches `q` (diacritics optional)."""
        return ProvinceListSchema().dump({"items": areas.provinces(query(AreaQuerySchema()).get("q"))})


@ns.route("/provinces/<int:code>")
class Province(Resource):
    @operation(ns, action="areas.read", returns=ProvinceSchema, auth="none")
    def get(self, code: int):
        """One province."""
        return ProvinceSchema().dump(areas.province(code))


@ns.route("/provinces/<int:code>/wards")
class Wards(Resource):
    @operation(ns, action="areas.read", query=AreaQuerySchema, returns=WardListSchema, auth="none")
    def get(self, code: int):
        """The wards and communes of a province, or those whose name matches `q`."""
        return WardListSchema().dump({"items": areas.wards(code, query(AreaQuerySchema()).get("q"))})
