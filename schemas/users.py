from marshmallow import Schema, fields, validate

from schemas.common import ListQuerySchema
from services.models import ROLES
from services.outbox.mail_texts import LANGUAGES as MAIL_LANGUAGES

PASSWORD = validate.Length(min=10, max=200)
PRIVACY_OFFICER = (
    "The province's data-protection officer, whatever the role: requests under the personal data law, "
    "the breach register, the access log (docs/privacy.md)."
)


class TokenRequestSchema(Schema):
    email = fields.Email(required=True)
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=200))


class TokenSchema(Schema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "Seconds."})


class UserSchema(Schema):
    id = fields.UUID(dump_only=True, required=True)
    email = fields.Email(required=True, validate=validate.Length(max=254))
    full_name = fields.String(validate=validate.Length(max=200))
    role = fields.String(required=True, validate=validate.OneOf(ROLES))
    department_id = fields.UUID(
        allow_none=True,
        metadata={"description": "Required for editors, officers and viewers; admins have none."},
    )
    active = fields.Boolean(dump_only=True, required=True)
    created_at = fields.AwareDateTime(dump_only=True, required=True)
    last_login_at = fields.AwareDateTime(dump_only=True, allow_none=True, required=True)
    email_notifications = fields.Boolean(
        dump_only=True,
        required=True,
        metadata={"description": "Staff e-mail (new, transferred, overdue feedback; the daily digest)."},
    )
    language = fields.String(dump_only=True, required=True, metadata={"description": "Of staff e-mail."})
    privacy_officer = fields.Boolean(load_default=False, metadata={"description": PRIVACY_OFFICER})


class UserCreateSchema(UserSchema):
    password = fields.String(required=True, load_only=True, validate=PASSWORD)


class UserUpdateSchema(Schema):
    """A new password, role or department, or deactivating, ends the user's tokens at once."""

    full_name = fields.String(validate=validate.Length(max=200))
    role = fields.String(validate=validate.OneOf(ROLES))
    department_id = fields.UUID(allow_none=True)
    active = fields.Boolean(
        metadata={"description": "false deactivates: the user's tokens stop working at once."}
    )
    password = fields.String(load_only=True, validate=PASSWORD)
    privacy_officer = fields.Boolean(metadata={"description": PRIVACY_OFFICER})


class PreferencesSchema(Schema):
    """What staff set for themselves (PATCH /api/v1/users/me)."""

    email_notifications = fields.Boolean(
        metadata={"description": "false: no staff e-mail, also at a focal-point address that is yours."}
    )
    language = fields.String(
        validate=validate.OneOf(MAIL_LANGUAGES), metadata={"description": "Of staff e-mail."}
    )


class UserQuerySchema(ListQuerySchema):
    q = fields.String(
        validate=validate.Length(min=1, max=200), metadata={"description": "Part of the e-mail or the name."}
    )
    department_id = fields.UUID()
    role = fields.String(validate=validate.OneOf(ROLES))
