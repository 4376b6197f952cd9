from marshmallow import Schema, fields

from schemas.common import PROVINCE_CODE, WARD_CODE, ListQuerySchema
from schemas.devices import CATEGORY_CODE


class DepartmentRefSchema(Schema):
    """A department, briefly."""

    id = fields.UUID(required=True)
    code = fields.String(required=True)
    name = fields.String(required=True)


class RoutingRuleSchema(Schema):
    """Feedback of `category_code` from a place goes to `department_id`. A ward rule beats a province
    rule, which beats a category-wide rule (no place); with no rule the province's intake department
    takes the item, flagged needs_triage."""

    id = fields.UUID(dump_only=True, required=True)
    category_code = fields.String(required=True, validate=CATEGORY_CODE, metadata={"example": "roads"})
    province_code = fields.Integer(allow_none=True, validate=PROVINCE_CODE)
    ward_code = fields.Integer(
        allow_none=True, validate=WARD_CODE, metadata={"description": "Implies its province."}
    )
    department_id = fields.UUID(required=True)
    department = fields.Nested(DepartmentRefSchema, dump_only=True, required=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)


class RoutingRuleQuerySchema(ListQuerySchema):
    category = fields.String(validate=CATEGORY_CODE)
    province_code = fields.Integer(validate=PROVINCE_CODE)
