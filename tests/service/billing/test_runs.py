"""Billing runs: one invoice per company and currency, one line per obligation; never twice,
whatever crashes and re-runs happen."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import cast

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.billing.manual import ManualGateway
from service.billing.payments import find_invoice, record_payment
from service.billing.runs import OwedObligation, run_billing
from service.db.models import Invoice, InvoiceLine, LedgerTransaction
from service.ledger.store import balances, check
from tests.service.billing.fakes import Crash, RecordingGateway, crash_at

pytestmark = pytest.mark.asyncio
PERIOD = "2026-11"


def owed(
    id: str, company: str = "acme", commons: str = "geo", amount: int = 1000, currency: str = "EUR"
) -> OwedObligation:
    return OwedObligation(id, company, commons, amount, currency, PERIOD)


OBLIGATIONS = [
    owed("ob-1", "acme", "geo", 1000),
    owed("ob-2", "acme", "maps", 250),
    owed("ob-3", "acme", "geo", 700, "USD"),
    owed("ob-4", "globex", "geo", 333),
    OwedObligation("ob-old", "acme", "geo", 99, "EUR", "2026-10"),
]


async def _invoices(sessions: async_sessionmaker[AsyncSession]) -> list[Invoice]:
    async with sessions() as session:
        return list(await session.scalars(select(Invoice).order_by(Invoice.company_id)))


async def test_one_invoice_per_company_and_currency_one_line_per_obligation(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    report = await run_billing(db_sessions, ManualGateway(), OBLIGATIONS, PERIOD)
    assert (report.invoices_created, report.lines_added, report.invoices_issued) == (3, 4, 3)
    invoices = await _invoices(db_sessions)
    assert sorted((i.company_id, i.currency, i.status) for i in invoices) == [
        ("acme", "EUR", "open"),
        ("acme", "USD", "open"),
        ("globex", "EUR", "open"),
    ]
    async with db_sessions() as session:
        lines = {line.obligation_id: line for line in await session.scalars(select(InvoiceLine))}
        receivable = {(b.account, b.currency): b.amount_minor for b in await balances(session)}
    assert set(lines) == {"ob-1", "ob-2", "ob-3", "ob-4"}
    assert receivable[("receivable:acme", "EUR")] == 1250
    assert receivable[("billed:maps", "EUR")] == -250

    again = await run_billing(db_sessions, ManualGateway(), OBLIGATIONS, PERIOD)
    assert (again.invoices_created, again.lines_added, again.already_billed) == (0, 0, 4)
    assert len(await _invoices(db_sessions)) == 3


async def test_a_late_obligation_gets_a_new_invoice_not_a_second_line(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await run_billing(db_sessions, ManualGateway(), OBLIGATIONS[:1], PERIOD)
    report = await run_billing(db_sessions, ManualGateway(), OBLIGATIONS[:2], PERIOD)
    assert (report.invoices_created, report.lines_added, report.already_billed) == (1, 1, 1)


STEPS = ["planned", "customer", "line", "invoice", "finalise", "issued", "collect"]


@pytest.mark.parametrize("step", STEPS)
@pytest.mark.parametrize("after", [1, 2])
async def test_a_run_killed_midway_resumes_and_bills_each_amount_once(
    db_sessions: async_sessionmaker[AsyncSession], step: str, after: int
) -> None:
    gateway = RecordingGateway()
    checkpoint = cast(Callable[[str], None], crash_at(step, after))
    try:
        await run_billing(db_sessions, gateway, OBLIGATIONS, PERIOD, checkpoint)
    except Crash:
        pass
    await run_billing(db_sessions, gateway, OBLIGATIONS, PERIOD)
    await run_billing(db_sessions, gateway, OBLIGATIONS, PERIOD)  # and once more

    # at the processor: each obligation is one item, on one invoice, collected once
    billed = Counter(line.obligation_id for line in gateway.items.values())
    assert billed == Counter({"ob-1": 1, "ob-2": 1, "ob-3": 1, "ob-4": 1})
    on_invoices = [item for items in gateway.invoices.values() for item in items]
    assert sorted(on_invoices) == sorted(gateway.items)
    assert sorted(gateway.collected) == sorted(gateway.invoices)
    assert sum(gateway.total(i) for i in gateway.invoices) == 1000 + 250 + 700 + 333
    # every request that creates something carried a key derived from our ids
    assert all(key.startswith("copyfair-") for _, key in gateway.requests)
    # here: each invoice issued once in the ledger
    async with db_sessions() as session:
        issued = await session.scalar(
            select(func.count())
            .select_from(LedgerTransaction)
            .where(LedgerTransaction.kind == "invoice_issued")
        )
        assert await check(session) == []
    assert issued == 3


async def test_mark_paid_moves_the_money_to_the_pools_once(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    await run_billing(db_sessions, ManualGateway(), OBLIGATIONS[:2], PERIOD)
    (invoice,) = await _invoices(db_sessions)
    async with db_sessions() as session:
        found = await find_invoice(session, str(invoice.id))
        assert await record_payment(session, found, fee_minor=25)
        assert not await record_payment(session, found, fee_minor=25)
        await session.commit()
    async with db_sessions() as session:
        found_balances = {b.account: b.amount_minor for b in await balances(session)}
        statuses = set(await session.scalars(select(InvoiceLine.status)))
    assert found_balances["pool:geo"] == -980  # 1000 - 20 of the fee
    assert found_balances["pool:maps"] == -245  # 250 - 5
    assert found_balances["receivable:acme"] == 0
    assert found_balances["clearing"] == 1225
    assert statuses == {"paid"}


class LosesResponses(RecordingGateway):
    """The processor did the work but the answer was lost (timeout, crash before commit)."""

    def __init__(self, step: str) -> None:
        super().__init__()
        self.lose = step

    def add_line(self, customer_id: str, invoice_id: str, line: object) -> str:
        result = super().add_line(customer_id, invoice_id, line)  # type: ignore[arg-type]
        if self.lose == "item":
            self.lose = ""
            raise Crash("item")
        return result

    def create_invoice(self, customer_id: str, invoice_id: str, period: str) -> str:
        result = super().create_invoice(customer_id, invoice_id, period)
        if self.lose == "invoice":
            self.lose = ""
            raise Crash("invoice")
        return result


@pytest.mark.parametrize("step", ["item", "invoice"])
async def test_a_lost_response_is_repeated_with_the_same_idempotency_key(
    db_sessions: async_sessionmaker[AsyncSession], step: str
) -> None:
    gateway = LosesResponses(step)
    with pytest.raises(Crash):
        await run_billing(db_sessions, gateway, OBLIGATIONS, PERIOD)
    await run_billing(db_sessions, gateway, OBLIGATIONS, PERIOD)
    keys = Counter(key for s, key in gateway.requests if s == step)
    assert max(keys.values()) == 2  # the lost request was sent again, with its own key
    assert len(gateway.items) == 4
    assert len(gateway.invoices) == 3


async def test_reconcile_reports_every_difference(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    from service.billing.reconcile import reconcile

    gateway = RecordingGateway()
    await run_billing(db_sessions, gateway, OBLIGATIONS, PERIOD)
    async with db_sessions() as session:
        # collected at the processor, but no payment recorded here (webhook never came)
        differences = await reconcile(session, gateway)
    assert sorted(d.what for d in differences) == ["status"] * 3
    assert {(d.ours, d.theirs) for d in differences} == {("open", "paid")}
    for invoice in await _invoices(db_sessions):
        async with db_sessions() as session:
            await record_payment(session, await find_invoice(session, str(invoice.id)))
            await session.commit()
    first = next(iter(gateway.items))
    gateway.items[first] = replace(gateway.items[first], amount_minor=1)  # changed remotely
    async with db_sessions() as session:
        differences = await reconcile(session, gateway)
    assert [d.what for d in differences] == ["total"]
