from marshmallow import Schema, fields, validate

from schemas.common import ListQuerySchema

KINDS = ("feedback", "notice", "alert")
PRIORITIES = ("urgent", "normal", "complex")


class CategorySchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    code = fields.String(
        required=True, validate=validate.Regexp(r"^[a-z0-9][a-z0-9_-]{1,63}$"), metadata={"example": "scam"}
    )
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    name_vi = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name_en = fields.String(validate=validate.Length(max=200))
    priority = fields.String(validate=validate.OneOf(PRIORITIES), metadata={"description": "Default normal."})
    deadline_working_days = fields.Integer(
        validate=validate.Range(min=1, max=90),
        metadata={"description": "Defaults by priority: urgent 1, normal 5, complex 15."},
    )


class CategoryUpdateSchema(Schema):
    name_vi = fields.String(validate=validate.Length(min=1, max=200))
    name_en = fields.String(validate=validate.Length(max=200))
    priority = fields.String(validate=validate.OneOf(PRIORITIES))
    deadline_working_days = fields.Integer(validate=validate.Range(min=1, max=90))
    active = fields.Boolean()


class CategoryQuerySchema(ListQuerySchema):
    kind = fields.String(validate=validate.OneOf(KINDS))
