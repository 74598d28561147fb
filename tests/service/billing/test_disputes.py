"""Disputes after the funds went to the foundations: a dispute is clawed back as a refund
is, a won dispute sends the funds again; each exactly once whatever redeliveries, crashes
and orders of events happen, and the foundation keeps what the commons is owed."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from licences.money import split
from service.billing.events import MalformedEventError, Outcome, apply_event
from service.billing.manual import ManualGateway
from service.billing.payments import NotReadyError
from service.db.base import Base
from service.db.engine import create_session_factory
from service.db.models import Invoice
from service.db.models.ledger import FoundationTransfer
from service.transfers.clawback import ClawbackError, Sent, allocate, clawback, reinstatement
from service.transfers.foundation import transfer_foundation_funds
from service.transfers.interface import TransferRequest
from tests.service.billing.conftest import make_engine
from tests.service.billing.signing import event
from tests.service.billing.transfer_steps import (
    CHARGE,
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

PAID, TRANSFERRED = 1250, 1200  # the geo invoice: geo 1000 + maps 250, fee 50 (960 + 240)


def _dispute(event_id: str, kind: str, dispute_id: str, amount: int, **extra: Any) -> Any:
    obj = {"id": dispute_id, "object": "dispute", "charge": CHARGE, "amount": amount, **extra}
    return event(event_id, kind, obj)


def _opened(dispute_id: str = "dp_1", amount: int = 500, n: int = 1) -> Any:
    return _dispute(f"evt_{dispute_id}_open_{n}", "charge.dispute.created", dispute_id, amount)


def _withdrawn(dispute_id: str = "dp_1", amount: int = 500) -> Any:
    kind = "charge.dispute.funds_withdrawn"
    return _dispute(f"evt_{dispute_id}_withdrawn", kind, dispute_id, amount)


def _won(dispute_id: str = "dp_1", amount: int = 500, n: int = 1) -> Any:
    kind = "charge.dispute.closed"
    return _dispute(f"evt_{dispute_id}_won_{n}", kind, dispute_id, amount, status="won")


async def _again(sessions: async_sessionmaker[AsyncSession]) -> list[FoundationTransfer]:
    """The transfers won disputes planned."""
    async with sessions() as session:
        return list(
            await session.scalars(
                select(FoundationTransfer)
                .where(FoundationTransfer.dispute_id != "")
                .order_by(FoundationTransfer.commons_id)
            )
        )


async def test_a_dispute_after_the_transfer_is_clawed_back_like_a_refund(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    world, invoice = await transferred(db_sessions, provider)
    geo, maps = str(world.commons["geo"]), str(world.commons["maps"])
    tr = await transfer_ids(db_sessions)

    assert await deliver(db_sessions, _opened()) is Outcome.APPLIED
    # the same rule as a refund of 500: floor(500 * 1200 / 1250) = 480, 4:1
    rows = await reversals(db_sessions)
    assert sorted((r.refund_id, r.commons_id, r.amount_minor) for r in rows) == sorted(
        [("dispute-dp_1", geo, 384), ("dispute-dp_1", maps, 96)]
    )
    assert await in_transit(db_sessions) == 480
    # the funds withdrawn later are the same dispute: nothing more
    assert await deliver(db_sessions, _withdrawn()) is Outcome.NO_CHANGE

    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.reversed, report.failed) == (2, [])
    seen = {r.idempotency_key: r for r in provider.reversal_requests}
    assert sorted(seen) == [f"copyfair-reversal-dispute-dp_1-{c}" for c in sorted((geo, maps))]
    request = seen[f"copyfair-reversal-dispute-dp_1-{geo}"]
    assert (request.transfer_id, request.amount_minor) == (tr[geo], 384)
    assert request.description == (
        f"Dispute dp_1 of invoice {invoice} lost: commons {geo}'s share taken back"
    )
    assert request.metadata["dispute_id"] == "dp_1" and "refund_id" not in request.metadata
    assert provider.kept(GEO_ACCOUNT) == TRANSFERRED - 480
    assert provider.kept(OTHER_ACCOUNT) == 400
    assert await in_transit(db_sessions) == 0


async def test_a_won_dispute_sends_the_funds_again(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    world, invoice = await transferred(db_sessions, provider)
    geo, maps = str(world.commons["geo"]), str(world.commons["maps"])
    await deliver(db_sessions, _opened())
    await transfer_foundation_funds(db_sessions, provider)

    assert await deliver(db_sessions, _won()) is Outcome.APPLIED
    again = await _again(db_sessions)
    assert sorted((r.commons_id, r.amount_minor, r.status, r.dispute_id) for r in again) == sorted(
        [(geo, 384, "pending", "dp_1"), (maps, 96, "pending", "dp_1")]
    )
    assert await in_transit(db_sessions) == -480  # owed to the foundation again

    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, report.reversed, report.failed) == (0, 2, 0, [])
    seen = {r.idempotency_key: r for r in provider.requests}
    key = f"copyfair-transfer-dispute-won-dp_1-{geo}"
    assert seen[key] == TransferRequest(
        destination=GEO_ACCOUNT,
        amount_minor=384,
        currency="EUR",
        idempotency_key=key,
        transfer_group=f"invoice_{invoice}",
        description=f"Dispute dp_1 of invoice {invoice} won: commons {geo}'s share sent again",
        metadata=our_ids(invoice, geo, world.geo_foundation) | {"dispute_id": "dp_1"},
    )
    assert seen[f"copyfair-transfer-dispute-won-dp_1-{maps}"].amount_minor == 96
    assert provider.kept(GEO_ACCOUNT) == TRANSFERRED  # everything the commons is owed
    ledger = await checked_ledger(db_sessions)  # balances and reconciles
    assert ledger["in_transit"] == 0
    assert ledger[f"pool:{geo}"] == 0 and ledger[f"pool:{maps}"] == 0
    assert ledger["clearing"] == 0  # 1200 paid net of fee, 1200 with the foundation


async def test_won_before_its_reversal_was_sent_the_foundation_still_keeps_its_due(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    await transferred(db_sessions, provider)
    await deliver(db_sessions, _opened())
    await deliver(db_sessions, _won())
    report = await transfer_foundation_funds(db_sessions, provider)
    # both are made (the reversal and the transfer sent again): the net is what is owed
    assert (report.sent, report.reversed, report.failed) == (2, 2, [])
    assert provider.kept(GEO_ACCOUNT) == TRANSFERRED
    assert await in_transit(db_sessions) == 0


async def test_redelivered_dispute_events_move_money_once(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    await transferred(db_sessions, provider)
    for body, first in (
        (_opened(), Outcome.APPLIED),
        (_opened(n=2), Outcome.NO_CHANGE),
        (_withdrawn(), Outcome.NO_CHANGE),
    ):
        assert await deliver(db_sessions, body) is first
        assert await deliver(db_sessions, body) is Outcome.DUPLICATE
    await transfer_foundation_funds(db_sessions, provider)
    assert await deliver(db_sessions, _won()) is Outcome.APPLIED
    assert await deliver(db_sessions, _won()) is Outcome.DUPLICATE
    assert await deliver(db_sessions, _won(n=2)) is Outcome.NO_CHANGE
    for _ in range(2):
        await transfer_foundation_funds(db_sessions, provider)
    assert len(await reversals(db_sessions)) == 2 and len(await _again(db_sessions)) == 2
    assert len(provider.reversals) == 2 and len(provider.reversal_requests) == 2
    assert len(provider.transfers) == 3 + 2 and len(provider.requests) == 3 + 2
    assert provider.kept(GEO_ACCOUNT) == TRANSFERRED and provider.kept(OTHER_ACCOUNT) == 400
    assert await in_transit(db_sessions) == 0


@pytest.mark.parametrize("sent_before_crash", [1, 2])
async def test_a_run_killed_after_the_provider_answered_sends_again_once(
    db_sessions: async_sessionmaker[AsyncSession], sent_before_crash: int
) -> None:
    provider = RecordingProvider()
    await transferred(db_sessions, provider)
    await deliver(db_sessions, _opened())
    await transfer_foundation_funds(db_sessions, provider)
    await deliver(db_sessions, _won())
    made = len(provider.transfers) + len(provider.reversals)
    await killed_then_resumed(db_sessions, provider, made + sent_before_crash)
    won = [r for r in provider.requests if "dispute-won" in r.idempotency_key]
    assert len(won) == 3  # the one whose answer was lost was asked again, same key
    assert len(provider.transfers) == 3 + 2
    assert provider.kept(GEO_ACCOUNT) == TRANSFERRED
    assert await entries(db_sessions, "transfer_sent") == 3 + 2
    assert await in_transit(db_sessions) == 0


async def test_a_dispute_before_the_transfer_holds_it_and_a_won_one_releases_it(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await setup_paid(db_sessions)
    await geo_invoice(db_sessions, world)
    assert await deliver(db_sessions, _opened()) is Outcome.APPLIED
    provider = RecordingProvider()
    report = await transfer_foundation_funds(db_sessions, provider)
    assert_geo_held(report)
    assert provider.moved(GEO_ACCOUNT) == 0 and await reversals(db_sessions) == []
    assert await deliver(db_sessions, _won()) is Outcome.APPLIED
    assert await _again(db_sessions) == []  # nothing had been taken back
    report = await transfer_foundation_funds(db_sessions, provider)
    assert (report.planned, report.sent, report.held) == (2, 2, [])
    assert provider.kept(GEO_ACCOUNT) == TRANSFERRED and provider.reversal_requests == []
    assert await in_transit(db_sessions) == 0


async def test_a_refund_after_a_won_dispute_reverses_the_transfer_sent_again(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    provider = RecordingProvider()
    world, _ = await transferred(db_sessions, provider)
    geo = str(world.commons["geo"])
    await deliver(db_sessions, refunded("evt_r1", [("re_1", 100)]))  # 96: 77 geo, 19 maps
    await deliver(db_sessions, _opened(amount=1000))
    await transfer_foundation_funds(db_sessions, provider)
    await deliver(db_sessions, _won(amount=1000))
    await transfer_foundation_funds(db_sessions, provider)
    assert provider.kept(GEO_ACCOUNT) == TRANSFERRED - 96
    # the rest refunded: more than is left of any one transfer of geo's, so both are reversed
    await deliver(db_sessions, refunded("evt_r2", [("re_1", 100), ("re_2", 1150)]))
    report = await transfer_foundation_funds(db_sessions, provider)
    assert report.failed == []
    assert provider.kept(GEO_ACCOUNT) == 0
    keys = sorted(r.idempotency_key for r in provider.reversal_requests)
    assert f"copyfair-reversal-re_2-{geo}" in keys
    assert f"copyfair-reversal-re_2-{geo}-dispute-won-dp_1" in keys
    assert await in_transit(db_sessions) == 0


async def test_a_dispute_without_an_id_is_refused(
    db_sessions: async_sessionmaker[AsyncSession],
) -> None:
    world, _ = await setup_paid(db_sessions)
    await geo_invoice(db_sessions, world)
    body = event("evt_x", "charge.dispute.created", {"charge": CHARGE, "amount": 10})
    with pytest.raises(MalformedEventError, match=r"data\.object\.id"):
        await deliver(db_sessions, body)


# -- the rule (pure) ---------------------------------------------------------------------


def test_a_won_dispute_sends_back_what_was_reversed_beyond_the_target() -> None:
    sent = [Sent("geo", 960, 384), Sent("maps", 240, 96)]  # 500 of 1250 taken back
    assert reinstatement(0, 1250, sent) == [("geo", 384), ("maps", 96)]
    assert reinstatement(500, 1250, sent) == []  # nothing beyond the target
    assert reinstatement(100, 1250, [Sent("geo", 960)]) == []  # nothing had been reversed
    with pytest.raises(ClawbackError, match="refunded 1300 is outside 0..1250"):
        reinstatement(1300, 1250, sent)


def test_a_reversal_is_spread_over_the_transfers_in_order() -> None:
    assert allocate(300, [500]) == [300]
    assert allocate(700, [500, 384]) == [500, 200]
    assert allocate(0, [0, 5]) == [0, 0]
    with pytest.raises(ClawbackError, match="cannot take 10"):
        allocate(10, [4, 5])


@given(
    paid=st.integers(min_value=1, max_value=10**6),
    weights=st.lists(st.integers(min_value=1, max_value=10**4), min_size=1, max_size=4),
    marks=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=8),
)
def test_up_and_down_the_net_reversed_always_meets_the_target(
    paid: int, weights: list[int], marks: list[int]
) -> None:
    """Refunds raise the refunded amount, won disputes lower it: after each, the net
    reversed is the rule's target and no commons is ever below 0 or above its transfer."""
    sent = [Sent(f"c{n}", a) for n, a in enumerate(split(paid * 9 // 10, weights))]
    sent = [s for s in sent if s.amount_minor > 0]
    transferred = sum(s.amount_minor for s in sent)
    for mark in marks:
        refunded = min(mark, paid)
        back = dict(clawback(refunded, paid, sent))
        again = dict(reinstatement(refunded, paid, sent))
        assert not (back and again)
        sent = [
            Sent(
                s.commons_id,
                s.amount_minor,
                s.reversed_minor + back.get(s.commons_id, 0) - again.get(s.commons_id, 0),
            )
            for s in sent
        ]
        assert sum(s.reversed_minor for s in sent) == refunded * transferred // paid


# -- every order of events --------------------------------------------------------------

STEPS = ["open", "withdrawn", "won", "open_lost", "refund", "run", "run", "run"]


def _body(step: str) -> Any:
    if step == "open":
        return _opened()
    if step == "withdrawn":
        return _withdrawn()
    if step == "won":
        return _won()
    if step == "open_lost":
        return _opened("dp_2", 250)
    assert step == "refund"
    return refunded("evt_re", [("re_1", 100)])


async def _scenario(order: list[str]) -> tuple[int, int, int, bool]:
    """Play the steps in order (a dispute closed before it opened is retried, as Stripe
    does); returns (kept by the geo foundation, by the other, refunded, transferred)."""
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite+aiosqlite:///{Path(tmp) / 'disputes.db'}")
        try:
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            sessions = create_session_factory(engine)
            world, _ = await setup_paid(sessions)
            key = await geo_invoice(sessions, world)
            provider = RecordingProvider()
            queue = list(order)
            for _ in range(50):
                if not queue:
                    break
                step = queue.pop(0)
                if step == "run":
                    await transfer_foundation_funds(sessions, provider)
                    continue
                async with sessions() as session:
                    try:
                        await apply_event(session, _body(step), ManualGateway())
                        await session.commit()
                    except NotReadyError:
                        await session.rollback()
                        queue.append(step)
            assert not queue
            await transfer_foundation_funds(sessions, provider)  # the next cron run
            assert await in_transit(sessions) == 0  # balances and reconciles
            async with sessions() as session:
                invoice = await session.get(Invoice, key)
                assert invoice is not None
                transferred = (
                    await session.scalar(
                        select(func.count())
                        .select_from(FoundationTransfer)
                        .where(FoundationTransfer.invoice_id == key)
                    )
                    or 0
                ) > 0
            return (
                provider.kept(GEO_ACCOUNT),
                provider.kept(OTHER_ACCOUNT),
                invoice.refunded_minor,
                transferred,
            )
        finally:
            await engine.dispose()


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=st.permutations(STEPS))
def test_in_every_order_the_foundation_keeps_what_the_commons_is_owed(order: list[str]) -> None:
    kept, other, refunded, transferred = asyncio.run(_scenario(order))
    # dp_1 won; dp_2 (250) lost and re_1 (100) refunded
    assert refunded == 350 and other == 400
    if transferred:
        assert kept == TRANSFERRED - refunded * TRANSFERRED // PAID  # 1200 - 336
    else:  # refunded or disputed before any transfer, and not won back: held for a person
        assert kept == 0
    # the invoice is transferred whenever a run found it with nothing refunded
    first_run = order.index("run")
    before = set(order[:first_run])
    if not before & {"open", "withdrawn", "open_lost", "refund"}:
        assert transferred
