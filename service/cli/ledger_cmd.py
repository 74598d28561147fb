"""``copyfair ledger check``: every journal transaction sums to zero per currency.

Exit codes: 0 the journal balances, 1 it does not (each offending transaction is listed),
2 configuration or database errors.
"""

from __future__ import annotations

import click

from service.cli.db_cmd import load_settings, run_on_database

EXIT_UNBALANCED = 1


@click.group("ledger")
def ledger() -> None:
    """The double-entry ledger of money owed, paid and held for the commons."""


@ledger.command("check")
def check_command() -> None:
    """Check that every transaction of the journal sums to zero per currency."""
    from service.db.engine import open_database
    from service.ledger.store import Imbalance, check

    settings = load_settings()

    async def work() -> tuple[list[Imbalance], int]:
        from sqlalchemy import func, select

        from service.db.models import LedgerTransaction

        async with open_database(settings) as sessions, sessions() as session:
            count = await session.scalar(select(func.count()).select_from(LedgerTransaction))
            return await check(session), int(count or 0)

    problems, count = run_on_database(settings.database_url, work)
    for p in problems:
        if p.currency == "-":
            click.echo(f"{p.reference}: a transaction without entries")
        else:
            click.echo(f"{p.reference}: {p.currency} sums to {p.sum_minor:+d}, not 0")
    if problems:
        click.echo(f"{len(problems)} problem(s) in {count} transaction(s)", err=True)
        raise click.exceptions.Exit(EXIT_UNBALANCED)
    click.echo(f"ok: {count} transaction(s), each sums to zero per currency")
