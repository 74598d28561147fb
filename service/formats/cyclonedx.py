"""``--format cyclonedx-json``: a CycloneDX 1.6 JSON BOM, built with cyclonedx-python-lib.

The project is ``metadata.component`` (an application); every other component is a
library (dependencies, vendored code) or data (datasets) with its purl and its licence as
an SPDX expression; ``NOASSERTION`` components carry no licence and say why in the
``copyfair:licence_reason`` property. Each component has the properties
``copyfair:kind``, ``copyfair:category``, ``copyfair:path`` and ``copyfair:evidence``
(where its licence was read). The project depends on every other component.
"""

from __future__ import annotations

from typing import Any

from scanners.inventory.model import NOASSERTION, ComponentKind
from scanners.project import ProjectReport
from service.formats.summary import (
    ComponentRow,
    component_rows,
    licence_location,
    tool_version,
)


class CycloneDxWriteError(Exception):
    """The BOM copyfair built does not validate (a bug: please report it)."""


def _component(row: ComponentRow) -> Any:
    from cyclonedx.model import Property
    from cyclonedx.model.component import Component, ComponentType
    from cyclonedx.model.license import LicenseExpression
    from packageurl import PackageURL

    c = row.component
    kind = {
        ComponentKind.PROJECT: ComponentType.APPLICATION,
        ComponentKind.VENDORED: ComponentType.LIBRARY,
        ComponentKind.DEPENDENCY: ComponentType.LIBRARY,
        ComponentKind.DATASET: ComponentType.DATA,
    }[c.kind]
    purl = None
    if c.purl:
        try:
            purl = PackageURL.from_string(c.purl)
        except ValueError:
            purl = None
    path, line = licence_location(c)
    properties = [
        Property(name="copyfair:kind", value=str(c.kind)),
        Property(name="copyfair:category", value=row.category),
        Property(name="copyfair:path", value=c.path),
    ]
    if c.licence != NOASSERTION:
        where = f"{path}:{line}" if line else path
        properties.append(Property(name="copyfair:evidence", value=where))
    if c.licence_reason:
        properties.append(Property(name="copyfair:licence_reason", value=c.licence_reason))
    return Component(
        name=c.name,
        version=c.version,
        type=kind,
        bom_ref=c.id,
        purl=purl,
        licenses=[LicenseExpression(c.licence)] if c.licence != NOASSERTION else [],
        properties=properties,
    )


def build_bom(report: ProjectReport) -> Any:
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component, ComponentType

    bom = Bom()
    rows = component_rows(report)
    order = {c.id: i for i, c in enumerate(report.components)}
    rows.sort(key=lambda r: order[r.component.id])
    project = None
    for row in rows:
        built = _component(row)
        if row.component.kind is ComponentKind.PROJECT and project is None:
            project = built
            bom.metadata.component = built
        else:
            bom.components.add(built)
    if project is None:
        name = report.scan.target.rstrip("/").rsplit("/", 1)[-1] or "scan"
        project = Component(name=name, type=ComponentType.APPLICATION, bom_ref="project")
        bom.metadata.component = project
    # The project uses every other component (dependencies, vendored code, datasets):
    # a complete graph, as the library asks for.
    bom.register_dependency(project, list(bom.components))
    try:
        from cyclonedx.model.tool import Tool

        bom.metadata.tools.tools.add(Tool(name="copyfair", version=tool_version()))
    except Exception:  # older library layout: the tool entry is optional
        pass
    return bom


def validation_errors(text: str) -> str | None:
    """The schema validator's complaint about a CycloneDX 1.6 JSON text, None if valid."""
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator

    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    return None if error is None else str(error)


class CycloneDxFormat:
    def render(self, report: ProjectReport, *, show_skipped: bool = False) -> str:
        from cyclonedx.output import make_outputter
        from cyclonedx.schema import OutputFormat, SchemaVersion

        bom = build_bom(report)
        text = make_outputter(bom, OutputFormat.JSON, SchemaVersion.V1_6).output_as_string(indent=2)
        return text if text.endswith("\n") else text + "\n"
