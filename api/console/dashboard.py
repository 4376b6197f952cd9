"""The dashboard: the reports of /api/v1/reports/* (services/reports, the same scope rules: admins and
viewers every department, other staff their own) drawn as charts, each with its figures as a table (what
screen readers read, and what is left without JavaScript) and the report's own CSV.

The page embeds each chart's figures as a JSON data block (`<script type="application/json">`, which
the strict CSP lets through because it never runs); console-charts.js draws them with the vendored
Chart.js. The figures are the reports' JSON as the API dumps it, only picked and ordered here.
"""

from dataclasses import dataclass, field
from datetime import date

from flask import g, render_template, request
from flask_babel import format_date, format_decimal, gettext, pgettext
from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

from api.console import bp
from api.console.choices import active_departments
from api.console.field_errors import by_field
from api.console.notices import STAGE_NAMES
from api.database import session
from api.http import text_errors
from api.namespaces.reports import REPORTS, as_csv, as_json, build
from schemas.reports import ReportQuerySchema
from services.core.errors import Invalid
from services.identity import policy
from services.reports import scope

FILTERS = ("from", "to", "department")
REPORT_NAMES = {"feedback": _l("feedback"), "coverage": _l("coverage"), "alerts": _l("alerts")}


@dataclass
class Series:
    name: str
    values: list
    percent: bool = False  # shares (0-1), shown as per cent
    drawn: bool = True  # False: in the table only


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # "bar" or "line"
    label: str  # the heading of the table's first column
    labels: list[str]
    series: list[Series]
    report: str  # whose CSV the download is
    horizontal: bool = False
    target: float | None = None  # a share drawn as a line (the province's target)
    note: str = ""
    rows: list = field(init=False)

    def __post_init__(self):
        self.rows = [(label, [s.values[i] for s in self.series]) for i, label in enumerate(self.labels)]

    def spec(self) -> dict:
        """What console-charts.js draws."""
        drawn = [s for s in self.series if s.drawn]
        return {
            "kind": self.kind,
            "horizontal": self.horizontal,
            "percent": any(s.percent for s in drawn),
            "labels": self.labels,
            "datasets": [{"label": s.name, "data": s.values} for s in drawn],
            "target": self.target,
            "targetLabel": gettext("Target %(share)s", share=share(self.target)) if self.target else "",
        }


def share(value: float | None) -> str:
    """0.875 → "87,5 %" (in the page's language); None → "—"."""
    return "—" if value is None else f"{format_decimal(round(value * 100, 2), '#,##0.##')}\u00a0%"


def figure(value, percent: bool = False) -> str:
    if value is None:
        return "—"
    return share(value) if percent else format_decimal(value, "#,##0.##")


@bp.context_processor
def dashboard_link():
    """The navigation shows the dashboard to those the policy lets read reports."""
    principal = g.get("principal")
    return {"may_read_reports": principal is not None and policy.allows(principal, "reports.read")}


@bp.get("/dashboard")
def dashboard():
    principal, db = g.principal, session()
    policy.require(principal, "reports.read")
    asked = {key: request.args[key] for key in FILTERS if request.args.get(key)}
    every = policy.every_department(principal, "reports.read")
    offered = active_departments(db, principal) if every else []
    page = {"asked": asked, "choices": offered, "every": every, "figure": figure, "day": day}
    page["report_names"] = REPORT_NAMES
    try:
        reports = _reports(db, principal, asked)
    except (ValidationError, Invalid) as error:
        errors = by_field(error.messages if isinstance(error, ValidationError) else error.extra["errors"])
        return render_template("console/dashboard.html", errors=errors, charts=None, period=None, **page), 422
    return render_template(
        "console/dashboard.html",
        errors={},
        charts=_charts(reports),
        period=(reports["feedback"]["from"], reports["feedback"]["to"]),
        **page,
    )


@bp.get(f"/dashboard/<any({', '.join(REPORTS)}):name>.csv")
def dashboard_csv(name: str):
    db = session()
    asked = {key: request.args[key] for key in FILTERS if request.args.get(key)}
    try:
        report_scope = _scope(db, g.principal, asked)
    except (ValidationError, Invalid):
        return dashboard()  # the form with its errors
    return as_csv(name, build(name, db, report_scope))


def _scope(db, principal, asked: dict) -> scope.Scope:
    if unstorable := text_errors(asked):
        raise ValidationError(unstorable)
    return scope.resolve(db, principal, ReportQuerySchema().load(asked))


def _reports(db, principal, asked: dict) -> dict:
    """The three reports of the asked scope, as the API's JSON (the claims report comes to the console
    with its claim pages; its CSV is already there)."""
    report_scope = _scope(db, principal, asked)
    return {name: as_json(name, build(name, db, report_scope)) for name in REPORT_NAMES}


def day(text: str) -> str:
    """2026-11-02 → 02/11/2026."""
    return format_date(date.fromisoformat(text), "dd/MM/yyyy")


def _ranked(rows: list[dict], key: str) -> list[dict]:
    return sorted(rows, key=lambda row: (-row[key], row["key"]))


def _without_focal_point(rows: list[dict]) -> str:
    names = [row["name"] for row in rows if not row["has_focal_point"]]
    return gettext("Without a focal point: %(names)s.", names=", ".join(names)) if names else ""


