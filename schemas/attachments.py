from marshmallow import Schema, fields


class AttachmentSchema(Schema):
    """An uploaded photo or PDF; fetch its bytes from `url`."""

    id = fields.UUID(required=True)
    content_type = fields.String(required=True, metadata={"example": "image/jpeg"})
    size = fields.Integer(required=True)
    created_at = fields.AwareDateTime(required=True)
    url = fields.Function(lambda a: f"/api/v1/attachments/{a.id}", required=True, metadata={"type": "string"})
