"""Funds to the foundations: the exact transfer requests, one per invoice and commons, each
amount moved exactly once whatever crashes and re-runs happen, and the ledger."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.manual import ManualGateway
from service.billing.reconcile import reconcile
from service.db.models.ledger import FoundationTransfer, TransferStatus
from service.transfers.accounts import set_payout_account
from service.transfers.foundation import list_transfers, mark_made, transfer_foundation_funds
from service.transfers.interface import TransferError, TransferRequest
from service.transfers.manual import ManualProvider
from tests.service.billing.store_rows import make_world, statuses
from tests.service.billing.transfer_steps import (
    GEO_ACCOUNT,
    OTHER_ACCOUNT,
    checked_ledger,
    entries,
    in_transit,
    invoice_of,
    killed_then_resumed,
    our_ids,
    setup_paid,
)
from tests.service.transfers_fake import RecordingProvider


async def test_each_commons_net_amount_goes_to_its_foundation_with_exact_parameters(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, ids = await setup_paid(db_sessions)
    provider = RecordingProvider()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, report.manual, report.held, report.failed) == (
        3, 3, 0, [], []
    )  # fmt: skip
    geo_invoice = await invoice_of(db_sessions, world, world.geo_foundation)
    tiles_invoice = await invoice_of(db_sessions, world, world.other_foundation)
    geo, maps, tiles = (str(world.commons[n]) for n in ("geo", "maps", "tiles"))

    seen = {r.idempotency_key: r for r in provider.requests}
    assert sorted(seen) == sorted(
        [
            f"copyfair-transfer-{geo_invoice}-{geo}",
            f"copyfair-transfer-{geo_invoice}-{maps}",
            f"copyfair-transfer-{tiles_invoice}-{tiles}",
        ]
    )
    geo_request = seen[f"copyfair-transfer-{geo_invoice}-{geo}"]
    assert geo_request == TransferRequest(
        destination=GEO_ACCOUNT,
        amount_minor=960,  # 1000 less its 40 of the 50 fee
        currency="EUR",
        idempotency_key=f"copyfair-transfer-{geo_invoice}-{geo}",
        transfer_group=f"invoice_{geo_invoice}",
        description=f"Reciprocity for commons {geo}, invoice {geo_invoice}",
        metadata=our_ids(geo_invoice, geo, world.geo_foundation),
    )
    assert seen[f"copyfair-transfer-{geo_invoice}-{maps}"].amount_minor == 240
    tiles_request = seen[f"copyfair-transfer-{tiles_invoice}-{tiles}"]
    assert (tiles_request.destination, tiles_request.amount_minor) == (OTHER_ACCOUNT, 400)
    assert tiles_request.transfer_group == f"invoice_{tiles_invoice}"
    assert provider.moved(GEO_ACCOUNT) == 1200
    assert provider.moved(OTHER_ACCOUNT) == 400

    ledger = await checked_ledger(db_sessions)
    assert ledger[f"pool:{geo}"] == 0 and ledger[f"pool:{maps}"] == 0
    assert ledger[f"pool:{tiles}"] == 0
    assert ledger["in_transit"] == 0
    assert ledger["clearing"] == 0  # everything received went out, less the fees
    assert await statuses(db_sessions, ids) == ["paid", "paid", "paid", "invoiced"]

    again = await transfer_foundation_funds(db_sessions, provider)
    assert (again.planned, again.sent) == (0, 0)
    assert len(provider.requests) == 3


@pytest.mark.parametrize("crash_after", [1, 2, 3])
async def test_a_run_killed_midway_resumes_and_transfers_each_amount_once(
    db_sessions: async_sessionmaker[AsyncSession], crash_after: int
) -> None:
    await setup_paid(db_sessions)
    provider = RecordingProvider()
    await killed_then_resumed(db_sessions, provider, crash_after)
    assert len(provider.transfers) == 3
    assert provider.moved(GEO_ACCOUNT) == 1200 and provider.moved(OTHER_ACCOUNT) == 400
    keys = [r.idempotency_key for r in provider.requests]
    assert len(keys) == 4  # the one whose answer was lost was asked again, with its own key
    assert await entries(db_sessions, "transfer_sent") == 3
    async with db_sessions() as session:
        rows = list(await session.scalars(select(FoundationTransfer)))
    assert sorted(r.external_id or "" for r in rows) == ["tr_1", "tr_2", "tr_3"]
    ledger = await checked_ledger(db_sessions)
    assert ledger["in_transit"] == 0 and ledger["clearing"] == 0


async def test_a_foundation_without_an_account_is_held_then_paid_once_it_has_one(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await setup_paid(db_sessions, accounts=False)
    provider = RecordingProvider()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert report.planned == 0 and len(report.held) == 3
    assert all("set-payout-account" in h.reason for h in report.held)
    assert provider.requests == []
    async with db_sessions() as session:
        await set_payout_account(session, world.other_foundation, OTHER_ACCOUNT)
        await session.commit()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, len(report.held)) == (1, 1, 2)
    assert provider.moved(OTHER_ACCOUNT) == 400


async def test_a_refused_transfer_stays_pending_and_is_sent_later(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_paid(db_sessions)
    provider = RecordingProvider(refuse={OTHER_ACCOUNT})
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.sent, len(report.failed)) == (2, 1)
    assert OTHER_ACCOUNT in report.failed[0]
    assert await in_transit(db_sessions) == -400
    provider.refuse = set()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, report.failed) == (0, 1, [])
    assert await in_transit(db_sessions) == 0


async def test_the_manual_provider_records_what_is_owed_to_be_made_by_hand(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await setup_paid(db_sessions)
    report = await transfer_foundation_funds(db_sessions, ManualProvider())
    assert (report.planned, report.sent, report.manual) == (3, 0, 3)
    ledger = await checked_ledger(db_sessions)
    assert ledger["in_transit"] == -1600  # owed to the foundations, out of the pools
    assert ledger[f"pool:{world.commons['geo']}"] == 0
    async with db_sessions() as session:
        rows = list(await session.scalars(select(FoundationTransfer)))
    assert {r.status for r in rows} == {"manual"}
    assert all(
        r.external_id and r.external_id.startswith("manual-copyfair-transfer-") for r in rows
    )


async def test_payout_accounts_are_checked(db_sessions: async_sessionmaker[AsyncSession]) -> None:
    world = await make_world(db_sessions)
    async with db_sessions() as session:
        with pytest.raises(TransferError, match="not a Stripe connected account id"):
            await set_payout_account(session, world.geo_foundation, "ba_123")
        with pytest.raises(TransferError, match="only a foundation"):
            await set_payout_account(session, world.acme, GEO_ACCOUNT)
        with pytest.raises(TransferError, match="no organisation"):
            await set_payout_account(session, uuid.uuid4(), GEO_ACCOUNT)


async def test_two_concurrent_runs_move_each_amount_once(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_paid(db_sessions)
    provider = RecordingProvider()
    reports = await asyncio.gather(
        transfer_foundation_funds(db_sessions, provider),
        transfer_foundation_funds(db_sessions, provider),
    )
    assert sum(r.sent for r in reports) == 3
    assert len(provider.transfers) == 3
    assert provider.moved(GEO_ACCOUNT) == 1200 and provider.moved(OTHER_ACCOUNT) == 400
    ledger = await checked_ledger(db_sessions)
    assert ledger["in_transit"] == 0 and ledger["clearing"] == 0


async def test_a_transfer_made_by_hand_is_marked_once(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_paid(db_sessions)
    await transfer_foundation_funds(db_sessions, ManualProvider())
    async with db_sessions() as session:
        rows = list((await list_transfers(session)).items)
        for row in rows:
            assert await mark_made(session, row.id, f"BANK-{row.amount_minor}")
            assert not await mark_made(session, row.id, "again")
        with pytest.raises(TransferError, match="no foundation transfer"):
            await mark_made(session, uuid.uuid4(), "x")
        await session.commit()
    ledger = await checked_ledger(db_sessions)
    assert ledger["in_transit"] == 0 and ledger["clearing"] == 0
    async with db_sessions() as session:
        sent = (await list_transfers(session, status=TransferStatus.SENT)).items
    assert sorted(r.external_id or "" for r in sent) == ["BANK-240", "BANK-400", "BANK-960"]


async def test_reconcile_checks_the_transfers_against_the_ledger(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await setup_paid(db_sessions)
    await transfer_foundation_funds(db_sessions, ManualProvider())
    async with db_sessions() as session:
        assert await reconcile(session, ManualGateway()) == []
        one = await session.scalar(select(FoundationTransfer.id).limit(1))
        # a transfer said to be sent with no ledger entry for it
        await session.execute(
            update(FoundationTransfer).where(FoundationTransfer.id == one).values(status="sent")
        )
        differences = await reconcile(session, ManualGateway())
    assert len(differences) == 1
    assert differences[0].what.startswith("ledger transfer sent for commons")
    assert differences[0].theirs == "None"
