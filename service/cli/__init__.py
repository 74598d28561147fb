"""The ``copyfair`` command line.

Each command lives in its own module under ``service.cli`` and is registered here.
Commands stay thin: build the report, format it, choose the exit code.
Exit codes: 0 success, 1 policy failure, 2 usage or input error.
"""

from __future__ import annotations

import click

from service.cli.admin_cmd import admin
from service.cli.billing_cmd import billing
from service.cli.db_cmd import db
from service.cli.ledger_cmd import ledger
from service.cli.licences_cmd import licences
from service.cli.payouts_cmd import payouts
from service.cli.scan_cmd import scan
from service.cli.serve_cmd import serve
from service.cli.worker_cmd import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="copyfair")
def main() -> None:
    """copyfair: copyfair-licence compliance and reciprocity."""


main.add_command(scan)
main.add_command(licences)
main.add_command(serve)
main.add_command(admin)
main.add_command(db)
main.add_command(payouts)
main.add_command(worker)
main.add_command(billing)
main.add_command(ledger)
