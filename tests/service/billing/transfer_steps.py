"""Steps shared by the tests of foundation transfers, refunds and disputes: acme's two paid
invoices, the geo invoice's charge, webhook events delivered as Stripe would, a run killed
midway, and the ledger, which must balance and reconcile whenever it is read."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.events import Outcome, apply_event
from service.billing.manual import ManualGateway
from service.billing.payments import find_invoice, record_payment
from service.billing.reconcile import reconcile
from service.billing.runs import run_period
from service.db.models import Invoice
from service.db.models.ledger import FoundationTransfer, LedgerTransaction, TransferReversal
from service.ledger.store import balances, check
from service.transfers.accounts import set_payout_account
from service.transfers.foundation import TransfersReport, transfer_foundation_funds
from service.transfers.interface import PayoutProvider
from tests.service.billing.signing import event
from tests.service.billing.store_rows import PERIOD, Row, World, make_world, store_obligations
from tests.service.transfers_fake import ProviderCrash, RecordingProvider

GEO_ACCOUNT = "acct_1GeoFoundation"
OTHER_ACCOUNT = "acct_1OtherFoundation"
CHARGE = "ch_geo"  # the charge that paid the geo invoice
HELD_REFUNDED = "refunded in part before its funds were transferred"


async def setup_paid(
    sessions: async_sessionmaker[AsyncSession], accounts: bool = True
) -> tuple[World, list[uuid.UUID]]:
    """Billed and paid: acme's geo-foundation invoice (geo 1000 + maps 250, fee 50) and its
    other-foundation invoice (tiles 400, fee 0); with the foundations' payout accounts
    unless ``accounts`` is False. Returns the world and the obligations' ids."""
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


async def invoice_of(
    sessions: async_sessionmaker[AsyncSession], world: World, foundation: uuid.UUID
) -> uuid.UUID:
    """Acme's invoice to ``foundation``."""
    async with sessions() as session:
        found = await session.scalar(
            select(Invoice.id).where(
                Invoice.company_id == str(world.acme), Invoice.foundation_id == str(foundation)
            )
        )
    assert found is not None
    return found


async def geo_invoice(sessions: async_sessionmaker[AsyncSession], world: World) -> uuid.UUID:
    """The geo-foundation invoice (geo 1000 + maps 250, fee 50: 960 and 240 transferred),
    with the charge that paid it (:data:`CHARGE`), which refund and dispute events name."""
    key = await invoice_of(sessions, world, world.geo_foundation)
    async with sessions() as session:
        await session.execute(update(Invoice).where(Invoice.id == key).values(charge_id=CHARGE))
        await session.commit()
    return key


async def transferred(
    sessions: async_sessionmaker[AsyncSession], provider: PayoutProvider
) -> tuple[World, uuid.UUID]:
    """Where a refund or dispute after the transfer starts: paid, transferred once through
    ``provider``, the geo invoice's charge known. Returns the world and the geo invoice."""
    world, _ = await setup_paid(sessions)
    await transfer_foundation_funds(sessions, provider)
    return world, await geo_invoice(sessions, world)


def refunded(event_id: str, refunds: list[tuple[str, int]]) -> dict[str, Any]:
    """``charge.refunded`` as Stripe sends it: every refund of the charge so far."""
    return event(
        event_id,
        "charge.refunded",
        {
            "id": CHARGE,
            "object": "charge",
            "amount_refunded": sum(amount for _, amount in refunds),
            "refunds": {"data": [{"id": rid, "amount": amount} for rid, amount in refunds]},
        },
    )


async def deliver(sessions: async_sessionmaker[AsyncSession], body: dict[str, Any]) -> Outcome:
    """One webhook event applied and committed, as the webhook route does."""
    async with sessions() as session:
        outcome = await apply_event(session, body, ManualGateway())
        await session.commit()
    return outcome


async def checked_ledger(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    """Every account's balance; the journal balances and reconciles."""
    async with sessions() as session:
        out: dict[str, int] = {}
        for b in await balances(session):
            out[b.account] = out.get(b.account, 0) + b.amount_minor
        assert await check(session) == []
        assert await reconcile(session, ManualGateway()) == []
        return out


async def in_transit(sessions: async_sessionmaker[AsyncSession]) -> int:
    """What is owed between the platform and the foundations (0 once everything was made);
    the journal balances and reconciles."""
    return (await checked_ledger(sessions))["in_transit"]


async def entries(sessions: async_sessionmaker[AsyncSession], kind: str) -> int:
    """How many ledger transactions of ``kind`` were posted."""
    async with sessions() as session:
        found = await session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == kind)
        )
    return found or 0


async def reversals(sessions: async_sessionmaker[AsyncSession]) -> list[TransferReversal]:
    """Every reversal row, by refund."""
    async with sessions() as session:
        return list(
            await session.scalars(
                select(TransferReversal).order_by(TransferReversal.refund_id, TransferReversal.id)
            )
        )


async def transfer_ids(sessions: async_sessionmaker[AsyncSession]) -> dict[str, str]:
    """The provider's id of each commons' transfer."""
    async with sessions() as session:
        rows = await session.scalars(select(FoundationTransfer))
        return {r.commons_id: r.external_id or "" for r in rows}


async def killed_then_resumed(
    sessions: async_sessionmaker[AsyncSession], provider: RecordingProvider, crash_after: int
) -> None:
    """A run killed once the provider has made ``crash_after`` transfers and reversals in
    all (its answer lost), then run twice more, as the next cron runs would."""
    provider.crash_after = crash_after
    with pytest.raises(ProviderCrash):
        await transfer_foundation_funds(sessions, provider)
    provider.crash_after = None
    await transfer_foundation_funds(sessions, provider)
    await transfer_foundation_funds(sessions, provider)


def our_ids(invoice: uuid.UUID, commons: str, foundation: uuid.UUID) -> dict[str, str]:
    """The metadata every request to the provider carries: our ids of what it is for."""
    return {
        "copyfair_invoice_id": str(invoice),
        "commons_id": commons,
        "foundation_id": str(foundation),
    }


def assert_geo_held(report: TransfersReport) -> None:
    """The run after a refund or dispute before the transfer: only the other invoice is
    planned, the geo invoice is held for a person, and nothing is reversed."""
    assert report.planned == 1 and report.reversed == 0
    assert [h.reason for h in report.held] == [HELD_REFUNDED]
