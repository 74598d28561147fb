"""The inventory's entry point: pick manifests, lockfiles, installed metadata and dataset
declarations out of a list of files, parse each, resolve licence files, merge duplicates.

``inventory_from_files(root, paths) -> Inventory`` — ``paths`` are the relative POSIX
paths the scan pipeline already walked (``scanners.walk``); nothing else in the tree is
listed. Files are read here (the parsers are pure): symlinks are not followed, files over
``MAX_MANIFEST_SIZE`` are skipped with the reason, undecodable ones too.

The same package found in a manifest, a lockfile and as installed metadata becomes one
component: the best licence evidence decides the licence, all evidence is kept.
"""

from __future__ import annotations

import fnmatch
import os
import posixpath
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from scanners.inventory import datasets, go, java, javascript, python, rust
from scanners.inventory.common import INSTALLED_DIRS, VENDOR_DIRS, licence_file_evidence
from scanners.inventory.licensing import combine
from scanners.inventory.model import (
    KIND_PRIORITY,
    NOASSERTION,
    NOT_INSTALLED,
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
    component_id,
)
from scanners.inventory.purl import without_version
from scanners.model import Evidence, Skipped

MAX_MANIFEST_SIZE = 64 * 1000 * 1000  # bytes; lockfiles of huge monorepos stay below this

Parser = Callable[[str, str], Inventory]
Detector = Callable[[str], Sequence[Evidence]]

_BY_NAME: dict[str, Parser] = {
    "pyproject.toml": python.parse_pyproject,
    "poetry.lock": python.parse_poetry_lock,
    "uv.lock": python.parse_uv_lock,
    "Pipfile.lock": python.parse_pipfile_lock,
    "package-lock.json": javascript.parse_package_lock,
    "npm-shrinkwrap.json": javascript.parse_package_lock,
    "yarn.lock": javascript.parse_yarn_lock,
    "pnpm-lock.yaml": javascript.parse_pnpm_lock,
    "Cargo.toml": rust.parse_cargo_toml,
    "Cargo.lock": rust.parse_cargo_lock,
    "go.mod": go.parse_go_mod,
    "go.sum": go.parse_go_sum,
    "pom.xml": java.parse_pom,
    "datapackage.json": datasets.parse_datapackage,
    "dataset-metadata.json": datasets.parse_kaggle_metadata,
    "croissant.json": datasets.parse_json_ld,
}
_README = frozenset({"README.md", "README.markdown", "readme.md", "Readme.md"})
_LICENCE_PREFIXES = ("license", "licence", "copying", "unlicense", "copyright")

# Best first: which method's licence wins when the same package is found several times.
_METHOD_RANK: tuple[EvidenceMethod, ...] = (
    EvidenceMethod.PACKAGE_METADATA,
    EvidenceMethod.MANIFEST,
    EvidenceMethod.DATASET_CARD,
    EvidenceMethod.LOCKFILE,
    EvidenceMethod.LICENCE_FILE,
    EvidenceMethod.CLASSIFIER,
    EvidenceMethod.CODE_REFERENCE,
)
# Which component's path names a dependency: the manifest that declares it first.
_PATH_RANK: tuple[EvidenceMethod, ...] = (
    EvidenceMethod.MANIFEST,
    EvidenceMethod.LOCKFILE,
    EvidenceMethod.PACKAGE_METADATA,
    EvidenceMethod.DATASET_CARD,
    EvidenceMethod.CODE_REFERENCE,
    EvidenceMethod.LICENCE_FILE,
    EvidenceMethod.CLASSIFIER,
)


def _default_detect(text: str) -> Sequence[Evidence]:
    from scanners.detect import detect_text  # imported late: the detector is heavy

    return detect_text(text)


def parser_for(path: str) -> Parser | None:
    """The parser for a relative path, or None when the file is not one we read.
    (``requirements*.txt`` and ``README.md`` have their own handling.)"""
    name = posixpath.basename(path)
    parts = path.split("/")
    if name == "package.json":
        return javascript.parse_package_json if _package_json_wanted(parts) else None
    if name == "METADATA" and len(parts) > 1 and parts[-2].endswith(".dist-info"):
        return python.parse_distribution_metadata
    if name == "PKG-INFO" and len(parts) > 1 and parts[-2].endswith(".egg-info"):
        return python.parse_distribution_metadata
    if name == "modules.txt" and len(parts) > 1 and parts[-2] == "vendor":
        return go.parse_vendor_modules
    if name.endswith((".jsonld", ".croissant.json")):
        return datasets.parse_json_ld
    if name.endswith(".rdf") or name.endswith(".dcat.xml"):
        return datasets.parse_dcat_rdf_xml
    return _BY_NAME.get(name)


