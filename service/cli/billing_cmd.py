"""``copyfair billing ...``: record payments by hand (manual gateway) and reconcile.

- ``copyfair billing mark-paid INVOICE_ID`` or ``--all --period 2026-11``: the payment is
  recorded, its obligations become ``paid`` and the money moves to the commons' pools (once:
  marking a paid invoice again changes nothing).
- ``copyfair billing reconcile``: the ledger and invoices against the gateway; every
  difference is listed, exit 1 when there is one.
- ``copyfair billing run --period P``: bill the period's owed reciprocity payments stored
  in the database (``--foundation ORG_ID``: only that foundation's commons); their
  obligations become ``invoiced``. ``--source FILE.json`` bills a JSON list of
  ``{id, company_id, commons_id, amount_minor, currency, period[, foundation_id]}`` instead
  (offline input).

- ``copyfair billing transfer [--invoice ID]``: when the operator is not the foundation
  (``COPYFAIR_FOUNDATION_TRANSFERS=manual|stripe``), each paid invoice's net amount per
  commons goes to its foundation's connected account, exactly once (also done after
  ``run`` and ``mark-paid``). Exit 1 when a transfer failed or an amount is held.

Exit codes: 0 success, 1 differences found (or transfers held or failed), 2 usage,
configuration or database errors.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from service.cli.db_cmd import fail, load_settings, run_on_database

if TYPE_CHECKING:
    from service.billing.interface import BillingGateway
    from service.billing.obligations import OwedObligation
    from service.transfers.foundation import TransfersReport
    from service.transfers.interface import PayoutProvider

EXIT_DIFFERENCES = 1


def _gateway() -> BillingGateway:
    from service.billing.config import billing_config_from_env, make_gateway
    from service.billing.interface import BillingError

    try:
        return make_gateway(billing_config_from_env())
    except BillingError as exc:
        fail(str(exc))


def _provider() -> PayoutProvider | None:
    from service.transfers.config import make_provider, transfers_config_from_env
    from service.transfers.interface import TransferError

    try:
        return make_provider(transfers_config_from_env())
    except TransferError as exc:
        fail(str(exc))


def _transfer(provider: PayoutProvider, invoice_id: str | None = None) -> TransfersReport:
    """Plan and send the foundations' transfers; prints what happened."""
    import uuid

    from service.db.engine import open_database
    from service.transfers.foundation import transfer_foundation_funds

    key = None
    if invoice_id is not None:
        try:
            key = uuid.UUID(invoice_id)
        except ValueError:
            fail(f"{invoice_id!r} is not an invoice id (a UUID)")
    settings = load_settings()

    async def work() -> TransfersReport:
        async with open_database(settings) as sessions:
            return await transfer_foundation_funds(sessions, provider, key)

    report = run_on_database(settings.database_url, work)
    click.echo(
        f"transfers to foundations ({provider.kind}): {report.planned} planned, "
        f"{report.sent} sent, {report.manual} to make by hand, {len(report.held)} held, "
        f"{len(report.failed)} failed; reversals after refunds: {report.reversed} made, "
        f"{report.reversals_manual} owed back by hand"
    )
    for held in report.held:
        click.echo(f"  held: invoice {held.invoice_id}, commons {held.commons_id}: {held.reason}")
    for failure in report.failed:
        click.echo(f"  failed: {failure}")
    return report


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
    provider = _provider()

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
    if provider is not None and results:
        _transfer(provider)


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


def _read_source(source: Path) -> list[OwedObligation]:
    from service.billing.interface import BillingError
    from service.billing.runs import OwedObligation

    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
        if not isinstance(raw, list):
            raise TypeError("expected a JSON list")
        return [OwedObligation(**item) for item in raw]
    except (ValueError, TypeError, BillingError) as exc:
        fail(
            f"{source}: not a JSON list of obligations ({exc}); each item needs id, "
            "company_id, commons_id, amount_minor, currency, period (foundation_id optional)"
        )


