from marshmallow import Schema, fields, validate

from schemas.common import PROVINCE_CODE, ListQuerySchema

CODE = validate.Regexp(r"^[A-Z0-9][A-Z0-9_-]{1,31}$", error="2-32 upper-case letters, digits, - or _.")


class FocalPointSchema(Schema):
    """The person who answers for the department."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(
        allow_none=True, validate=validate.Length(min=1, max=30), metadata={"description": "Stored in E.164."}
    )
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))


class DepartmentSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    code = fields.String(required=True, validate=CODE, metadata={"example": "STTTT-DN"})
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    province_code = fields.Integer(
        allow_none=True, validate=PROVINCE_CODE, metadata={"description": "null for a central body."}
    )
    parent_id = fields.UUID(allow_none=True)
    focal_point = fields.Nested(FocalPointSchema, allow_none=True)
    active = fields.Boolean()
    intake = fields.Boolean(
        metadata={"description": "Receives whatever no routing rule claims; one per province."}
    )
    created_at = fields.AwareDateTime(dump_only=True, required=True)


class DepartmentUpdateSchema(Schema):
    code = fields.String(validate=CODE)
    name = fields.String(validate=validate.Length(min=1, max=200))
    province_code = fields.Integer(allow_none=True, validate=PROVINCE_CODE)
    parent_id = fields.UUID(allow_none=True)
    focal_point = fields.Nested(FocalPointSchema, allow_none=True)
    active = fields.Boolean()
    intake = fields.Boolean()


class DepartmentQuerySchema(ListQuerySchema):
    province_code = fields.Integer(validate=PROVINCE_CODE)
    active = fields.Boolean()
    q = fields.String(validate=validate.Length(max=100))
