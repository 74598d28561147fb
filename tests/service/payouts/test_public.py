"""The public ledger: its totals are the journal's, whatever moved the pool."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Commons, CompanyLedgerPreference
from service.ledger import journal
from service.ledger.journal import AccountKind, Posting, account
from service.ledger.store import balances
from service.payouts.public import ANONYMOUS, public_ledger
from service.payouts.runs import run_payouts
from tests.service.payouts.conftest import make_world, pay_into_pool, post_at
from tests.service.transfers_fake import RecordingProvider

pytestmark = pytest.mark.asyncio

NOV = datetime(2026, 11, 10, tzinfo=UTC)


async def test_totals_match_the_journal_to_the_minor_unit(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    world = await make_world(sessions, history, policy={"foundation_share_percent": "7.5"})
    commons_id = str(world.commons_id)
    async with sessions() as session:
        await pay_into_pool(session, commons_id, str(world.company_id), 33_333, NOV, fee_minor=977)
        refund = journal.reversal("refund", "refund:r1", "EUR", [(commons_id, 33_333)], 1_001)
        await post_at(session, refund, NOV)
        # billing handed part of the pool to the foundation's own account
        handed = journal.balanced(
            "transfer_planned",
            "copyfair-transfer-x",
            [
                Posting(account(AccountKind.POOL, commons_id), "EUR", 5_000, commons_id),
                Posting(account(AccountKind.IN_TRANSIT), "EUR", -5_000, commons_id),
            ],
        )
        await post_at(session, handed, NOV)
        await session.commit()
    async with sessions() as session:
        commons = await session.get(Commons, world.commons_id)
        assert commons is not None
    report = await run_payouts(sessions, RecordingProvider(), commons, "2026-11")
    assert report.allocation["pool_minor"] == 33_333 - 977 - 1_001 - 5_000

    async with sessions() as session:
        ledger = await public_ledger(session, commons)
        journal_balances = {
            b.account: b.amount_minor for b in await balances(session, frozenset({commons_id}))
        }
    (totals,) = ledger.totals.values()
    assert totals.balances()
    assert totals.collected_minor == 33_333 - 977 - 1_001
    assert totals.to_foundation_minor == 5_000
    assert totals.pool_minor == -journal_balances[f"pool:{commons_id}"]
    assert totals.unclaimed_minor == -journal_balances["unclaimed"]
    assert totals.foundation_share_minor == report.allocation["foundation_share_minor"]
    assert totals.paid_minor == sum(p.amount_minor for p in report.paid)
    assert ledger.adjustments == [{"kind": "refund", "currency": "EUR", "amount_minor": -1_001}]
    assert ledger.inflows == [
        {"company": "Acme GmbH", "currency": "EUR", "amount_minor": 33_333 - 977}
    ]
    assert {o["alias"] for o in ledger.outflows} == {"alice", "bob"}
    assert sum(o["amount_minor"] for o in ledger.outflows) == totals.paid_minor

    async with sessions() as session:
        session.add(CompanyLedgerPreference(organisation_id=world.company_id, anonymous=True))
        await session.commit()
    async with sessions() as session:
        hidden = await public_ledger(session, commons)
    assert hidden.inflows[0]["company"] == ANONYMOUS
