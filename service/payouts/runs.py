"""Payout runs: share a commons' pool for one period and transfer each part, exactly once.

Two steps, each safe to repeat:

1. :func:`plan_run` (one unit of work) reads the pool from the journal
   (:func:`service.payouts.pool.pool_minor`), scores the contributions of the commons'
   repositories, allocates with the commons' policy, and writes the run, one line per
   commoner and the allocation's journal transaction. A commons has one run per period:
   planning it again returns the run already planned, never a second allocation.
2. :func:`pay_pending` transfers every ``pending`` line of the commons, one unit of work
   per line, through a :class:`~service.transfers.interface.PayoutProvider` with the
   line's idempotency key (``payout-<run>-<commoner>``). A run killed between the
   provider's transfer and our commit sends the same request again when resumed and gets
   the same transfer back: nobody is paid twice. A transfer the provider made (Stripe)
   is settled in the same unit of work (in transit -> out of clearing); one recorded as
   owed (``manual``) stays in transit until the foundation marks it made
   (:func:`service.payouts.settle.mark_payout_made`). :func:`pay_run` does it for one run
   and records how it ended on the run: ``finished``, or ``failed`` with the reason
   (refused transfers, an unexpected error), to start again.

:func:`run_payouts` does both before answering (the CLI); the API and the dashboard plan
before answering and pay in the background (:mod:`service.payouts.run_jobs`).

Contributions are credited to registered commoners through their verified claims (every
claimed email of one commoner counts as one person); an identity nobody claimed yet, or a
commoner without a payout account, is held **unclaimed** and released when the commoner
connects one (:func:`service.payouts.claims.release_unclaimed`). Amounts below the
minimum payout are **carried**: they stay in the pool, set aside for that commoner, and are
added to their share of a later period (:mod:`service.payouts.carry`).
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from licences.allocation import Credit, Measures, decimal_text, fraction_text, score_credits
from licences.money import Money
from licences.period import Period, PeriodError, parse_period
from scanners.contributions import (
    ContributionOptions,
    ContributionReport,
    IdentityRules,
    read_contributions,
)
from scanners.errors import TargetError
from service.db.base import utcnow
from service.db.models import (
    Commons,
    IdentityClaim,
    PayoutAccount,
    PayoutLine,
    PayoutLineStatus,
    PayoutPolicyRecord,
    PayoutRun,
    PayoutRunStatus,
)
from service.db.pagination import Page, fetch_page
from service.ledger.store import post
from service.payouts import entries
from service.payouts.carry import PartStatus, Settled, settle
from service.payouts.policy import PayoutPolicy, parse_payout_policy
from service.payouts.pool import pool_minor, start_of
from service.transfers.interface import PayoutProvider, TransferError, TransferRequest
from service.transfers.manual import ManualProvider

__all__ = [
    "list_runs",
    "MAX_LISTED_CONTRIBUTIONS",
    "PaidLine",
    "PayoutRunError",
    "Planned",
    "RunReport",
    "commons_policy",
    "has_pending",
    "month_period",
    "pay_pending",
    "pay_run",
    "plan_or_find",
    "plan_run",
    "read_history",
    "run_payouts",
    "unexpected_error",
]

MAX_LISTED_CONTRIBUTIONS = 500  # per line, in a statement


class PayoutRunError(ValueError):
    """A run that cannot be planned; the message says what to fix, ``field`` names the
    input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


async def list_runs(
    session: AsyncSession, commons_id: uuid.UUID, *, limit: int, cursor: str | None
) -> Page[PayoutRun]:
    """A page of a commons' payout runs, in the order they were made (raises CursorError)."""
    query = select(PayoutRun).where(PayoutRun.commons_id == commons_id)
    return await fetch_page(session, query, PayoutRun.id, limit=limit, cursor=cursor)


def month_period(text: str) -> tuple[str, Period]:
    """``2026-11`` -> ("2026-11", the month). Runs are monthly."""
    try:
        period = parse_period(text)
    except PeriodError as exc:
        raise PayoutRunError(str(exc), "period") from None
    if period != Period.month(period.start.year, period.start.month):
        raise PayoutRunError(
            f"a payout run covers one month: expected YYYY-MM, found {text!r}", "period"
        )
    return f"{period.start.year:04d}-{period.start.month:02d}", period


async def commons_policy(session: AsyncSession, commons: Commons) -> PayoutPolicy:
    """The commons' stored policy, or the defaults (currency: the reciprocity's)."""
    stored = await session.get(PayoutPolicyRecord, commons.id)
    currency = (commons.reciprocity or {}).get("currency")
    return parse_payout_policy(
        stored.policy if stored is not None else None,
        default_currency=currency if isinstance(currency, str) else None,
    )


