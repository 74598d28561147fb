"""The component inventory's plain data: components, their licence evidence, parse results.

A *component* is a unit someone licenses: the scanned project itself, a vendored
directory, a declared dependency, a dataset. Every component carries the evidence its
licence came from (which file, which line, which method); a licence that cannot be known
is ``NOASSERTION`` with the reason in ``licence_reason`` — unknown is an answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import StrEnum

from scanners.model import Skipped

NOASSERTION = "NOASSERTION"
NOT_INSTALLED = "not installed or vendored"


class ComponentKind(StrEnum):
    PROJECT = "project"  # the scanned project itself (a manifest at the root)
    VENDORED = "vendored"  # code copied into the tree (vendor/, third_party/, a sub-package)
    DEPENDENCY = "dependency"  # declared in a manifest or lockfile, or installed
    DATASET = "dataset"  # a dataset declared by a card or metadata file, or loaded by code


# When one package is found several times, the kind listed first wins.
KIND_PRIORITY: tuple[ComponentKind, ...] = (
    ComponentKind.PROJECT,
    ComponentKind.VENDORED,
    ComponentKind.DATASET,
    ComponentKind.DEPENDENCY,
)


class Scope(StrEnum):
    RUNTIME = "runtime"
    DEV = "dev"  # development / test / build-only
    OPTIONAL = "optional"  # extras, optional and peer dependencies


class EvidenceMethod(StrEnum):
    """Where a component's licence (or its existence) came from."""

    MANIFEST = "manifest"  # pyproject.toml, package.json, Cargo.toml, go.mod, pom.xml
    LOCKFILE = "lockfile"  # poetry.lock, package-lock.json, yarn.lock, Cargo.lock, go.sum, ...
    PACKAGE_METADATA = "package-metadata"  # installed metadata: .dist-info, node_modules
    CLASSIFIER = "classifier"  # a trove classifier "License :: OSI Approved :: ..."
    LICENCE_FILE = "licence-file"  # a licence file detected by the file-level detector
    DATASET_CARD = "dataset-card"  # HF card, datapackage.json, Croissant, DCAT, Kaggle
    CODE_REFERENCE = "code-reference"  # load_dataset("org/name") and the like


@dataclass(frozen=True, slots=True)
class ComponentEvidence:
    """One fact about a component: ``method`` found it in ``path`` at ``line``.

    ``licence`` is the normalised expression this fact supports (None when the fact only
    shows that the component exists, e.g. a lockfile entry without licence);
    ``detail`` says what was read (the declared string, the classifier, ...).
    """

    method: EvidenceMethod
    path: str
    line: int | None = None
    score: float = 1.0
    licence: str | None = None
    detail: str | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"method": str(self.method), "path": self.path}
        if self.line is not None:
            out["line"] = self.line
        out["score"] = round(self.score, 4)
        if self.licence is not None:
            out["licence"] = self.licence
        if self.detail is not None:
            out["detail"] = self.detail
        return out


def component_id(kind: ComponentKind, purl: str | None, path: str, name: str) -> str:
    """A stable id: the kind and the purl when there is one, else a short hash of the
    kind, the path and the name (same inputs, same id, across runs and machines)."""
    if purl is not None:
        return f"{kind}:{purl}"
    digest = hashlib.sha1(f"{kind}\0{path}\0{name}".encode()).hexdigest()[:16]
    return f"{kind}:{digest}"


@dataclass(frozen=True, slots=True)
class Component:
    """A unit someone licenses. ``path`` is the component's root (relative, POSIX) for a
    project, vendored directory or dataset, and the declaring manifest for a dependency."""

    id: str
    name: str
    version: str | None
    kind: ComponentKind
    path: str
    purl: str | None = None
    licence: str = NOASSERTION
    licence_reason: str | None = None  # why the licence is NOASSERTION
    evidence: tuple[ComponentEvidence, ...] = ()
    scope: Scope | None = None
    ecosystem: str | None = None  # pypi, npm, cargo, golang, maven, huggingface, ...
    # Licence files the component points at (relative paths; not necessarily present):
    # license-files, license = {file = ...}, license-file, "SEE LICENSE IN ...", License-File.
    licence_files: tuple[str, ...] = ()

    @property
    def licence_known(self) -> bool:
        return self.licence != NOASSERTION

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "version": self.version,
            "kind": str(self.kind),
            "path": self.path,
            "purl": self.purl,
            "licence": self.licence,
        }
        if self.licence_reason is not None:
            out["licence_reason"] = self.licence_reason
        if self.scope is not None:
            out["scope"] = str(self.scope)
        if self.ecosystem is not None:
            out["ecosystem"] = self.ecosystem
        if self.licence_files:
            out["licence_files"] = list(self.licence_files)
        out["evidence"] = [ev.to_dict() for ev in self.evidence]
        return out


def make_component(
    *,
    name: str,
    version: str | None,
    kind: ComponentKind,
    path: str,
    purl: str | None = None,
    licence: str | None = None,
    licence_reason: str | None = None,
    evidence: tuple[ComponentEvidence, ...] = (),
    scope: Scope | None = None,
    ecosystem: str | None = None,
    licence_files: tuple[str, ...] = (),
) -> Component:
    """Build a component with its id; no licence means NOASSERTION (with a reason)."""
    if licence is None or licence == NOASSERTION:
        licence = NOASSERTION
        if licence_reason is None:
            licence_reason = (
                NOT_INSTALLED if kind is ComponentKind.DEPENDENCY else "no licence declared"
            )
    else:
        licence_reason = None
    return Component(
        id=component_id(kind, purl, path, name),
        name=name,
        version=version,
        kind=kind,
        path=path,
        purl=purl,
        licence=licence,
        licence_reason=licence_reason,
        evidence=evidence,
        scope=scope,
        ecosystem=ecosystem,
        licence_files=licence_files,
    )


@dataclass(frozen=True, slots=True)
class Inventory:
    """What parsing some files gave: components, and the files that could not be parsed."""

    components: tuple[Component, ...] = ()
    skipped: tuple[Skipped, ...] = field(default=())

    def __add__(self, other: Inventory) -> Inventory:
        return Inventory(self.components + other.components, self.skipped + other.skipped)

    def to_dict(self) -> dict[str, object]:
        return {
            "components": [c.to_dict() for c in self.components],
            "skipped": [s.to_dict() for s in self.skipped],
        }
