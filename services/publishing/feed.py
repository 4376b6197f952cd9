"""The app's home screen for one place: active alerts, the latest notices, the open consultations
closing soonest and the newest fact-checks on claims reported there, in a fixed handful of queries
whatever the number of notices."""

from sqlalchemy.orm import Session

from services.core import targets
from services.core.errors import Invalid
from services.identity.principals import Caller, Principal
from services.publishing import alerts, fact_checks, notices

LATEST_NOTICES = 10
OPEN_CONSULTATIONS = 5


def home(db: Session, principal: Principal, *, province_code=None, ward_code=None, languages=()) -> dict:
    """The feed for the place asked for, or for the calling device's registered place."""
    notices.check_reader(principal)
    if province_code is None and ward_code is None:
        if principal.kind != Caller.DEVICE:
            raise Invalid({"province_code": ["Give province_code or ward_code (or call as a device)."]})
        province_code, ward_code = principal.device.province_code, principal.device.ward_code
    province_code, ward_code = targets.place(province_code, ward_code)
    languages = notices.preferred_languages(principal, languages)
    return {
        "province_code": province_code,
        "ward_code": ward_code,
        "alerts": alerts.for_feed(db, province_code, ward_code, languages[0] if languages else "vi"),
        "latest_notices": notices.latest(db, province_code, ward_code, languages, LATEST_NOTICES),
        "open_consultations": notices.open_consultations(
            db, province_code, ward_code, languages, OPEN_CONSULTATIONS
        ),
        "fact_checks": fact_checks.latest(db, province_code, ward_code),
    }
