"""Where the vendored licence texts live, and which licence id each one stands for.

The layout of ``licences/data`` is :mod:`licences.layout`'s. The detector
(``scanners.matching``) compiles its templates from :func:`template_sources`; the
catalog reads metadata from the same files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

from licences.layout import (
    DATA_DIR,
    EQUIVALENT_WORDS,
    EXTRA_DIR,
    REFERENCES_PATH,
    SPDX_DIR,
    SPDX_EXCEPTION_XML_DIR,
    SPDX_LIST_COMMIT,
    SPDX_LIST_VERSION,
    SPDX_TEXT_DIR,
    SPDX_XML_DIR,
)

# ScanCode rules (not licences) shipped in extra/, and the licence id each one
# should be recognised as. PPL's "COPYFARLEFT PUBLIC LICENSE" variant is PPL; the
# Cooperative Software License has no SPDX or ScanCode licence key, so it gets our own.
RULE_IDS: dict[str, str] = {
    "ppl-copyfarleft-variant.RULE": "PPL",
    "cooperative-software-license.RULE": "LicenseRef-copyfair-cooperative-software-license",
}


class SourceKind(StrEnum):
    SPDX_XML = "spdx-xml"  # SPDX license-list-XML with matching markup
    PLAIN = "plain"  # plain text (ScanCode .LICENSE / .RULE body, front matter removed)


@dataclass(frozen=True, slots=True)
class TemplateSource:
    licence_id: str
    kind: SourceKind
    path: Path
    is_exception: bool = False


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


def split_front_matter(raw: str) -> tuple[str, str]:
    """Split a ScanCode ``.LICENSE``/``.RULE`` file into (YAML front matter, body)."""
    m = _FRONT_MATTER.match(raw)
    if not m:
        return "", raw
    return m.group(1), raw[m.end() :]


def _front_matter_value(front: str, key: str) -> str | None:
    m = re.search(rf"^{re.escape(key)}:\s*(.+)$", front, re.MULTILINE)
    return m.group(1).strip() if m else None


def extra_licence_id(path: Path) -> str:
    """The id a file in ``extra/`` stands for: its ``spdx_license_key``, else
    ``LicenseRef-scancode-<key>``; rules map through :data:`RULE_IDS`."""
    if path.name in RULE_IDS:
        return RULE_IDS[path.name]
    front, _ = split_front_matter(path.read_text(encoding="utf-8"))
    key = _front_matter_value(front, "spdx_license_key")
    if key:
        return key
    return f"LicenseRef-scancode-{_front_matter_value(front, 'key') or path.stem}"


def extra_text(path: Path) -> str:
    """The licence text of a file in ``extra/`` without its front matter."""
    return split_front_matter(path.read_text(encoding="utf-8"))[1]


def _xml_id(path: Path) -> str:
    # The file name is the id; checked against licenseId by the tests.
    return path.stem


@cache
def template_sources() -> tuple[TemplateSource, ...]:
    """Every licence text copyfair can recognise, with the id it stands for."""
    out: list[TemplateSource] = []
    for p in sorted(SPDX_XML_DIR.glob("*.xml")):
        out.append(TemplateSource(_xml_id(p), SourceKind.SPDX_XML, p))
    for p in sorted(SPDX_EXCEPTION_XML_DIR.glob("*.xml")):
        out.append(TemplateSource(_xml_id(p), SourceKind.SPDX_XML, p, is_exception=True))
    for p in sorted(EXTRA_DIR.iterdir()):
        if p.suffix in (".LICENSE", ".RULE"):
            out.append(TemplateSource(extra_licence_id(p), SourceKind.PLAIN, p))
    return tuple(out)


def iter_spdx_texts() -> Iterator[tuple[str, Path]]:
    """(id, path) of each plain SPDX text in ``spdx/text`` (the file name is the id)."""
    for p in sorted(SPDX_TEXT_DIR.glob("*.txt")):
        yield p.stem, p


# Public names, with those re-exported from their import-light home.
__all__ = [
    "DATA_DIR",
    "EQUIVALENT_WORDS",
    "EXTRA_DIR",
    "REFERENCES_PATH",
    "RULE_IDS",
    "SPDX_DIR",
    "SPDX_EXCEPTION_XML_DIR",
    "SPDX_LIST_COMMIT",
    "SPDX_LIST_VERSION",
    "SPDX_TEXT_DIR",
    "SPDX_XML_DIR",
    "SourceKind",
    "TemplateSource",
    "extra_licence_id",
    "extra_text",
    "iter_spdx_texts",
    "split_front_matter",
    "template_sources",
]
