"""Settling commoner payouts: a manual transfer stays in transit until marked made (then
``in_transit`` is back to zero, once only); deployments that hand the pools to the
foundations refuse payout runs."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Commons, PayoutLine
from service.ledger.journal import AccountKind, account
from service.ledger.store import balances, check
from service.payouts.runs import run_payouts
from service.payouts.settle import (
    PayoutSettleError,
    is_settled,
    mark_payout_made,
    payouts_refusal,
)
from service.payouts.statements import statements_of
from service.transfers.config import TransfersMode
from service.transfers.manual import ManualProvider
from tests.service.payouts.conftest import make_world, pay_into_pool

NOV = datetime(2026, 11, 15, 12, tzinfo=UTC)


async def _balance(
    sessions: async_sessionmaker[AsyncSession], kind: AccountKind, commons: str
) -> int:
    async with sessions() as session:
        found = await balances(session, frozenset({commons}))
    return sum(b.amount_minor for b in found if b.account == account(kind))


@pytest.mark.asyncio
async def test_a_manual_payout_is_in_transit_until_marked_made(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    world = await make_world(sessions, history, policy={"foundation_share_percent": "10"})
    commons_id = str(world.commons_id)
    async with sessions() as session:
        await pay_into_pool(session, commons_id, str(world.company_id), 100_000, NOV)
        await session.commit()
        commons = await session.get(Commons, world.commons_id)
        assert commons is not None
    report = await run_payouts(sessions, ManualProvider(), commons, "2026-11")
    paid = {p.line_id: p.amount_minor for p in report.paid}
    assert len(paid) == 2  # Alice and Bob have payout accounts
    assert all(p.external_id.startswith("manual-payout-") for p in report.paid)
    in_transit = await _balance(sessions, AccountKind.IN_TRANSIT, commons_id)
    assert in_transit == -sum(paid.values())  # owed, not made yet

    first, second = sorted(paid)
    alice = world.people["Alice"]
    async with sessions() as session:
        [statement] = await statements_of(session, alice)
    assert statement.status == "paid" and statement.settled is False  # owed by hand
    async with sessions() as session:
        assert await mark_payout_made(session, uuid.UUID(first), "BANK-1") is True
        await session.commit()
    async with sessions() as session:
        assert await mark_payout_made(session, uuid.UUID(first), "BANK-1 again") is False
        line = await session.get(PayoutLine, uuid.UUID(first))
        assert line is not None and line.external_id == "BANK-1"
        assert await is_settled(session, line)
    assert await _balance(sessions, AccountKind.IN_TRANSIT, commons_id) == -paid[second]

    async with sessions() as session:
        assert await mark_payout_made(session, uuid.UUID(second), " BANK-2 ") is True
        await session.commit()
    assert await _balance(sessions, AccountKind.IN_TRANSIT, commons_id) == 0
    async with sessions() as session:
        [statement] = await statements_of(session, alice)
    assert statement.settled is True
    assert await _balance(sessions, AccountKind.CLEARING, commons_id) == -sum(paid.values())
    async with sessions() as session:
        assert await check(session) == []

    # a line not paid (unclaimed), an unknown line, no reference: refused with the reason
    async with sessions() as session:
        unclaimed = await session.scalar(
            select(PayoutLine.id).where(PayoutLine.status == "unclaimed")
        )
        assert unclaimed is not None
        with pytest.raises(PayoutSettleError, match="is unclaimed, not paid"):
            await mark_payout_made(session, unclaimed, "BANK-3")
        with pytest.raises(PayoutSettleError, match="no payout line"):
            await mark_payout_made(session, uuid.uuid4(), "BANK-4")
        with pytest.raises(PayoutSettleError, match="reference"):
            await mark_payout_made(session, uuid.UUID(first), "  ")


@pytest.mark.parametrize("mode", list(TransfersMode))
def test_payouts_are_refused_where_the_pools_go_to_the_foundations(mode: TransfersMode) -> None:
    refusal = payouts_refusal(mode)
    if mode is TransfersMode.NONE:
        assert refusal is None
    else:
        assert refusal is not None
        assert f"COPYFAIR_FOUNDATION_TRANSFERS={mode.value}" in refusal
        assert "COPYFAIR_FOUNDATION_TRANSFERS=none" in refusal  # where to pay them instead