def _charts(reports: dict) -> list[Chart]:
    feedback, coverage, alerts = reports["feedback"], reports["coverage"], reports["alerts"]
    ranked = [row for row in feedback["departments"] if row["rank"] is not None]
    unranked = len(feedback["departments"]) - len(ranked)
    overdue = _ranked([row for row in feedback["departments"] if row["overdue"]], "overdue")
    categories = _ranked(feedback["categories"], "received")
    communes = _ranked(feedback["communes"], "received")
    steps = coverage["steps_communicated"]
    consulted = [t for t in coverage["trails"] if t["consultation_opened_at"] is not None]
    received, answered = pgettext("report", "Received"), gettext("Answered")
    return [
        Chart(
            "on-time",
            gettext("Feedback answered on time, per department"),
            "bar",
            gettext("Department"),
            [f"{row['rank']}. {row['name']}" for row in ranked],
            [
                Series(gettext("On-time share"), [row["on_time_share"] for row in ranked], percent=True),
                Series(gettext("Answered on time"), [row["answered_on_time"] for row in ranked], drawn=False),
                Series(answered, [row["answered"] for row in ranked], drawn=False),
            ],
            "feedback",
            horizontal=True,
            target=feedback["on_time_target"],
            note=gettext("%(count)s departments with nothing due yet are not ranked.", count=unranked)
            if unranked
            else "",
        ),
        Chart(
            "weeks",
            gettext("Feedback received and answered per week"),
            "line",
            gettext("Week (Monday)"),
            [day(row["name"]) for row in feedback["weeks"]],
            [
                Series(received, [row["received"] for row in feedback["weeks"]]),
                Series(answered, [row["answered"] for row in feedback["weeks"]]),
            ],
            "feedback",
            note=gettext("Answered: of the feedback received that week."),
        ),
        Chart(
            "overdue",
            gettext("Overdue now, per department"),
            "bar",
            gettext("Department"),
            [row["name"] for row in overdue],
            [Series(gettext("Overdue"), [row["overdue"] for row in overdue])],
            "feedback",
            horizontal=True,
        ),
        Chart(
            "categories",
            gettext("Feedback by category"),
            "bar",
            gettext("Category"),
            [row["name"] or row["key"] for row in categories],
            [
                Series(received, [row["received"] for row in categories]),
                Series(answered, [row["answered"] for row in categories]),
            ],
            "feedback",
            horizontal=True,
        ),
        Chart(
            "communes",
            gettext("Feedback by commune"),
            "bar",
            gettext("Commune or ward"),
            [row["name"] or gettext("Not given") for row in communes],
            [
                Series(received, [row["received"] for row in communes]),
                Series(answered, [row["answered"] for row in communes]),
            ],
            "feedback",
            horizontal=True,
        ),
        Chart(
            "focal-points",
            gettext("Departments with a focal point"),
            "bar",
            pgettext("report", "Departments"),
            [gettext("All departments")],
            [
                Series(gettext("Share with a focal point"), [coverage["focal_point_share"]], percent=True),
                Series(
                    gettext("With a focal point"), [coverage["departments_with_focal_point"]], drawn=False
                ),
                Series(pgettext("report", "Departments"), [coverage["departments"]], drawn=False),
            ],
            "coverage",
            horizontal=True,
            target=1.0,
            note=_without_focal_point(coverage["focal_points"]),
        ),
        Chart(
            "policies",
            gettext("Policies by stage"),
            "bar",
            gettext("Stage"),
            [str(STAGE_NAMES[stage]) for stage in coverage["policies_by_stage"]],
            [Series(gettext("Policies"), list(coverage["policies_by_stage"].values()))],
            "coverage",
        ),
        Chart(
            "communicated",
            gettext("Policies communicated at each step"),
            "bar",
            gettext("Step"),
            [str(STAGE_NAMES[row["stage"]]) for row in steps],
            [
                Series(
                    gettext("Share communicated"),
                    [row["communicated_share"] for row in steps],
                    percent=True,
                ),
                Series(
                    gettext("Communicated"),
                    [row["communicated"] for row in steps],
                    drawn=False,
                ),
                Series(
                    gettext("Policies"),
                    [row["policies"] for row in steps],
                    drawn=False,
                ),
            ],
            "coverage",
            target=1.0,
            note=gettext(
                "Communicated at every step they reached: %(count)s policies (%(share)s).",
                count=coverage["policies_communicated_throughout"],
                share=share(coverage["communicated_throughout_share"]),
            ),
        ),
        Chart(
            "consultation",
            gettext("Participation in consultations"),
            "bar",
            gettext("Policy"),
            [t["title"] for t in consulted],
            [
                Series(gettext("Comments"), [t["comments_received"] for t in consulted]),
                Series(gettext("Replied"), [t["comments_replied"] for t in consulted]),
                Series(gettext("Share replied"), [t["replied_share"] for t in consulted], True, False),
            ],
            "coverage",
            horizontal=True,
        ),
        Chart(
            "scams",
            gettext("Scam reports and alerts per week"),
            "line",
            gettext("Week (Monday)"),
            [day(row["name"]) for row in alerts["weeks"]],
            [
                Series(gettext("Scam reports"), [row["scam_reports"] for row in alerts["weeks"]]),
                Series(gettext("Alerts"), [row["alerts"] for row in alerts["weeks"]]),
            ],
            "alerts",
        ),
        Chart(
            "report-to-alert",
            gettext("Hours from the first citizen report to the alert (median)"),
            "bar",
            gettext("Week (Monday)"),
            [day(row["name"]) for row in alerts["weeks"]],
            [
                Series(
                    gettext("Median hours"),
                    [row["median_hours_report_to_alert"] for row in alerts["weeks"]],
                )
            ],
            "alerts",
            note=gettext(
                "Over the period: %(hours)s hours (median).",
                hours=figure(alerts["median_hours_report_to_alert"]),
            ),
        ),
    ]
