"""Refunds after the funds went to the foundations: each commons' share taken back by a
transfer reversal with exact parameters, exactly once whatever redeliveries, crashes and
re-runs happen; the ledger balances and reconciles at every step."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.events import Outcome
from service.billing.manual import ManualGateway
from service.billing.reconcile import reconcile
from service.db.models.ledger import FoundationTransfer, TransferReversal, TransferStatus
from service.ledger.store import balances
from service.transfers.foundation import mark_made, transfer_foundation_funds
from service.transfers.interface import ReversalRequest, TransferError
from service.transfers.manual import ManualProvider
from service.transfers.reversals import list_reversals
from tests.service.billing.transfer_steps import (
    GEO_ACCOUNT,
    OTHER_ACCOUNT,
    assert_geo_held,
    checked_ledger,
    deliver,
    entries,
    geo_invoice,
    in_transit,
    killed_then_resumed,
    our_ids,
    refunded,
    reversals,
    setup_paid,
    transfer_ids,
    transferred,
)
from tests.service.transfers_fake import RecordingProvider


async def test_a_partial_then_full_refund_takes_back_each_commons_share_exactly(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    world, invoice = await transferred(db_sessions, provider)
    geo, maps = str(world.commons["geo"]), str(world.commons["maps"])
    tr = await transfer_ids(db_sessions)

    assert await deliver(db_sessions, refunded("evt_1", [("re_1", 500)])) is Outcome.APPLIED
    # planned with the refund: the pools get back floor(500 * 1200 / 1250) = 480, 4:1
    ledger = await checked_ledger(db_sessions)
    assert ledger[f"pool:{geo}"] == 400 - 384 and ledger[f"pool:{maps}"] == 100 - 96
    assert ledger["in_transit"] == 480  # owed back by the foundation
    assert provider.reversal_requests == []

    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, report.reversed, report.failed) == (0, 0, 2, [])
    seen = {r.idempotency_key: r for r in provider.reversal_requests}
    assert sorted(seen) == [f"copyfair-reversal-re_1-{c}" for c in sorted((geo, maps))]
    assert seen[f"copyfair-reversal-re_1-{geo}"] == ReversalRequest(
        transfer_id=tr[geo],
        amount_minor=384,
        currency="EUR",
        idempotency_key=f"copyfair-reversal-re_1-{geo}",
        description=f"Refund re_1 of invoice {invoice}: commons {geo}'s share taken back",
        metadata=our_ids(invoice, geo, world.geo_foundation) | {"refund_id": "re_1"},
    )
    assert seen[f"copyfair-reversal-re_1-{maps}"].amount_minor == 96
    assert seen[f"copyfair-reversal-re_1-{maps}"].transfer_id == tr[maps]
    assert provider.kept(GEO_ACCOUNT) == 1200 - 480
    assert provider.kept(OTHER_ACCOUNT) == 400  # another invoice: untouched
    ledger = await checked_ledger(db_sessions)
    assert ledger["in_transit"] == 0
    assert ledger["clearing"] == -500 + 480  # the platform is out of the refund's fee share

    # Stripe lists every refund of the charge: re_1 again, and the rest as re_2
    rest = refunded("evt_2", [("re_1", 500), ("re_2", 750)])
    assert await deliver(db_sessions, rest) is Outcome.APPLIED
    report = await transfer_foundation_funds(db_sessions, provider)
    assert report.reversed == 2
    assert provider.kept(GEO_ACCOUNT) == 0  # everything transferred came back
    assert provider.reversed_of(tr[geo]) == 960 and provider.reversed_of(tr[maps]) == 240
    ledger = await checked_ledger(db_sessions)
    # the pools keep their share of the fee the processor did not return, as a debit
    assert ledger[f"pool:{geo}"] == 40 and ledger[f"pool:{maps}"] == 10
    assert ledger["in_transit"] == 0 and ledger["clearing"] == -50
    rows = await reversals(db_sessions)
    assert [(r.refund_id, r.amount_minor, r.status) for r in rows if r.commons_id == geo] == [
        ("re_1", 384, "sent"),
        ("re_2", 576, "sent"),
    ]
    async with db_sessions() as session:
        per_commons = {
            b.account: b.amount_minor
            for b in await balances(session, frozenset({geo}))
            if b.account.startswith("pool:")
        }
    assert per_commons == {f"pool:{geo}": 40}


async def test_a_redelivered_refund_reverses_once(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    await transferred(db_sessions, provider)
    full = refunded("evt_full", [("re_all", 1250)])
    assert await deliver(db_sessions, full) is Outcome.APPLIED
    assert await deliver(db_sessions, full) is Outcome.DUPLICATE
    # the same refund listed again in another event
    assert await deliver(db_sessions, refunded("evt_again", [("re_all", 1250)])) is (
        Outcome.NO_CHANGE
    )
    for _ in range(2):
        await transfer_foundation_funds(db_sessions, provider)
    assert len(await reversals(db_sessions)) == 2
    assert len(provider.reversals) == 2 and len(provider.reversal_requests) == 2
    assert provider.kept(GEO_ACCOUNT) == 0 and provider.kept(OTHER_ACCOUNT) == 400
    assert await in_transit(db_sessions) == 0


@pytest.mark.parametrize("reversals_before_crash", [1, 2])
async def test_a_run_killed_after_the_provider_answered_resumes_and_reverses_once(
    db_sessions: async_sessionmaker[AsyncSession], reversals_before_crash: int
) -> None:
    provider = RecordingProvider()
    await transferred(db_sessions, provider)
    await deliver(db_sessions, refunded("evt_1", [("re_1", 1250)]))
    await killed_then_resumed(
        db_sessions, provider, len(provider.transfers) + reversals_before_crash
    )
    assert len(provider.reversals) == 2
    # the one whose answer was lost was asked again, with its own key and parameters
    assert len(provider.reversal_requests) == 3
    assert provider.kept(GEO_ACCOUNT) == 0
    assert await entries(db_sessions, "transfer_reversed") == 2
    rows = await reversals(db_sessions)
    assert sorted(r.external_id or "" for r in rows) == ["trr_1", "trr_2"]
    assert await in_transit(db_sessions) == 0


async def test_a_refund_before_the_transfer_still_holds_it(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await setup_paid(db_sessions)
    await geo_invoice(db_sessions, world)
    assert await deliver(db_sessions, refunded("evt_1", [("re_1", 100)])) is Outcome.APPLIED
    provider = RecordingProvider()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert_geo_held(report)
    assert provider.moved(GEO_ACCOUNT) == 0 and provider.reversal_requests == []
    assert await reversals(db_sessions) == []


async def test_a_reversal_waits_for_its_transfer_then_follows_it(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await setup_paid(db_sessions)
    provider = RecordingProvider(refuse={GEO_ACCOUNT})
    report = await transfer_foundation_funds(db_sessions, provider)
    assert report.sent == 1 and len(report.failed) == 2  # geo's transfers are pending
    await geo_invoice(db_sessions, world)
    await deliver(db_sessions, refunded("evt_1", [("re_1", 500)]))
    report = await transfer_foundation_funds(db_sessions, provider)
    assert report.reversed == 0 and len(report.failed) == 2  # the transfers still refused
    assert provider.reversal_requests == []
    provider.refuse = set()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.sent, report.reversed, report.failed) == (2, 2, [])
    assert provider.moved(GEO_ACCOUNT) == 1200 and provider.kept(GEO_ACCOUNT) == 720
    assert await in_transit(db_sessions) == 0


async def test_a_manual_transfer_is_owed_back_then_marked_received(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await transferred(db_sessions, ManualProvider())
    await deliver(db_sessions, refunded("evt_1", [("re_1", 500)]))
    report = await transfer_foundation_funds(db_sessions, ManualProvider())
    assert (report.reversed, report.reversals_manual) == (0, 2)
    ledger = await checked_ledger(db_sessions)
    assert ledger["in_transit"] == -1600 + 480  # owed to the foundations, less owed back
    async with db_sessions() as session:
        owed = list((await list_reversals(session, status=TransferStatus.MANUAL)).items)
        assert len(owed) == 2
        assert all(r.external_id == f"manual-copyfair-reversal-re_1-{r.commons_id}" for r in owed)
        geo_only = (await list_reversals(session, str(world.geo_foundation))).items
        assert len(geo_only) == 2
        assert (await list_reversals(session, str(world.other_foundation))).items == []
        # the operator pays the transfers by hand and receives the reversals back
        for row in await session.scalars(select(FoundationTransfer)):
            assert await mark_made(session, row.id, f"BANK-{row.amount_minor}")
        for reversal in owed:
            assert await mark_made(session, reversal.id, f"BACK-{reversal.amount_minor}")
            assert not await mark_made(session, reversal.id, "again")
        await session.commit()
    ledger = await checked_ledger(db_sessions)
    assert ledger["in_transit"] == 0 and ledger["clearing"] == -500 + 480
    rows = await reversals(db_sessions)
    assert sorted(r.external_id or "" for r in rows) == ["BACK-384", "BACK-96"]


async def test_a_stripe_transfer_is_not_reversed_by_another_provider(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await transferred(db_sessions, RecordingProvider())
    await deliver(db_sessions, refunded("evt_1", [("re_1", 500)]))
    report = await transfer_foundation_funds(db_sessions, ManualProvider())
    assert report.reversals_manual == 0 and len(report.failed) == 2
    assert all("needs COPYFAIR_FOUNDATION_TRANSFERS=stripe" in f for f in report.failed)
    assert {r.status for r in await reversals(db_sessions)} == {"pending"}


async def test_marking_a_pending_reversal_by_hand_is_refused(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await transferred(db_sessions, RecordingProvider())
    await deliver(db_sessions, refunded("evt_1", [("re_1", 500)]))
    pending = (await reversals(db_sessions))[0]
    async with db_sessions() as session:
        with pytest.raises(TransferError, match="is pending, not one to receive by hand"):
            await mark_made(session, pending.id, "BACK-1")
        with pytest.raises(TransferError, match="no foundation transfer or reversal"):
            await mark_made(session, uuid.uuid4(), "x")


async def test_reconcile_checks_the_reversals_against_the_ledger(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    await transferred(db_sessions, provider)
    await deliver(db_sessions, refunded("evt_1", [("re_1", 500)]))
    await checked_ledger(db_sessions)  # planned, not sent: no difference
    await transfer_foundation_funds(db_sessions, provider)
    await checked_ledger(db_sessions)  # sent: no difference
    async with db_sessions() as session:
        one = (await reversals(db_sessions))[0]
        # said to be larger than its ledger entries, and than its transfer
        await session.execute(
            update(TransferReversal)
            .where(TransferReversal.id == one.id)
            .values(amount_minor=one.amount_minor + 10_000)
        )
        differences = await reconcile(session, ManualGateway())
    assert sorted(d.what.split(" for ")[0] for d in differences) == [
        "ledger reversal made",
        "ledger reversal planned",
        "reversals of the transfer",
    ]
