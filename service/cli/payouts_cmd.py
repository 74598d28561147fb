"""``copyfair payouts preview``: how a period's pool would be shared, without paying.

Thin: read the contributions (:func:`scanners.contributions.read_contributions`), score and
allocate them (:mod:`licences.allocation`), print the result. Exit codes: 0 success, 2
usage or input error.

A preview is local (``--repo PATH --pool AMOUNT`` and the options), or of a commons
registered with the service (``--commons ID``: the pool read from the ledger, the
repositories and the payout policy of the commons, on ``COPYFAIR_DATABASE_URL``).
``copyfair payouts run --commons ID --period YYYY-MM`` pays (:mod:`service.payouts.runs`).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from licences.allocation import (
    Allocation,
    AllocationError,
    Method,
    Policy,
    Weights,
    allocate,
    decimal_text,
    score_credits,
)
from licences.money import Money, MoneyError, format_minor, to_decimal, to_minor
from licences.period import Period, PeriodError, parse_period

if TYPE_CHECKING:
    from service.payouts.policy import PayoutPolicy

EXIT_INPUT_ERROR = 2
PREVIEW_VERSION = 1  # of the JSON document

_WEIGHT_KEYS = {
    "commits": "commits",
    "lines": "changed_lines",
    "changed_lines": "changed_lines",
    "surviving": "surviving_lines",
    "surviving_lines": "surviving_lines",
}


def _fail(message: str, tip: str | None = None) -> NoReturn:
    click.echo(f"Error: {message}", err=True)
    if tip:
        click.echo(f"Tip: {tip}", err=True)
    raise click.exceptions.Exit(EXIT_INPUT_ERROR)


def parse_weights(text: str) -> Weights:
    """``commits=1,lines=0.01,surviving=0.001`` -> Weights (unnamed measures keep their
    default)."""
    values: dict[str, Decimal] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, raw = item.partition("=")
        name = _WEIGHT_KEYS.get(key.strip().lower())
        if not sep or name is None:
            raise ValueError(
                f"{item!r}: expected MEASURE=NUMBER with MEASURE one of commits, lines, surviving"
            )
        try:
            values[name] = to_decimal(raw.strip())
        except MoneyError as exc:
            raise ValueError(f"{item!r}: {exc}") from None
    return Weights(**values)


def parse_aliases(items: Sequence[str]) -> dict[str, str]:
    """``old@example.org=new@example.org`` (repeatable) -> {alias: canonical}."""
    aliases: dict[str, str] = {}
    for item in items:
        alias, sep, canonical = item.partition("=")
        if not sep or not alias.strip() or not canonical.strip():
            raise ValueError(f"{item!r}: expected ALIAS_EMAIL=CANONICAL_EMAIL")
        aliases[alias.strip()] = canonical.strip()
    return aliases


def _decimal_option(value: str | None, what: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return to_decimal(value)
    except MoneyError as exc:
        _fail(f"{what}: {exc}")


def preview_document(
    allocation: Allocation,
    *,
    period: Period,
    policy: Policy,
    names: Mapping[str, str],
    repositories: list[dict[str, object]],
    commoners: list[dict[str, object]],
    contributions: list[dict[str, object]] | None,
) -> dict[str, Any]:
    data: dict[str, Any] = {"version": PREVIEW_VERSION, "preview": True}
    data.update(allocation.to_dict())
    for key in ("payouts", "carried", "unclaimed"):
        for share in data[key]:
            share["name"] = names.get(share["commoner"], share["commoner"])
    data["period"] = period.to_dict()
    data["policy"] = policy.to_dict()
    data["repositories"] = repositories
    data["commoners"] = commoners
    if contributions is not None:
        data["contributions"] = contributions
    return data


def _text(data: dict[str, Any]) -> list[str]:
    currency = str(data["currency"])

    def money(minor: int) -> str:
        return format_minor(minor, currency)

    period = data["period"]
    lines = [f"Payout preview for {period['start']} to {period['end']} (nothing is paid)"]
    for repo in data["repositories"]:
        lines.append(
            f"  {repo['path']}: {repo['ref']} ({repo['ref_source']}), "
            f"{repo['commits_counted']} commit(s) counted, {repo['bot_commits']} by bots"
        )
    policy = data["policy"]
    lines += [
        "",
        f"Pool                   {money(data['pool_minor'])}",
        f"Foundation share       {money(data['foundation_share_minor'])}"
        f" ({policy['foundation_share_percent']} %)",
        f"Payouts                {money(data['payouts_minor'])}"
        f" to {len(data['payouts'])} commoner(s)",
        f"Carried over           {money(data['carried_minor'])}",
        f"Unclaimed              {money(data['unclaimed_minor'])}",
        "",
    ]
    rows = [("COMMONER", "NAME", "SCORE", "AMOUNT")]
    for share in data["payouts"]:
        rows.append(
            (share["commoner"], share["name"], share["score"], money(share["amount_minor"]))
        )
    for share in data["carried"]:
        rows.append(
            (
                share["commoner"],
                share["name"],
                share["score"],
                money(share["amount_minor"]) + " (carried: below the minimum payout)",
            )
        )
    if len(rows) == 1:
        lines.append("No payout: no contribution in the period.")
        return lines
    widths = [max(len(str(r[i])) for r in rows) for i in range(3)]
    for row in rows:
        lines.append("  ".join(str(row[i]).ljust(widths[i]) for i in range(3)) + "  " + row[3])
    return lines


@dataclass(frozen=True, slots=True)
class CommonsInputs:
    """What a preview of a registered commons reads from the service's database."""

    repositories: list[str]
    skipped: list[dict[str, str]]
    pool_minor: int
    policy: PayoutPolicy


