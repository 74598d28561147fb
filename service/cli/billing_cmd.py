"""``copyfair billing ...``: record payments by hand (manual gateway) and reconcile.

- ``copyfair billing mark-paid INVOICE_ID`` or ``--all --period 2026-11``: the payment is
  recorded, its obligations become ``paid`` and the money moves to the commons' pools (once:
  marking a paid invoice again changes nothing).
- ``copyfair billing reconcile``: the ledger and invoices against the gateway; every
  difference is listed, exit 1 when there is one.
- ``copyfair billing run --period P --obligations FILE.json``: bill owed obligations given
  as a JSON list of ``{id, company_id, commons_id, amount_minor, currency, period}`` (until
  obligations are read from the database).

Exit codes: 0 success, 1 differences found, 2 usage, configuration or database errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.db_cmd import fail, load_settings, run_on_database

if TYPE_CHECKING:
    from service.billing.interface import BillingGateway

EXIT_DIFFERENCES = 1


def _gateway() -> BillingGateway:
    from service.billing.config import billing_config_from_env, make_gateway
    from service.billing.interface import BillingError

    try:
        return make_gateway(billing_config_from_env())
    except BillingError as exc:
        fail(str(exc))


@click.group("billing")
def billing() -> None:
    """Invoices for what companies owe the commons, and their payments."""


@billing.command("mark-paid")
@click.argument("invoice_id", required=False)
@click.option("--all", "all_", is_flag=True, help="Every unpaid invoice of --period.")
@click.option("--period", help="The period (YYYY-MM) for --all.")
@click.option(
    "--fee",
    "fee_minor",
    type=int,
    default=0,
    show_default=True,
    help="Fee withheld, in minor units (split over the commons).",
)
def mark_paid_command(
    invoice_id: str | None, all_: bool, period: str | None, fee_minor: int
) -> None:
    """Record the payment of INVOICE_ID (or of --all invoices of --period)."""
    if all_ == (invoice_id is not None):
        fail("give an INVOICE_ID, or --all with --period")
    if all_ and not period:
        fail("--all needs --period YYYY-MM")
    from sqlalchemy import select

    from service.billing.payments import InvoiceNotFoundError, find_invoice, record_payment
    from service.db.engine import open_database
    from service.db.models import Invoice, InvoiceStatus

    settings = load_settings()

    async def work() -> list[tuple[str, bool]]:
        done: list[tuple[str, bool]] = []
        async with open_database(settings) as sessions, sessions() as session:
            if invoice_id is not None:
                invoices = [await find_invoice(session, invoice_id)]
            else:
                invoices = list(
                    await session.scalars(
                        select(Invoice).where(
                            Invoice.period == period,
                            Invoice.status.in_(
                                [InvoiceStatus.OPEN.value, InvoiceStatus.DUNNING.value]
                            ),
                        )
                    )
                )
            for invoice in invoices:
                done.append((str(invoice.id), await record_payment(session, invoice, fee_minor)))
            await session.commit()
        return done

    try:
        results = run_on_database(settings.database_url, work)
    except InvoiceNotFoundError as exc:
        fail(str(exc))
    for iid, changed in results:
        click.echo(f"{iid}: {'paid' if changed else 'already paid'}")
    if not results:
        click.echo("no unpaid invoice")


@billing.command("reconcile")
def reconcile_command() -> None:
    """Compare the ledger and invoices with the gateway; list every difference."""
    from service.billing.reconcile import Difference, reconcile
    from service.db.engine import open_database

    settings = load_settings()
    gateway = _gateway()

    async def work() -> list[Difference]:
        async with open_database(settings) as sessions, sessions() as session:
            return await reconcile(session, gateway)

    differences = run_on_database(settings.database_url, work)
    for d in differences:
        click.echo(f"{d.invoice_id}: {d.what}: ours {d.ours}, theirs {d.theirs}")
    if differences:
        raise click.exceptions.Exit(EXIT_DIFFERENCES)
    click.echo("ok: the ledger, the invoices and the gateway agree")


@billing.command("run")
@click.option("--period", required=True, help="The period to bill, YYYY-MM.")
@click.option(
    "--obligations",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="JSON list of owed obligations.",
)
def run_command(period: str, source: Path) -> None:
    """Bill the owed obligations of PERIOD: one invoice per company and currency. Safe to
    run again: it never bills twice and resumes a run that stopped."""
    from service.billing.interface import BillingError
    from service.billing.runs import OwedObligation, RunReport, run_billing
    from service.db.engine import open_database

    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
        obligations = [OwedObligation(**item) for item in raw]
    except (ValueError, TypeError, BillingError) as exc:
        fail(f"{source}: not a JSON list of obligations ({exc})")
    settings = load_settings()
    gateway = _gateway()

    async def work() -> RunReport:
        async with open_database(settings) as sessions:
            return await run_billing(sessions, gateway, obligations, period)

    try:
        report = run_on_database(settings.database_url, work)
    except BillingError as exc:
        fail(str(exc))
    click.echo(
        f"{period}: {report.invoices_created} invoice(s) created, {report.lines_added} "
        f"line(s) added, {report.already_billed} already billed, "
        f"{report.invoices_issued} issued"
    )
