"""Billing runs from the obligations store: which rows are owed, invoices per company,
currency and foundation, and the obligations' status following their invoice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import cast

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.interface import BillingError
from service.billing.manual import ManualGateway
from service.billing.obligations import owed_obligations
from service.billing.payments import find_invoice, record_payment, record_reversal
from service.billing.runs import run_period
from service.db.models import Invoice, InvoiceLine
from service.ledger.store import check
from tests.service.billing.fakes import Crash, RecordingGateway, crash_at
from tests.service.billing.store_rows import (
    PERIOD,
    Row,
    World,
    make_world,
    statuses,
    store_obligations,
)

pytestmark = pytest.mark.asyncio


def _rows(world: World) -> list[Row]:
    geo, maps, tiles = world.commons["geo"], world.commons["maps"], world.commons["tiles"]
    return [
        Row(world.acme, geo, 1000),  # 0 owed
        Row(world.acme, maps, 250),  # 1 owed, same foundation: same invoice
        Row(world.acme, tiles, 400),  # 2 owed, other foundation: another invoice
        Row(world.acme, geo, 700, "USD"),  # 3 owed in USD: another invoice
        Row(world.globex, geo, 333),  # 4 owed by another company
        Row(world.acme, geo, 900, status="exempt"),  # 5 not owed
        Row(world.acme, geo, 900, kind="attribution"),  # 6 not a payment
        Row(world.acme, geo, 0),  # 7 nothing to pay
        Row(world.acme, geo, None, None),  # 8 no amount (needs a declaration)
        Row(world.acme, None, 500),  # 9 no registered commons: nobody to pay
        Row(world.acme, geo, 800, period="2026-10"),  # 10 another period
        Row(world.acme, geo, 600, status="invoiced"),  # 11 already invoiced
    ]


async def _lines(sessions: async_sessionmaker[AsyncSession]) -> dict[str, InvoiceLine]:
    async with sessions() as session:
        return {line.obligation_id: line for line in await session.scalars(select(InvoiceLine))}


async def test_owed_obligations_are_exactly_the_owed_reciprocity_rows_of_the_period(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(db_sessions)
    ids = await store_obligations(db_sessions, world, _rows(world))
    async with db_sessions() as session:
        owed = await owed_obligations(session, PERIOD)
        geo_only = await owed_obligations(session, PERIOD, world.geo_foundation)
    assert sorted(o.id for o in owed) == sorted(str(ids[i]) for i in range(5))
    assert {o.foundation_id for o in owed} == {
        str(world.geo_foundation),
        str(world.other_foundation),
    }
    assert sorted(o.id for o in geo_only) == sorted(str(ids[i]) for i in (0, 1, 3, 4))
    by_id = {o.id: o for o in owed}
    first = by_id[str(ids[0])]
    assert (first.company_id, first.commons_id, first.amount_minor, first.currency) == (
        str(world.acme),
        str(world.commons["geo"]),
        1000,
        "EUR",
    )


async def test_a_run_bills_the_stored_obligations_once_and_marks_them_invoiced(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(db_sessions)
    ids = await store_obligations(db_sessions, world, _rows(world))
    report = await run_period(db_sessions, ManualGateway(), PERIOD)
    assert (report.invoices_created, report.lines_added, report.invoices_issued) == (4, 5, 4)
    async with db_sessions() as session:
        invoices = list(await session.scalars(select(Invoice)))
    assert sorted(
        (i.company_id, i.currency, i.foundation_id, i.status) for i in invoices
    ) == sorted(
        [
            (str(world.acme), "EUR", str(world.geo_foundation), "open"),
            (str(world.acme), "EUR", str(world.other_foundation), "open"),
            (str(world.acme), "USD", str(world.geo_foundation), "open"),
            (str(world.globex), "EUR", str(world.geo_foundation), "open"),
        ]
    )
    lines = await _lines(db_sessions)
    assert set(lines) == {str(ids[i]) for i in range(5)}
    assert lines[str(ids[1])].amount_minor == 250
    assert await statuses(db_sessions, ids) == [
        "invoiced", "invoiced", "invoiced", "invoiced", "invoiced",
        "exempt", "owed", "owed", "owed", "owed", "owed", "invoiced",
    ]  # fmt: skip

    again = await run_period(db_sessions, ManualGateway(), PERIOD)
    assert (again.invoices_created, again.lines_added, again.invoices_issued) == (0, 0, 0)
    assert len(await _lines(db_sessions)) == 5


async def test_a_foundation_run_bills_only_its_own_commons(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(db_sessions)
    ids = await store_obligations(db_sessions, world, _rows(world)[:5])
    report = await run_period(db_sessions, ManualGateway(), PERIOD, world.other_foundation)
    assert (report.invoices_created, report.lines_added, report.invoices_issued) == (1, 1, 1)
    assert await statuses(db_sessions, ids) == ["owed", "owed", "invoiced", "owed", "owed"]


async def test_payment_and_refund_move_the_obligations_on(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world = await make_world(db_sessions)
    ids = await store_obligations(db_sessions, world, _rows(world)[:2])
    await run_period(db_sessions, ManualGateway(), PERIOD)
    async with db_sessions() as session:
        invoice = await session.scalar(select(Invoice))
        assert invoice is not None
        invoice = await find_invoice(session, str(invoice.id))
        assert await record_payment(session, invoice, fee_minor=0)
        await session.commit()
    assert await statuses(db_sessions, ids) == ["paid", "paid"]
    async with db_sessions() as session:
        invoice = await find_invoice(session, str(invoice.id))
        await record_reversal(session, invoice, "refund", "refund:re_part", 100)
        await session.commit()
    assert await statuses(db_sessions, ids) == ["paid", "paid"]  # partly refunded: still paid
    async with db_sessions() as session:
        invoice = await find_invoice(session, str(invoice.id))
        await record_reversal(session, invoice, "refund", "refund:re_rest", 1150)
        await session.commit()
        assert await check(session) == []
    assert await statuses(db_sessions, ids) == ["refunded", "refunded"]


STEPS = ["planned", "customer", "line", "invoice", "finalise", "issued", "collect"]


@pytest.mark.parametrize("step", STEPS)
async def test_a_store_run_killed_midway_resumes_and_bills_each_obligation_once(
    db_sessions: async_sessionmaker[AsyncSession], step: str
) -> None:
    world = await make_world(db_sessions)
    ids = await store_obligations(db_sessions, world, _rows(world)[:5])
    gateway = RecordingGateway()
    try:
        await run_period(
            db_sessions, gateway, PERIOD, checkpoint=cast(Callable[[str], None], crash_at(step))
        )
    except Crash:
        pass
    await run_period(db_sessions, gateway, PERIOD)
    await run_period(db_sessions, gateway, PERIOD)
    billed = Counter(line.obligation_id for line in gateway.items.values())
    assert billed == Counter({str(ids[i]): 1 for i in range(5)})
    assert sorted(gateway.collected) == sorted(gateway.invoices)
    assert sum(gateway.total(i) for i in gateway.invoices) == 1000 + 250 + 400 + 700 + 333
    assert await statuses(db_sessions, ids) == ["invoiced"] * 5


@pytest.mark.parametrize("period", ["2026-13", "2026-1", "november", ""])
async def test_a_bad_period_is_refused(
    db_sessions: async_sessionmaker[AsyncSession], period: str
) -> None:
    with pytest.raises(BillingError, match="YYYY-MM"):
        await run_period(db_sessions, ManualGateway(), period)


async def test_webhook_events_move_the_obligations_on(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    from service.billing.events import Outcome, apply_event

    world = await make_world(db_sessions)
    ids = await store_obligations(db_sessions, world, _rows(world)[:2])
    gateway = RecordingGateway(fee_minor=30)
    await run_period(db_sessions, gateway, PERIOD)
    async with db_sessions() as session:
        invoice = await session.scalar(select(Invoice))
        assert invoice is not None and invoice.external_id is not None
        paid = {"id": invoice.external_id, "object": "invoice", "charge": "ch_1"}
        event = {"id": "evt_paid", "type": "invoice.paid", "data": {"object": paid}}
        assert await apply_event(session, event, gateway) is Outcome.APPLIED
        await session.commit()
    assert await statuses(db_sessions, ids) == ["paid", "paid"]
    async with db_sessions() as session:
        refund = {"id": "ch_1", "object": "charge", "amount_refunded": 1250, "refunds": {}}
        event = {"id": "evt_refund", "type": "charge.refunded", "data": {"object": refund}}
        assert await apply_event(session, event, gateway) is Outcome.APPLIED
        await session.commit()
        assert await check(session) == []
    assert await statuses(db_sessions, ids) == ["refunded", "refunded"]
