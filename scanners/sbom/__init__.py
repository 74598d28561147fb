"""SBOMs in: read an SPDX document or a CycloneDX JSON BOM into a project report.

``read_sbom(path) -> ProjectReport`` — the same report a tree scan gives (components,
files with licences, owners), without scanning a tree. SPDX in any serialisation
spdx-tools reads (tag-value, JSON, YAML, RDF/XML, XML) is parsed and validated with
spdx-tools; CycloneDX JSON is validated against the CycloneDX schema of its
``specVersion`` with cyclonedx-python-lib. An invalid SBOM raises :class:`SbomError`
carrying every validator message with its location.

Evidence read from an SBOM has no line (``0``) and says which SBOM field it came from.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from scanners.errors import ScannerError
from scanners.project import ProjectReport

if TYPE_CHECKING:  # the inventory is imported when an SBOM is read
    from scanners.inventory.model import ComponentEvidence


class SbomError(ScannerError):
    """An SBOM that cannot be read or does not validate; ``messages`` say where and why."""

    def __init__(self, path: str, messages: list[str]) -> None:
        self.path = path
        self.messages = messages
        super().__init__(f"{path}: invalid SBOM: " + "; ".join(messages[:5]))


def is_cyclonedx(text: str) -> bool:
    """A JSON document with ``"bomFormat": "CycloneDX"``."""
    if not text.lstrip().startswith("{"):
        return False
    try:
        data = json.loads(text)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("bomFormat") == "CycloneDX"


def stated_licence(licence: str | None, source: str, detail: str) -> tuple[ComponentEvidence, ...]:
    """The evidence for a component's ``licence`` as the SBOM file ``source`` states it in
    the field ``detail`` names; none when it states no licence."""
    from scanners.inventory.model import ComponentEvidence, EvidenceMethod

    if licence is None:
        return ()
    evidence = ComponentEvidence(
        method=EvidenceMethod.MANIFEST, path=source, score=1.0, licence=licence, detail=detail
    )
    return (evidence,)


def read_sbom(path: str | os.PathLike[str]) -> ProjectReport:
    """The report an SBOM describes (see the module doc). Raises :class:`SbomError`."""
    file = Path(path)
    name = os.fspath(path)
    try:
        head = file.read_bytes()
    except OSError as exc:
        raise SbomError(name, [f"cannot read: {exc.strerror or exc}"]) from None
    text = head.decode("utf-8", errors="replace")
    if file.suffix.lower() == ".json" and is_cyclonedx(text):
        from scanners.sbom.cyclonedx import read_cyclonedx_json

        return read_cyclonedx_json(text, name)
    from scanners.sbom.spdx import read_spdx

    return read_spdx(file, name)
