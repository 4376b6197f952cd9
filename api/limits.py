"""Rate limits (Flask-Limiter) on the endpoints anyone can call: sign-in, device registration, scam-check,
and what citizens' devices send (feedback, comments on drafts, scam reports, uploads).

Limits are per client IP (behind a proxy set TRUSTED_PROXIES so the IP is the client's). Storage
is in-process by default; with several API processes set RATELIMIT_STORAGE_URI (e.g. redis://…)
so they share counts. A limited request gets 429 problem+json with Retry-After.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from api.auth import current_principal

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

SIGN_IN = "10 per minute;100 per hour"
# Generous: many phones share one carrier-grade NAT address.
DEVICE_REGISTRATION = "60 per minute"
# "Has this been reported?": enough for a family behind one address, not for bulk harvesting.
SCAM_CHECK = "30 per minute;300 per hour"
# Feedback submissions: a device's successful ones, and every attempt from one address (NAT-generous).
FEEDBACK_PER_DEVICE = "10 per hour;30 per day"
FEEDBACK_PER_IP = "60 per hour"
# Comments on drafts: a citizen may comment on several sections, not flood a consultation.
COMMENTS_PER_DEVICE = "20 per hour;100 per day"
COMMENTS_PER_IP = "120 per hour"
# Scam reports: the few scam attempts of a citizen's day, not a list. Devices cost nothing to register,
# so the address limit is the one that slows a farm of them (scam-check never trusts reports anyway).
SCAM_REPORTS_PER_DEVICE = "5 per hour;20 per day"
SCAM_REPORTS_PER_IP = "30 per hour"
# Uploads (up to 10 MB each): a feedback's few photos at a time, not a stream of files; every attempt
# from one address counts (devices cost nothing to create). Staff attach answers' photos and notices'
# documents. What an uploader may leave unused is bounded apart (services/attachments.py).
UPLOADS_PER_DEVICE = "10 per minute;40 per hour;120 per day"
UPLOADS_PER_USER = "30 per minute;300 per hour"
UPLOADS_PER_IP = "30 per minute;200 per hour"


def calling_device() -> str:
    """The limit key of the calling device or staff user (its operation has already checked the caller)."""
    principal = current_principal()
    if principal.device:
        return f"device:{principal.device.id}"
    return f"user:{principal.user.id}" if principal.user else get_remote_address()


def uploads_per_uploader() -> str:
    return UPLOADS_PER_DEVICE if current_principal().device else UPLOADS_PER_USER
