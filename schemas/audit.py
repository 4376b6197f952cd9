from datetime import timedelta

from marshmallow import Schema, fields, validate

from schemas.common import Instant, ListQuerySchema


class AuditEventSchema(Schema):
    id = fields.Integer(required=True)
    at = fields.AwareDateTime(required=True)
    actor_type = fields.String(required=True, metadata={"description": "user | api_key | device | system"})
    actor_id = fields.String(required=True, allow_none=True)
    actor_label = fields.String(required=True)
    action = fields.String(required=True, metadata={"example": "department.update"})
    entity = fields.String(required=True)
    entity_id = fields.String(required=True)
    before = fields.Dict(required=True, allow_none=True)
    after = fields.Dict(required=True, allow_none=True)
    ip = fields.String(required=True, allow_none=True)


class AuditQuerySchema(ListQuerySchema):
    entity = fields.String(validate=validate.Length(max=32), metadata={"example": "departments"})
    entity_id = fields.String(validate=validate.Length(max=64))
    actor = fields.String(
        validate=validate.Length(max=254),
        metadata={"description": "Actor id (user or key), or its label (a user's e-mail, a key's name)."},
    )
    action = fields.String(
        validate=validate.Length(max=64),
        metadata={
            "description": "An action, or its start: `user.` for every change to users.",
            "example": "user.",
        },
    )
    since = Instant(within=timedelta(0), metadata={"description": "From this time on."})
    until = Instant(within=timedelta(days=1), metadata={"description": "Before this time."})
