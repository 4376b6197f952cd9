"""False information in the console: the claim groups routed to the department (services/publishing/claims),
urgent and newest first, each with its reports, screenshots (read through services/files/attachments, so
each view is in the access log) and growth; the fact-check form that publishes or changes the group's
fact-check (services/publishing/fact_checks, the API's own functions and schema); and the form that passes
a group on to the department responsible. A group the user may not see is the 404 page, as in the API."""

import uuid
from datetime import timedelta

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate
from werkzeug.datastructures import MultiDict

from api.console import bp, field_errors, once
from api.console.choices import active_departments
from api.database import session
from api.http import text_errors
from schemas.claims import ClaimTransferSchema, FactCheckSchema
from services.core import areas
from services.core.db import utcnow
from services.core.errors import Conflict, Invalid
from services.identity import policy
from services.publishing import claims, fact_checks, notices

PAGE_SIZE = 20
GROWTH_WINDOW = timedelta(hours=24)
SOURCE_ROWS = 3  # the source rows the form offers at least (empty ones to add more)
STATUS_NAMES = {"open": _l("Not yet checked"), "fact_checked": _l("Fact-checked")}
PLATFORM_NAMES = {
    "zalo_group": _l("Zalo group"),
    "facebook": "Facebook",
    "tiktok": "TikTok",
    "youtube": "YouTube",
    "word_of_mouth": _l("Word of mouth"),
    "other": _l("Elsewhere"),
}
DONE = {
    "published": _l("The fact-check is published; everyone who reported or asked about the claim is told."),
    "updated": _l("The fact-check is changed; the text before is kept as a version."),
    "transfer": _l("The claim is passed on to the department responsible."),
}


class ClaimInboxQuery(Schema):
    class Meta:
        unknown = EXCLUDE

    status = fields.String(load_default="all", validate=validate.OneOf(("all", *STATUS_NAMES)))
    overdue = fields.Boolean(load_default=False)
    department = fields.UUID()
    cursor = fields.String(validate=validate.Length(max=500))


@bp.context_processor
def claims_nav():
    principal = g.get("principal")
    return {"may_read_claims": bool(principal) and policy.allows(principal, "claims.read")}


@bp.get("/claims")
def claims_list():
    principal, db = g.principal, session()
    try:
        given = {key: value for key, value in request.args.items() if value != ""}
        if unstorable := text_errors(given):
            raise ValidationError(unstorable)
        args, error = ClaimInboxQuery().load(given), False
    except ValidationError:
        args, error = ClaimInboxQuery().load({}), True
    every = policy.every_department(principal, "claims.read")
    offered = active_departments(db, principal) if every else []
    page = claims.list_groups(
        db,
        principal,
        status=None if args["status"] == "all" else args["status"],
        overdue=True if args["overdue"] else None,
        department_id=args.get("department") if every else None,
        urgent_first=True,
        cursor=args.get("cursor"),
        limit=PAGE_SIZE,
    )
    growth = claims.recent_reports(db, [group.id for group in page.items], utcnow() - GROWTH_WINDOW)
    return render_template(
        "console/claims.html",
        page=page,
        args=args,
        error=error,
        departments=offered,
        growth=growth,
        statuses=STATUS_NAMES,
        query={k: v for k, v in request.args.items() if v != "" and k != "cursor"},
    )


@bp.get("/claims/<uuid:group_id>")
def claim_group(group_id: uuid.UUID):
    return _page(claims.details(session(), g.principal, group_id))


def _page(details: dict, open_form: str | None = None, errors: dict | None = None, typed=None) -> str:
    """The group's page; after a refused form, that form as `typed` with its `errors`."""
    db, principal = session(), g.principal
    group = details["group"]
    fact_check = group.fact_check
    may_check = policy.allows(principal, "claims.fact_check", group) and group.department_id is not None
    may_transfer = policy.allows(principal, "claims.transfer", group) and group.status == "open"
    form = typed if open_form == "fact_check" else None
    if form is None:  # the fact-check form starts from the published text, or from the first words reported
        first_words = next((row["report"].text for row in details["reports"] if row["report"].text), "")
        form = _fact_check_form(fact_check) if fact_check else MultiDict({"claim_reviewed": first_words})
    language = get_locale().language
    return render_template(
        "console/claim_group.html",
        group=group,
        reports=details["reports"],
        growth=details["growth"],
        last_day=claims.recent_reports(db, [group.id], utcnow() - GROWTH_WINDOW).get(group.id, 0),
        fact_check=fact_check,
        may_check=may_check,
        may_transfer=may_transfer,
        open_form=open_form,
        form=form,
        transfer_form=typed if open_form == "transfer" else MultiDict(),
        errors=errors or {},
        sources=_source_rows(form),
        ratings=fact_checks.RATING_NAMES.get(language, fact_checks.RATING_NAMES["vi"]),
        corrections=_corrections(db, group) if may_check else [],
        departments=[d for d in active_departments(db, principal) if d.id != group.department_id]
        if may_transfer
        else [],
        statuses=STATUS_NAMES,
        platforms=PLATFORM_NAMES,
        ward_name=lambda code: areas.ward(code).name if code and areas.ward(code) else "",
    )