def read_history(
    repositories: Sequence[str], period: Period, policy: PayoutPolicy
) -> tuple[ContributionReport, list[dict[str, str]]]:
    """The contributions of the commons' local repositories in ``period`` (all history
    before its end when a half-life is set). A repository that is not a local directory
    is skipped with its reason; none readable is an error."""
    readable: list[str] = []
    skipped: list[dict[str, str]] = []
    for repo in repositories:
        if "://" in repo or not Path(repo).is_dir():
            skipped.append(
                {
                    "repository": repo,
                    "reason": "not a local directory: clone it on the service's machine "
                    "and register its path",
                }
            )
        else:
            readable.append(repo)
    if not readable:
        raise PayoutRunError(
            "none of the commons' repositories is a local git repository that the service "
            "can read: register their paths (repositories of the commons)",
            "repositories",
        )
    options = ContributionOptions(
        since=None if policy.allocation.half_life_days is not None else period.start,
        until=period.stop,
        line_cap=policy.line_cap,
        rules=IdentityRules.of(policy.aliases, policy.bots),
        ref=policy.branch,
        blame=policy.allocation.weights.surviving_lines > 0,
    )
    try:
        report = read_contributions(readable, options)
    except TargetError as exc:
        raise PayoutRunError(str(exc), "repositories") from None
    return report, skipped


@dataclass(frozen=True, slots=True)
class Planned:
    run: PayoutRun
    created: bool  # False: the period's run already existed


def _key_hash(identity: str) -> str:
    return hashlib.sha256(identity.encode()).hexdigest()[:24]


async def _claimed(session: AsyncSession) -> dict[str, uuid.UUID]:
    rows = await session.execute(
        select(IdentityClaim.email, IdentityClaim.commoner_id).where(
            IdentityClaim.verified_at.is_not(None)
        )
    )
    return {email.lower(): commoner for email, commoner in rows}


async def plan_run(
    session: AsyncSession,
    commons: Commons,
    period_text: str,
    policy: PayoutPolicy,
    report: ContributionReport,
    skipped: Sequence[dict[str, str]] = (),
) -> Planned:
    """Write the period's run (see the module docstring); flushes, does not commit."""
    period_key, period = month_period(period_text)
    existing = await session.scalar(
        select(PayoutRun).where(PayoutRun.commons_id == commons.id, PayoutRun.period == period_key)
    )
    if existing is not None:
        return Planned(existing, False)
    commons_key = str(commons.id)
    currency = policy.currency
    pool = await pool_minor(session, commons_key, currency, before=start_of(period.stop))

    claims = await _claimed(session)
    owner_of: dict[str, uuid.UUID] = {}
    for person in report.commoners:
        for email in (person.id, *person.emails):
            if email.lower() in claims:
                owner_of[person.id] = claims[email.lower()]
                break
    key_of = {p.id: str(owner_of[p.id]) if p.id in owner_of else p.id for p in report.commoners}
    identities: dict[str, list[str]] = defaultdict(list)
    names: dict[str, str] = {}
    for person in report.commoners:
        identities[key_of[person.id]].append(person.id)
        names.setdefault(key_of[person.id], person.name)
    credits = [Credit(key_of[c.commoner], c.day, c.measures) for c in report.credits()]
    scores = score_credits(
        credits,
        policy.allocation.weights,
        as_of=period.last,
        half_life_days=policy.allocation.half_life_days,
    )
    accounts = {
        str(a.commoner_id): a
        for a in await session.scalars(
            select(PayoutAccount).where(PayoutAccount.commoner_id.in_(set(owner_of.values())))
        )
    }
    carried_lines = await _outstanding_carries(session, commons, currency, claims)
    settled = settle(
        Money(pool, currency),
        scores,
        policy.allocation,
        payable=set(accounts),
        outstanding={k: sum(line.amount_minor for line in v) for k, v in carried_lines.items()},
    )

    run = PayoutRun(
        commons_id=commons.id,
        period=period_key,
        currency=currency,
        pool_minor=pool,
        status=PayoutRunStatus.RUNNING.value,
        allocation=_allocation_document(settled, policy, period, report, skipped, names),
    )
    session.add(run)
    try:
        await session.flush()
    except IntegrityError:  # planned at the same moment by another process
        await session.rollback()
        raise PayoutRunError(
            f"the payout run of {period_key} for this commons was planned concurrently: "
            "run the command again to resume it"
        ) from None

    measures = _measures(credits)
    listed = _contributions(report, key_of)
    payable: list[tuple[str, int]] = []
    status_of = {
        PartStatus.PAYABLE: PayoutLineStatus.PENDING,
        PartStatus.UNCLAIMED: PayoutLineStatus.UNCLAIMED,
        PartStatus.CARRIED: PayoutLineStatus.CARRIED,
    }
    for part in settled.parts:
        key = part.commoner
        status = status_of[part.status]
        commoner_id = owner_of_key(key)
        account = accounts.get(key)
        line = PayoutLine(
            run_id=run.id,
            commoner_id=commoner_id,
            identity=sorted(identities.get(key, [key]))[0],
            score=decimal_text(part.score),
            measures=measures.get(key, Measures()).to_dict(),
            contributions=listed.get(key, [])[:MAX_LISTED_CONTRIBUTIONS],
            amount_minor=part.amount_minor,
            carried_in_minor=part.carried_in_minor,
            currency=currency,
            status=status.value,
            destination=account.account if status is PayoutLineStatus.PENDING and account else None,
            idempotency_key=f"payout-{run.id}-{commoner_id or _key_hash(key)}",
        )
        session.add(line)
        await session.flush()
        if key in settled.rolled:
            for old in carried_lines[key]:
                old.carried_into = line.id
        if status is PayoutLineStatus.PENDING:
            payable.append((key, part.amount_minor))
    transaction = entries.run_allocated(
        str(run.id),
        commons_key,
        currency,
        foundation_minor=settled.foundation_share_minor,
        payable=payable,
        unclaimed_minor=settled.unclaimed_minor,
    )
    if transaction is not None:
        await post(session, transaction)
    await session.flush()
    return Planned(run, True)


