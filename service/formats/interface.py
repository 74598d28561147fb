"""The output formats of ``copyfair scan``: one :class:`Format` protocol, one module each.

A format turns a :class:`scanners.model.ScanReport` into text; it has no side
effects (the command writes the text where the user asked).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, assert_never

from scanners.model import ScanReport


class OutputFormat(StrEnum):
    """The formats a user can choose with ``--format``."""

    TEXT = "text"
    JSON = "json"


class Format(Protocol):
    def render(self, report: ScanReport, *, show_skipped: bool = False) -> str:
        """The whole output for ``report``; ``show_skipped`` lists every skipped file."""
        ...


def get_format(choice: OutputFormat) -> Format:
    """The formatter for a user's choice (exhaustive over :class:`OutputFormat`)."""
    if choice is OutputFormat.TEXT:
        from service.formats.text import TextFormat

        return TextFormat()
    if choice is OutputFormat.JSON:
        from service.formats.json import JsonFormat

        return JsonFormat()
    assert_never(choice)