def _package_json_wanted(parts: list[str]) -> bool:
    """Every package.json outside node_modules; inside, only a package's own
    (``node_modules/<name>/package.json``, ``node_modules/@scope/<name>/package.json``),
    not those of its subdirectories."""
    if "node_modules" not in parts:
        return True
    last = len(parts) - 1 - parts[::-1].index("node_modules")
    rest = parts[last + 1 :]
    return len(rest) == 2 or (len(rest) == 3 and rest[0].startswith("@"))


def is_requirements(path: str) -> bool:
    name = posixpath.basename(path)
    if not name.endswith((".txt", ".in")):
        return False
    if name.startswith("requirements"):
        return True
    parent = posixpath.basename(posixpath.dirname(path))
    return parent == "requirements"


def _third_party(path: str) -> bool:
    parts = path.split("/")[:-1]
    return bool(INSTALLED_DIRS.intersection(parts) or VENDOR_DIRS.intersection(parts)) or any(
        p.startswith(".") and p not in (".", "..") for p in parts
    )


@dataclass
class _Reader:
    root: Path
    skipped: list[Skipped]

    def read(self, rel: str) -> str | None:
        data = self.read_bytes(rel)
        return None if data is None else self.decode(rel, data)

    def read_bytes(self, rel: str) -> bytes | None:
        full = os.path.join(self.root, rel)
        try:
            st = os.lstat(full)
            if stat.S_ISLNK(st.st_mode):
                return None  # the walk reports symlinks; never followed here
            if st.st_size > MAX_MANIFEST_SIZE:
                self.skipped.append(
                    Skipped(rel, f"manifest larger than {MAX_MANIFEST_SIZE} bytes, not parsed")
                )
                return None
            with open(full, "rb") as fh:
                return fh.read()
        except OSError as exc:
            self.skipped.append(Skipped(rel, f"cannot read: {exc.strerror or exc}"))
            return None

    def decode(self, rel: str, data: bytes) -> str | None:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            self.skipped.append(Skipped(rel, f"undecodable text: invalid UTF-8 ({exc.reason})"))
            return None


def inventory_from_files(
    root: Path,
    paths: Iterable[str],
    *,
    detect: Detector | None = _default_detect,
    hub_cache: Path | None = None,
    code_references: bool = True,
) -> Inventory:
    """The components declared by the files at ``paths`` (relative to ``root``).

    ``detect`` identifies the licence of licence files that manifests point at and that
    vendored or installed packages carry (None: leave them NOASSERTION, listed in
    ``licence_files``). ``hub_cache`` is a Hugging Face hub cache directory in which to
    look for the cards of datasets loaded by code (None: do not look outside the tree).
    ``code_references``: look for datasets loaded by the project's Python code.
    """
    all_paths = sorted(set(paths))
    path_set = set(all_paths)
    skipped: list[Skipped] = []
    reader = _Reader(root, skipped)
    parts: list[Inventory] = []
    requirements_done: set[str] = set()
    pending_requirements = [p for p in all_paths if is_requirements(p) and not _third_party(p)]
    for rel in all_paths:
        parser = parser_for(rel)
        if parser is not None:
            text = reader.read(rel)
            if text is not None:
                parts.append(parser(text, rel))
            continue
        name = posixpath.basename(rel)
        if name in _README:
            text = reader.read(rel)
            if text is not None and text.lstrip("\ufeff").startswith("---"):
                parts.append(datasets.parse_hugging_face_card(text, rel))
        elif code_references and datasets.is_code_file(rel) and not _third_party(rel):
            data = reader.read_bytes(rel)
            text = None if data is None else reader.decode(rel, data)
            # most code files load no dataset: one pass over the bytes tells
            if text is not None and datasets.may_load_datasets(data or b""):
                parts.append(datasets.datasets_in_code(text, rel))
    while pending_requirements:  # requirements files and the ones they include (-r)
        rel = pending_requirements.pop()
        if rel in requirements_done or rel.startswith("../") or posixpath.isabs(rel):
            continue
        requirements_done.add(rel)
        text = reader.read(rel)
        if text is None:
            continue
        found, includes = python.parse_requirements(text, rel)
        parts.append(found)
        pending_requirements.extend(includes)
    components = [c for part in parts for c in part.components]
    skipped.extend(s for part in parts for s in part.skipped)
    by_directory = licence_files_by_directory(all_paths)
    components = [
        _with_licence_files(c, path_set, by_directory, reader, detect) for c in components
    ]
    components = _license_code_datasets(components, reader, hub_cache)
    return Inventory(tuple(sort_components(merge_components(components))), tuple(skipped))