async def _outstanding_carries(
    session: AsyncSession, commons: Commons, currency: str, claims: dict[str, uuid.UUID]
) -> dict[str, list[PayoutLine]]:
    """The carried lines of the commons not yet added to a later line, by today's
    allocation key (a commoner who has claimed the identity since gets them)."""
    rows = await session.scalars(
        select(PayoutLine)
        .join(PayoutRun, PayoutRun.id == PayoutLine.run_id)
        .where(
            PayoutRun.commons_id == commons.id,
            PayoutLine.currency == currency,
            PayoutLine.status == PayoutLineStatus.CARRIED.value,
            PayoutLine.carried_into.is_(None),
        )
        .order_by(PayoutLine.created_at)
    )
    out: dict[str, list[PayoutLine]] = defaultdict(list)
    for line in rows:
        if line.commoner_id is not None:
            key = str(line.commoner_id)
        else:
            owner = claims.get(line.identity.lower())
            key = str(owner) if owner is not None else line.identity
        out[key].append(line)
    return dict(out)


def owner_of_key(key: str) -> uuid.UUID | None:
    """The commoner id of an allocation key (a registered commoner's id), or None for an
    identity nobody claimed (an email)."""
    try:
        return uuid.UUID(key)
    except ValueError:
        return None


def _measures(credits: Sequence[Credit]) -> dict[str, Measures]:
    totals: dict[str, Measures] = defaultdict(Measures)
    for credit in credits:
        totals[credit.commoner] = totals[credit.commoner] + credit.measures
    return dict(totals)


def _contributions(
    report: ContributionReport, key_of: dict[str, str]
) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for contribution in report.contributions:
        keys = {key_of[c] for c in contribution.commoners}
        for key in sorted(keys):
            mine = sum(1 for c in contribution.commoners if key_of[c] == key)
            out[key].append(
                {
                    "commit": contribution.commit,
                    "repository": contribution.repository,
                    "date": contribution.day.isoformat(),
                    "share": fraction_text(Fraction(mine, len(contribution.commoners))),
                    "counted_lines": contribution.counted_lines,
                    "surviving_lines": contribution.surviving_lines,
                }
            )
    return dict(out)


def _allocation_document(
    settled: Settled,
    policy: PayoutPolicy,
    period: Period,
    report: ContributionReport,
    skipped: Sequence[dict[str, str]],
    names: dict[str, str],
) -> dict[str, Any]:
    data: dict[str, Any] = settled.to_dict()
    for key in ("payouts", "carried", "unclaimed"):
        for share in data[key]:
            share["name"] = names.get(share["commoner"], share["commoner"])
    data["period"] = period.to_dict()
    data["policy"] = policy.to_dict()
    data["repositories"] = [r.to_dict() for r in report.repositories]
    data["skipped"] = list(skipped)
    return data


