"""The allow-list of known-legitimate indicators: government sites (a public suffix such as gov.vn covers
every site registered under it), banks' hotlines, official accounts.

Citizens' reports alone never mark them: scam-check says `trusted` and shows no citizen count, and a link
named by an alert does not make a trusted site reported. Only an admin may name an allow-listed value in
an alert (scammers do spoof banks' numbers, and the province may need to say so); an editor gets a 422,
since one careless draft would otherwise smear a bank's hotline. Admins keep the list; every change is
audited.
"""

import uuid
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import transactional, utcnow
from services.core.errors import Conflict, Invalid, NotFound
from services.core.pagination import Page, keyset_page
from services.identity import audit, policy
from services.identity.principals import Principal
from services.models import AlertIndicator, TrustedIndicator
from services.publishing import indicators


def covering(db: Session, values: Iterable[indicators.Normalized]) -> dict:
    """{value: the most specific entry covering it} for those of `values` the allow-list covers."""
    wanted = {value: indicators.trust_keys(value) for value in values}
    names = {name for keys in wanted.values() for _type, name in keys}
    if not names:
        return {}
    rows = db.scalars(select(TrustedIndicator).where(TrustedIndicator.normalized.in_(names)))
    entries = {(row.type, row.normalized): row for row in rows}
    found = {}
    for value, keys in wanted.items():
        entry = next((entries[key] for key in keys if key in entries), None)
        if entry is not None:
            found[value] = entry
    return found


def refuse_in_alert(db: Session, principal: Principal, named: list[AlertIndicator]) -> None:
    """422 `trusted_indicator` when an editor names an allow-listed value in an alert (admins may)."""
    if principal.is_admin:
        return
    values = [indicators.Normalized(item.type, item.normalized) for item in named]
    found = covering(db, values)
    errors = {
        index: {
            "value": [
                f"On the allow-list of known-legitimate values ({found[value].normalized}: "
                f"{found[value].note}); only an admin may name it in an alert."
            ]
        }
        for index, value in enumerate(values)
        if value in found
    }
    if errors:
        raise Invalid({"indicators": errors}, code="trusted_indicator")


def list_entries(db: Session, principal: Principal, *, type=None, cursor=None, limit=20) -> Page:
    """Any staff may read the list (an editor refused a value learns why); admins change it."""
    policy.require(principal, "trusted_indicators.read")
    stmt = select(TrustedIndicator)
    if type:
        stmt = stmt.where(TrustedIndicator.type == type)
    return keyset_page(
        db, stmt, [TrustedIndicator.created_at, TrustedIndicator.id], cursor, limit, descending=True
    )


@transactional
def add(
    db: Session, principal: Principal, data: dict, *, shared_platforms: Iterable[str]
) -> TrustedIndicator:
    policy.require(principal, "trusted_indicators.manage")
    try:
        normalized = indicators.normalize(data["type"], data["value"], suffix_ok=True)
    except indicators.BadIndicator as error:
        raise Invalid({"value": [str(error)]}) from None
    if normalized.type == "domain" and _hosts_a_shared_platform(normalized.value, shared_platforms):
        raise Invalid(
            {
                "value": [
                    "A shared platform, or a domain above one, where anyone can publish: allow-list "
                    "particular pages (url) or accounts instead."
                ]
            },
            code="shared_platform",
        )
    existing = db.scalar(
        select(TrustedIndicator).where(
            TrustedIndicator.normalized == normalized.value, TrustedIndicator.type == normalized.type
        )
    )
    if existing is not None:
        raise Conflict(f"Already on the allow-list as {existing.id}.", code="trusted_indicator_exists")
    entry = TrustedIndicator(
        id=uuid.uuid4(),
        type=normalized.type,
        value=data["value"].strip(),
        normalized=normalized.value,
        note=data["note"],
        created_by_id=principal.user.id,
        created_at=utcnow(),
    )
    db.add(entry)
    audit.record(db, principal, "trusted_indicator.create", entry)
    return entry


def _hosts_a_shared_platform(host: str, listed: Iterable[str]) -> bool:
    """`host` is a shared platform, or one is below it (google.com above sites.google.com): trusting it
    would vouch for pages anyone can make. The private suffixes of the public suffix list need no check
    here: trust never reaches through them (indicators.trust_keys)."""
    return indicators.shared_platform(host, listed) or any(
        indicators.on_site(platform, host) for platform in listed
    )


@transactional
def remove(db: Session, principal: Principal, entry_id: uuid.UUID) -> None:
    policy.require(principal, "trusted_indicators.manage")
    entry = db.get(TrustedIndicator, entry_id)
    if entry is None:
        raise NotFound("No such allow-list entry.")
    audit.record(db, principal, "trusted_indicator.delete", entry, audit.snapshot(entry))
    db.delete(entry)
