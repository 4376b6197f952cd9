from marshmallow import Schema, fields


class AtomFeedSchema(Schema):
    """An Atom feed (RFC 4287), sent as application/atom+xml (described here, not sent as JSON)."""

    id = fields.String(required=True)
    title = fields.String(required=True)
    updated = fields.String(required=True)
    entry = fields.List(fields.Dict(), required=True, metadata={"description": "One per item."})