@dataclass(frozen=True, slots=True)
class PaidLine:
    line_id: str
    run_id: str
    commoner_id: str | None
    amount_minor: int
    currency: str
    external_id: str


@dataclass(slots=True)
class RunReport:
    """What a call of :func:`run_payouts` did."""

    run_id: str
    commons_id: str
    period: str
    created: bool
    allocation: dict[str, Any]
    paid: list[PaidLine] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)
    status: str = PayoutRunStatus.RUNNING.value

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "commons_id": self.commons_id,
            "period": self.period,
            "resumed": not self.created,
            "status": self.status,
            "pool_minor": self.allocation["pool_minor"],
            "currency": self.allocation["currency"],
            "foundation_share_minor": self.allocation["foundation_share_minor"],
            "carried_minor": self.allocation["carried_minor"],
            "unclaimed_minor": self.allocation["unclaimed_minor"],
            "payouts": self.allocation["payouts"],
            "paid_now": [
                {
                    "line_id": p.line_id,
                    "run_id": p.run_id,
                    "commoner_id": p.commoner_id,
                    "amount_minor": p.amount_minor,
                    "currency": p.currency,
                    "transfer": p.external_id,
                }
                for p in self.paid
            ],
            "failed": self.failed,
        }


async def pay_pending(
    sessions: async_sessionmaker[AsyncSession],
    provider: PayoutProvider,
    commons_id: uuid.UUID,
) -> tuple[list[PaidLine], list[dict[str, str]]]:
    """Transfer every pending line of the commons (every run, oldest first), committing
    each line on its own. A refused transfer leaves its line pending and is reported."""
    async with sessions() as session:
        ids = list(
            await session.scalars(
                select(PayoutLine.id)
                .join(PayoutRun, PayoutRun.id == PayoutLine.run_id)
                .where(
                    PayoutRun.commons_id == commons_id,
                    PayoutLine.status == PayoutLineStatus.PENDING.value,
                )
                .order_by(PayoutRun.created_at, PayoutLine.id)
            )
        )
    paid: list[PaidLine] = []
    failed: list[dict[str, str]] = []
    for line_id in ids:
        async with sessions() as session:
            line = await session.get(PayoutLine, line_id, with_for_update=True)
            if line is None or line.status != PayoutLineStatus.PENDING.value:
                continue
            if line.commoner_id is None or not line.destination:
                continue
            request = TransferRequest(
                destination=line.destination,
                amount_minor=line.amount_minor,
                currency=line.currency,
                idempotency_key=line.idempotency_key,
                transfer_group=f"payout-run-{line.run_id}",
                description=f"copyfair payout {line.idempotency_key}",
                metadata={"payout_line": str(line.id), "commons": str(commons_id)},
            )
            try:
                transfer = await asyncio.to_thread(provider.transfer, request)
            except TransferError as exc:
                failed.append({"line_id": str(line.id), "error": str(exc)})
                await session.rollback()
                continue
            line.status = PayoutLineStatus.PAID.value
            line.external_id = transfer.external_id
            line.paid_at = utcnow()
            await post(
                session,
                entries.line_paid(
                    line.idempotency_key,
                    str(commons_id),
                    str(line.commoner_id),
                    line.currency,
                    line.amount_minor,
                ),
            )
            if provider.kind != ManualProvider.kind:  # the provider made it: settled
                await post(
                    session,
                    entries.line_settled(
                        line.idempotency_key, str(commons_id), line.currency, line.amount_minor
                    ),
                )
            await session.commit()
            paid.append(
                PaidLine(
                    str(line.id),
                    str(line.run_id),
                    str(line.commoner_id),
                    line.amount_minor,
                    line.currency,
                    transfer.external_id,
                )
            )
    await _finish_runs(sessions, commons_id)
    return paid, failed


async def _finish_runs(sessions: async_sessionmaker[AsyncSession], commons_id: uuid.UUID) -> None:
    async with sessions() as session:
        runs = await session.scalars(
            select(PayoutRun).where(
                PayoutRun.commons_id == commons_id,
                PayoutRun.status == PayoutRunStatus.RUNNING.value,
            )
        )
        for run in runs:
            if not await _has_pending(session, run_id=run.id):
                run.status = PayoutRunStatus.FINISHED.value
                run.error = None
                run.finished_at = utcnow()
        await session.commit()


