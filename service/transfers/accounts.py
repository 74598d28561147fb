"""A foundation's payout account: the Stripe connected account (``acct_...``) that receives
its commons' funds by Connect transfer."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import Organisation, OrganisationKind
from service.transfers.interface import TransferError

__all__ = ["check_account_id", "set_payout_account"]

_ACCOUNT = re.compile(r"^acct_[A-Za-z0-9]{1,64}$")


def check_account_id(account_id: str) -> str:
    """``account_id`` if it has the shape of a connected account id, else TransferError."""
    value = account_id.strip()
    if not _ACCOUNT.match(value):
        raise TransferError(
            f"{account_id!r} is not a Stripe connected account id: expected acct_ followed "
            "by letters and digits (Stripe Dashboard > Connect > the account's id)"
        )
    return value


async def set_payout_account(
    session: AsyncSession, organisation_id: uuid.UUID, account_id: str | None
) -> Organisation:
    """Set (or with None, clear) a foundation's payout account (flushes)."""
    value = check_account_id(account_id) if account_id is not None else None
    organisation = await session.get(Organisation, organisation_id)
    if organisation is None:
        raise TransferError(f"no organisation {organisation_id}")
    if organisation.kind != OrganisationKind.FOUNDATION.value:
        raise TransferError(
            f"organisation {organisation_id} is a {organisation.kind}: only a foundation "
            "receives its commons' funds"
        )
    organisation.payout_account_id = value
    await session.flush()
    return organisation
