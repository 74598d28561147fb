"""``--format spdx-json`` and ``--format spdx-tv``: an SPDX 2.3 document, written and
validated with ``spdx-tools``.

- one package per component (name, version, purl as a ``PACKAGE-MANAGER purl``
  reference, the licence as concluded and declared licence); the document DESCRIBES
  the project, which DEPENDS_ON the dependencies and CONTAINS vendored code and datasets;
- one file per file with licence evidence (SHA-1, the licences found in it), CONTAINed by
  the package of the component that owns it (such packages have ``FilesAnalyzed: true``);
- every licence id that is not on spdx-tools' SPDX list (``LicenseRef-`` ids, and ids of
  a newer list) is carried as extracted licensing info with its text from the catalog.

The document is validated before it is written; an invalid document is a bug, raised as
:class:`SpdxWriteError` with the validator's messages. spdx-tools' validator is quadratic
in the number of elements (about 2.5 s for 2,000 files), so documents with more than
:data:`VALIDATE_MAX_ELEMENTS` packages and files are written without it (the tests
validate what the builder produces).
"""

from __future__ import annotations

import io
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from scanners.inventory.model import NOASSERTION, Component, ComponentKind
from scanners.project import ProjectReport
from service.formats.summary import tool_version

_REF_CHARS = re.compile(r"[^A-Za-z0-9.\-]+")
_TOKEN = re.compile(r"[A-Za-z0-9.+:\-]+")
_OPERATORS = frozenset({"AND", "OR", "WITH", "and", "or", "with"})


VALIDATE_MAX_ELEMENTS = 2000


class SpdxWriteError(Exception):
    """The document copyfair built does not validate (a bug: please report it)."""


def _ref_id(prefix: str, text: str, used: set[str]) -> str:
    base = f"SPDXRef-{prefix}-" + (_REF_CHARS.sub("-", text).strip("-") or "x")
    candidate, n = base, 1
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used.add(candidate)
    return candidate


class _Licences:
    """Turns our expressions into spdx-tools ones, collecting extracted licensing info."""

    def __init__(self) -> None:
        from spdx_tools.common.spdx_licensing import (  # type: ignore[import-untyped]
            spdx_licensing,
        )

        self.licensing = spdx_licensing
        self.extracted: dict[str, Any] = {}  # LicenseRef id -> ExtractedLicensingInfo
        self._parsed: dict[str, Any] = {}  # our expression -> spdx-tools expression

    def _extract(self, token: str, ref: str, comment: str | None = None) -> str:
        from spdx_tools.spdx.model.extracted_licensing_info import ExtractedLicensingInfo

        if ref not in self.extracted:
            name, text, urls = token, "", []
            try:
                from licences.catalog import load_catalog

                entry = load_catalog().get(token)
            except Exception:
                entry = None
            if entry is not None:
                name, text, urls = entry.name, entry.text(), list(entry.see_also)
            self.extracted[ref] = ExtractedLicensingInfo(
                license_id=ref,
                extracted_text=text or f"The text of {token} is not known to copyfair.",
                license_name=name,
                cross_references=[u for u in urls if u.startswith(("http://", "https://"))],
                comment=comment,
            )
        return ref

    def _reference(self, token: str, invalid: bool) -> str | None:
        """The id to write for ``token`` (extracting its text), None to keep it as is."""
        if not invalid:
            return self._extract(token, token) if token.startswith("LicenseRef-") else None
        errors = " ".join(self.licensing.validate(token).errors)
        rest = _REF_CHARS.sub("-", token.removeprefix("LicenseRef-"))
        if "exception" in errors:  # spdx-tools knows this id only as an exception
            ref = f"LicenseRef-copyfair-{rest}"
            note = f"copyfair's {token}, renamed: spdx-tools knows that id only as an exception"
            return self._extract(token, ref, note)
        return self._extract(token, f"LicenseRef-{rest}")

    def expression(self, expression: str) -> Any:
        from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion

        if expression == NOASSERTION:
            return SpdxNoAssertion()
        if expression not in self._parsed:
            self._parsed[expression] = self._convert(expression)
        return self._parsed[expression]

    def _convert(self, expression: str) -> Any:
        try:
            invalid = set(self.licensing.validate(expression).invalid_symbols)
        except Exception:
            invalid = set()
        text = expression
        tokens = set(_TOKEN.findall(expression)) - _OPERATORS
        for token in sorted(tokens, key=len, reverse=True):
            ref = self._reference(token, token in invalid)
            if ref is not None and ref != token:
                text = re.sub(rf"(?<![\w.\-+]){re.escape(token)}(?![\w.\-+])", ref, text)
        try:
            return self.licensing.parse(text)
        except Exception:
            return self.licensing.parse(self._reference(expression, True))

    def infos(self) -> list[Any]:
        return [self.extracted[k] for k in sorted(self.extracted)]


def _package(component: Component, spdx_id: str, licences: _Licences, owns_files: bool) -> Any:
    from spdx_tools.spdx.model.package import (
        ExternalPackageRef,
        ExternalPackageRefCategory,
        Package,
        PackagePurpose,
    )
    from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion

    refs = []
    if component.purl:
        refs.append(
            ExternalPackageRef(ExternalPackageRefCategory.PACKAGE_MANAGER, "purl", component.purl)
        )
    purpose = {
        ComponentKind.PROJECT: PackagePurpose.SOURCE,
        ComponentKind.VENDORED: PackagePurpose.SOURCE,
        ComponentKind.DEPENDENCY: PackagePurpose.LIBRARY,
        ComponentKind.DATASET: PackagePurpose.OTHER,
    }[component.kind]
    declared = [e for e in component.evidence if e.licence is not None]
    comment = "; ".join(
        f"{e.method} {e.path}{':' + str(e.line) if e.line else ''}: {e.licence}"
        for e in declared[:20]
    )
    if component.licence_reason:
        comment = (comment + "; " if comment else "") + f"unknown: {component.licence_reason}"
    return Package(
        spdx_id=spdx_id,
        name=component.name,
        download_location=SpdxNoAssertion(),
        version=component.version,
        files_analyzed=owns_files,
        license_concluded=licences.expression(component.licence),
        license_declared=licences.expression(component.licence),
        license_comment=comment or None,
        copyright_text=SpdxNoAssertion(),
        external_references=refs,
        primary_package_purpose=purpose,
        comment=f"copyfair component {component.id} ({component.kind}, {component.path})",
    )


