"""Shapes of the reports for the communication office (services/reports/)."""

from datetime import date

from marshmallow import Schema, fields, validate

from schemas.common import PROVINCE_CODE, LegalDate
from services.models.alerts import ALERT_CATEGORIES, SEVERITIES
from services.models.outbox import DELIVERY_STATUSES
from services.reports.coverage import POLICY_STAGES, STEPS

# Days a report may name: far enough either way, and clear of the calendar's edges.
REPORT_DAYS_FROM = date(2000, 1, 1)
FORMATS = ("json", "csv")


class ReportQuerySchema(Schema):
    first_day = LegalDate(
        earliest=REPORT_DAYS_FROM,
        data_key="from",
        metadata={"description": "First day (Asia/Ho_Chi_Minh); default 89 days before `to`."},
    )
    last_day = LegalDate(
        earliest=REPORT_DAYS_FROM,
        data_key="to",
        metadata={"description": "Last day, included; default today. At most 731 days from `from`."},
    )
    province_code = fields.Integer(validate=PROVINCE_CODE, metadata={"example": 48})
    department = fields.String(
        validate=validate.Length(min=1, max=32),
        metadata={"description": "A department's code: only its figures.", "example": "SXD-DN"},
    )
    format = fields.String(
        validate=validate.OneOf(FORMATS),
        metadata={"description": "`csv` as `Accept: text/csv` does: one table for Excel (UTF-8 with BOM)."},
    )


def _share(description: str):
    return fields.Float(
        required=True, allow_none=True, metadata={"description": f"{description}; null: none."}
    )


class PeriodSchema(Schema):
    first_day = fields.Date(required=True, attribute="from", data_key="from")
    last_day = fields.Date(required=True, attribute="to", data_key="to")


class FeedbackFiguresSchema(Schema):
    """Feedback received in the period, grouped (`key`, `name`): how it was answered."""

    key = fields.String(required=True)
    name = fields.String(required=True, allow_none=True)
    received = fields.Integer(required=True)
    answered = fields.Integer(
        required=True, metadata={"description": "With a first answer by its department."}
    )
    answered_on_time = fields.Integer(required=True)
    answered_late = fields.Integer(required=True)
    overdue = fields.Integer(required=True, metadata={"description": "Open and past its deadline now."})
    on_time_share = _share("answered_on_time / (answered + unanswered overdue)")
    late_share = _share("(answered_late + unanswered overdue) / (answered + unanswered overdue)")
    median_hours_to_answer = _share("Median working hours to the first answer")
    p90_hours_to_answer = _share("90th percentile (nearest rank) of working hours to the first answer")
    reopened = fields.Integer(required=True)
    reopen_rate = _share("reopened / answered")
    rated = fields.Integer(required=True)
    average_rating = _share("Mean rating (1-5)")


class DepartmentFiguresSchema(FeedbackFiguresSchema):
    """A department's feedback figures and its place in the on-time ranking (`key` is its code)."""

    rank = fields.Integer(
        required=True, allow_none=True, metadata={"description": "1 is best; null: nothing due."}
    )
    transfers_in = fields.Integer(required=True)
    transfers_out = fields.Integer(required=True)


class FeedbackReportSchema(PeriodSchema):
    """Per department (ranked on the on-time share), category, commune (ward code) and ISO week."""

    on_time_target = _share("The province's target on-time share (setting REPORT_ON_TIME_TARGET)")

    departments = fields.List(fields.Nested(DepartmentFiguresSchema), required=True)
    categories = fields.List(fields.Nested(FeedbackFiguresSchema), required=True)
    communes = fields.List(fields.Nested(FeedbackFiguresSchema), required=True)
    weeks = fields.List(
        fields.Nested(FeedbackFiguresSchema),
        required=True,
        metadata={"description": "`key` like 2026-W45, `name` its Monday."},
    )


class FocalPointSchema(Schema):
    name = fields.String(required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)


class DepartmentFocalPointSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    has_focal_point = fields.Boolean(required=True)
    focal_point = fields.Nested(FocalPointSchema, required=True)


PoliciesByStageSchema = Schema.from_dict(
    {stage: fields.Integer(required=True) for stage in POLICY_STAGES}, name="PoliciesByStageSchema"
)


class DepartmentPoliciesSchema(Schema):
    key = fields.String(required=True)
    name = fields.String(required=True)
    by_stage = fields.Nested(PoliciesByStageSchema, required=True)


class PolicyStepSchema(Schema):
    stage = fields.String(required=True, validate=validate.OneOf(POLICY_STAGES))
    at = fields.AwareDateTime(required=True)
    pushes = fields.Integer(required=True)
    communicated = fields.Boolean(required=True, metadata={"description": "A push announced this step."})


class PolicyTrailSchema(Schema):
    """One policy from draft to implementation."""

    id = fields.UUID(required=True)
    title = fields.String(required=True)
    document_number = fields.String(required=True, allow_none=True)
    department = fields.String(required=True)
    stage = fields.String(required=True, validate=validate.OneOf(POLICY_STAGES))
    consultation_opened_at = fields.AwareDateTime(required=True, allow_none=True)
    consultation_closes_at = fields.AwareDateTime(required=True, allow_none=True)
    comments_received = fields.Integer(required=True)
    comments_replied = fields.Integer(required=True)
    comments_replied_in_time = fields.Integer(
        required=True,
        metadata={"description": "Replied before the policy was adopted (all replies until then)."},
    )
    replied_share = _share("comments_replied / comments_received")
    replied_in_time_share = _share("comments_replied_in_time / comments_received")
    adopted_at = fields.AwareDateTime(required=True, allow_none=True)
    in_effect_at = fields.AwareDateTime(required=True, allow_none=True)
    steps = fields.List(fields.Nested(PolicyStepSchema), required=True)
    pushes = fields.Integer(required=True)
    pushes_sent = fields.Integer(required=True)
    devices_targeted = fields.Integer(
        required=True,
        metadata={"description": "Devices with a push token in the pushes' places, as they are now."},
    )
    readers = fields.Integer(
        required=True, metadata={"description": "Distinct citizens who opened a push in the app inbox."}
    )
    views = fields.Integer(required=True, metadata={"description": "Reads of the notice."})


class StepCommunicatedSchema(Schema):
    """A step of the policies' trails: how many reached it, and for how many a push announced it."""

    stage = fields.String(required=True, validate=validate.OneOf(STEPS))
    policies = fields.Integer(required=True)
    communicated = fields.Integer(required=True)
    communicated_share = _share("communicated / policies")


class CoverageReportSchema(PeriodSchema):
    """Focal points of the active departments, and policies communicated from draft to implementation."""

    departments = fields.Integer(required=True)
    departments_with_focal_point = fields.Integer(required=True)
    focal_point_share = _share("Target 1.0")
    focal_points = fields.List(fields.Nested(DepartmentFocalPointSchema), required=True)
    policies = fields.Integer(required=True)
    policies_by_stage = fields.Nested(PoliciesByStageSchema, required=True)
    policies_by_department = fields.List(fields.Nested(DepartmentPoliciesSchema), required=True)
    in_effect = fields.Integer(required=True)
    in_effect_consulted = fields.Integer(required=True)
    in_effect_consulted_share = _share("Policies in effect that went through public consultation")
    steps_communicated = fields.List(fields.Nested(StepCommunicatedSchema), required=True)
    policies_communicated_throughout = fields.Integer(
        required=True, metadata={"description": "Policies with a push for every step they reached."}
    )
    communicated_throughout_share = _share("Policies with a push for every step, of those that reached one")
    trails = fields.List(fields.Nested(PolicyTrailSchema), required=True)


class AlertCountSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(ALERT_CATEGORIES))
    severity = fields.String(required=True, validate=validate.OneOf(SEVERITIES))
    alerts = fields.Integer(required=True)


