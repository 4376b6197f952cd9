"""Staff users and sign-in. Admins manage everyone; other staff see their own department's people."""

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from services.core.db import transactional, utcnow
from services.core.errors import Conflict, Invalid, Unauthorized
from services.core.pagination import Page, keyset_page
from services.core.security import hash_password, issue_jwt, verify_password
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Department, User


@transactional
def authenticate(db: Session, email: str, password: str, *, secret: str, ttl: int) -> str:
    """A signed staff token for valid credentials of an active user in an active department."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if not verify_password(user.password_hash if user else None, password) or not _may_sign_in(user):
        raise Unauthorized("Wrong email or password.", code="invalid_credentials")
    user.last_login_at = utcnow()
    return token_for(user, secret=secret, ttl=ttl)


def token_for(user: User, *, secret: str, ttl: int) -> str:
    """A staff token for `user`, valid `ttl` seconds or until the user's tokens are ended."""
    return issue_jwt(secret, ttl, sub=str(user.id), role=user.role, ver=user.token_version)


def _may_sign_in(user: User) -> bool:
    return user.active and (user.department is None or user.department.active)


def from_claims(db: Session, claims: dict) -> User | None:
    """The active user a staff token names, unless the token was issued before the user's tokens were
    ended (`token_version`, raised by update() and by deactivating the department). Tokens issued
    before migration 0008 carry no version and count as version 0."""
    try:
        user = db.get(User, uuid.UUID(claims["sub"]))
    except (ValueError, KeyError):
        return None
    if user is None or not user.active or claims.get("ver", 0) != user.token_version:
        return None
    return user


def end_department_tokens(db: Session, department_id: uuid.UUID) -> None:
    """End the tokens of a department's staff (it was deactivated: they cannot sign in until it is back)."""
    for user in db.scalars(select(User).where(User.department_id == department_id)):
        user.token_version += 1


def get(db: Session, principal: Principal, user_id: uuid.UUID) -> User:
    return policy.fetch(db, principal, "users.read", User, user_id, missing="No such user.")


def list_users(
    db: Session, principal: Principal, *, department_id=None, role=None, q=None, cursor=None, limit=20
) -> Page:
    """`q`: part of the e-mail or the name, in any case."""
    policy.require(principal, "users.read")
    stmt = select(User)
    if q:
        words = q.strip().lower()
        stmt = stmt.where(
            or_(
                User.email.contains(words, autoescape=True),
                func.lower(User.full_name).contains(words, autoescape=True),
            )
        )
    if not principal.is_admin:
        stmt = stmt.where(User.department_id == principal.department_id)
    if department_id:
        stmt = stmt.where(User.department_id == department_id)
    if role:
        stmt = stmt.where(User.role == role)
    return keyset_page(db, stmt, [User.email], cursor, limit)


@transactional
def create(db: Session, principal: Principal, data: dict) -> User:
    policy.require(principal, "users.manage")
    return _create(db, principal, data)


def _create(db: Session, principal: Principal, data: dict) -> User:
    email = data["email"].strip().lower()
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"A user with email {email} exists.", code="email_taken")
    user = User(
        email=email,
        full_name=data.get("full_name", ""),
        password_hash=hash_password(data["password"]),
        role=data["role"],
        department_id=data.get("department_id"),
        active=True,
        privacy_officer=data.get("privacy_officer", False),
    )
    _check_department(db, user)
    db.add(user)
    audit.record(db, principal, "user.create", user)
    return user


@transactional
def update(db: Session, principal: Principal, user_id: uuid.UUID, data: dict) -> User:
    policy.require(principal, "users.manage")
    user = get(db, principal, user_id)
    before = audit.snapshot(user)
    if user.id == principal.user.id and (data.get("active") is False or data.get("role", "admin") != "admin"):
        raise Conflict("Admins cannot deactivate or demote themselves.", code="self_lockout")
    # Whoever holds one of the user's tokens must not keep the access it had before these changes.
    if (
        "password" in data
        or (user.active and data.get("active") is False)
        or any(key in data and data[key] != getattr(user, key) for key in ("role", "department_id"))
    ):
        user.token_version += 1
    for key in ("full_name", "role", "department_id", "active", "privacy_officer"):
        if key in data:
            setattr(user, key, data[key])
    if "password" in data:
        user.password_hash = hash_password(data["password"])
    _check_department(db, user)
    audit.record(db, principal, "user.update", user, before)
    return user


def me(db: Session, principal: Principal) -> User:
    """The signed-in staff user, with their own settings."""
    policy.require(principal, "users.self")
    return db.get(User, principal.user.id)


@transactional
def update_me(db: Session, principal: Principal, data: dict) -> User:
    """What staff choose for themselves: staff e-mail on or off, and its language."""
    user = me(db, principal)
    before = audit.snapshot(user)
    for key in ("email_notifications", "language"):
        if key in data:
            setattr(user, key, data[key])
    audit.record(db, principal, "user.preferences", user, before)
    return user


def _check_department(db: Session, user: User) -> None:
    if user.role == "admin":
        if user.department_id is not None:
            raise Invalid(
                {"department_id": ["An admin acts for every department and belongs to none."]},
                code="admin_in_department",
            )
        return
    if user.department_id is None:
        raise Invalid({"department_id": [f"Role {user.role} needs a department."]})
    department = db.get(Department, user.department_id)
    if department is None:
        raise Invalid({"department_id": ["No such department."]})
    user.department = department


@transactional
def ensure(db: Session, principal: Principal, data: dict) -> tuple[User, bool]:
    """Create the user unless its email exists (CLI and demo data). Returns (user, created)."""
    existing = db.scalar(select(User).where(User.email == data["email"].strip().lower()))
    if existing is not None:
        return existing, False
    return _create(db, principal, data), True
