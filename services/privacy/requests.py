"""A data subject's requests (access, correction, deletion, restriction, objection, withdrawal of
consent) and their legal clock under Decree 356/2025/ND-CP:

- an answer within 2 working days of receipt (services/core/deadlines.py: Vietnamese working days);
- the right carried out within 15 days, 20 when a processor or third party must act too, extendable
  once by at most 15 days with the reason recorded. The decree says "days" where it means working
  days elsewhere: we count calendar days, the stricter reading. Access and correction are given the
  same 15 days (the decree's shortest period for them is not longer).

Every step is on the request's `history` (what the citizen sees), in the audit log, and pushed to the
citizen's devices.
"""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services import push
from services.core.db import transactional, utcnow
from services.core.deadlines import add_working_days
from services.core.errors import Conflict, NotFound
from services.core.pagination import Page, keyset_page
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import PrivacyRequest
from services.outbox import texts

ANSWER_WORKING_DAYS = 2
COMPLETE_DAYS = timedelta(days=15)
WITH_PROCESSOR_DAYS = timedelta(days=20)
MAX_EXTENSION = timedelta(days=15)
OPEN = ("received", "answered")  # the clock runs


def complete_due(received_at: datetime, processor_involved: bool) -> datetime:
    return received_at + (WITH_PROCESSOR_DAYS if processor_involved else COMPLETE_DAYS)


@transactional
def submit(db: Session, principal: Principal, data: dict) -> PrivacyRequest:
    """The calling citizen's request, its clock started now."""
    policy.require(principal, "privacy.requests.submit")
    now = utcnow()
    request = PrivacyRequest(
        id=uuid.uuid4(),
        citizen_id=principal.device.citizen_id,
        device_id=principal.device.id,
        type=data["type"],
        details=data.get("details", ""),
        status="received",
        received_at=now,
        answer_due_at=add_working_days(now, ANSWER_WORKING_DAYS),
        complete_due_at=complete_due(now, False),
        processor_involved=False,
        history=[],
    )
    request.due_at = request.answer_due_at
    _step(request, principal, "received", now)
    db.add(request)
    audit.record(db, principal, "privacy_request.create", request)
    return request


def listing(db: Session, principal: Principal, **filters) -> Page:
    """A citizen's own requests (newest first), or the officer's inbox."""
    policy.require(principal, "privacy.requests.track")
    if principal.device is None:
        return inbox(db, principal, **filters)
    stmt = select(PrivacyRequest).where(PrivacyRequest.citizen_id == principal.device.citizen_id)
    if filters.get("status"):
        stmt = stmt.where(PrivacyRequest.status == filters["status"])
    columns = [PrivacyRequest.received_at, PrivacyRequest.id]
    return keyset_page(db, stmt, columns, filters.get("cursor"), filters.get("limit", 20), descending=True)


def get(db: Session, principal: Principal, request_id: uuid.UUID) -> PrivacyRequest:
    """One request: the citizen's own (another's is 404, as if absent), or any for the officer."""
    policy.require(principal, "privacy.requests.track")
    request = db.get(PrivacyRequest, request_id)
    if request is None or (
        principal.device is not None and request.citizen_id != principal.device.citizen_id
    ):
        raise NotFound("No such request.")
    return request


def inbox(
    db: Session, principal: Principal, *, status=None, overdue=None, cursor=None, limit=20, now=None
) -> Page:
    """The officer's inbox, by the deadline each request is on, so overdue ones come first. Without
    `status`, the open ones (received or answered)."""
    policy.require(principal, "privacy.requests")
    now = now or utcnow()
    statuses = (status,) if status else OPEN
    stmt = select(PrivacyRequest).where(PrivacyRequest.status.in_(statuses))
    if overdue is not None:
        late = PrivacyRequest.due_at < now
        stmt = stmt.where(late & PrivacyRequest.status.in_(OPEN) if overdue else ~late)
    return keyset_page(db, stmt, [PrivacyRequest.due_at, PrivacyRequest.id], cursor, limit)


