"""Helpers shared by the parsers: where a manifest sits, declared licences as evidence."""

from __future__ import annotations

import posixpath

from scanners.inventory.licensing import Interpretation, interpret
from scanners.inventory.model import ComponentEvidence, ComponentKind, EvidenceMethod
from scanners.model import Evidence

# Directories whose manifests describe installed third-party packages.
INSTALLED_DIRS = frozenset({"node_modules", "site-packages", "dist-packages"})
# Directories that hold code copied from elsewhere.
VENDOR_DIRS = frozenset({"vendor", "third_party", "third-party", "thirdparty", "external"})


def directory_of(path: str) -> str:
    """The directory of a relative POSIX path ("" for the root)."""
    return posixpath.dirname(path)


def kind_of_manifest(path: str) -> ComponentKind:
    """What the package a manifest describes is: the project (a manifest at the root), an
    installed dependency (under node_modules/ or site-packages/), or vendored code (any
    other subdirectory with its own manifest)."""
    parts = path.split("/")[:-1]
    if not parts:
        return ComponentKind.PROJECT
    if INSTALLED_DIRS.intersection(parts):
        return ComponentKind.DEPENDENCY
    return ComponentKind.VENDORED


def line_of(text: str, *needles: str) -> int | None:
    """The 1-based line of the first needle found in ``text`` (tried in order)."""
    for needle in needles:
        index = text.find(needle)
        if index >= 0:
            return text.count("\n", 0, index) + 1
    return None


def declared_evidence(
    declared: str,
    method: EvidenceMethod,
    path: str,
    line: int | None,
    interpretation: Interpretation | None = None,
) -> tuple[Interpretation, ComponentEvidence]:
    """Interpret a declared licence string and record it as evidence."""
    meaning = interpretation if interpretation is not None else interpret(declared)
    detail = f"declared {declared.strip()[:200]!r}"
    if meaning.expression is None and meaning.reason:
        detail += f" ({meaning.reason})"
    evidence = ComponentEvidence(
        method=method,
        path=path,
        line=line,
        score=meaning.score if meaning.expression else 0.0,
        licence=meaning.expression,
        detail=detail,
    )
    return meaning, evidence


def existence(
    method: EvidenceMethod, path: str, line: int | None, detail: str
) -> ComponentEvidence:
    """Evidence that a component exists, without a licence."""
    return ComponentEvidence(method=method, path=path, line=line, score=1.0, detail=detail)


def licence_file_evidence(path: str, found: Evidence) -> ComponentEvidence:
    """What detection ``found`` in the licence file ``path``, as a component's evidence."""
    return ComponentEvidence(
        method=EvidenceMethod.LICENCE_FILE,
        path=path,
        line=found.start_line,
        score=found.score,
        licence=found.licence,
        detail=f"{found.method} in licence file",
    )


def lists_dependencies(path: str) -> bool:
    """Whether a manifest's declared dependencies belong to the inventory: yes for the
    project and its own sub-packages, no for vendored or installed third-party packages
    (their dependencies show up in the lockfile or as installed packages of their own)."""
    parts = path.split("/")[:-1]
    return not (INSTALLED_DIRS.intersection(parts) or VENDOR_DIRS.intersection(parts))


def key_lines(text: str, indent: str) -> dict[str, int]:
    """For a YAML/JSON-like text, the 1-based line of each key that starts a line with
    exactly ``indent`` before it (quotes stripped); one pass, for large lockfiles."""
    out: dict[str, int] = {}
    width = len(indent)
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith(indent) and len(line) > width and not line[width].isspace():
            key = line[width:].split(":", 1)[0] if line[width] not in "\"'" else None
            if key is None:
                quote = line[width]
                end = line.find(quote, width + 1)
                key = line[width + 1 : end] if end > 0 else None
            if key is not None:
                out.setdefault(key, number)
    return out


def toml_package_lines(text: str) -> dict[tuple[str, str | None], int]:
    """For a lockfile of ``[[package]]`` tables (poetry.lock, uv.lock, Cargo.lock), the
    line of each ``name = "..."`` by (name, version); one pass over the text."""
    out: dict[tuple[str, str | None], int] = {}
    name: str | None = None
    name_line = 0
    for number, line in enumerate(text.split("\n"), 1):
        if line.startswith('name = "'):
            name, name_line = line[8:].rstrip().rstrip('"'), number
            out.setdefault((name, None), number)
        elif line.startswith('version = "') and name is not None:
            out.setdefault((name, line[11:].rstrip().rstrip('"')), name_line)
            name = None
    return out