def _commons_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        _fail(f"--commons {value!r} is not a commons id (a UUID such as 0190c6e0-...)")


def _commons_inputs(commons_id: str, period: Period) -> CommonsInputs:
    from service.cli.db_cmd import load_settings, run_on_database
    from service.db.engine import open_database
    from service.db.models import Commons
    from service.payouts.policy import PolicyError
    from service.payouts.pool import pool_minor, start_of
    from service.payouts.runs import commons_policy

    key = _commons_id(commons_id)
    settings = load_settings()

    async def work() -> tuple[Commons | None, PayoutPolicy | None, int]:
        async with open_database(settings) as sessions, sessions() as session:
            commons = await session.get(Commons, key)
            if commons is None:
                return None, None, 0
            policy = await commons_policy(session, commons)
            pool = await pool_minor(
                session, str(key), policy.currency, before=start_of(period.stop)
            )
            return commons, policy, pool

    try:
        commons, policy, pool = run_on_database(settings.database_url, work)
    except PolicyError as exc:
        _fail(f"the payout policy of commons {commons_id} is invalid: {exc}")
    if commons is None or policy is None:
        _fail(f"no commons {commons_id} in the service's database (COPYFAIR_DATABASE_URL)")
    readable = [r for r in commons.repositories if "://" not in r and Path(r).is_dir()]
    skipped = [
        {"repository": r, "reason": "not a local directory"}
        for r in commons.repositories
        if r not in readable
    ]
    return CommonsInputs(readable, skipped, pool, policy)


@click.group()
def payouts() -> None:
    """Share what a commons collected among its commoners."""


