"""The output formats of ``copyfair scan``: one :class:`Format` protocol, one module each.

A format turns a :class:`scanners.project.ProjectReport` (the file-level scan, the component
inventory and the git facts) into text; it has no side effects (the command writes the
text where the user asked).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, assert_never

from scanners.project import ProjectReport


class OutputFormat(StrEnum):
    """The formats a user can choose with ``--format``."""

    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    SPDX_JSON = "spdx-json"
    SPDX_TV = "spdx-tv"
    CYCLONEDX_JSON = "cyclonedx-json"
    MARKDOWN = "markdown"


class Format(Protocol):
    def render(self, report: ProjectReport, *, show_skipped: bool = False) -> str:
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
    if choice is OutputFormat.SARIF:
        from service.formats.sarif import SarifFormat

        return SarifFormat()
    if choice is OutputFormat.SPDX_JSON:
        from service.formats.spdx import SpdxFormat

        return SpdxFormat(tag_value=False)
    if choice is OutputFormat.SPDX_TV:
        from service.formats.spdx import SpdxFormat

        return SpdxFormat(tag_value=True)
    if choice is OutputFormat.CYCLONEDX_JSON:
        from service.formats.cyclonedx import CycloneDxFormat

        return CycloneDxFormat()
    if choice is OutputFormat.MARKDOWN:
        from service.formats.markdown import MarkdownFormat

        return MarkdownFormat()
    assert_never(choice)


def needs_checksums(choice: OutputFormat) -> bool:
    """Whether the format needs the SHA-1 of each licensed file (SPDX requires it)."""
    return choice in (OutputFormat.SPDX_JSON, OutputFormat.SPDX_TV)
