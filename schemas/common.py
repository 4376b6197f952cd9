"""Shapes shared by every resource: problems, pages, list queries, targets."""

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load, validate, validates_schema

from services.pagination import MAX_LIMIT
from services.targets import Targets, target_errors

PROVINCE_CODE = validate.Range(min=1, max=99)
WARD_CODE = validate.Range(min=1, max=99999)


class ProblemSchema(Schema):
    """RFC 9457 problem details, with a stable machine `code` and per-field `errors`."""

    type = fields.String(required=True, metadata={"description": "A URI naming the kind of problem."})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    code = fields.String(required=True, metadata={"description": "Stable machine-readable code."})
    errors = fields.Dict(
        keys=fields.String(), values=fields.Raw(), metadata={"description": "Field name → list of messages."}
    )
    allowed = fields.List(fields.String(), metadata={"description": "Allowed values, on some 409s."})


class ListQuerySchema(Schema):
    """Keyset pagination: pass back `next_cursor` as `cursor` for the next page."""

    class Meta:
        unknown = EXCLUDE

    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_LIMIT))
    cursor = fields.String(
        validate=validate.Length(max=500), metadata={"description": "Opaque; from next_cursor."}
    )


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The `{"items": [...], "next_cursor": ...}` envelope around `item_schema`."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(
                required=True, allow_none=True, metadata={"description": "null on the last page."}
            ),
        },
        name=name,
    )


class TargetsSchema(Schema):
    """Where an item is aimed: `{"national": true}` or lists of province and ward codes."""

    national = fields.Boolean(load_default=False)
    province_codes = fields.List(fields.Integer(validate=PROVINCE_CODE), validate=validate.Length(max=34))
    ward_codes = fields.List(fields.Integer(validate=WARD_CODE), validate=validate.Length(max=500))

    @validates_schema
    def _known_places(self, data, **_kwargs):
        errors = target_errors(Targets.from_dict(data))
        if errors:
            raise ValidationError(errors)

    @post_load
    def _to_targets(self, data, **_kwargs) -> Targets:
        return Targets.from_dict(data)
