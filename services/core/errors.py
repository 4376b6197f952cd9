"""Domain errors. The HTTP edge (api/errors.py) turns each into an RFC 9457 problem with its stable code."""

from datetime import timedelta


class DomainError(Exception):
    status = 400
    code = "bad_request"
    title = "Bad request"
    # When trying again may succeed (sent as Retry-After).
    retry_after: timedelta | None = None

    def __init__(self, detail: str | None = None, *, code: str | None = None, **extra):
        super().__init__(detail or self.title)
        self.detail = detail or self.title
        if code:
            self.code = code
        self.extra = extra


class Invalid(DomainError):
    """Input that parses but breaks a rule; `errors` is {field: [messages]} like marshmallow's."""

    status = 422
    code = "validation_failed"
    title = "Validation failed"

    def __init__(self, errors: dict, detail: str | None = None, *, code: str | None = None):
        super().__init__(detail or "One or more fields are invalid.", code=code, errors=errors)


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"
    title = "Not allowed"


class NotFound(DomainError):
    """Also raised for objects that exist but the caller may not see."""

    status = 404
    code = "not_found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict with the current state"


class TooManyRequests(DomainError):
    """A quota the caller has used up; `retry_after` says when there may be room again."""

    status = 429
    code = "rate_limited"
    title = "Too many requests"

    def __init__(self, detail: str | None = None, *, code: str | None = None, retry_after: timedelta):
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class Unavailable(DomainError):
    """A service we depend on (Zalo) is not set up, down or too slow; `retry_after` when worth retrying."""

    status = 503
    code = "unavailable"
    title = "Service unavailable"

    def __init__(self, detail: str | None = None, *, code: str | None = None, retry_after=None):
        super().__init__(detail, code=code)
        self.retry_after = retry_after


class InsufficientStorage(DomainError):
    status = 507
    code = "storage_full"
    title = "Insufficient storage"
