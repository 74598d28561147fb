"""``copyfair scan PATH`` (owned by the scan-pipeline work; placeholder until it lands)."""

from __future__ import annotations

import click


@click.command()
@click.argument("path")
def scan(path: str) -> None:
    """Scan PATH for licences."""
    raise click.ClickException("scan is not implemented yet")
