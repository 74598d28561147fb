"""SPDX documents in (tag-value, JSON, YAML, RDF/XML, XML), with spdx-tools.

Packages become components: the ones the document DESCRIBES are the project, the
others dependencies (or datasets when their purpose is DATA). A package's licence is its
concluded licence, else its declared one. Files become file results with the licences
of ``LicenseInfoInFile``, owned by the package that CONTAINS them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scanners.inventory.model import (
    NOASSERTION,
    Component,
    ComponentKind,
    make_component,
)
from scanners.model import Evidence, FileResult, Method, ScanReport
from scanners.project import ProjectReport


def _parse(file: Path, name: str) -> Any:
    from scanners.sbom import SbomError

    try:
        from spdx_tools.spdx.parser.error import SPDXParsingError
        from spdx_tools.spdx.parser.parse_anything import parse_file
    except ImportError as exc:  # pragma: no cover - a dependency of copyfair
        raise SbomError(name, [f"spdx-tools is not installed ({exc})"]) from None
    import contextlib
    import io

    try:
        with contextlib.redirect_stderr(io.StringIO()):  # ply's "Generating LALR tables"
            return parse_file(str(file))
    except SPDXParsingError as exc:
        raise SbomError(name, [str(m) for m in exc.messages]) from None
    except Exception as exc:  # the parsers raise many kinds for malformed input
        raise SbomError(name, [f"cannot parse as SPDX: {exc.__class__.__name__}: {exc}"]) from None


def _location(message: Any) -> str:
    ctx = message.context
    where = ctx.spdx_id or ctx.parent_id or "document"
    element = getattr(ctx.element_type, "name", None)
    return f"{element.lower()} {where}" if element else where


def _expression(value: Any, local: frozenset[str] = frozenset()) -> str | None:
    """Our normalised expression for an spdx-tools licence field; None for NOASSERTION,
    NONE or no value. Expressions naming the document's own ``LicenseRef-`` ids
    (``local``) are kept as written: normalising could map them to another licence."""
    if value is None:
        return None
    text = str(value)
    if text in ("NOASSERTION", "NONE", ""):
        return None
    if any(ref in text for ref in local):
        return text
    try:
        from licences.expressions import normalise

        return normalise(text)
    except Exception:
        return text


def _purl(package: Any) -> str | None:
    for ref in package.external_references:
        if ref.reference_type == "purl":
            return str(ref.locator)
    return None


def read_spdx(file: Path, name: str) -> ProjectReport:
    from spdx_tools.spdx.model.relationship import RelationshipType
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    from scanners.sbom import SbomError, stated_licence

    document = _parse(file, name)
    problems = validate_full_spdx_document(document)
    if problems:
        raise SbomError(name, [f"{_location(m)}: {m.validation_message}" for m in problems])
    described = {
        r.related_spdx_element_id
        for r in document.relationships
        if r.relationship_type is RelationshipType.DESCRIBES
        and r.spdx_element_id == document.creation_info.spdx_id
    }
    described |= {
        r.spdx_element_id
        for r in document.relationships
        if r.relationship_type is RelationshipType.DESCRIBED_BY
    }
    source = file.name
    local = frozenset(str(i.license_id) for i in document.extracted_licensing_info if i.license_id)
    components: dict[str, Component] = {}
    for package in document.packages:
        concluded = _expression(package.license_concluded, local)
        declared = _expression(package.license_declared, local)
        licence = concluded or declared
        field = "licenseConcluded" if concluded else "licenseDeclared"
        evidence = stated_licence(licence, source, f"SPDX package {package.spdx_id} {field}")
        purpose = getattr(package.primary_package_purpose, "name", "")
        if package.spdx_id in described:
            kind = ComponentKind.PROJECT
        elif purpose == "DATA":
            kind = ComponentKind.DATASET
        else:
            kind = ComponentKind.DEPENDENCY
        version = str(package.version) if package.version else None
        components[package.spdx_id] = make_component(
            name=str(package.name),
            version=version,
            kind=kind,
            path=package.file_name or source,
            purl=_purl(package),
            licence=licence,
            licence_reason=None if licence else f"the SBOM asserts no licence ({package.spdx_id})",
            evidence=evidence,
        )
    files: list[FileResult] = []
    checksums: dict[str, str] = {}
    path_of: dict[str, str] = {}
    for f in document.files:
        path = str(f.name).removeprefix("./")
        path_of[f.spdx_id] = path
        for checksum in f.checksums:
            if checksum.algorithm.name == "SHA1":
                checksums[path] = str(checksum.value)
        evidence_list = []
        for value in f.license_info_in_file:
            expression = _expression(value, local)
            if expression is None:
                continue
            from licences.expressions import licence_ids

            try:
                ids = licence_ids(expression)
            except Exception:
                ids = [expression]
            for licence_id in ids:
                evidence_list.append(
                    Evidence(
                        Method.SPDX_TAG,
                        licence_id,
                        0,
                        0,
                        1.0,
                        expression=expression if expression != licence_id else None,
                        detail=f"SPDX file {f.spdx_id} licenseInfoInFile",
                        source_path=source,
                    )
                )
        if evidence_list:
            files.append(FileResult(path, tuple(evidence_list), None))
    owners: dict[str, str] = {}
    for r in document.relationships:
        if r.relationship_type is RelationshipType.CONTAINS:
            owner = components.get(r.spdx_element_id)
            contained = path_of.get(str(r.related_spdx_element_id))
            if owner is not None and contained is not None:
                owners[contained] = owner.id
    files.sort(key=lambda f: f.path)
    from scanners.inventory.discover import sort_components

    ordered = tuple(sort_components(components.values()))
    scan = ScanReport(name, tuple(files), ())
    return ProjectReport(
        scan,
        ordered,
        {p: o for p, o in owners.items() if any(f.path == p for f in files)},
        None,
        source="sbom",
        checksums=checksums,
    )


__all__ = ["NOASSERTION", "read_spdx"]