@billing.command("run")
@click.option("--period", required=True, help="The period to bill, YYYY-MM.")
@click.option(
    "--source",
    "--obligations",
    "source",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Bill a JSON list of owed obligations instead of the database's (offline input).",
)
@click.option(
    "--foundation",
    "foundation",
    default=None,
    help="Only the obligations of this foundation's commons (an organisation id).",
)
def run_command(period: str, source: Path | None, foundation: str | None) -> None:
    """Bill the owed obligations of PERIOD: one invoice per company, currency and
    foundation. Safe to run again: it never bills twice and resumes a run that stopped."""
    import uuid

    from service.billing.interface import BillingError
    from service.billing.runs import RunReport, check_period, run_billing, run_period
    from service.db.engine import open_database

    try:
        check_period(period)
    except BillingError as exc:
        fail(str(exc))
    if source is not None and foundation is not None:
        fail("--foundation selects stored obligations: it does not go with --source")
    foundation_id = None
    if foundation is not None:
        try:
            foundation_id = uuid.UUID(foundation)
        except ValueError:
            fail(f"--foundation {foundation!r} is not an organisation id (a UUID)")
    obligations = _read_source(source) if source is not None else None
    settings = load_settings()
    gateway = _gateway()
    provider = _provider()

    async def work() -> RunReport:
        async with open_database(settings) as sessions:
            if obligations is not None:
                return await run_billing(sessions, gateway, obligations, period)
            return await run_period(sessions, gateway, period, foundation_id)

    try:
        report = run_on_database(settings.database_url, work)
    except BillingError as exc:
        fail(str(exc))
    click.echo(
        f"{period}: {report.invoices_created} invoice(s) created, {report.lines_added} "
        f"line(s) added, {report.already_billed} already billed, "
        f"{report.invoices_issued} issued"
    )
    if provider is not None:
        _transfer(provider)


@billing.command("transfer")
@click.option("--invoice", "invoice_id", default=None, help="Only this paid invoice's funds.")
def transfer_command(invoice_id: str | None) -> None:
    """Send each paid invoice's net amount per commons to its foundation, exactly once."""
    provider = _provider()
    if provider is None:
        fail(
            "COPYFAIR_FOUNDATION_TRANSFERS is none: the operator is the foundation and the "
            "funds stay in the commons' pools; set it to manual or stripe to transfer them"
        )
    report = _transfer(provider, invoice_id)
    if report.held or report.failed:
        raise click.exceptions.Exit(EXIT_DIFFERENCES)


@billing.command("transfers")
@click.option(
    "--status",
    type=click.Choice(["pending", "sent", "manual"]),
    default=None,
    help="Only transfers with this status (manual: to make by hand).",
)
def transfers_command(status: str | None) -> None:
    """List the transfers to foundations and their reversals after refunds (oldest first,
    up to 200 of each); `transfer-made` takes either id."""
    from service.db.engine import open_database
    from service.db.models.ledger import FoundationTransfer, TransferReversal, TransferStatus
    from service.transfers.foundation import list_transfers
    from service.transfers.reversals import list_reversals

    settings = load_settings()

    async def work() -> tuple[list[FoundationTransfer], list[TransferReversal]]:
        async with open_database(settings) as sessions, sessions() as session:
            wanted = TransferStatus(status) if status else None
            page = await list_transfers(session, status=wanted, limit=200)
            back = await list_reversals(session, status=wanted, limit=200)
            return list(page.items), list(back.items)

    rows, reversals = run_on_database(settings.database_url, work)
    for row in rows:
        click.echo(
            f"{row.id}  {row.status:<7} {row.amount_minor} {row.currency} -> {row.destination} "
            f"(foundation {row.foundation_id}, commons {row.commons_id}, invoice "
            f"{row.invoice_id}) {row.external_id or ''}".rstrip()
        )
    for rev in reversals:  # refunds after the transfer: money coming back
        click.echo(
            f"{rev.id}  {rev.status:<7} {rev.amount_minor} {rev.currency} <- reversal of "
            f"transfer {rev.transfer_id} (refund {rev.refund_id}, commons {rev.commons_id}) "
            f"{rev.external_id or ''}".rstrip()
        )
    if not rows and not reversals:
        click.echo("no transfer")


@billing.command("transfer-made")
@click.argument("transfer_id")
@click.option(
    "--reference", required=True, help="The bank transfer's reference, kept on the record."
)
def transfer_made_command(transfer_id: str, reference: str) -> None:
    """Record that TRANSFER_ID (one to make by hand) was made."""
    import uuid

    from service.db.engine import open_database
    from service.transfers.foundation import mark_made
    from service.transfers.interface import TransferError

    try:
        key = uuid.UUID(transfer_id)
    except ValueError:
        fail(f"{transfer_id!r} is not a transfer id (a UUID; see copyfair billing transfers)")
    settings = load_settings()

    async def work() -> bool:
        async with open_database(settings) as sessions, sessions() as session:
            done = await mark_made(session, key, reference.strip()[:100])
            await session.commit()
            return done

    try:
        done = run_on_database(settings.database_url, work)
    except TransferError as exc:
        fail(str(exc))
    click.echo(f"{key}: {'made' if done else 'already made'}")
