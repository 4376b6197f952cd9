"""The editors' alert pages: the department's alerts with their stage and how their pushes went, and the
form to write, publish, update and cancel one, through the API's own schema (schemas/alerts) and
services (services/publishing/alerts), with previews of what phones and the home screen will show.

Publishing, updating a published alert and cancelling reach phones: each asks for a confirmation first,
a page of its own without JavaScript, a dialog with it (console.js, `data-confirm`)."""

import uuid

from flask import flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_pgettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from api.console import alert_form, bp, field_errors, once
from api.database import session
from api.http import text_errors
from schemas.alerts import AlertChangesSchema, AlertSchema, CancelSchema, IndicatorSchema
from services.core import areas
from services.core.errors import DomainError
from services.identity import policy
from services.models import INDICATOR_TYPES
from services.publishing import alerts, indicators
from services.push import subscriber
from services.reports.alerts import deliveries_by_alert

STAGE_NAMES = {
    "draft": _l("Draft"),
    "published": lazy_pgettext("alert", "Published"),  # a notice's "Published" is "Đã đăng"
    "updated": _l("Updated"),
    "expired": _l("Expired"),
    "cancelled": _l("Cancelled"),
}
CHANNEL_NAMES = {
    "fcm": _l("Phone notifications"),
    "zalo_miniapp": _l("Mini App notifications"),
    "zns": _l("ZNS messages"),
    "sms": _l("SMS"),
    "webhook": _l("Webhooks"),
    "email": _l("E-mail"),
}
PAGE_SIZE = 20


@bp.get("/alerts")
def alerts_list():
    principal, db = g.principal, session()
    page = alerts.of_department(db, principal, cursor=request.args.get("cursor") or None, limit=PAGE_SIZE)
    return render_template(
        "console/alerts.html",
        page=page,
        deliveries=deliveries_by_alert(db, [alert.id for alert in page.items]),
        stage=alerts.stage,
        may_write=policy.allows(principal, "alerts.write"),
        stages=STAGE_NAMES,
        channels=CHANNEL_NAMES,
        categories=alert_form.CATEGORY_NAMES,
    )


@bp.route("/alerts/new", methods=["GET", "POST"])
def new_alert():
    policy.require(g.principal, "alerts.write")
    if request.method == "GET":
        # "Tạo cảnh báo" on a scam report pre-fills the category and the indicator.
        args = MultiDict(request.args)
        args.setlist("indicator_note", [""] * len(args.getlist("indicator_value")))
        return _form(None, alert_form.from_form(args))
    values = alert_form.from_form(request.form)
    if request.form.get("action") == "preview":
        return _form(None, values, previews=True)
    once.claim()
    try:
        alert = alerts.create(session(), g.principal, _loaded(AlertSchema(), values))
    except (ValidationError, DomainError) as error:
        return _refused(None, values, error)
    flash(gettext("The draft is saved. Check the previews, then publish it."), "success")
    return redirect(url_for("console.alert", alert_id=alert.id))


@bp.route("/alerts/<uuid:alert_id>", methods=["GET", "POST"])
def alert(alert_id: uuid.UUID):
    db = session()
    item = alerts.get(db, g.principal, alert_id)
    if request.method == "GET":
        return _form(item, alert_form.from_alert(item), previews=True)
    _writable(db, alert_id)
    values = alert_form.from_form(request.form)
    if request.form.get("action") == "preview":
        return _form(item, values, previews=True)
    if item.status == "published" and request.form.get("confirmed") != "yes":
        return _confirm(item, "update")  # an Update is pushed to phones again
    once.claim()
    try:
        data = _loaded(AlertChangesSchema(), values)
        alerts.update(db, g.principal, alert_id, data)
    except (ValidationError, DomainError) as error:
        return _refused(item, values, error)
    flash(
        gettext("The alert is updated.") if item.status == "published" else gettext("The draft is saved."),
        "success",
    )
    return redirect(url_for("console.alert", alert_id=alert_id))


@bp.post("/alerts/<uuid:alert_id>/publish")
def publish_alert(alert_id: uuid.UUID):
    db = session()
    item = _writable(db, alert_id)
    if request.form.get("confirmed") != "yes":
        return _confirm(item, "publish")
    once.claim()
    try:
        alerts.publish(db, g.principal, alert_id)
    except DomainError as error:  # the expiry has passed since the draft was written
        return _refused(item, alert_form.from_alert(item), error)
    flash(gettext("The alert is published: phones in its places are being notified."), "success")
    return redirect(url_for("console.alerts_list"))


@bp.post("/alerts/<uuid:alert_id>/cancel")
def cancel_alert(alert_id: uuid.UUID):
    db = session()
    item = _writable(db, alert_id)
    try:
        reason = CancelSchema().load(_storable({"reason": request.form.get("reason", "").strip()}))["reason"]
    except ValidationError as error:
        errors = {"reason": [field_errors.translated(m) for m in error.messages["reason"]]}
        return _form(item, alert_form.from_alert(item), previews=True, errors=errors, status=422)
    if request.form.get("confirmed") != "yes":
        return _confirm(item, "cancel", reason=reason)
    once.claim()
    alerts.cancel(db, g.principal, alert_id, reason)
    flash(gettext("The alert is cancelled: phones get a cancel notice with your reason."), "success")
    return redirect(url_for("console.alerts_list"))


