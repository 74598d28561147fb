"""``copyfair licences ...`` (owned by the catalog work; placeholder until it lands)."""

from __future__ import annotations

import click


@click.group()
def licences() -> None:
    """Inspect the licence catalog."""
