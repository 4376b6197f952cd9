"""Province-defined feedback forms. Admins write them; citizens list the forms offered where they are.

Saving a form whose current version already has submissions creates a new version, so each submission
keeps the questions it answered; a version nobody answered yet is edited in place.
"""

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from services.core.db import transactional
from services.core.errors import Conflict, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.core.targets import aim, place, reaching
from services.directory import routing
from services.feedback import answers
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import Category, Feedback, Form, FormPlace, FormVersion


def list_forms(db: Session, *, province_code=None, ward_code=None, cursor=None, limit=20) -> Page:
    """Active forms (of an active category: a retired one takes no new feedback)."""
    return keyset_page(db, active(province_code, ward_code), [Form.slug], cursor, limit)


def active(province_code: int | None = None, ward_code: int | None = None):
    """SQL: the active forms of active categories (offered in the place, when one is given)."""
    stmt = select(Form).join(Form.category).where(Form.active.is_(True), Category.active.is_(True))
    if province_code is not None or ward_code is not None:
        stmt = stmt.where(offered_in(*place(province_code, ward_code)))
    return stmt


def offered_in(province_code: int | None, ward_code: int | None, form_id=Form.id):
    """SQL: the form reaches the place (services.core.targets.reaching)."""
    return exists().where(FormPlace.form_id == form_id, reaching(FormPlace, province_code, ward_code))


def get(db: Session, slug: str) -> Form:
    return _found(db.scalar(_active(slug)), slug)


def get_offered(db: Session, slug: str, province_code: int, ward_code: int | None) -> tuple[Form, bool]:
    """The active form and whether it is offered in the place, in one query: every submission asks both."""
    row = db.execute(_active(slug).add_columns(offered_in(province_code, ward_code))).first()
    return _found(row and row[0], slug), bool(row and row[1])


def _active(slug: str):
    return select(Form).where(Form.slug == slug, Form.active.is_(True))


def _found(form: Form | None, slug: str) -> Form:
    if form is None:
        raise NotFound(f"No form {slug}.")
    return form


@dataclass
class Overview:
    """A form as its admins see it: how many submissions it has, in all and for its current version."""

    form: Form
    submissions: int
    on_current_version: int


def overview(db: Session, principal: Principal) -> list[Overview]:
    """Every form, inactive ones too, by slug, with its submission counts (a province has a few dozen)."""
    policy.require(principal, "forms.manage")
    counts = {
        (form_id, version): count
        for form_id, version, count in db.execute(
            select(FormVersion.form_id, FormVersion.version, func.count(Feedback.id))
            .join(Feedback, Feedback.form_version_id == FormVersion.id)
            .group_by(FormVersion.form_id, FormVersion.version)
        )
    }
    return [
        Overview(
            form,
            sum(count for (form_id, _), count in counts.items() if form_id == form.id),
            counts.get((form.id, form.version), 0),
        )
        for form in db.scalars(select(Form).order_by(Form.slug)).unique()
    ]


def for_editing(db: Session, principal: Principal, slug: str) -> tuple[Form, int]:
    """A form to edit, active or not, and the submissions its current version has: saving it then
    makes a new version."""
    policy.require(principal, "forms.manage")
    form = db.scalar(select(Form).where(Form.slug == slug))
    if form is None:
        raise NotFound(f"No form {slug}.")
    answered = select(func.count(Feedback.id)).where(Feedback.form_version_id == form.current_version.id)
    return form, db.scalar(answered)


@transactional
def create(db: Session, principal: Principal, data: dict) -> Form:
    policy.require(principal, "forms.manage")
    if db.scalar(select(Form.id).where(Form.slug == data["slug"])) is not None:
        raise Conflict(f"Form {data['slug']} exists.", code="form_slug_taken")
    form = Form(slug=data["slug"], version=1)
    _apply(db, form, data)
    db.add(form)
    db.flush()
    version = _version(form, 1, data)
    db.add(version)
    audit.record(db, principal, "form.create", form)
    audit.record(db, principal, "form_version.create", version)  # what it asks, in the log too
    return form


@transactional
def update(db: Session, principal: Principal, slug: str, data: dict) -> Form:
    """Replace a form's definition (PUT): a new version once the current one has answers."""
    policy.require(principal, "forms.manage")
    form = db.scalar(select(Form).where(Form.slug == slug))
    if form is None:
        raise NotFound(f"No form {slug}.")
    before = audit.snapshot(form)
    _apply(db, form, data)
    current = form.current_version
    answered = db.scalar(select(exists().where(Feedback.form_version_id == current.id)))
    if answered:
        form.version += 1
        version, asked_before, action = _version(form, form.version, data), None, "form_version.create"
        db.add(version)
    else:
        version, asked_before, action = current, audit.snapshot(current), "form_version.update"
        current.title_vi, current.title_en, current.fields = _content(data)
    db.flush()
    db.expire(form, ["current_version"])
    audit.record(db, principal, "form.update", form, before)
    audit.record(db, principal, action, version, asked_before)
    return form


def _apply(db: Session, form: Form, data: dict) -> None:
    errors = answers.definition_errors(data["fields"])
    if errors:
        raise Invalid({"fields": errors})
    form.category = routing.feedback_category(db, data["category_code"])
    aim(form, data["targets"], FormPlace)
    form.active = data.get("active", True)


def _content(data: dict) -> tuple[str, str, list]:
    return data["title"]["vi"], data["title"].get("en", ""), data["fields"]


def _version(form: Form, number: int, data: dict) -> FormVersion:
    title_vi, title_en, fields = _content(data)
    return FormVersion(form_id=form.id, version=number, title_vi=title_vi, title_en=title_en, fields=fields)