@bp.post("/alerts/preview")
def alert_previews():
    """The previews of what is typed so far, for the form's script to show as the editor writes."""
    policy.require(g.principal, "alerts.write")
    return render_template(
        "console/alert_previews.html",
        categories=alert_form.CATEGORY_NAMES,
        severities=alert_form.SEVERITY_NAMES,
        **_previews(alert_form.from_form(request.form)),
    )


@bp.get("/alerts/indicator")
def indicator_check():
    """An indicator as the API normalises it, or what is wrong with it: the form checks each row as it
    is typed (the save checks them all again)."""
    policy.require(g.principal, "alerts.write")
    given = {"type": request.args.get("type", ""), "value": request.args.get("value", "")}
    try:
        row = IndicatorSchema().load(given)
        normalized = indicators.normalize(row["type"], row["value"])
    except ValidationError as error:
        return jsonify(error=alert_form.field_errors({"indicators": {0: error.messages}})["indicator-0"][0])
    except indicators.BadIndicator as error:
        return jsonify(error=field_errors.translated(str(error)))
    return jsonify(normalized=normalized.value)


# ---------------------------------------------------------------- the form's pages


def _loaded(schema, values: dict) -> dict:
    """The form as the API's schema loads its JSON body, after the API's rule on unstorable text."""
    return schema.load(_storable(alert_form.body(values)))


def _storable(data: dict) -> dict:
    if errors := text_errors(data):  # a NUL or a control character: nothing reads it, as in the API
        raise ValidationError(errors)
    return data


def _writable(db, alert_id: uuid.UUID):
    """The alert, if the user may change it (the policy's 403 or 404 otherwise)."""
    item = alerts.get(db, g.principal, alert_id)
    policy.require(g.principal, "alerts.write", item, missing="No such alert.")
    return item


def _form(item, values: dict, *, previews=False, errors=None, status=200):
    principal = g.principal
    province = areas.province(code) if (code := _home_province(values)) else None
    provinces = areas.provinces() if principal.every_department else [province] if province else []
    return (
        render_template(
            "console/alert_form.html",
            item=item,
            values=values,
            errors=errors or {},
            stage=alerts.stage(item) if item else None,
            stages=STAGE_NAMES,
            may_write=policy.allows(principal, "alerts.write", item) if item else True,
            provinces=provinces,
            wards=areas.wards(province.code) if province else [],
            province=province,
            national_allowed=principal.every_department,
            categories=alert_form.CATEGORY_NAMES,
            severities=alert_form.SEVERITY_NAMES,
            urgencies=alert_form.URGENCY_NAMES,
            certainties=alert_form.CERTAINTY_NAMES,
            indicator_types=alert_form.INDICATOR_NAMES,
            **(_previews(values) if previews or (item and not errors) else {}),
        ),
        status,
    )


def _home_province(values: dict) -> int | None:
    """The province whose communes the form lists: the editor's department's; for admins the one asked
    for (?province=), else that of the first place the alert names, else the first province."""
    principal = g.principal
    if not principal.every_department:
        return principal.department.province_code if principal.department else None
    asked = request.args.get("province", "")
    if asked.isdigit() and areas.is_province(int(asked)):
        return int(asked)
    named = [
        *values["province_codes"],
        *(areas.ward(c).province_code for c in values["ward_codes"] if areas.ward(c)),
    ]
    return named[0] if named else areas.provinces()[0].code


def _previews(values: dict) -> dict:
    sketch = alert_form.sketch(values)
    return {
        "push": subscriber.alert_push(sketch)["vi"],
        "card": alerts.feed_card(sketch),
    }


def _refused(item, values: dict, error: ValidationError | DomainError):
    """The form again, as typed, each message next to its field; nothing was stored."""
    if isinstance(error, ValidationError):
        messages, status = dict(error.messages), 422
        rows = values["indicators"]
        # The rows' own errors now, not once the rest is right.
        if "indicators" not in messages and all(row["type"] in INDICATOR_TYPES for row in rows):
            try:
                alerts.indicator_rows(rows)
            except DomainError as bad_rows:
                messages.update(bad_rows.extra["errors"])
    elif error.extra.get("errors"):  # Invalid, or a target beyond the editor's reach
        messages, status = error.extra["errors"], error.status
    else:
        raise error
    errors = alert_form.field_errors(messages if isinstance(messages, dict) else {"form": messages})
    return _form(item, values, errors=errors, status=status)


def _confirm(item, action: str, **extra):
    """The step before something reaches phones: what they will get, and the button that sends it."""
    event = {"publish": "alert.published", "update": "alert.updated", "cancel": "alert.cancelled"}[action]
    shown = item
    if action == "update":
        shown = alert_form.sketch(alert_form.from_form(request.form))
    elif action == "cancel":
        shown = alert_form.sketch(alert_form.from_alert(item))
        shown.cancel_reason = extra["reason"]
    return render_template(
        "console/alert_confirm.html",
        item=item,
        action=action,
        push=subscriber.alert_push(shown, event)["vi"],
        fields=[(k, v) for k, v in request.form.items(multi=True) if k not in ("csrf_token", "confirmed")],
    )
