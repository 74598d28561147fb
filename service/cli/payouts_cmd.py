"""``copyfair payouts preview``: how a period's pool would be shared, without paying.

Thin: read the contributions (:func:`scanners.contributions.read_contributions`), score and
allocate them (:mod:`licences.allocation`), print the result. Exit codes: 0 success, 2
usage or input error. ``--commons ID`` (the pool read from a foundation's ledger) needs the
copyfair service, which does not exist yet: until then a preview is local, from
``--repo PATH`` and ``--pool AMOUNT``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, NoReturn

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

    if commons_id is not None:
        _fail(
            "--commons needs the copyfair service (a foundation's ledger), "
            "which is not available yet",
            "preview locally with --repo PATH --pool AMOUNT",
        )
    if not repos:
        _fail("give at least one --repo PATH")
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
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        click.echo("\n".join(_text(data)))
