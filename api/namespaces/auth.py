from flask import current_app
from flask_restx import Namespace, Resource

from api.database import session
from api.http import body
from api.limits import SIGN_IN, limiter
from api.openapi import operation
from schemas.users import TokenRequestSchema, TokenSchema
from services.identity import users

ns = Namespace("auth", description="Staff sign-in")


@ns.route("/token")
class Token(Resource):
    @operation(
        ns,
        action="auth.sign_in",
        body=TokenRequestSchema,
        returns=TokenSchema,
        auth="none",
        problems={401: "Wrong email or password"},
    )
    @limiter.shared_limit(SIGN_IN, scope="sign_in")  # one count with the console's sign-in
    def post(self):
        """Exchange a staff email and password for a bearer token (JWT)."""
        data = body(TokenRequestSchema())
        ttl = current_app.config["JWT_TTL"]
        token = users.authenticate(
            session(), data["email"], data["password"], secret=current_app.config["SECRET_KEY"], ttl=ttl
        )
        return TokenSchema().dump({"access_token": token, "token_type": "Bearer", "expires_in": ttl})
