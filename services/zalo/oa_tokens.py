"""The Official Account's access token, kept fresh for the ZNS channel across every worker.

Zalo rotates the refresh token at each refresh: the pair is replaced under a row lock and committed at
once, in a session of its own, so two workers never refresh together (the second finds the first's new
token and uses it) and the new refresh token is never lost to a rolled-back send.
"""

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.core.db import utcnow
from services.models import ZaloOaToken
from services.outbox.channels.zalo_api import ZaloClient, ZaloError

log = logging.getLogger("citizen.zalo")
operators = logging.getLogger("citizen.zalo.operators")

# Refreshed this long before Zalo says it expires (Zalo's access tokens live about 25 hours).
EARLY = timedelta(minutes=10)


def store(db: Session, client: ZaloClient, oa_id: str, refresh_token: str) -> ZaloOaToken:
    """The first pair (`flask --app wsgi zalo-oa-token`): the refresh token an admin got when granting the
    OA's permissions is exchanged at once, so a typing error shows now and not at the first ZNS."""
    row = _locked(db, oa_id)
    tokens = client.refresh_oa_token(refresh_token)  # ZaloError goes to the caller
    if row is None:
        row = ZaloOaToken(oa_id=oa_id)
        db.add(row)
    _keep(row, tokens)
    db.commit()
    return row


class OaTokens:
    """What the ZNS channel asks: `current()` and `refreshed(stale)` (services/outbox/channels/zalo.py)."""

    def __init__(self, sessions, client: ZaloClient, oa_id: str):
        self.sessions, self.client, self.oa_id = sessions, client, oa_id

    def current(self) -> str:
        with self.sessions() as db:
            row = db.get(ZaloOaToken, self.oa_id)
            if row is None:
                raise LookupError("No OA token: run `flask --app wsgi zalo-oa-token REFRESH_TOKEN`.")
            if row.expires_at - EARLY > utcnow():
                return row.access_token
        return self.refreshed(row.access_token)

    def refreshed(self, stale: str) -> str:
        """A token other than `stale`: another worker's fresh one, or one refreshed now (once)."""
        with self.sessions() as db:
            row = _locked(db, self.oa_id)
            if row is None:
                raise LookupError("No OA token: run `flask --app wsgi zalo-oa-token REFRESH_TOKEN`.")
            if row.access_token != stale and row.expires_at - EARLY > utcnow():
                return row.access_token  # refreshed by another worker while this one waited for the lock
            try:
                tokens = self.client.refresh_oa_token(row.refresh_token)
            except ZaloError as error:
                if error.kind in ("invalid_token", "refused", "invalid_request"):
                    operators.critical(
                        "Zalo refused the OA refresh token (%s): sign the OA in again and run "
                        "`flask --app wsgi zalo-oa-token`",
                        error.message,
                    )
                raise LookupError(f"The OA token could not be refreshed: {error.message}") from None
            _keep(row, tokens)
            db.commit()
            log.info("Zalo OA token refreshed; valid until %s", row.expires_at.isoformat())
            return row.access_token


def _locked(db: Session, oa_id: str) -> ZaloOaToken | None:
    stmt = select(ZaloOaToken).where(ZaloOaToken.oa_id == oa_id).execution_options(populate_existing=True)
    if db.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return db.scalar(stmt)


def _keep(row: ZaloOaToken, tokens) -> None:
    now = utcnow()
    row.access_token, row.refresh_token = tokens.access_token, tokens.refresh_token
    row.expires_at, row.refreshed_at = now + timedelta(seconds=tokens.expires_in), now
