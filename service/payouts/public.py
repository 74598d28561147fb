"""The public ledger of a commons: where its money came from and where it went, computed
from the journal alone, so that its totals are the journal's to the minor unit.

- **inflows**: what reached the pool (payments net of processor fees), per company by
  name, or ``anonymous company`` when the company chose so
  (``PUT /v1/me/ledger-visibility``); refunds and lost disputes as **adjustments**;
- **foundation share**: what the foundation took for the infrastructure, per period;
- **outflows**: transfers to commoners, per commoner alias and period;
- **totals** per currency, with the identity ``collected = to_foundation +
  foundation_share + paid + payable + unclaimed + pool``, where ``to_foundation`` is what
  billing handed over to the foundation's own account (``transfer_planned``, when the
  service's operator is not the foundation) and ``foundation_share`` what payout runs set
  aside for the infrastructure.

:func:`ledger_page` cuts the four lists, in that order, into pages of entries for
``GET /v1/commons/{id}/ledger``; the totals stay those of the whole ledger on every page.
The ledger is computed whole for every page anyway (its totals need every posting), so a
page is a slice; its cursor is a short fingerprint of the last entry's key (its section and
its fields but the amount), which stays exact when entries are added before or after it.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.models import (
    Commons,
    CompanyLedgerPreference,
    LedgerEntry,
    LedgerTransaction,
    Organisation,
    PayoutAccount,
    PayoutLine,
    PayoutLineStatus,
    PayoutRun,
)
from service.db.pagination import CursorError
from service.ledger.journal import AccountKind
from service.payouts.entries import FOUNDATION_SHARE, PAID, PAYOUT_KINDS

__all__ = ["ANONYMOUS", "SECTIONS", "PublicLedger", "ledger_page", "public_ledger"]

ANONYMOUS = "anonymous company"
# billing: pool -> foundation account, and back when a refund reverses a sent transfer
TO_FOUNDATION_KINDS = frozenset({"transfer_planned", "transfer_reversal_planned"})
UNREGISTERED = "unregistered company"
SECTIONS = ("inflows", "adjustments", "foundation_share", "outflows")  # the order of pages
CURSOR_PREFIX = "ledger."


@dataclass
class Totals:
    collected_minor: int = 0
    to_foundation_minor: int = 0
    foundation_share_minor: int = 0
    paid_minor: int = 0
    payable_minor: int = 0
    unclaimed_minor: int = 0
    pool_minor: int = 0

    def balances(self) -> bool:
        return self.collected_minor == (
            self.to_foundation_minor
            + self.foundation_share_minor
            + self.paid_minor
            + self.payable_minor
            + self.unclaimed_minor
            + self.pool_minor
        )


@dataclass
class PublicLedger:
    commons_id: str
    commons_name: str
    inflows: list[dict[str, Any]] = field(default_factory=list)
    adjustments: list[dict[str, Any]] = field(default_factory=list)
    foundation_share: list[dict[str, Any]] = field(default_factory=list)
    outflows: list[dict[str, Any]] = field(default_factory=list)
    totals: dict[str, Totals] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "commons_id": self.commons_id,
            "commons_name": self.commons_name,
            "inflows": self.inflows,
            "adjustments": self.adjustments,
            "foundation_share": self.foundation_share,
            "outflows": self.outflows,
            "totals": [
                {"currency": currency, **vars(t)} for currency, t in sorted(self.totals.items())
            ],
        }


def _fingerprint(section: str, entry: dict[str, Any]) -> str:
    """An entry's place, without its amount (which grows between pages): its section and
    the other fields, which are unique within the section (the lists are aggregates)."""
    key = [section, *(str(entry[name]) for name in sorted(entry) if name != "amount_minor")]
    return hashlib.sha256(json.dumps(key).encode()).hexdigest()[:16]


def ledger_page(
    ledger: PublicLedger, *, limit: int, cursor: str | None
) -> tuple[PublicLedger, str | None]:
    """The page of at most ``limit`` entries after the one ``cursor`` names (inflows, then
    adjustments, the foundation share and outflows) with the whole ledger's totals, and
    the cursor of the next page (None: the last). Raises :class:`CursorError` for a cursor
    that names no entry of this ledger (any more)."""
    entries = [(section, entry) for section in SECTIONS for entry in getattr(ledger, section)]
    start = 0
    if cursor:
        marks = [_fingerprint(section, entry) for section, entry in entries]
        mark = cursor.removeprefix(CURSOR_PREFIX)
        if mark == cursor or mark not in marks:
            raise CursorError(
                f"not a cursor of this ledger: {cursor!r}; pass the 'next' value of the "
                "previous page (if it was, the entry it followed is no longer listed, e.g. "
                "a company chose to be anonymous: start again without a cursor)"
            )
        start = marks.index(mark) + 1
    chosen = entries[start : start + limit]
    lists: dict[str, list[dict[str, Any]]] = {section: [] for section in SECTIONS}
    for section, entry in chosen:
        lists[section].append(entry)
    page = PublicLedger(
        ledger.commons_id,
        ledger.commons_name,
        inflows=lists["inflows"],
        adjustments=lists["adjustments"],
        foundation_share=lists["foundation_share"],
        outflows=lists["outflows"],
        totals=ledger.totals,
    )
    more = start + limit < len(entries)
    next_cursor = CURSOR_PREFIX + _fingerprint(*chosen[-1]) if more and chosen else None
    return page, next_cursor


def _kind_of(account: str) -> str:
    return account.split(":", 1)[0]


async def _company_labels(session: AsyncSession, company_ids: set[str]) -> dict[str, str]:
    keys: dict[str, uuid.UUID] = {}
    for raw in company_ids:
        try:
            keys[raw] = uuid.UUID(raw)
        except ValueError:
            continue
    if not keys:
        return {c: UNREGISTERED for c in company_ids}
    names = dict(
        (
            await session.execute(
                select(Organisation.id, Organisation.name).where(Organisation.id.in_(keys.values()))
            )
        ).all()
    )
    hidden = set(
        await session.scalars(
            select(CompanyLedgerPreference.organisation_id).where(
                CompanyLedgerPreference.organisation_id.in_(keys.values()),
                CompanyLedgerPreference.anonymous.is_(True),
            )
        )
    )
    labels: dict[str, str] = {}
    for raw in company_ids:
        key = keys.get(raw)
        if key is None or key not in names:
            labels[raw] = UNREGISTERED
        elif key in hidden:
            labels[raw] = ANONYMOUS
        else:
            labels[raw] = names[key]
    return labels


async def public_ledger(session: AsyncSession, commons: Commons) -> PublicLedger:
    commons_id = str(commons.id)
    rows = (
        await session.execute(
            select(
                LedgerEntry.transaction_id,
                LedgerEntry.account,
                LedgerEntry.currency,
                LedgerEntry.amount_minor,
                LedgerTransaction.kind,
                LedgerTransaction.reference,
            )
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .where(LedgerEntry.commons_id == commons_id)
        )
    ).all()
    ledger = PublicLedger(commons_id, commons.name)
    inflow_tx: dict[uuid.UUID, list[tuple[str, int]]] = defaultdict(list)
    adjustments: dict[tuple[str, str], int] = defaultdict(int)
    foundation_refs: dict[tuple[str, str], int] = defaultdict(int)
    for tx_id, account, currency, amount, kind, reference in rows:
        totals = ledger.totals.setdefault(currency, Totals())
        head = _kind_of(account)
        if head == AccountKind.POOL.value:
            totals.pool_minor -= amount
            if kind in TO_FOUNDATION_KINDS:
                totals.to_foundation_minor += amount
            elif kind not in PAYOUT_KINDS:
                totals.collected_minor -= amount
                if kind == "payment_received":
                    inflow_tx[tx_id].append((currency, -amount))
                else:
                    adjustments[(kind, currency)] -= amount
        elif head == FOUNDATION_SHARE:
            totals.foundation_share_minor -= amount
            foundation_refs[(reference, currency)] -= amount
        elif head == AccountKind.IN_TRANSIT.value and kind == PAID:
            totals.paid_minor -= amount
        elif head == AccountKind.PAYABLE.value:
            totals.payable_minor -= amount
        elif head == AccountKind.UNCLAIMED.value:
            totals.unclaimed_minor -= amount

    # who paid: the receivable settled in the same transaction
    companies: dict[uuid.UUID, str] = {}
    if inflow_tx:
        receivables = await session.execute(
            select(LedgerEntry.transaction_id, LedgerEntry.account).where(
                LedgerEntry.transaction_id.in_(list(inflow_tx)),
                LedgerEntry.account.like(f"{AccountKind.RECEIVABLE.value}:%"),
            )
        )
        companies = {tx: account.split(":", 1)[1] for tx, account in receivables.all()}
    labels = await _company_labels(session, set(companies.values()))
    by_company: dict[tuple[str, str], int] = defaultdict(int)
    for tx_id, parts in inflow_tx.items():
        label = labels.get(companies.get(tx_id, ""), UNREGISTERED)
        for currency, amount in parts:
            by_company[(label, currency)] += amount
    ledger.inflows = [
        {"company": label, "currency": currency, "amount_minor": amount}
        for (label, currency), amount in sorted(by_company.items())
    ]
    ledger.adjustments = [
        {"kind": kind, "currency": currency, "amount_minor": amount}
        for (kind, currency), amount in sorted(adjustments.items())
    ]

    runs = {
        f"payout-run:{run_id}": period
        for run_id, period in (
            await session.execute(
                select(PayoutRun.id, PayoutRun.period).where(PayoutRun.commons_id == commons.id)
            )
        ).all()
    }
    share: dict[tuple[str, str], int] = defaultdict(int)
    for (reference, currency), amount in foundation_refs.items():
        share[(runs.get(reference, "?"), currency)] += amount
    ledger.foundation_share = [
        {"period": period, "currency": currency, "amount_minor": amount}
        for (period, currency), amount in sorted(share.items())
    ]

    paid = await session.execute(
        select(PayoutLine.amount_minor, PayoutLine.currency, PayoutRun.period, PayoutAccount.alias)
        .join(PayoutRun, PayoutRun.id == PayoutLine.run_id)
        .outerjoin(PayoutAccount, PayoutAccount.commoner_id == PayoutLine.commoner_id)
        .where(
            PayoutRun.commons_id == commons.id,
            PayoutLine.status == PayoutLineStatus.PAID.value,
        )
    )
    outflows: dict[tuple[str, str, str], int] = defaultdict(int)
    for amount, currency, period, alias in paid.all():
        outflows[(period, alias or "a former commoner", currency)] += amount
    ledger.outflows = [
        {"period": period, "alias": alias, "currency": currency, "amount_minor": amount}
        for (period, alias, currency), amount in sorted(outflows.items())
    ]
    return ledger
