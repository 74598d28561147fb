"""Funds to the foundations: each paid invoice's net amount per commons, transferred to the
commons' foundation's connected account (separate charges and transfers).

Two steps, each safe to repeat, so that a run killed anywhere and started again moves each
amount exactly once:

1. :func:`plan_transfers` records, in one database transaction per invoice, a
   :class:`FoundationTransfer` row per commons (unique per invoice and commons) and the
   ledger entry that takes the amount out of the commons' pool into *payouts in transit*.
   A commons whose foundation has no payout account is *held* (reported, planned later).
2. :func:`send_transfers` sends every pending row through the :class:`PayoutProvider` with
   an idempotency key derived from our ids (``copyfair-transfer-<invoice>-<commons>``) and
   one ``transfer_group`` per invoice (``invoice_<id>``), then records the transfer's id and
   the ledger entry (in transit → out of clearing) in one transaction. A crash between the
   provider's answer and that commit sends the same request again, which the provider
   answers with the same transfer.

The net amount is the commons' share of the payment net of processor fees (the ``pool``
posting of the payment in the journal). An invoice refunded in part before its funds were
transferred is held: what to send is then a decision for a person. A refund after the
transfer is clawed back: :mod:`service.transfers.reversals` plans the reversals with the
refund, and :func:`transfer_foundation_funds` sends them after the transfers. A lost dispute
is clawed back as a refund is; a won one sends what it had taken back again, in transfer rows
of its own (``dispute_id``, idempotency key ``copyfair-transfer-dispute-won-<id>-<commons>``)
planned by :mod:`service.transfers.disputes` and sent here with the others.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import astuple, dataclass, field
from functools import partial

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.db.models import Commons, Invoice, InvoiceLine, InvoiceStatus, Organisation
from service.db.models.ledger import (
    FoundationTransfer,
    LedgerEntry,
    LedgerTransaction,
    TransferReversal,
    TransferStatus,
)
from service.db.pagination import Page, fetch_page
from service.ledger import journal
from service.transfers.interface import PayoutProvider, TransferError, TransferRequest
from service.transfers.reversals import mark_received, send_reversals
from service.transfers.sending import Send, add_planned, mark_by_hand, send_pending

__all__ = [
    "Held",
    "TransfersReport",
    "dispute_won_key",
    "idempotency_key",
    "list_transfers",
    "mark_made",
    "plan_transfers",
    "planned_entry",
    "planned_reference",
    "send_transfers",
    "sent_reference",
    "transfer_foundation_funds",
    "transfer_group",
    "transfer_in_background",
]

logger = logging.getLogger("copyfair.transfers")


def idempotency_key(invoice_id: uuid.UUID, commons_id: str) -> str:
    return f"copyfair-transfer-{invoice_id}-{commons_id}"


def transfer_group(invoice_id: uuid.UUID) -> str:
    return f"invoice_{invoice_id}"


@dataclass(frozen=True, slots=True)
class Held:
    """An amount not planned yet, and why."""

    invoice_id: str
    commons_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class TransfersReport:
    planned: int = 0
    sent: int = 0  # made by the provider
    manual: int = 0  # recorded as owed, to be made by hand
    held: list[Held] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)  # the provider's refusals
    reversed: int = 0  # reversals made by the provider (refunds after the transfer)
    reversals_manual: int = 0  # reversals recorded as owed back, to be received by hand


async def _nets(session: AsyncSession, invoice: Invoice) -> dict[str, int]:
    """Each commons' share of the invoice's payment, net of fees (from the journal)."""
    rows = await session.execute(
        select(LedgerEntry.commons_id, func.sum(LedgerEntry.amount_minor))
        .join(LedgerTransaction, LedgerEntry.transaction_id == LedgerTransaction.id)
        .where(
            LedgerTransaction.reference == f"payment:{invoice.id}",
            LedgerEntry.account.like("pool:%"),
        )
        .group_by(LedgerEntry.commons_id)
    )
    return {str(commons): -int(total) for commons, total in rows.all() if commons is not None}


async def _destination(session: AsyncSession, commons_id: str) -> tuple[str, str] | str:
    """(foundation id, connected account) of a commons, or why there is none."""
    try:
        key = uuid.UUID(commons_id)
    except ValueError:
        return "not a registered commons: nobody to transfer to"
    commons = await session.get(Commons, key)
    if commons is None:
        return "the commons is no longer registered"
    foundation = await session.get(Organisation, commons.organisation_id)
    if foundation is None or not foundation.payout_account_id:
        return (
            f"foundation {commons.organisation_id} has no payout account: set it with "
            f"copyfair admin set-payout-account {commons.organisation_id} acct_... "
            "(or PUT /v1/billing/payout-account)"
        )
    return str(foundation.id), foundation.payout_account_id


async def _plan_invoice(session: AsyncSession, invoice: Invoice) -> tuple[int, list[Held]]:
    done = set(
        await session.scalars(
            select(FoundationTransfer.commons_id).where(FoundationTransfer.invoice_id == invoice.id)
        )
    )
    planned, held = 0, []
    for commons_id, net in sorted((await _nets(session, invoice)).items()):
        if commons_id in done or net <= 0:
            continue
        found = await _destination(session, commons_id)
        if isinstance(found, str):
            held.append(Held(str(invoice.id), commons_id, found))
            continue
        foundation_id, account_id = found
        row = FoundationTransfer(
            invoice_id=invoice.id,
            commons_id=commons_id,
            foundation_id=foundation_id,
            destination=account_id,
            amount_minor=net,
            currency=invoice.currency,
            status=TransferStatus.PENDING.value,
        )
        await add_planned(session, row, planned_entry)
        planned += 1
    return planned, held


async def plan_transfers(
    sessions: async_sessionmaker[AsyncSession], invoice_id: uuid.UUID | None = None
) -> tuple[int, list[Held]]:
    """Plan the transfers of every paid invoice (or of one) that has a commons without one.
    Returns (rows planned, amounts held)."""
    lacking = (
        select(InvoiceLine.id)
        .where(
            InvoiceLine.invoice_id == Invoice.id,
            ~select(FoundationTransfer.id)
            .where(
                FoundationTransfer.invoice_id == Invoice.id,
                FoundationTransfer.commons_id == InvoiceLine.commons_id,
            )
            .exists(),
        )
        .exists()
    )
    query = select(Invoice.id).where(Invoice.status == InvoiceStatus.PAID.value, lacking)
    if invoice_id is not None:
        query = query.where(Invoice.id == invoice_id)
    async with sessions() as session:
        ids = list(await session.scalars(query.order_by(Invoice.id)))
    planned, held = 0, []
    for key in ids:
        async with sessions() as session:
            invoice = await session.get(Invoice, key, with_for_update=True)
            if invoice is None or invoice.status != InvoiceStatus.PAID.value:
                continue
            if invoice.refunded_minor:
                held.append(
                    Held(str(key), "*", "refunded in part before its funds were transferred")
                )
                continue
            try:
                made, kept = await _plan_invoice(session, invoice)
                await session.commit()
            except IntegrityError:  # planned at the same moment by another process
                await session.rollback()
                continue
        planned += made
        held.extend(kept)
    return planned, held


def dispute_won_key(dispute_id: str, commons_id: str) -> str:
    return f"copyfair-transfer-dispute-won-{dispute_id}-{commons_id}"


def planned_reference(row: FoundationTransfer) -> str:
    """The ledger reference of a transfer's planning: by invoice and commons for the
    payment's own, by row id for a won dispute's (a dispute id may be long)."""
    if row.dispute_id:
        return f"transfer-planned:{row.id}"
    return f"transfer-planned:{row.invoice_id}:{row.commons_id}"


def planned_entry(row: FoundationTransfer) -> journal.Transaction:
    """The ledger entry of a transfer planned: out of the commons' pool, into payouts in
    transit."""
    return journal.transfer_planned(
        planned_reference(row), row.commons_id, row.currency, row.amount_minor
    )


def sent_reference(row: FoundationTransfer) -> str:
    if row.dispute_id:
        return f"transfer-sent:{row.id}"
    return f"transfer-sent:{row.invoice_id}:{row.commons_id}"


def _request(row: FoundationTransfer) -> TransferRequest:
    metadata = {
        "copyfair_invoice_id": str(row.invoice_id),
        "commons_id": row.commons_id,
        "foundation_id": row.foundation_id,
    }
    if row.dispute_id:
        return TransferRequest(
            destination=row.destination,
            amount_minor=row.amount_minor,
            currency=row.currency,
            idempotency_key=dispute_won_key(row.dispute_id, row.commons_id),
            transfer_group=transfer_group(row.invoice_id),
            description=(
                f"Dispute {row.dispute_id} of invoice {row.invoice_id} won: commons "
                f"{row.commons_id}'s share sent again"
            ),
            metadata={**metadata, "dispute_id": row.dispute_id},
        )
    return TransferRequest(
        destination=row.destination,
        amount_minor=row.amount_minor,
        currency=row.currency,
        idempotency_key=idempotency_key(row.invoice_id, row.commons_id),
        transfer_group=transfer_group(row.invoice_id),
        description=f"Reciprocity for commons {row.commons_id}, invoice {row.invoice_id}",
        metadata=metadata,
    )


def _sent_entry(row: FoundationTransfer) -> journal.Transaction:
    """The ledger entry of a transfer made: out of payouts in transit and of clearing."""
    return journal.transfer_sent(
        sent_reference(row), row.commons_id, row.currency, row.amount_minor
    )


async def _prepare(
    provider: PayoutProvider, session: AsyncSession, row: FoundationTransfer
) -> Send:
    request = _request(row)
    return Send(provider.kind, lambda: provider.transfer(request).external_id)


async def send_transfers(
    sessions: async_sessionmaker[AsyncSession],
    provider: PayoutProvider,
    invoice_id: uuid.UUID | None = None,
) -> tuple[int, int, list[str]]:
    """Send every pending transfer (or those of one invoice), won disputes' included.
    Returns (sent, recorded as manual, failures)."""
    return await send_pending(
        sessions, FoundationTransfer, invoice_id, partial(_prepare, provider), _sent_entry
    )


async def transfer_foundation_funds(
    sessions: async_sessionmaker[AsyncSession],
    provider: PayoutProvider,
    invoice_id: uuid.UUID | None = None,
) -> TransfersReport:
    """Plan then send: what a paid invoice owes each foundation, exactly once; then what
    refunds since took back (the reversals planned with them), exactly once."""
    planned, held = await plan_transfers(sessions, invoice_id)
    sent, manual, failed = await send_transfers(sessions, provider, invoice_id)
    reversed_, owed_back, refused = await send_reversals(sessions, provider, invoice_id)
    return TransfersReport(planned, sent, manual, held, failed + refused, reversed_, owed_back)


async def transfer_in_background(
    sessions: async_sessionmaker[AsyncSession],
    provider: PayoutProvider,
    invoice_id: uuid.UUID | None = None,
) -> TransfersReport | None:
    """:func:`transfer_foundation_funds` where nobody would see an exception (a background
    task): failures are logged, and what was not sent stays pending for the next attempt
    (``copyfair billing transfer``)."""
    try:
        report = await transfer_foundation_funds(sessions, provider, invoice_id)
    except Exception:  # noqa: BLE001 - logged; the work is idempotent and resumable
        logger.exception("foundation transfers failed (invoice %s)", invoice_id)
        return None
    for held in report.held:
        logger.warning("transfer held: invoice %s, commons %s: %s", *astuple(held))
    for failure in report.failed:
        logger.warning("transfer failed: %s", failure)
    return report


async def mark_made(session: AsyncSession, transfer_id: uuid.UUID, reference: str) -> bool:
    """A transfer recorded as owed (manual provider) was made by hand: the money leaves
    clearing, nothing is in transit any more. The id of a reversal recorded as owed back
    marks it received (the money is back in clearing). False when it was already marked;
    raises TransferError for an unknown or still pending one (flushes; the caller
    commits)."""
    row = await session.get(FoundationTransfer, transfer_id, with_for_update=True)
    if row is None:
        reversal = await session.get(TransferReversal, transfer_id, with_for_update=True)
        if reversal is not None:
            return await mark_received(session, reversal, reference)
        raise TransferError(f"no foundation transfer or reversal {transfer_id}")
    return await mark_by_hand(session, row, reference, _sent_entry, noun="transfer", deed="make")


async def list_transfers(
    session: AsyncSession,
    foundation_id: str | None = None,
    status: TransferStatus | None = None,
    *,
    limit: int = 50,
    cursor: str | None = None,
) -> Page[FoundationTransfer]:
    """A page of foundation transfers (of one foundation, or all), oldest first."""
    query = select(FoundationTransfer)
    if foundation_id is not None:
        query = query.where(FoundationTransfer.foundation_id == foundation_id)
    if status is not None:
        query = query.where(FoundationTransfer.status == status.value)
    return await fetch_page(session, query, FoundationTransfer.id, limit=limit, cursor=cursor)
