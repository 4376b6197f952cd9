import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.api_keys import ApiKeyCreatedSchema, ApiKeyQuerySchema, ApiKeySchema
from schemas.common import page_of
from services.identity import api_keys

ns = Namespace("api-keys", description="Integrators' API keys with scopes (admin)")
ApiKeyPage = page_of(ApiKeySchema)


@ns.route("")
class ApiKeys(Resource):
    @operation(ns, query=ApiKeyQuerySchema, returns=ApiKeyPage, action="api_keys.manage")
    def get(self):
        """List active and revoked keys, newest first."""
        return ApiKeyPage().dump(
            api_keys.list_keys(session(), current_principal(), **query(ApiKeyQuerySchema()))
        )

    @operation(ns, body=ApiKeySchema, returns=ApiKeyCreatedSchema, status=201, action="api_keys.manage")
    def post(self):
        """Create a key; the response carries the key, shown only once."""
        api_key, key = api_keys.create(session(), current_principal(), body(ApiKeySchema()))
        result = ApiKeyCreatedSchema().dump(api_key)
        result["key"] = key
        return result, 201


@ns.route("/<uuid:key_id>")
class ApiKey(Resource):
    @operation(ns, status=204, action="api_keys.manage")
    def delete(self, key_id: uuid.UUID):
        """Revoke a key: it gets 401 from the next request on."""
        api_keys.revoke(session(), current_principal(), key_id)
        return "", 204