def _fact_check_form(fact_check) -> MultiDict:
    form = MultiDict(
        {
            "claim_reviewed": fact_check.claim_reviewed,
            "rating": fact_check.rating,
            "explanation": fact_check.explanation,
            "correction_notice_id": str(fact_check.correction_notice_id or ""),
        }
    )
    for source in fact_check.sources:
        form.add("source_url", source["url"])
        form.add("source_title", source.get("title", ""))
    return form


def _source_rows(form) -> list[tuple[str, str]]:
    """The (link, title) rows the form shows: those given, then at least one empty one to add another."""
    given = list(zip(form.getlist("source_url"), form.getlist("source_title"), strict=False))
    given = [(url, title) for url, title in given if url.strip() or title.strip()]
    return given + [("", "")] * max(1, SOURCE_ROWS - len(given))


def _corrections(db, group) -> list:
    """The correction notices a fact-check may link: the newest in the claim's province."""
    return notices.list_notices(
        db, g.principal, province_code=group.province_code, kind="correction", limit=50
    ).items


@bp.post("/claims/<uuid:group_id>/fact-check")
def claim_fact_check(group_id: uuid.UUID):
    once.claim()  # a second post of the same form publishes nothing twice
    db = session()
    group = claims.get(db, g.principal, group_id)
    form = request.form.copy()
    try:
        data = FactCheckSchema().load(_fact_check_body(form))  # the form always sends every field
        if group.fact_check is None:
            fact_checks.publish(db, g.principal, group.id, data)
            done = "published"
        else:
            fact_checks.update(db, g.principal, group.fact_check.id, data)
            done = "updated"
    except (Invalid, ValidationError, Conflict) as error:
        return _refused(db, group_id, "fact_check", error, form)
    flash(str(DONE[done]), "success")
    return redirect(url_for("console.claim_group", group_id=group_id))


def _fact_check_body(form) -> dict:
    """The form as the API's JSON body: source rows left empty are not sources."""
    sources = [
        {"url": url.strip(), **({"title": title.strip()} if title.strip() else {})}
        for url, title in zip(form.getlist("source_url"), form.getlist("source_title"), strict=False)
        if url.strip() or title.strip()
    ]
    body = {
        name: form[name] for name in ("claim_reviewed", "rating", "explanation") if form.get(name, "").strip()
    }
    return {**body, "sources": sources, "correction_notice_id": form.get("correction_notice_id") or None}


@bp.post("/claims/<uuid:group_id>/transfer")
def claim_transfer(group_id: uuid.UUID):
    once.claim()
    db = session()
    form = request.form.copy()
    given = {name: form[name] for name in ("department_id", "reason") if form.get(name, "").strip()}
    try:
        claims.transfer(db, g.principal, group_id, ClaimTransferSchema().load(given))
    except (Invalid, ValidationError, Conflict) as error:
        return _refused(db, group_id, "transfer", error, form)
    flash(str(DONE["transfer"]), "success")
    return redirect(url_for("console.claims_list"))


def _refused(db, group_id: uuid.UUID, open_form: str, error, form):
    """The page again (422) with the form as typed and the services' messages beside their fields; a
    conflict (fact-checked meanwhile) is the form's own message."""
    db.rollback()
    if isinstance(error, Conflict):
        errors = {"form": [field_errors.translated(error.detail)]}
    else:
        errors = field_errors.by_field(
            error.messages if isinstance(error, ValidationError) else error.extra["errors"],
            {"sources": "source_url"},
        )
    details = claims.details(db, g.principal, group_id)
    return _page(details, open_form, errors, form), 422