@transactional
def answer(db: Session, principal: Principal, request_id: uuid.UUID, data: dict) -> PrivacyRequest:
    """The answer the law wants within 2 working days: what will be done and how. Saying a processor
    must act too moves the completion deadline to 20 days."""
    request, before = _open(db, principal, request_id, "received")
    now = utcnow()
    request.answer, request.answered_at, request.status = data["answer"], now, "answered"
    if data.get("processor_involved"):
        request.processor_involved = True
        request.complete_due_at = complete_due(request.received_at, True) + _extension(request)
    request.due_at = request.complete_due_at
    return _done(db, principal, request, before, "answered", now, data["answer"])


@transactional
def act(db: Session, principal: Principal, request_id: uuid.UUID, data: dict) -> PrivacyRequest:
    """Record that the right was carried out (the data given, corrected, erased, processing stopped)."""
    request, before = _open(db, principal, request_id, "answered")
    now = utcnow()
    request.completed_at, request.status = now, "completed"
    return _done(db, principal, request, before, "completed", now, data["note"])


@transactional
def extend(db: Session, principal: Principal, request_id: uuid.UUID, data: dict) -> PrivacyRequest:
    """Extend the completion deadline, once, by at most 15 days, for the reason given."""
    request, before = _open(db, principal, request_id, *OPEN)
    if request.extended_at is not None:
        raise Conflict("The deadline was already extended once.", code="privacy_request_extended")
    now = utcnow()
    request.extended_at, request.extension_reason = now, data["reason"]
    request.complete_due_at += timedelta(days=data["days"])
    if request.status == "answered":
        request.due_at = request.complete_due_at
    return _done(db, principal, request, before, "extended", now, data["reason"])


@transactional
def close(db: Session, principal: Principal, request_id: uuid.UUID, data: dict) -> PrivacyRequest:
    """Close the request: fulfilled (after it was carried out), refused (with the legal ground) or
    withdrawn by the citizen."""
    request, before = _open(db, principal, request_id, "received", "answered", "completed")
    if data["outcome"] == "fulfilled" and request.status != "completed":
        raise Conflict("Record what was done (…/act) before closing as fulfilled.", code="invalid_transition")
    now = utcnow()
    request.closed_at, request.status, request.outcome = now, "closed", data["outcome"]
    return _done(db, principal, request, before, "closed", now, data["note"], outcome=data["outcome"])


def overdue(request: PrivacyRequest, now: datetime | None = None) -> bool:
    return request.status in OPEN and request.due_at < (now or utcnow())


def _extension(request: PrivacyRequest) -> timedelta:
    """How far the completion deadline was already pushed by the extension."""
    if request.extended_at is None:
        return timedelta()
    return request.complete_due_at - complete_due(request.received_at, request.processor_involved)


def _open(db: Session, principal: Principal, request_id: uuid.UUID, *statuses: str):
    request = policy.fetch(
        db, principal, "privacy.requests", PrivacyRequest, request_id, missing="No such request."
    )
    if request.status not in statuses:
        raise Conflict(f"The request is {request.status}.", code="invalid_transition", allowed=list(statuses))
    return request, audit.snapshot(request)


def _step(request: PrivacyRequest, principal: Principal, kind: str, at: datetime, note: str = "", **more):
    # A new list: the JSON column sees a change only when the value is replaced.
    by = "citizen" if principal.device else "officer"  # the officer's name stays in the audit log
    entry = {"kind": kind, "at": at.isoformat(), "by": by, "note": note}
    request.history = [*request.history, {**entry, **more}]


def _done(db, principal, request, before, kind, at, note, **more) -> PrivacyRequest:
    _step(request, principal, kind, at, note, **more)
    audit.record(db, principal, f"privacy_request.{kind}", request, before)
    _tell_citizen(db, request, kind)
    return request


def _tell_citizen(db: Session, request: PrivacyRequest, kind: str) -> None:
    """A personal push to the citizen's devices (and their inbox) for each step the officer takes."""
    message = f"privacy.request_{kind}"
    push.enqueue(
        db,
        push.Audience.citizens(request.citizen_id),
        texts.render(message, {}),
        message=message,
        values={},
        source_type="privacy_request",
        source_id=str(request.id),
        data={"type": "privacy_request", "id": str(request.id), "event": kind},
    )
