"""Where a commoner payout ends, and on which deployments payouts run at all.

**Settlement.** A paid line moves its amount from the commoner's payable to ``in_transit``
(:func:`service.payouts.entries.line_paid`). A transfer the provider made (Stripe Connect
answers with the transfer once it is made) is settled in the same unit of work: in transit
-> out of ``clearing`` (:func:`service.payouts.entries.line_settled`). A transfer recorded
as owed by the ``manual`` provider stays in transit until the foundation marks it made
(:func:`mark_payout_made`, ``copyfair payouts mark-made LINE_ID --reference REF``), as
billing's ``copyfair billing transfer-made`` does for foundation transfers.

**Deployments.** Commoner payouts share the pools that stay on this deployment. When
``COPYFAIR_FOUNDATION_TRANSFERS`` is ``manual`` or ``stripe``, billing hands each pool over
to its foundation, so a payout run here would find nothing to share (or share money that
is no longer here): :func:`payouts_refusal` says so, and runs are refused. The foundation
pays its commoners from its own deployment, where transfers are ``none``.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import LedgerTransaction, PayoutLine, PayoutLineStatus, PayoutRun
from service.ledger.store import post
from service.payouts import entries
from service.transfers.config import TransfersMode

__all__ = ["PayoutSettleError", "is_settled", "mark_payout_made", "payouts_refusal"]


class PayoutSettleError(ValueError):
    """A line that cannot be marked made; the message says why and what to do."""


def payouts_refusal(mode: TransfersMode) -> str | None:
    """Why this deployment must not run commoner payouts, or None when it may."""
    if mode is TransfersMode.NONE:
        return None
    return (
        f"COPYFAIR_FOUNDATION_TRANSFERS={mode.value}: this deployment hands each commons' "
        "pool over to its foundation (billing), so a payout run here would have nothing of "
        "its own to share. The foundation pays its commoners from its own copyfair "
        "deployment, where COPYFAIR_FOUNDATION_TRANSFERS=none (the default)."
    )


async def is_settled(session: AsyncSession, line: PayoutLine) -> bool:
    """Whether the line's transfer is settled (its settlement is in the journal)."""
    found = await session.scalar(
        select(LedgerTransaction.id).where(
            LedgerTransaction.reference == entries.settled_reference(line.idempotency_key)
        )
    )
    return found is not None


async def mark_payout_made(session: AsyncSession, line_id: uuid.UUID, reference: str) -> bool:
    """A paid line's transfer was made by hand (manual provider): settle it, recording
    ``reference`` (e.g. the bank's) on the line. False when it was settled before; raises
    :class:`PayoutSettleError` for an unknown line or one not paid yet. Flushes; the
    caller commits."""
    if not reference.strip():
        raise PayoutSettleError("give the transfer's reference (e.g. the bank reference)")
    line = await session.get(PayoutLine, line_id, with_for_update=True)
    if line is None:
        raise PayoutSettleError(f"no payout line {line_id}")
    if line.status != PayoutLineStatus.PAID.value:
        raise PayoutSettleError(
            f"payout line {line_id} is {line.status}, not paid: only a line the payout run "
            "paid can be marked made (run copyfair payouts run first)"
        )
    if await is_settled(session, line):
        return False
    run = await session.get(PayoutRun, line.run_id)
    assert run is not None  # a line belongs to its run (foreign key)
    line.external_id = reference.strip()[:100]
    await post(
        session,
        entries.line_settled(
            line.idempotency_key, str(run.commons_id), line.currency, line.amount_minor
        ),
    )
    await session.flush()
    return True