# --- licence files --------------------------------------------------------------------


def _is_licence_name(name: str) -> bool:
    lower = name.lower()
    return lower.startswith(_LICENCE_PREFIXES) and not lower.endswith((".py", ".js", ".go"))


def licence_files_by_directory(paths: Iterable[str]) -> dict[str, list[str]]:
    """Licence-looking files (LICENSE*, LICENCE*, COPYING*, ...) by their directory."""
    out: dict[str, list[str]] = {}
    for path in paths:
        directory, _, name = path.rpartition("/")
        if _is_licence_name(name):
            out.setdefault(directory, []).append(path)
    return out


def _owns_directory(component: Component) -> bool:
    """Whether ``component.path`` is the package's own folder (not a declaring manifest)."""
    return component.kind in (ComponentKind.PROJECT, ComponentKind.VENDORED) or any(
        e.method is EvidenceMethod.PACKAGE_METADATA for e in component.evidence
    )


def _candidate_licence_files(
    component: Component, path_set: set[str], by_directory: dict[str, list[str]]
) -> list[str]:
    found: list[str] = []
    for declared in component.licence_files:
        if declared in path_set:
            found.append(declared)
            continue
        if "/licenses/" in declared:  # dist-info: older tools put licence files beside METADATA
            beside = declared.replace("/licenses/", "/", 1)
            if beside in path_set:
                found.append(beside)
                continue
        if any(ch in declared for ch in "*?["):
            found.extend(p for p in sorted(path_set) if fnmatch.fnmatchcase(p, declared))
    if found or component.licence_known or not _owns_directory(component):
        return found
    # A project, vendored or installed package without a declared licence: its licence files.
    directory = "" if component.path == "." else component.path
    return sorted(by_directory.get(directory, ()))


def _with_licence_files(
    component: Component,
    path_set: set[str],
    by_directory: dict[str, list[str]],
    reader: _Reader,
    detect: Detector | None,
) -> Component:
    files = _candidate_licence_files(component, path_set, by_directory)
    if not files:
        return component
    evidence: list[ComponentEvidence] = []
    expressions: list[str] = []
    if detect is not None and not component.licence_known:
        for rel in files:
            text = reader.read(rel)
            if text is None:
                continue
            for ev in detect(text):
                if ev.licence in expressions:
                    continue
                expressions.append(ev.licence)
                evidence.append(licence_file_evidence(rel, ev))
    licence_files = tuple(dict.fromkeys((*component.licence_files, *files)))
    if not expressions:
        reason = component.licence_reason
        if not component.licence_known:
            what = ", ".join(files)
            reason = (
                f"no licence identified in {what}"
                if detect is not None
                else f"licence file {what} not yet detected"
            )
        return replace(component, licence_files=licence_files, licence_reason=reason)
    return replace(
        component,
        licence=combine(expressions),
        licence_reason=None,
        evidence=component.evidence + tuple(evidence),
        licence_files=licence_files,
    )


# --- datasets loaded by code ----------------------------------------------------------


def _license_code_datasets(
    components: list[Component], reader: _Reader, hub_cache: Path | None
) -> list[Component]:
    cards = {
        c.name.lower(): c
        for c in components
        if c.kind is ComponentKind.DATASET
        and c.licence_known
        and not any(e.method is EvidenceMethod.CODE_REFERENCE for e in c.evidence)
    }
    for card in list(cards.values()):
        cards.setdefault(posixpath.basename(card.path).lower(), card)
    out: list[Component] = []
    for c in components:
        referenced = c.kind is ComponentKind.DATASET and any(
            e.method is EvidenceMethod.CODE_REFERENCE for e in c.evidence
        )
        if not referenced or c.licence_known:
            out.append(c)
            continue
        local = cards.get(c.name.lower()) or cards.get(c.name.rsplit("/", 1)[-1].lower())
        if local is None and hub_cache is not None and c.ecosystem == "huggingface":
            cached = datasets.hugging_face_cache_card(c.name, hub_cache)
            if cached is not None:
                found = datasets.parse_hugging_face_card(cached[0], cached[1], repo_id=c.name)
                local = found.components[0] if found.components else None
        if local is not None and local.licence_known:
            c = replace(
                c, licence=local.licence, licence_reason=None, evidence=c.evidence + local.evidence
            )
        out.append(c)
    return out


# --- merging duplicates ---------------------------------------------------------------


def _rank(method: EvidenceMethod, order: tuple[EvidenceMethod, ...]) -> int:
    return order.index(method)


