"""Administration: the feedback forms citizens fill in. The list (category, places, version, whether
offered, submissions) and the field editor with a preview of the form as a phone shows it.

The editor works without JavaScript: each of its buttons (add a field, move it up or down, add an option…)
sends the page with an `op`, and the page comes back with the step done and everything typed kept; nothing
is stored until "Lưu" (op=save), which loads the draft with the API's own FormSchema and saves it through
services/feedback/forms, the version rule included. console.js sends the same requests and swaps the
fields and the preview in place, so there is one renderer.
"""

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import force_locale, gettext, ngettext
from markupsafe import Markup
from marshmallow import ValidationError

from api.console import bp, form_draft, once
from api.database import session
from api.http import text_errors
from schemas.forms import FormSchema, FormUpdateSchema
from services.core import areas
from services.core.errors import DomainError
from services.directory import categories
from services.feedback import forms
from services.identity import policy

FORMS = "console.admin_forms"


@bp.get("/admin/forms")
def admin_forms():
    return render_template(
        "console/admin_forms.html", rows=forms.overview(session(), g.principal), places=places
    )


@bp.route("/admin/forms/new", methods=["GET", "POST"])
def admin_form_new():
    policy.require(g.principal, "forms.manage")  # as the service will (for_editing asks it of the others)
    if request.method == "GET":
        return _editor(None, form_draft.new())
    return _edited(None, answered=0)


@bp.route("/admin/forms/<slug>", methods=["GET", "POST"])
def admin_form(slug: str):
    form, answered = forms.for_editing(session(), g.principal, slug)
    if request.method == "GET":
        return _editor(form, form_draft.from_form(form), answered=answered)
    return _edited(form, answered=answered)


def _edited(form, *, answered: int):
    """A step of the editor, or the save."""
    draft = form_draft.from_page(request.form)
    op = request.form.get("op", "preview")
    if op != "save":
        focus = form_draft.apply(draft, op)
        return _editor(form, draft, answered=answered, focus=focus)
    once.claim()
    db = session()
    try:
        data = form_draft.body(draft, creating=form is None)
        if errors := text_errors(data):  # a NUL or a control character: refused as the API does
            raise ValidationError(errors)
        if form is None:
            saved = forms.create(db, g.principal, FormSchema().load(data))
        else:
            saved = forms.update(db, g.principal, form.slug, FormUpdateSchema().load(data))
    except ValidationError as error:
        return _refused(form, draft, answered, error.messages)
    except DomainError as error:
        if not error.extra.get("errors") and error.code != "form_slug_taken":
            raise
        messages = error.extra.get("errors") or {"slug": ["A form with this slug exists."]}
        return _refused(form, draft, answered, messages)
    flash(
        gettext("The form %(slug)s is saved (version %(version)d).", slug=saved.slug, version=saved.version),
        "success",
    )
    return redirect(url_for(FORMS))


def _refused(form, draft, answered, messages):
    errors = form_draft.errors_by_input(messages if isinstance(messages, dict) else {"form": messages})
    return _editor(form, draft, answered=answered, errors=errors, status=422)


def _editor(form, draft: dict, *, answered=0, focus=None, errors=None, status=200):
    province = (
        areas.province(draft["province"])
        if draft["province"] and areas.is_province(draft["province"])
        else None
    )
    return (
        render_template(
            "console/admin_form.html",
            form=form,
            draft=draft,
            answered=answered,
            new_version_note=ngettext(
                "Saving makes a new version (%(num)d submission answered the old one).",
                "Saving makes a new version (%(num)d submissions answered the old one).",
                answered,
            )
            if answered
            else "",
            focus=focus,
            errors=errors or {},
            categories=categories.list_categories(session(), kind="feedback", limit=100).items,
            provinces=areas.provinces(),
            province=province,
            wards=areas.wards(province.code) if province else [],
            elsewhere=form_draft.elsewhere(draft),
            types=form_draft.TYPE_NAMES,
            choice_types=form_draft.CHOICE_TYPES,
            counted_types=form_draft.COUNTED_TYPES,
            text_types=form_draft.FREE_TEXT_TYPES,
            preview=_preview(draft),
        ),
        status,
    )


def _preview(draft: dict) -> Markup:
    """The draft as a citizen's phone shows it: in Vietnamese, whatever the admin's language."""
    with force_locale("vi"):
        return Markup(render_template("console/admin_form_preview.html", draft=draft))


def places(targets: dict) -> str:
    """Where a form is offered, in words: "Toàn quốc", "Đà Nẵng", "Phường Hải Châu, Phường Thanh Khê"."""
    if targets.get("national"):
        return gettext("The whole country")
    names = [areas.province(code).name for code in targets.get("province_codes", ())]
    names += [ward.name for code in targets.get("ward_codes", ()) if (ward := areas.ward(code))]
    return ", ".join(names)
