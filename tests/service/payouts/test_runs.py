"""Payout runs over a real git history and the journal: exact sums, each commoner paid
once even when a run is killed midway, unclaimed funds held and released."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Commons, LedgerTransaction, PayoutLine, PayoutRun
from service.ledger.journal import AccountKind, account
from service.ledger.store import balances, check
from service.payouts import entries
from service.payouts.claims import connect_account
from service.payouts.pool import pool_minor
from service.payouts.runs import PayoutRunError, run_payouts
from service.payouts.statements import statements_of
from tests.service.payouts.conftest import World, make_world, pay_into_pool
from tests.service.transfers_fake import ProviderCrash, RecordingProvider

pytestmark = pytest.mark.asyncio

NOV = datetime(2026, 11, 15, 12, tzinfo=UTC)
DEC = datetime(2026, 12, 3, 12, tzinfo=UTC)
POLICY = {"foundation_share_percent": "10"}


async def _commons(sessions: async_sessionmaker[AsyncSession], world: World) -> Commons:
    async with sessions() as session:
        commons = await session.get(Commons, world.commons_id)
        assert commons is not None
        return commons


async def _fund(
    sessions: async_sessionmaker[AsyncSession], world: World, amount: int, when: datetime = NOV
) -> None:
    async with sessions() as session:
        await pay_into_pool(session, str(world.commons_id), str(world.company_id), amount, when)
        await session.commit()


async def _lines(sessions: async_sessionmaker[AsyncSession]) -> list[PayoutLine]:
    async with sessions() as session:
        return list(await session.scalars(select(PayoutLine).order_by(PayoutLine.identity)))


async def _balance(sessions: async_sessionmaker[AsyncSession], name: str, commons: str) -> int:
    async with sessions() as session:
        return sum(
            b.amount_minor
            for b in await balances(session, frozenset({commons}))
            if b.account == name
        )


async def test_a_run_shares_the_pool_and_pays_each_payable_commoner(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    world = await make_world(sessions, history, policy=POLICY)
    await _fund(sessions, world, 100_000)
    provider = RecordingProvider()
    report = await run_payouts(sessions, provider, await _commons(sessions, world), "2026-11")

    data = report.to_dict()
    assert data["pool_minor"] == 100_000 and data["foundation_share_minor"] == 10_000
    assert report.status == "finished" and not data["resumed"]
    lines = {line.identity: line for line in await _lines(sessions)}
    assert set(lines) == {
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
        "dave@example.org",
    }
    assert lines["alice@example.org"].status == "paid"
    assert lines["bob@example.org"].status == "paid"
    assert lines["carol@example.org"].status == "unclaimed"  # claimed, no account yet
    assert lines["carol@example.org"].commoner_id == world.people["Carol"]
    assert lines["dave@example.org"].status == "unclaimed"  # nobody claimed the email
    assert lines["dave@example.org"].commoner_id is None
    # the split is by score: 12.02 : 1.55 : 1.54 : 1.05 of 90,000
    amounts = {k: v.amount_minor for k, v in lines.items()}
    assert sum(amounts.values()) == 90_000
    assert amounts["carol@example.org"] == round(90_000 * 12.02 / 16.16)
    assert provider.moved("acct_alice") == amounts["alice@example.org"]
    assert provider.moved("acct_bob") == amounts["bob@example.org"]
    assert len(provider.transfers) == 2
    key = lines["alice@example.org"].idempotency_key
    assert key == f"payout-{report.run_id}-{world.people['Alice']}"
    assert provider.transfers[key].request.currency == "EUR"

    commons = str(world.commons_id)
    async with sessions() as session:
        assert await check(session) == []
        assert await pool_minor(session, commons, "EUR", before=DEC) == 0
    assert await _balance(sessions, entries.foundation_account(commons), commons) == -10_000
    assert await _balance(sessions, account(AccountKind.UNCLAIMED), commons) == -(
        amounts["carol@example.org"] + amounts["dave@example.org"]
    )
    # the provider made the transfers: settled at once, nothing left in transit
    assert await _balance(sessions, account(AccountKind.IN_TRANSIT), commons) == 0
    assert await _balance(sessions, account(AccountKind.CLEARING), commons) == -(
        amounts["alice@example.org"] + amounts["bob@example.org"]
    )


async def test_a_run_killed_midway_and_run_again_pays_nobody_twice(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    world = await make_world(
        sessions,
        history,
        policy=POLICY,
        accounts={"Alice": "acct_a", "Bob": "acct_b", "Carol": "acct_c", "Dave": "acct_d"},
    )
    await _fund(sessions, world, 123_457)
    commons = await _commons(sessions, world)
    provider = RecordingProvider(crash_after=2)
    with pytest.raises(ProviderCrash):
        await run_payouts(sessions, provider, commons, "2026-11")
    paid_before = [line for line in await _lines(sessions) if line.status == "paid"]
    assert len(paid_before) == 1  # the second transfer was made, its record was not

    provider.crash_after = None
    report = await run_payouts(sessions, provider, commons, "2026-11")
    assert report.to_dict()["resumed"] is True
    assert report.status == "finished"
    lines = await _lines(sessions)
    assert all(line.status == "paid" for line in lines)
    assert len(provider.transfers) == 4  # one per commoner, ever
    for line in lines:
        assert line.destination is not None
        assert provider.moved(line.destination) == line.amount_minor
        assert provider.transfers[line.idempotency_key].external_id == line.external_id
    total = sum(line.amount_minor for line in lines)
    assert (
        total + report.allocation["foundation_share_minor"] + report.allocation["carried_minor"]
        == 123_457
    )
    async with sessions() as session:
        assert await check(session) == []
        paid_entries = await session.scalar(
            select(func.count()).where(LedgerTransaction.kind == entries.PAID)
        )
        assert paid_entries == 4

    # and a third run changes nothing
    again = await run_payouts(sessions, provider, commons, "2026-11")
    assert again.paid == [] and len(provider.transfers) == 4


async def test_unclaimed_funds_are_released_when_the_commoner_connects_an_account(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    world = await make_world(sessions, history, policy=POLICY)
    await _fund(sessions, world, 50_000)
    commons = await _commons(sessions, world)
    provider = RecordingProvider()
    await run_payouts(sessions, provider, commons, "2026-11")
    async with sessions() as session:
        _, released = await connect_account(session, world.people["Carol"], "acct_carol")
        await session.commit()
    assert [line.identity for line in released] == ["carol@example.org"]
    held = released[0].amount_minor
    commons_key = str(world.commons_id)
    assert (
        await _balance(
            sessions, account(AccountKind.PAYABLE, str(world.people["Carol"])), commons_key
        )
        == -held
    )

    report = await run_payouts(sessions, provider, commons, "2026-11")
    assert [p.amount_minor for p in report.paid] == [held]
    assert provider.moved("acct_carol") == held
    async with sessions() as session:
        assert await check(session) == []
        # connecting again releases nothing more
        _, again = await connect_account(session, world.people["Carol"], "acct_carol")
        assert again == []


async def test_the_pool_counts_inflows_of_the_period_and_what_earlier_runs_left(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    world = await make_world(
        sessions, history, policy={"min_payout_minor": 1_000, "foundation_share_percent": "0"}
    )
    await _fund(sessions, world, 10_000)
    await _fund(sessions, world, 7_000, when=DEC)  # after November: not in its pool
    commons = await _commons(sessions, world)
    october = await run_payouts(sessions, RecordingProvider(), commons, "2026-10")
    assert october.allocation["pool_minor"] == 0  # nothing collected before November
    november = await run_payouts(sessions, RecordingProvider(), commons, "2026-11")
    assert november.allocation["pool_minor"] == 10_000
    carried = november.allocation["carried_minor"]
    assert carried > 0  # Bob's and Alice's parts are below 10.00
    async with sessions() as session:
        december_pool = await pool_minor(
            session, str(world.commons_id), "EUR", before=datetime(2027, 1, 1, tzinfo=UTC)
        )
    assert december_pool == 7_000 + carried

    # December: only Alice contributes; her November carry is added to her share, Bob's
    # stays set aside for him
    november_lines = {line.identity: line for line in await _lines(sessions)}
    alice_carry = november_lines["alice@example.org"].amount_minor
    bob_carry = november_lines["bob@example.org"].amount_minor
    assert november_lines["alice@example.org"].status == "carried"
    provider = RecordingProvider()
    december = await run_payouts(sessions, provider, commons, "2026-12")
    assert december.allocation["pool_minor"] == 7_000 + carried
    (paid,) = december.paid
    assert paid.amount_minor == 7_000 + alice_carry == provider.moved("acct_alice")
    assert december.allocation["carried_forward_minor"] == bob_carry
    async with sessions() as session:
        lines = list(await session.scalars(select(PayoutLine)))
        assert await check(session) == []
        left = await pool_minor(
            session, str(world.commons_id), "EUR", before=datetime(2027, 2, 1, tzinfo=UTC)
        )
        statements = await statements_of(session, world.people["Alice"])
    assert left == bob_carry
    alice_dec = next(line for line in lines if line.external_id == paid.external_id)
    assert alice_dec.carried_in_minor == alice_carry
    alice_nov = next(line for line in lines if line.id == november_lines["alice@example.org"].id)
    assert alice_nov.carried_into == alice_dec.id
    assert [(s.period, s.status, s.carried_forward, s.carried_in_minor) for s in statements] == [
        ("2026-12", "paid", False, alice_carry),
        ("2026-11", "carried", True, 0),
    ]


async def test_a_run_needs_a_month_and_a_readable_repository(
    sessions: async_sessionmaker[AsyncSession], history: Path, tmp_path: Path
) -> None:
    world = await make_world(sessions, history)
    commons = await _commons(sessions, world)
    with pytest.raises(PayoutRunError, match="one month"):
        await run_payouts(sessions, RecordingProvider(), commons, "2026")
    async with sessions() as session:
        row = await session.get(Commons, world.commons_id)
        assert row is not None
        row.repositories = ["https://github.com/geo/geo-commons", str(tmp_path / "missing")]
        await session.commit()
        commons = row
    with pytest.raises(PayoutRunError, match="register their paths"):
        await run_payouts(sessions, RecordingProvider(), commons, "2026-11")
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(PayoutRun)) == 0


async def test_a_refused_transfer_stays_pending_and_is_paid_when_run_again(
    sessions: async_sessionmaker[AsyncSession], history: Path
) -> None:
    world = await make_world(sessions, history, policy=POLICY)
    await _fund(sessions, world, 40_000)
    commons = await _commons(sessions, world)
    provider = RecordingProvider(refuse={"acct_bob"})
    first = await run_payouts(sessions, provider, commons, "2026-11")
    assert first.status == "failed"
    assert len(first.failed) == 1 and "acct_bob refused" in first.failed[0]["error"]
    async with sessions() as session:
        run = await session.get(PayoutRun, uuid.UUID(first.run_id))
        assert run is not None and run.status == "failed" and run.finished_at is None
        assert run.error is not None and "1 transfer(s) refused" in run.error
        assert "acct_bob refused" in run.error and "start the run again" in run.error
    bob = next(line for line in await _lines(sessions) if line.identity == "bob@example.org")
    assert bob.status == "pending" and bob.external_id is None
    provider.refuse.clear()
    second = await run_payouts(sessions, provider, commons, "2026-11")
    assert second.status == "finished" and second.failed == []
    async with sessions() as session:
        run = await session.get(PayoutRun, uuid.UUID(first.run_id))
        assert run is not None and run.error is None and run.finished_at is not None
    assert [p.amount_minor for p in second.paid] == [bob.amount_minor]
    assert provider.moved("acct_bob") == bob.amount_minor
