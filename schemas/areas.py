from marshmallow import EXCLUDE, Schema, fields, validate


class AreaQuerySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        validate=validate.Length(max=100), metadata={"description": "Name, with or without diacritics."}
    )


class ProvinceSchema(Schema):
    code = fields.Integer(required=True, metadata={"example": 48})
    name = fields.String(required=True, metadata={"example": "Thành phố Đà Nẵng"})
    division_type = fields.String(required=True, metadata={"example": "thành phố trung ương"})
    codename = fields.String(required=True, metadata={"example": "da_nang"})


class WardSchema(ProvinceSchema):
    province_code = fields.Integer(required=True)


class ProvinceListSchema(Schema):
    items = fields.List(fields.Nested(ProvinceSchema), required=True)


class WardListSchema(Schema):
    items = fields.List(fields.Nested(WardSchema), required=True)