class ReportedIndicatorSchema(Schema):
    """An indicator an alert named that citizens had reported before it went out."""

    alert_id = fields.UUID(required=True)
    headline = fields.String(required=True)
    indicator_type = fields.String(required=True)
    indicator = fields.String(required=True)
    first_reported_at = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True)
    hours = fields.Float(required=True, metadata={"description": "Wall-clock hours from report to alert."})


class DeliveryCountSchema(Schema):
    channel = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(DELIVERY_STATUSES))
    deliveries = fields.Integer(required=True)


class AlertWeekSchema(Schema):
    key = fields.String(required=True, metadata={"example": "2026-W45"})
    name = fields.String(required=True, metadata={"description": "The week's Monday (2026-11-02)."})
    scam_reports = fields.Integer(required=True, metadata={"description": "Sent by citizens that week."})
    alerts = fields.Integer(required=True, metadata={"description": "Published that week."})
    median_hours_report_to_alert = _share("Median hours from a first scam report to that week's alerts")


class AlertsReportSchema(PeriodSchema):
    """Alerts published in the period, how fast scam reports became alerts, and their deliveries."""

    alerts = fields.Integer(required=True)
    by_category_severity = fields.List(fields.Nested(AlertCountSchema), required=True)
    median_hours_report_to_alert = _share("Median hours from a first scam report to the alert")
    p90_hours_report_to_alert = _share("90th percentile (nearest rank) of those hours")
    reported_indicators = fields.List(fields.Nested(ReportedIndicatorSchema), required=True)
    deliveries = fields.List(fields.Nested(DeliveryCountSchema), required=True)
    scam_reports = fields.Integer(required=True, metadata={"description": "Scam reports sent in the period."})
    weeks = fields.List(
        fields.Nested(AlertWeekSchema),
        required=True,
        metadata={"description": "Every ISO week the period touches, quiet ones as zeros."},
    )


class PublicDepartmentSchema(Schema):
    rank = fields.Integer(required=True, allow_none=True)
    key = fields.String(required=True, metadata={"description": "The department's code."})
    name = fields.String(required=True)
    received = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    on_time_share = _share("Answered on time / (answered + unanswered overdue)")
    average_rating = _share("Mean rating (1-5)")


class PublicDepartmentsSchema(PeriodSchema):
    """Each department's on-time answers over the last 90 days, best first (as the 1022 portals publish)."""

    departments = fields.List(fields.Nested(PublicDepartmentSchema), required=True)


class ClaimFiguresSchema(Schema):
    claim_groups = fields.Integer(required=True, metadata={"description": "Claims first seen in the period."})
    fact_checked = fields.Integer(required=True)
    median_hours_first_report_to_fact_check = _share(
        "Median wall-clock hours from first report to fact-check"
    )
    answered_within_deadline = _share(
        "Share of the groups answered or past their deadline that were fact-checked by it"
    )


class ClaimDepartmentSchema(ClaimFiguresSchema):
    key = fields.String(required=True, metadata={"description": "The department's code."})
    name = fields.String(required=True)
    claims_reported = fields.Integer(required=True, metadata={"description": "Reports sent in the period."})


class ClaimWeekSchema(Schema):
    key = fields.String(required=True, metadata={"example": "2026-W45"})
    name = fields.String(required=True, metadata={"description": "The week's Monday (2026-11-02)."})
    claims_reported = fields.Integer(required=True)
    fact_checks = fields.Integer(required=True, metadata={"description": "Published that week."})


class ClaimsReportSchema(PeriodSchema, ClaimFiguresSchema):
    """Claims reported, time to fact-check and answers within the deadline (docs/claims.md)."""

    claims_reported = fields.Integer(required=True)
    departments = fields.List(fields.Nested(ClaimDepartmentSchema), required=True)
    weeks = fields.List(fields.Nested(ClaimWeekSchema), required=True)