@payouts.command("preview")
@click.option(
    "--repo",
    "repos",
    multiple=True,
    type=click.Path(exists=True, file_okay=False),
    help="A git repository of the commons (repeatable).",
)
@click.option("--commons", "commons_id", help="A commons registered with the service.")
@click.option("--pool", "pool_text", metavar="AMOUNT", help="The pool, in major units (12.50).")
@click.option("--currency", default="EUR", show_default=True, help="ISO 4217 currency.")
@click.option(
    "--period", "period_text", required=True, help="YYYY, YYYY-MM or START:END (inclusive)."
)
@click.option(
    "--foundation-share",
    default="0",
    show_default=True,
    metavar="PERCENT",
    help="The foundation's infrastructure share, taken first.",
)
@click.option(
    "--method",
    type=click.Choice([m.value for m in Method]),
    default=Method.PROPORTIONAL.value,
    show_default=True,
    help="Weight by score, or by its square root (quadratic).",
)
@click.option("--cap-percent", metavar="PERCENT", help="Per-person cap, % of what is shared.")
@click.option(
    "--min-payout", metavar="AMOUNT", help="Amounts below this are carried over (major units)."
)
@click.option(
    "--half-life",
    metavar="DAYS",
    help="Count older contributions too, halved every DAYS before the period's end.",
)
@click.option(
    "--weights",
    "weights_text",
    default="commits=1,lines=0.01,surviving=0",
    show_default=True,
    help="Weight of each measure in a score.",
)
@click.option(
    "--line-cap",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Changed lines counted per commit at most.",
)
@click.option(
    "--blame",
    is_flag=True,
    help="Measure the lines surviving in the current tree (on when its weight is > 0).",
)
@click.option("--branch", help="Read this branch instead of the default branch.")
@click.option("--alias", "aliases", multiple=True, metavar="ALIAS=EMAIL", help="Merge an identity.")
@click.option("--bot", "bots", multiple=True, metavar="PATTERN", help="Exclude more bots.")
@click.option("--with-contributions", is_flag=True, help="List every contribution (JSON output).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def preview(
    repos: tuple[str, ...],
    commons_id: str | None,
    pool_text: str | None,
    currency: str,
    period_text: str,
    foundation_share: str,
    method: str,
    cap_percent: str | None,
    min_payout: str | None,
    half_life: str | None,
    weights_text: str,
    line_cap: int,
    blame: bool,
    branch: str | None,
    aliases: tuple[str, ...],
    bots: tuple[str, ...],
    with_contributions: bool,
    as_json: bool,
) -> None:
    """Print how the pool of a period would be shared, without paying anyone."""
    from scanners.contributions import ContributionOptions, IdentityRules, read_contributions
    from scanners.errors import TargetError

    skipped: list[dict[str, str]] = []
    if commons_id is not None:
        if repos or pool_text is not None:
            _fail("--commons reads the repositories and the pool itself: drop --repo and --pool")
        try:
            period = parse_period(period_text)
        except PeriodError as exc:
            _fail(str(exc))
        found = _commons_inputs(commons_id, period)
        repos = tuple(found.repositories)
        skipped = found.skipped
        pool = Money(found.pool_minor, found.policy.currency)
        policy = found.policy.allocation
        line_cap = found.policy.line_cap
        branch = found.policy.branch or branch
        try:
            extra = parse_aliases(aliases)
        except ValueError as exc:
            _fail(str(exc))
        rules = IdentityRules.of({**found.policy.aliases, **extra}, found.policy.bots + bots)
        if not repos:
            _fail(
                "none of the commons' repositories is a local directory: register their "
                "paths with the commons"
            )
    else:
        if not repos:
            _fail("give at least one --repo PATH (or --commons ID)")
        if pool_text is None:
            _fail("--pool AMOUNT is required with --repo")
        currency = currency.strip().upper()
        try:
            period = parse_period(period_text)
            pool = Money(to_minor(pool_text, currency), currency)
            min_minor = 0 if min_payout is None else to_minor(min_payout, currency)
            policy = Policy(
                foundation_share=to_decimal(foundation_share),
                method=Method(method),
                cap_percent=_decimal_option(cap_percent, "--cap-percent"),
                min_payout_minor=min_minor,
                half_life_days=_decimal_option(half_life, "--half-life"),
                weights=parse_weights(weights_text),
            )
            rules = IdentityRules.of(parse_aliases(aliases), bots)
        except (PeriodError, MoneyError, AllocationError, ValueError) as exc:
            _fail(str(exc))
    as_of: date = period.last
    options = ContributionOptions(
        since=None if policy.half_life_days is not None else period.start,
        until=period.stop,
        line_cap=line_cap,
        rules=rules,
        ref=branch,
        blame=blame or policy.weights.surviving_lines > 0,
    )
    try:
        report = read_contributions(list(repos), options)
    except TargetError as exc:
        _fail(str(exc))
    scores = score_credits(
        report.credits(), policy.weights, as_of=as_of, half_life_days=policy.half_life_days
    )
    allocation = allocate(pool, scores, policy)
    names = {c.id: c.name for c in report.commoners}
    totals = report.totals()
    counts: dict[str, int] = {}
    for contribution in report.contributions:
        for commoner in contribution.commoners:
            counts[commoner] = counts.get(commoner, 0) + 1
    commoners = [
        {
            **c.to_dict(),
            "score": decimal_text(scores.get(c.id, Decimal(0))),
            "contributions": counts.get(c.id, 0),
            "measures": totals[c.id].to_dict(),
        }
        for c in report.commoners
    ]
    data = preview_document(
        allocation,
        period=period,
        policy=policy,
        names=names,
        repositories=[r.to_dict() for r in report.repositories],
        commoners=commoners,
        contributions=[c.to_dict() for c in report.contributions] if with_contributions else None,
    )
    if commons_id is not None:
        data["commons_id"] = commons_id
        data["skipped"] = skipped
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo("\n".join(_text(data)))


