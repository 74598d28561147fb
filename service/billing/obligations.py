"""The obligations store as billing sees it: what is owed for a period, and the status of
each obligation as its invoice moves on (``owed`` → ``invoiced`` → ``paid`` → ``refunded``).

Owed reciprocity for a period is every stored obligation (:class:`ObligationRecord`) with
status ``owed``, kind ``reciprocity-payment``, a positive amount, a currency, and a
registered commons (``commons_id``): without a commons there is nobody to pay. The
foundation of each is the commons' owner, so that each invoice is one foundation's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from licences.money import exponent
from service.billing.interface import BillingError
from service.db.models import Commons, ObligationRecord, ObligationStatus

__all__ = ["RECIPROCITY_KIND", "OwedObligation", "owed_obligations", "set_obligation_status"]

RECIPROCITY_KIND = "reciprocity-payment"


@dataclass(frozen=True, slots=True)
class OwedObligation:
    """A reciprocity payment owed: from the obligations store (:func:`owed_obligations`),
    or given as JSON for an offline run. ``foundation_id`` is the commons' foundation (each
    invoice is one foundation's); None when the commons is not a registered one."""

    id: str
    company_id: str
    commons_id: str
    amount_minor: int
    currency: str
    period: str  # YYYY-MM
    foundation_id: str | None = None

    def __post_init__(self) -> None:
        exponent(self.currency)
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise BillingError(f"obligation {self.id}: amount_minor must be an integer")
        if self.amount_minor <= 0:
            raise BillingError(f"obligation {self.id}: amount must be positive")


# which statuses each new status may replace (anything else is left as it is)
_MOVES: dict[ObligationStatus, tuple[ObligationStatus, ...]] = {
    ObligationStatus.INVOICED: (ObligationStatus.OWED,),
    ObligationStatus.PAID: (
        ObligationStatus.OWED,
        ObligationStatus.INVOICED,
        ObligationStatus.REFUNDED,
    ),
    ObligationStatus.REFUNDED: (ObligationStatus.PAID, ObligationStatus.INVOICED),
}


async def owed_obligations(
    session: AsyncSession, period: str, foundation_id: uuid.UUID | None = None
) -> list[OwedObligation]:
    """The period's owed reciprocity payments, optionally only those of one foundation's
    commons, in a stable order."""
    query = (
        select(ObligationRecord, Commons.organisation_id)
        .join(Commons, Commons.id == ObligationRecord.commons_id)
        .where(
            ObligationRecord.period == period,
            ObligationRecord.status == ObligationStatus.OWED.value,
            ObligationRecord.kind == RECIPROCITY_KIND,
            ObligationRecord.amount_minor > 0,
            ObligationRecord.currency.is_not(None),
        )
        .order_by(ObligationRecord.id)
    )
    if foundation_id is not None:
        query = query.where(Commons.organisation_id == foundation_id)
    out = []
    for record, owner in (await session.execute(query)).all():
        assert record.amount_minor is not None and record.currency is not None
        out.append(
            OwedObligation(
                id=str(record.id),
                company_id=str(record.company_id),
                commons_id=str(record.commons_id),
                amount_minor=record.amount_minor,
                currency=record.currency.upper(),
                period=record.period,
                foundation_id=str(owner),
            )
        )
    return out


def _uuids(ids: Iterable[str]) -> list[uuid.UUID]:
    """The ids that name stored obligations (offline JSON input may use other ids)."""
    out = []
    for value in ids:
        try:
            out.append(uuid.UUID(value))
        except ValueError:
            continue
    return out


async def set_obligation_status(
    session: AsyncSession, obligation_ids: Iterable[str], status: ObligationStatus
) -> int:
    """Move the stored obligations among ``obligation_ids`` to ``status`` (only from the
    statuses that may precede it). Returns the number of rows changed."""
    keys = _uuids(obligation_ids)
    if not keys:
        return 0
    result = await session.execute(
        update(ObligationRecord)
        .where(
            ObligationRecord.id.in_(keys),
            ObligationRecord.status.in_([s.value for s in _MOVES[status]]),
        )
        .values(status=status.value)
        .execution_options(synchronize_session=False)
    )
    rowcount = getattr(result, "rowcount", 0)
    return int(rowcount or 0)
