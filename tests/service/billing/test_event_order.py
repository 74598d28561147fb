"""Whatever the order and number of deliveries, the end state is the same (hypothesis)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from service.billing.events import apply_event
from service.billing.payments import NotReadyError
from service.billing.runs import OwedObligation, run_billing
from service.db.base import Base
from service.db.engine import create_session_factory
from service.db.models import Invoice
from service.ledger.store import balances, check
from tests.service.billing.conftest import make_engine
from tests.service.billing.fakes import RecordingGateway
from tests.service.billing.signing import event

PERIOD = "2026-11"


def _events(external: str) -> list[dict[str, Any]]:
    charge = {"id": "ch_1", "object": "charge", "invoice": external}
    return [
        event("evt_failed", "invoice.payment_failed", {"id": external}),
        event("evt_paid", "invoice.paid", {"id": external, "charge": "ch_1"}),
        event("evt_succeeded", "invoice.payment_succeeded", {"id": external, "charge": "ch_1"}),
        event(
            "evt_refund_1",
            "charge.refunded",
            {**charge, "refunds": {"data": [{"id": "re_1", "amount": 200}]}},
        ),
        event(
            "evt_refund_2",
            "charge.refunded",
            {
                **charge,
                "refunds": {"data": [{"id": "re_1", "amount": 200}, {"id": "re_2", "amount": 100}]},
            },
        ),
    ]


async def _scenario(order: list[int]) -> tuple[str, dict[str, int], int]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'order.db'}")
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            sessions = create_session_factory(engine)
            gateway = RecordingGateway(fee_minor=30)
            obligations = [
                OwedObligation("ob-1", "acme", "geo", 700, "EUR", PERIOD),
                OwedObligation("ob-2", "acme", "maps", 300, "EUR", PERIOD),
            ]
            await run_billing(sessions, gateway, obligations, PERIOD)
            async with sessions() as session:
                invoice = await session.scalar(select(Invoice))
            assert invoice is not None and invoice.external_id is not None
            events = _events(invoice.external_id)
            queue = [events[i] for i in order] + events  # every event at least once
            for _ in range(100):  # Stripe retries what answered "not ready"
                if not queue:
                    break
                current = queue.pop(0)
                async with sessions() as session:
                    try:
                        await apply_event(session, current, gateway)
                        await session.commit()
                    except NotReadyError:
                        await session.rollback()
                        queue.append(current)
            assert not queue
            async with sessions() as session:
                assert await check(session) == []
                found = {b.account: b.amount_minor for b in await balances(session)}
                row = await session.scalar(select(Invoice))
            assert row is not None
            return row.status, found, row.refunded_minor
        finally:
            await engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.lists(st.integers(min_value=0, max_value=4), max_size=10))
def test_any_delivery_order_gives_the_same_books(order: list[int]) -> None:
    status, found, refunded = asyncio.run(_scenario(order))
    assert (status, refunded) == ("paid", 300)
    # 1000 paid, fee 30 (21 geo, 9 maps), 300 refunded (210 geo, 90 maps)
    assert found["pool:geo"] == -(700 - 21 - 210)
    assert found["pool:maps"] == -(300 - 9 - 90)
    assert found["clearing"] == 1000 - 30 - 300
    assert found["receivable:acme"] == 0