@payouts.command("run")
@click.option(
    "--commons", "commons_id", required=True, help="A commons registered with the service."
)
@click.option("--period", "period_text", required=True, help="The month to pay out, YYYY-MM.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def run(commons_id: str, period_text: str, as_json: bool) -> None:
    """Pay out a month's pool of a commons (once: run again to resume a run that stopped).

    The transfers go through COPYFAIR_PAYOUT_PROVIDER (manual by default: listed for the
    foundation to make by hand, then marked made with copyfair payouts mark-made). Refused
    when COPYFAIR_FOUNDATION_TRANSFERS is manual or stripe (the pools go to the
    foundations). Exit 1 when a transfer was refused (its line stays pending; run again
    once fixed)."""
    from service.cli.db_cmd import load_settings, run_on_database
    from service.db.engine import open_database
    from service.db.models import Commons
    from service.payouts.policy import PolicyError
    from service.payouts.providers import provider_from_env
    from service.payouts.runs import PayoutRunError, RunReport, run_payouts
    from service.payouts.settle import payouts_refusal
    from service.transfers.config import transfers_config_from_env
    from service.transfers.interface import TransferError

    key = _commons_id(commons_id)
    try:
        refusal = payouts_refusal(transfers_config_from_env().mode)
        provider = provider_from_env()
    except TransferError as exc:
        _fail(str(exc))
    if refusal is not None:
        _fail(refusal, "run copyfair payouts run on the foundation's own deployment")
    settings = load_settings()

    async def work() -> RunReport | None:
        async with open_database(settings) as sessions:
            async with sessions() as session:
                commons = await session.get(Commons, key)
            if commons is None:
                return None
            return await run_payouts(sessions, provider, commons, period_text)

    try:
        report = run_on_database(settings.database_url, work)
    except (PayoutRunError, PolicyError) as exc:
        _fail(str(exc))
    if report is None:
        _fail(f"no commons {commons_id} in the service's database (COPYFAIR_DATABASE_URL)")
    data = report.to_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo("\n".join(_run_text(data)))
    if report.failed:
        raise click.exceptions.Exit(1)


@payouts.command("mark-made")
@click.argument("line_id")
@click.option(
    "--reference", required=True, help="The transfer's reference (e.g. the bank's), kept."
)
def mark_made_command(line_id: str, reference: str) -> None:
    """Record that the payout of LINE_ID (made by hand: manual provider) was made: the
    money leaves the processor balance, nothing is in transit any more."""
    from service.cli.db_cmd import load_settings, run_on_database
    from service.db.engine import open_database
    from service.payouts.settle import PayoutSettleError, mark_payout_made

    try:
        key = uuid.UUID(line_id)
    except ValueError:
        _fail(f"{line_id!r} is not a payout line id (a UUID; see the line_id of payouts run)")
    settings = load_settings()

    async def work() -> bool:
        async with open_database(settings) as sessions, sessions() as session:
            done = await mark_payout_made(session, key, reference)
            await session.commit()
            return done

    try:
        done = run_on_database(settings.database_url, work)
    except PayoutSettleError as exc:
        _fail(str(exc))
    click.echo(f"{key}: {'made' if done else 'already made'}")


def _run_text(data: dict[str, Any]) -> list[str]:
    currency = str(data["currency"])

    def money(minor: int) -> str:
        return format_minor(minor, currency)

    verb = "resumed" if data["resumed"] else "planned"
    lines = [
        f"Payout run {data['run_id']} for {data['period']} ({verb}, {data['status']})",
        f"Pool                   {money(data['pool_minor'])}",
        f"Foundation share       {money(data['foundation_share_minor'])}",
        f"Carried over           {money(data['carried_minor'])}",
        f"Unclaimed (held)       {money(data['unclaimed_minor'])}",
        f"Transfers made now     {len(data['paid_now'])}",
    ]
    names = {share["commoner"]: share.get("name", share["commoner"]) for share in data["payouts"]}
    for paid in data["paid_now"]:
        who = names.get(paid["commoner_id"], paid["commoner_id"])
        lines.append(
            f"  {who}  {money(paid['amount_minor'])}  {paid['transfer']}  (line {paid['line_id']})"
        )
    for failed in data["failed"]:
        lines.append(f"  refused: line {failed['line_id']}: {failed['error']}")
    return lines
