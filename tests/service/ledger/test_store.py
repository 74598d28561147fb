"""The stored journal: written once per reference, never edited, checked, summed."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import LedgerEntry
from service.ledger.journal import invoice_issued, payment_received
from service.ledger.store import balances, check, post

pytestmark = pytest.mark.asyncio


async def test_post_is_idempotent_and_balances_add_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    issued = invoice_issued("issue:1", "acme", "EUR", [("c1", 700), ("c2", 300)])
    paid = payment_received("payment:1", "acme", "EUR", [("c1", 700), ("c2", 300)], 30)
    async with sessions() as session:
        assert await post(session, issued)
        assert not await post(session, issued)
        assert await post(session, paid)
        await session.commit()
    async with sessions() as session:
        found = {(b.account, b.currency): b.amount_minor for b in await balances(session)}
        assert await check(session) == []
    assert found[("receivable:acme", "EUR")] == 0
    assert found[("billed:c1", "EUR")] == 0
    assert found[("pool:c1", "EUR")] == -679
    assert found[("pool:c2", "EUR")] == -291
    assert found[("clearing", "EUR")] == 970
    assert sum(found.values()) == 0


async def test_entries_are_never_edited(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        await post(session, invoice_issued("issue:1", "acme", "EUR", [("c1", 100)]))
        await session.commit()
    async with sessions() as session:
        entry = (await session.scalars(select(LedgerEntry))).first()
        assert entry is not None
        entry.amount_minor = 5
        with pytest.raises(ValueError, match="never edited"):
            await session.flush()


async def test_check_reports_a_tampered_journal(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        await post(session, invoice_issued("issue:1", "acme", "EUR", [("c1", 100)]))
        await session.commit()
    async with sessions() as session:  # a change made behind the ORM's back
        await session.execute(
            text("UPDATE ledger_entries SET amount_minor = 99 WHERE amount_minor = 100")
        )
        await session.commit()
    async with sessions() as session:
        problems = await check(session)
    assert [(p.reference, p.currency, p.sum_minor) for p in problems] == [("issue:1", "EUR", -1)]
