from marshmallow import Schema, fields, validate

from schemas.common import ListQuerySchema, PlaceQuerySchema, TargetsSchema
from schemas.devices import CATEGORY_CODE
from services.models import FIELD_TYPES

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{1,63}$", error="2-64 lower-case letters, digits or -.")


class LabelSchema(Schema):
    """A short text in Vietnamese and, optionally, English."""

    vi = fields.String(required=True, validate=validate.Length(min=1, max=200))
    en = fields.String(validate=validate.Length(max=200))


class HelpSchema(Schema):
    """A hint under a field, in Vietnamese and, optionally, English."""

    vi = fields.String(required=True, validate=validate.Length(min=1, max=500))
    en = fields.String(validate=validate.Length(max=500))


class OptionSchema(Schema):
    value = fields.String(required=True, validate=validate.Length(min=1, max=100))
    label = fields.Nested(LabelSchema, required=True)


class FormFieldSchema(Schema):
    """One question. `min`/`max` bound a number's value, a multi_choice's count or a photo's count."""

    name = fields.String(
        required=True, validate=validate.Length(min=1, max=40), metadata={"example": "where"}
    )
    label = fields.Nested(LabelSchema, required=True)
    type = fields.String(required=True, validate=validate.OneOf(FIELD_TYPES))
    required = fields.Boolean(load_default=False)
    options = fields.List(fields.Nested(OptionSchema), validate=validate.Length(max=50))
    min = fields.Float(allow_none=True)
    max = fields.Float(allow_none=True)
    max_length = fields.Integer(validate=validate.Range(min=1, max=5000))
    help = fields.Nested(HelpSchema)


class FormSchema(Schema):
    """A feedback form at its current version."""

    slug = fields.String(required=True, validate=SLUG, metadata={"example": "road-damage"})
    version = fields.Integer(dump_only=True, required=True)
    title = fields.Nested(LabelSchema, required=True)
    category_code = fields.String(required=True, validate=CATEGORY_CODE, metadata={"example": "roads"})
    targets = fields.Nested(
        TargetsSchema, required=True, metadata={"description": "Where the form is offered."}
    )
    active = fields.Boolean(load_default=True)
    updated_at = fields.AwareDateTime(dump_only=True, required=True)
    # Last: the name shadows marshmallow's `fields` for the rest of the class body.
    fields = fields.List(
        fields.Nested(FormFieldSchema), required=True, validate=validate.Length(min=1, max=50)
    )


class FormUpdateSchema(FormSchema):
    """The whole new definition (PUT); the slug stays."""

    class Meta:
        exclude = ("slug",)


class FormQuerySchema(ListQuerySchema, PlaceQuerySchema):
    """Active forms offered where the caller is (all without a place)."""
