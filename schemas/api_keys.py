from marshmallow import Schema, fields, validate

from schemas.common import ListQuerySchema
from services.identity.api_keys import SCOPES


class ApiKeySchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    scopes = fields.List(
        fields.String(validate=validate.OneOf(SCOPES)), required=True, validate=validate.Length(min=1)
    )
    department_id = fields.UUID(allow_none=True)
    prefix = fields.String(
        dump_only=True, required=True, metadata={"description": "First characters of the key."}
    )
    created_at = fields.AwareDateTime(dump_only=True, required=True)
    last_used_at = fields.AwareDateTime(dump_only=True, required=True, allow_none=True)
    revoked_at = fields.AwareDateTime(
        dump_only=True, required=True, allow_none=True, metadata={"description": "null while the key works."}
    )


class ApiKeyCreatedSchema(ApiKeySchema):
    key = fields.String(
        dump_only=True, required=True, metadata={"description": "Shown only in this response."}
    )


ApiKeyQuerySchema = ListQuerySchema
