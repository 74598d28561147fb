"""Funds to the foundations: the exact transfer requests, one per invoice and commons, each
amount moved exactly once whatever crashes and re-runs happen, and the ledger."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.manual import ManualGateway
from service.billing.payments import find_invoice, record_payment
from service.billing.runs import run_period
from service.db.models import Invoice
from service.db.models.ledger import FoundationTransfer, LedgerTransaction, TransferStatus
from service.ledger.store import balances, check
from service.transfers.accounts import set_payout_account
from service.transfers.foundation import transfer_foundation_funds
from service.transfers.interface import TransferError, TransferRequest
from service.transfers.manual import ManualProvider
from tests.service.billing.store_rows import (
    PERIOD,
    Row,
    World,
    make_world,
    statuses,
    store_obligations,
)
from tests.service.transfers_fake import ProviderCrash, RecordingProvider

pytestmark = pytest.mark.asyncio

GEO_ACCOUNT = "acct_1GeoFoundation"
OTHER_ACCOUNT = "acct_1OtherFoundation"


async def _setup(
    sessions: async_sessionmaker[AsyncSession], accounts: bool = True
) -> tuple[World, list[uuid.UUID]]:
    """Billed and paid: acme's geo-foundation invoice (geo 1000 + maps 250, fee 50) and its
    other-foundation invoice (tiles 400, fee 0)."""
    world = await make_world(sessions)
    ids = await store_obligations(
        sessions,
        world,
        [
            Row(world.acme, world.commons["geo"], 1000),
            Row(world.acme, world.commons["maps"], 250),
            Row(world.acme, world.commons["tiles"], 400),
            Row(world.globex, world.commons["geo"], 333),  # billed, never paid
        ],
    )
    if accounts:
        async with sessions() as session:
            await set_payout_account(session, world.geo_foundation, GEO_ACCOUNT)
            await set_payout_account(session, world.other_foundation, OTHER_ACCOUNT)
            await session.commit()
    await run_period(sessions, ManualGateway(), PERIOD)
    async with sessions() as session:
        invoices = await session.scalars(
            select(Invoice).where(Invoice.company_id == str(world.acme))
        )
        for invoice in list(invoices):
            fee = 50 if invoice.foundation_id == str(world.geo_foundation) else 0
            await record_payment(session, await find_invoice(session, str(invoice.id)), fee)
        await session.commit()
    return world, ids


async def _invoice_of(
    sessions: async_sessionmaker[AsyncSession], world: World, foundation: uuid.UUID
) -> uuid.UUID:
    async with sessions() as session:
        found = await session.scalar(
            select(Invoice.id).where(
                Invoice.company_id == str(world.acme), Invoice.foundation_id == str(foundation)
            )
        )
    assert found is not None
    return found


async def _balances(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as session:
        out: dict[str, int] = {}
        for b in await balances(session):
            out[b.account] = out.get(b.account, 0) + b.amount_minor
        assert await check(session) == []
        return out


async def test_each_commons_net_amount_goes_to_its_foundation_with_exact_parameters(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, ids = await _setup(db_sessions)
    provider = RecordingProvider()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, report.manual, report.held, report.failed) == (
        3, 3, 0, [], []
    )  # fmt: skip
    geo_invoice = await _invoice_of(db_sessions, world, world.geo_foundation)
    tiles_invoice = await _invoice_of(db_sessions, world, world.other_foundation)
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
        metadata={
            "copyfair_invoice_id": str(geo_invoice),
            "commons_id": geo,
            "foundation_id": str(world.geo_foundation),
        },
    )
    assert seen[f"copyfair-transfer-{geo_invoice}-{maps}"].amount_minor == 240
    tiles_request = seen[f"copyfair-transfer-{tiles_invoice}-{tiles}"]
    assert (tiles_request.destination, tiles_request.amount_minor) == (OTHER_ACCOUNT, 400)
    assert tiles_request.transfer_group == f"invoice_{tiles_invoice}"
    assert provider.moved(GEO_ACCOUNT) == 1200
    assert provider.moved(OTHER_ACCOUNT) == 400

    ledger = await _balances(db_sessions)
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
    await _setup(db_sessions)
    provider = RecordingProvider(crash_after=crash_after)
    with pytest.raises(ProviderCrash):
        await transfer_foundation_funds(db_sessions, provider)
    provider.crash_after = None
    await transfer_foundation_funds(db_sessions, provider)
    await transfer_foundation_funds(db_sessions, provider)
    assert len(provider.transfers) == 3
    assert provider.moved(GEO_ACCOUNT) == 1200 and provider.moved(OTHER_ACCOUNT) == 400
    keys = [r.idempotency_key for r in provider.requests]
    assert len(keys) == 4  # the one whose answer was lost was asked again, with its own key
    async with db_sessions() as session:
        sent = await session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "transfer_sent")
        )
        rows = list(await session.scalars(select(FoundationTransfer)))
    assert sent == 3
    assert sorted(r.external_id or "" for r in rows) == ["tr_1", "tr_2", "tr_3"]
    ledger = await _balances(db_sessions)
    assert ledger["in_transit"] == 0 and ledger["clearing"] == 0


async def test_a_foundation_without_an_account_is_held_then_paid_once_it_has_one(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await _setup(db_sessions, accounts=False)
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
    await _setup(db_sessions)
    provider = RecordingProvider(refuse={OTHER_ACCOUNT})
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.sent, len(report.failed)) == (2, 1)
    assert OTHER_ACCOUNT in report.failed[0]
    assert (await _balances(db_sessions))["in_transit"] == -400
    provider.refuse = set()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, report.failed) == (0, 1, [])
    assert (await _balances(db_sessions))["in_transit"] == 0


async def test_the_manual_provider_records_what_is_owed_to_be_made_by_hand(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await _setup(db_sessions)
    report = await transfer_foundation_funds(db_sessions, ManualProvider())
    assert (report.planned, report.sent, report.manual) == (3, 0, 3)
    ledger = await _balances(db_sessions)
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
    import asyncio

    await _setup(db_sessions)
    provider = RecordingProvider()
    reports = await asyncio.gather(
        transfer_foundation_funds(db_sessions, provider),
        transfer_foundation_funds(db_sessions, provider),
    )
    assert sum(r.sent for r in reports) == 3
    assert len(provider.transfers) == 3
    assert provider.moved(GEO_ACCOUNT) == 1200 and provider.moved(OTHER_ACCOUNT) == 400
    ledger = await _balances(db_sessions)
    assert ledger["in_transit"] == 0 and ledger["clearing"] == 0


async def test_a_transfer_made_by_hand_is_marked_once(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    from service.transfers.foundation import list_transfers, mark_made

    await _setup(db_sessions)
    await transfer_foundation_funds(db_sessions, ManualProvider())
    async with db_sessions() as session:
        rows = list((await list_transfers(session)).items)
        for row in rows:
            assert await mark_made(session, row.id, f"BANK-{row.amount_minor}")
            assert not await mark_made(session, row.id, "again")
        with pytest.raises(TransferError, match="no foundation transfer"):
            await mark_made(session, uuid.uuid4(), "x")
        await session.commit()
    ledger = await _balances(db_sessions)
    assert ledger["in_transit"] == 0 and ledger["clearing"] == 0
    async with db_sessions() as session:
        sent = (await list_transfers(session, status=TransferStatus.SENT)).items
    assert sorted(r.external_id or "" for r in sent) == ["BANK-240", "BANK-400", "BANK-960"]


async def test_reconcile_checks_the_transfers_against_the_ledger(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    from sqlalchemy import update

    from service.billing.reconcile import reconcile

    await _setup(db_sessions)
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
