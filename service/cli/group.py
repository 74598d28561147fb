"""The ``copyfair`` command group (click).

Each command lives in its own module under ``service.cli`` and is registered here by name.
Modules are imported only when their command runs (or help lists them), so that a
``copyfair scan`` does not pay for the service's imports: a warm rescan is mostly start-up.
Commands stay thin: build the report, format it, choose the exit code.
Exit codes: 0 success, 1 policy failure, 2 usage or input error.
"""

from __future__ import annotations

import importlib

import click

# command name -> "module:attribute", in the order `copyfair --help` lists them
COMMANDS: dict[str, str] = {
    "scan": "service.cli.scan_cmd:scan",
    "obligations": "service.cli.obligations_cmd:obligations",
    "licences": "service.cli.licences_cmd:licences",
    "serve": "service.cli.serve_cmd:serve",
    "worker": "service.cli.worker_cmd:worker",
    "admin": "service.cli.admin_cmd:admin",
    "db": "service.cli.db_cmd:db",
    "billing": "service.cli.billing_cmd:billing",
    "ledger": "service.cli.ledger_cmd:ledger",
    "payouts": "service.cli.payouts_cmd:payouts",
}


def load_command(name: str) -> click.Command:
    module_name, attribute = COMMANDS[name].split(":")
    command = getattr(importlib.import_module(module_name), attribute)
    if not isinstance(command, click.Command):
        raise TypeError(f"{COMMANDS[name]} is not a click command")
    return command


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        return load_command(cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="copyfair")
def main() -> None:
    """copyfair: copyfair-licence compliance and reciprocity."""
