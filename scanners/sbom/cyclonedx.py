"""CycloneDX JSON BOMs in, validated with cyclonedx-python-lib's schema validator.

``metadata.component`` is the project; every component (nested ones included) is a
dependency, or a dataset when its type is ``data``. Licences: an ``expression``, or the
``license.id`` values (joined with AND); a ``license.name`` that is not an SPDX id is
interpreted like a manifest's declared licence, else the component is NOASSERTION.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scanners.inventory.model import (
    Component,
    ComponentKind,
    make_component,
)
from scanners.model import ScanReport
from scanners.project import ProjectReport

_DEFAULT_VERSION = "1.6"


def _validate(text: str, data: dict[str, Any], name: str) -> None:
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonValidator

    from scanners.sbom import SbomError

    spec = str(data.get("specVersion") or _DEFAULT_VERSION)
    try:
        version = SchemaVersion.from_version(spec)
    except (ValueError, KeyError):
        raise SbomError(name, [f"$.specVersion: unknown CycloneDX version {spec!r}"]) from None
    try:
        errors = JsonValidator(version).validate_str(text, all_errors=True)
    except Exception as exc:  # the schema for that version is missing
        raise SbomError(name, [f"cannot validate CycloneDX {spec}: {exc}"]) from None
    if errors:
        messages = []
        for error in errors:
            inner = error.data
            where = getattr(inner, "json_path", "$")
            text_ = getattr(inner, "message", str(inner))
            messages.append(f"{where}: {text_}")
        raise SbomError(name, messages)


def _walk(components: list[Any], where: str) -> Iterator[tuple[dict[str, Any], str]]:
    for index, c in enumerate(components):
        if isinstance(c, dict):
            here = f"{where}[{index}]"
            yield c, here
            yield from _walk(c.get("components") or [], f"{here}.components")


def _licence(c: dict[str, Any]) -> tuple[str | None, str | None]:
    """(normalised expression, why not) from a component's ``licenses``."""
    from scanners.inventory.licensing import combine, interpret

    expressions: list[str] = []
    reasons: list[str] = []
    for entry in c.get("licenses") or []:
        if not isinstance(entry, dict):
            continue
        if "expression" in entry:
            meaning = interpret(str(entry["expression"]))
        else:
            lic = entry.get("license") or {}
            value = lic.get("id") or lic.get("name") or ""
            meaning = interpret(str(value))
        if meaning.expression:
            expressions.append(meaning.expression)
        elif meaning.reason:
            reasons.append(meaning.reason)
    if expressions:
        try:
            return combine(expressions), None
        except Exception:
            return " AND ".join(f"({e})" for e in expressions), None
    return None, "; ".join(reasons) or "the SBOM declares no licence"


def _component(c: dict[str, Any], where: str, kind: ComponentKind, source: str) -> Component:
    from scanners.sbom import stated_licence

    licence, reason = _licence(c)
    if kind is not ComponentKind.PROJECT and c.get("type") == "data":
        kind = ComponentKind.DATASET
    return make_component(
        name=str(c.get("name") or c.get("bom-ref") or "unnamed"),
        version=str(c["version"]) if c.get("version") else None,
        kind=kind,
        path=source,
        purl=str(c["purl"]) if c.get("purl") else None,
        licence=licence,
        licence_reason=reason,
        evidence=stated_licence(licence, source, f"CycloneDX {where}.licenses"),
    )


def read_cyclonedx_json(text: str, name: str) -> ProjectReport:
    from scanners.inventory.discover import sort_components
    from scanners.sbom import SbomError

    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SbomError(name, [f"line {exc.lineno} column {exc.colno}: {exc.msg}"]) from None
    if not isinstance(data, dict):
        raise SbomError(name, ["$: a CycloneDX BOM is a JSON object"])
    _validate(text, data, name)
    source = name.replace("\\", "/").rsplit("/", 1)[-1]
    components: list[Component] = []
    metadata = data.get("metadata") or {}
    if isinstance(metadata.get("component"), dict):
        components.append(
            _component(metadata["component"], "$.metadata.component", ComponentKind.PROJECT, source)
        )
    for c, where in _walk(data.get("components") or [], "$.components"):
        components.append(_component(c, where, ComponentKind.DEPENDENCY, source))
    ordered = tuple(sort_components(components))
    return ProjectReport(ScanReport(name, (), ()), ordered, {}, None, source="sbom")
