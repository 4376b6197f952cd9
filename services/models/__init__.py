"""SQLAlchemy 2.0 typed tables, one module per capability. Every change ships with an Alembic
migration (tests/test_migrations.py compares them). Import tables from here: `from services.models import X`.
"""

from services.models.base import Base, JSONDocument, Timestamps, UTCDateTime
from services.models.core import ROLES, ApiKey, AuditEvent, Category, Department, Device, User
from services.models.push import (
    NOTIFICATION_STATUSES,
    Notification,
    NotificationPlace,
    NotificationRead,
    NotificationRecipient,
    TokenRetirement,
)

__all__ = [
    "NOTIFICATION_STATUSES",
    "ROLES",
    "ApiKey",
    "AuditEvent",
    "Base",
    "Category",
    "Department",
    "Device",
    "JSONDocument",
    "Notification",
    "NotificationPlace",
    "NotificationRead",
    "NotificationRecipient",
    "Timestamps",
    "TokenRetirement",
    "UTCDateTime",
    "User",
]