def _licence_strength(c: Component) -> tuple[float, int]:
    licensed = [e for e in c.evidence if e.licence is not None]
    if not licensed:
        return (0.0, len(_METHOD_RANK))
    best = max(licensed, key=lambda e: (e.score, -_rank(e.method, _METHOD_RANK)))
    return (best.score, -_rank(best.method, _METHOD_RANK))


def _merge(group: list[Component]) -> Component:
    if len(group) == 1:
        return group[0]
    kind = min((c.kind for c in group), key=KIND_PRIORITY.index)
    same_kind = [c for c in group if c.kind is kind]
    named = min(
        same_kind,
        key=lambda c: min((_rank(e.method, _PATH_RANK) for e in c.evidence), default=99),
    )
    licensed = [c for c in group if c.licence_known]
    licence, reason = NOASSERTION, named.licence_reason
    if licensed:
        licence = max(licensed, key=_licence_strength).licence
        reason = None
    else:
        reasons = [c.licence_reason for c in group if c.licence_reason]
        reason = next((r for r in reasons if r != NOT_INSTALLED), reasons[0] if reasons else None)
    evidence = tuple(dict.fromkeys(e for c in group for e in c.evidence))
    scopes = {c.scope for c in group if c.scope is not None}
    scope = next((s for s in (Scope.RUNTIME, Scope.OPTIONAL, Scope.DEV) if s in scopes), None)
    versioned = next((c for c in group if c.version is not None), named)
    purl = versioned.purl or named.purl
    return Component(
        id=component_id(kind, purl, named.path, named.name),
        name=named.name,
        version=versioned.version,
        kind=kind,
        path=named.path,
        purl=purl,
        licence=licence,
        licence_reason=reason,
        evidence=evidence,
        scope=scope,
        ecosystem=named.ecosystem or versioned.ecosystem,
        licence_files=tuple(dict.fromkeys(f for c in group for f in c.licence_files)),
    )


def merge_components(components: Iterable[Component]) -> list[Component]:
    """One component per package: the same purl (ignoring the version) found in several
    files is merged — per version when versions are known, with the unversioned
    declarations (a manifest's ``requests>=2``) merged into each locked or installed
    version. Components without a purl are merged only when their ids are equal."""
    by_package: dict[str, list[Component]] = {}
    for c in components:
        key = f"{c.kind is ComponentKind.DATASET}|{without_version(c.purl)}" if c.purl else c.id
        by_package.setdefault(key, []).append(c)
    out: list[Component] = []
    for group in by_package.values():
        versions: dict[str, list[Component]] = {}
        unversioned: list[Component] = []
        for c in group:
            if c.version is None:
                unversioned.append(c)
            else:
                versions.setdefault(c.version, []).append(c)
        if not versions:
            out.append(_merge(unversioned))
            continue
        for members in versions.values():
            out.append(_merge(members + unversioned))
    return out


def sort_components(components: Iterable[Component]) -> list[Component]:
    """Project first, then vendored code, datasets, dependencies; by name and version."""
    return sorted(
        components,
        key=lambda c: (KIND_PRIORITY.index(c.kind), c.name.lower(), c.version or "", c.path),
    )


# --- which component a file belongs to ------------------------------------------------

_ROOT_KINDS = (ComponentKind.PROJECT, ComponentKind.VENDORED, ComponentKind.DATASET)


def component_roots(components: Iterable[Component]) -> dict[str, list[Component]]:
    """Components that own a directory (project, vendored code, declared datasets,
    installed packages), by that directory ("" for the root)."""
    out: dict[str, list[Component]] = {}
    for c in components:
        if c.kind in _ROOT_KINDS or _owns_directory(c):
            if (
                c.kind is ComponentKind.DATASET
                and any(e.method is EvidenceMethod.CODE_REFERENCE for e in c.evidence)
                and not any(e.method is EvidenceMethod.DATASET_CARD for e in c.evidence)
            ):
                continue  # loaded by code: its path is the code file, not a folder
            out.setdefault("" if c.path == "." else c.path, []).append(c)
    return out


def owner_of(path: str, roots: dict[str, list[Component]]) -> Component | None:
    """The nearest component whose folder contains ``path`` (a relative POSIX path), from
    :func:`component_roots`. Data files (csv, parquet, images, audio, ...) belong to the
    nearest *dataset* declaration when there is one; other files to the nearest component
    of any kind. None when no component contains the file."""
    want_dataset = datasets.is_data_file(path)
    fallback: Component | None = None
    directory = posixpath.dirname(path)
    while True:
        for c in roots.get(directory, ()):
            if not want_dataset or c.kind is ComponentKind.DATASET:
                return c
            fallback = fallback or c
        if not directory:
            return fallback
        directory = posixpath.dirname(directory)
