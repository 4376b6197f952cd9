import uuid

from flask_restx import Namespace, Resource

from api.auth import current_principal
from api.database import session
from api.http import body, query
from api.openapi import operation
from schemas.common import page_of
from schemas.users import PreferencesSchema, UserCreateSchema, UserQuerySchema, UserSchema, UserUpdateSchema
from services.identity import users

ns = Namespace("users", description="Staff users (admins manage; staff see their own department)")
UserPage = page_of(UserSchema)


@ns.route("")
class Users(Resource):
    @operation(ns, query=UserQuerySchema, returns=UserPage, action="users.read")
    def get(self):
        """List staff users: all for admins, the caller's department for other staff."""
        page = users.list_users(session(), current_principal(), **query(UserQuerySchema()))
        return UserPage().dump(page)

    @operation(ns, body=UserCreateSchema, returns=UserSchema, status=201, action="users.manage")
    def post(self):
        """Create a staff user (admin)."""
        user = users.create(session(), current_principal(), body(UserCreateSchema()))
        return UserSchema().dump(user), 201


@ns.route("/me")
class CurrentUser(Resource):
    @operation(ns, returns=UserSchema, action="users.self")
    def get(self):
        """The signed-in staff user, with their e-mail settings."""
        return UserSchema().dump(users.me(session(), current_principal()))

    @operation(ns, body=PreferencesSchema, returns=UserSchema, action="users.self")
    def patch(self):
        """Turn staff e-mail off or on for yourself, or choose its language (vi, en)."""
        user = users.update_me(session(), current_principal(), body(PreferencesSchema()))
        return UserSchema().dump(user)


@ns.route("/<uuid:user_id>")
class User(Resource):
    @operation(ns, returns=UserSchema, action="users.read")
    def get(self, user_id: uuid.UUID):
        """One staff user."""
        return UserSchema().dump(users.get(session(), current_principal(), user_id))

    @operation(ns, body=UserUpdateSchema, returns=UserSchema, action="users.manage")
    def patch(self, user_id: uuid.UUID):
        """Change a user's role, department, name or password, or deactivate it (admin)."""
        user = users.update(session(), current_principal(), user_id, body(UserUpdateSchema()))
        return UserSchema().dump(user)