def build_document(report: ProjectReport) -> Any:
    from spdx_tools.spdx.model.actor import Actor, ActorType
    from spdx_tools.spdx.model.checksum import Checksum, ChecksumAlgorithm
    from spdx_tools.spdx.model.document import CreationInfo, Document
    from spdx_tools.spdx.model.file import File
    from spdx_tools.spdx.model.relationship import Relationship, RelationshipType
    from spdx_tools.spdx.model.spdx_no_assertion import SpdxNoAssertion

    licences = _Licences()
    used: set[str] = set()
    target = report.scan.target
    name = target.rstrip("/").rsplit("/", 1)[-1] or "copyfair-scan"
    creation = CreationInfo(
        spdx_version="SPDX-2.3",
        spdx_id="SPDXRef-DOCUMENT",
        name=name,
        document_namespace=f"https://spdx.org/spdxdocs/copyfair-{_REF_CHARS.sub('-', name)}-"
        f"{uuid.uuid4()}",
        creators=[Actor(ActorType.TOOL, f"copyfair-{tool_version()}")],
        created=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        document_comment=f"Licence report of {target} by copyfair.",
    )
    file_ids: dict[str, str] = {}
    files = []
    for result in report.scan.files:
        sha1 = report.checksums.get(result.path)
        if sha1 is None:
            continue  # SPDX requires a SHA-1: files that could not be read again are left out
        spdx_id = _ref_id("File", result.path, used)
        file_ids[result.path] = spdx_id
        files.append(
            File(
                name=f"./{result.path}",
                spdx_id=spdx_id,
                checksums=[Checksum(ChecksumAlgorithm.SHA1, sha1)],
                license_concluded=SpdxNoAssertion(),
                license_info_in_file=[licences.expression(i) for i in result.licences],
                copyright_text=SpdxNoAssertion(),
            )
        )
    owned: dict[str, list[str]] = {}
    for path, owner in report.owners.items():
        if path in file_ids:
            owned.setdefault(owner, []).append(path)
    packages = []
    package_ids: dict[str, str] = {}
    for component in report.components:
        spdx_id = _ref_id("Package", component.name, used)
        package_ids[component.id] = spdx_id
        package = _package(component, spdx_id, licences, component.id in owned)
        if component.id in owned:
            found = {i for p in owned[component.id] for i in _file_licences(report, p)}
            package.license_info_from_files = [licences.expression(i) for i in sorted(found)]
        packages.append(package)
    relationships = []
    projects = [c for c in report.components if c.kind is ComponentKind.PROJECT]
    for c in projects or report.components[:1]:
        relationships.append(
            Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, package_ids[c.id])
        )
    if projects:
        top = package_ids[projects[0].id]
        for c in report.components:
            if c.kind is ComponentKind.DEPENDENCY:
                relationships.append(
                    Relationship(top, RelationshipType.DEPENDS_ON, package_ids[c.id])
                )
            elif c.kind is not ComponentKind.PROJECT:
                relationships.append(
                    Relationship(top, RelationshipType.CONTAINS, package_ids[c.id])
                )
    for owner, paths in owned.items():
        for path in paths:
            relationships.append(
                Relationship(package_ids[owner], RelationshipType.CONTAINS, file_ids[path])
            )
    if not report.components:  # nothing else to describe: the files
        for spdx_id in file_ids.values():
            relationships.append(
                Relationship("SPDXRef-DOCUMENT", RelationshipType.DESCRIBES, spdx_id)
            )
    return Document(
        creation,
        packages=packages,
        files=files,
        relationships=relationships,
        extracted_licensing_info=licences.infos(),
    )


def _file_licences(report: ProjectReport, path: str) -> list[str]:
    for result in report.scan.files:
        if result.path == path:
            return result.licences
    return []


def validation_messages(document: Any) -> list[str]:
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document

    return [
        f"{m.validation_message} (in {m.context.spdx_id or m.context.parent_id or 'document'})"
        for m in validate_full_spdx_document(document)
    ]


class SpdxFormat:
    def __init__(self, *, tag_value: bool) -> None:
        self.tag_value = tag_value

    def render(self, report: ProjectReport, *, show_skipped: bool = False) -> str:
        document = build_document(report)
        small = len(document.packages) + len(document.files) <= VALIDATE_MAX_ELEMENTS
        problems = validation_messages(document) if small else []
        if problems:
            raise SpdxWriteError("invalid SPDX document: " + "; ".join(problems[:10]))
        stream = io.StringIO()
        if self.tag_value:
            from spdx_tools.spdx.writer.tagvalue.tagvalue_writer import write_document_to_stream

            write_document_to_stream(document, stream, validate=False)
        else:
            from spdx_tools.spdx.writer.json.json_writer import (
                write_document_to_stream as write_json,
            )

            write_json(document, stream, validate=False)
        text = stream.getvalue()
        return text if text.endswith("\n") else text + "\n"