async def _has_pending(
    session: AsyncSession, *, run_id: uuid.UUID | None = None, commons_id: uuid.UUID | None = None
) -> bool:
    """Whether a line of the run (or of any run of the commons) waits for its transfer."""
    query = select(PayoutLine.id).where(PayoutLine.status == PayoutLineStatus.PENDING.value)
    if run_id is not None:
        query = query.where(PayoutLine.run_id == run_id)
    if commons_id is not None:
        query = query.join(PayoutRun, PayoutRun.id == PayoutLine.run_id).where(
            PayoutRun.commons_id == commons_id
        )
    return await session.scalar(query.limit(1)) is not None


async def has_pending(session: AsyncSession, commons_id: uuid.UUID) -> bool:
    """Whether a line of any run of the commons waits for its transfer (what paying would
    do)."""
    return await _has_pending(session, commons_id=commons_id)


async def plan_or_find(
    sessions: async_sessionmaker[AsyncSession], commons: Commons, period_text: str
) -> Planned:
    """The period's run, planned now (contributions read, lines written, committed) or found
    as planned before. Every error that stops a run before any transfer is raised here:
    :class:`PayoutRunError` (period, repositories), :class:`PolicyError` (the policy)."""
    period_key, period = month_period(period_text)
    async with sessions() as session:
        policy = await commons_policy(session, commons)
        existing = await session.scalar(
            select(PayoutRun).where(
                PayoutRun.commons_id == commons.id, PayoutRun.period == period_key
            )
        )
        if existing is None:
            report, skipped = await asyncio.to_thread(
                read_history, list(commons.repositories), period, policy
            )
            planned = await plan_run(session, commons, period_key, policy, report, skipped)
        else:
            planned = Planned(existing, False)
        await session.commit()
    return planned


def unexpected_error(exc: Exception) -> str:
    """What a run records of an error nobody foresaw (the details go to the log)."""
    return (
        f"unexpected error ({type(exc).__name__}): it has been logged; start the run again, "
        "it resumes where it stopped and pays nobody twice"
    )


def _refused_text(failed: Sequence[dict[str, str]]) -> str:
    first = failed[0]["error"]
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return (
        f"{len(failed)} transfer(s) refused: {first}{more}. The lines stay pending: fix the "
        "payout account(s), then start the run again; it pays only what is left"
    )


async def _record(
    sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, error: str
) -> None:
    """Mark the run failed with ``error``, unless it finished meanwhile."""
    async with sessions() as session:
        run = await session.get(PayoutRun, run_id)
        if run is None or run.status == PayoutRunStatus.FINISHED.value:
            return
        run.status = PayoutRunStatus.FAILED.value
        run.error = error
        await session.commit()


async def pay_run(
    sessions: async_sessionmaker[AsyncSession], provider: PayoutProvider, run_id: uuid.UUID
) -> tuple[list[PaidLine], list[dict[str, str]]]:
    """Pay every pending line of the run's commons (:func:`pay_pending`) and record how it
    ended on the run: ``finished`` when none of its lines is left pending, else ``failed``
    with the refused transfers in ``error``. An unexpected error is recorded too, then
    raised again; a process killed meanwhile leaves the run ``running`` (resumable)."""
    async with sessions() as session:
        run = await session.get(PayoutRun, run_id)
        if run is None:
            raise PayoutRunError(f"no payout run {run_id}", "run_id")
        commons_id = run.commons_id
        if run.status != PayoutRunStatus.FINISHED.value or await has_pending(session, commons_id):
            run.status = PayoutRunStatus.RUNNING.value
            run.started_at = utcnow()
            run.error = None
        await session.commit()
    try:
        paid, failed = await pay_pending(sessions, provider, commons_id)
    except Exception as exc:
        await _record(sessions, run_id, unexpected_error(exc))
        raise
    if failed:
        await _record(sessions, run_id, _refused_text(failed))
    return paid, failed


async def run_payouts(
    sessions: async_sessionmaker[AsyncSession],
    provider: PayoutProvider,
    commons: Commons,
    period_text: str,
) -> RunReport:
    """Plan the period's run (or find it) and pay every pending line of the commons, before
    answering (the CLI; the API and the dashboard pay in the background with
    :mod:`service.payouts.run_jobs`)."""
    planned = await plan_or_find(sessions, commons, period_text)
    run_id, allocation = planned.run.id, dict(planned.run.allocation)
    paid, failed = await pay_run(sessions, provider, run_id)
    async with sessions() as session:
        run = await session.get(PayoutRun, run_id)
        assert run is not None
        status = run.status
    return RunReport(
        run_id=str(run_id),
        commons_id=str(commons.id),
        period=planned.run.period,
        created=planned.created,
        allocation=allocation,
        paid=paid,
        failed=failed,
        status=status,
    )
