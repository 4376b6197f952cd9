"""Rate limits (Flask-Limiter) on the endpoints anyone can call: sign-in and device registration.

Limits are per client IP (behind a proxy set TRUSTED_PROXIES so the IP is the client's). Storage
is in-process by default; with several API processes set RATELIMIT_STORAGE_URI (e.g. redis://…)
so they share counts. A limited request gets 429 problem+json with Retry-After.
"""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)

SIGN_IN = "10 per minute;100 per hour"
# Generous: many phones share one carrier-grade NAT address.
DEVICE_REGISTRATION = "60 per minute"
