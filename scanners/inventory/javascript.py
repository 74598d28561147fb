"""JavaScript: ``package.json``, ``package-lock.json`` (v1, v2, v3), ``yarn.lock`` (classic
v1 and berry), ``pnpm-lock.yaml`` (v5, v6, v9) and installed ``node_modules/**/package.json``.

Pure functions of (text, path); none raises on bad input. ``yarn.lock`` is read line by line
(both formats), so very large ones cost little memory.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import Any

from scanners.inventory import purl
from scanners.inventory.common import (
    declared_evidence,
    existence,
    key_lines,
    kind_of_manifest,
    line_of,
    lists_dependencies,
)
from scanners.inventory.licensing import Interpretation, combine
from scanners.inventory.model import (
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
    make_component,
)
from scanners.inventory.parsing import ParseFailure, load_json, load_mapping, load_yaml
from scanners.model import Skipped

ECOSYSTEM = "npm"

_EXACT = re.compile(r"^v?=?\s*(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$")
_SEE_LICENCE = re.compile(r"^SEE LICEN[CS]E IN\s+(.+)$", re.I)
_DEPENDENCY_SECTIONS: tuple[tuple[str, Scope], ...] = (
    ("dependencies", Scope.RUNTIME),
    ("devDependencies", Scope.DEV),
    ("optionalDependencies", Scope.OPTIONAL),
    ("peerDependencies", Scope.OPTIONAL),
)


def _dependency(
    name: str,
    version: str | None,
    path: str,
    method: EvidenceMethod,
    line: int | None,
    detail: str,
    scope: Scope | None,
    evidence: tuple[ComponentEvidence, ...] = (),
    licence: str | None = None,
    reason: str | None = None,
) -> Component:
    return make_component(
        name=name,
        version=version,
        kind=ComponentKind.DEPENDENCY,
        path=path,
        purl=purl.npm(name, version),
        licence=licence,
        licence_reason=reason,
        evidence=evidence or (existence(method, path, line, detail),),
        scope=scope,
        ecosystem=ECOSYSTEM,
    )


def _declared_licences(data: dict[str, Any]) -> list[str]:
    """``license`` as a string or a legacy ``{type}`` object, or a legacy ``licenses``
    array (several entries: a choice, joined with OR by npm's own convention)."""
    declared = data.get("license")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, dict) and isinstance(declared.get("type"), str):
        return [declared["type"]]
    licences = data.get("licenses")
    if isinstance(licences, list):
        out = []
        for entry in licences:
            if isinstance(entry, str):
                out.append(entry)
            elif isinstance(entry, dict) and isinstance(entry.get("type"), str):
                out.append(entry["type"])
        return out
    return []


def _licence_of(
    data: dict[str, Any],
    text: str,
    path: str,
    method: EvidenceMethod,
    line: int | None = None,
) -> tuple[str | None, str | None, tuple[ComponentEvidence, ...], tuple[str, ...]]:
    """(expression, reason, evidence, licence files) from a package.json-like object."""
    declared = _declared_licences(data)
    if not declared:
        return None, f"no licence declared in {posixpath.basename(path)}", (), ()
    base = posixpath.dirname(path)
    if line is None:
        line = line_of(text, '"license"', '"licenses"')
    expressions: list[str] = []
    evidence: list[ComponentEvidence] = []
    files: list[str] = []
    reason: str | None = None
    for value in declared:
        see = _SEE_LICENCE.match(value.strip())
        if see:
            files.append(posixpath.normpath(posixpath.join(base, see.group(1).strip())))
            meaning = Interpretation(None, reason=f"licence in {see.group(1).strip()}")
        elif value.strip().upper() == "UNLICENSED":
            meaning = Interpretation(
                None, reason="UNLICENSED: the package grants no licence (proprietary)"
            )
        else:
            meaning = None
        meaning, ev = declared_evidence(value, method, path, line, meaning)
        evidence.append(ev)
        if meaning.expression:
            expressions.append(meaning.expression)
        else:
            reason = reason or meaning.reason
    if expressions and len(expressions) == len(declared):
        return combine(expressions, "OR"), None, tuple(evidence), tuple(files)
    return None, reason, tuple(evidence), tuple(files)


def _exact(spec: Any) -> str | None:
    if not isinstance(spec, str):
        return None
    m = _EXACT.match(spec.strip())
    return m.group(1) if m else None


def parse_package_json(text: str, path: str) -> Inventory:
    """A package.json: the package itself (project, vendored, or — under node_modules/ —
    an installed dependency whose declared licence is authoritative) and, except for
    installed packages, the dependencies it declares."""
    try:
        data = load_mapping(load_json, text, "package.json: not a JSON object")
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    kind = kind_of_manifest(path)
    components: list[Component] = []
    name = data.get("name")
    version = data.get("version") if isinstance(data.get("version"), str) else None
    method = (
        EvidenceMethod.PACKAGE_METADATA
        if kind is ComponentKind.DEPENDENCY
        else EvidenceMethod.MANIFEST
    )
    if isinstance(name, str) and name:
        expression, reason, evidence, files = _licence_of(data, text, path, method)
        if data.get("private") is True and expression is None:
            reason = f"private package; {reason}" if reason else "private package"
        components.append(
            make_component(
                name=name,
                version=version,
                kind=kind,
                path=posixpath.dirname(path) or ".",
                purl=purl.npm(name, version),
                licence=expression,
                licence_reason=reason,
                evidence=evidence or (existence(method, path, None, "package"),),
                ecosystem=ECOSYSTEM,
                licence_files=files,
            )
        )
    if lists_dependencies(path):
        for section, scope in _DEPENDENCY_SECTIONS:
            table = data.get(section)
            if not isinstance(table, dict):
                continue
            for dep, spec in table.items():
                components.append(
                    _dependency(
                        dep,
                        _exact(spec),
                        path,
                        EvidenceMethod.MANIFEST,
                        line_of(text, f'"{dep}":'),
                        f"{section}: {dep} {spec}",
                        scope,
                    )
                )
    return Inventory(tuple(components))


# --- package-lock.json ----------------------------------------------------------------


def _lock_scope(entry: dict[str, Any]) -> Scope:
    if entry.get("dev") is True or entry.get("devOptional") is True:
        return Scope.DEV
    if entry.get("optional") is True or entry.get("peer") is True:
        return Scope.OPTIONAL
    return Scope.RUNTIME


def parse_package_lock(text: str, path: str) -> Inventory:
    """``package-lock.json`` / ``npm-shrinkwrap.json``: v2/v3 ``packages`` (with the
    ``license`` npm records for each package), else v1's nested ``dependencies``."""
    try:
        data = load_mapping(load_json, text, "package-lock.json: not a JSON object")
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    packages = data.get("packages")
    if isinstance(packages, dict):
        return Inventory(tuple(_lock_v2(packages, path, key_lines(text, "    "))))
    dependencies = data.get("dependencies")
    if isinstance(dependencies, dict):
        return Inventory(tuple(_lock_v1(dependencies, path)))
    return Inventory()


def _lock_v2(packages: dict[str, Any], path: str, lines: dict[str, int]) -> Iterable[Component]:
    marker = "node_modules/"
    for key, entry in packages.items():
        if not isinstance(entry, dict) or marker not in key or entry.get("link") is True:
            continue  # the root project, workspace members and links
        name = entry.get("name") or key[key.rindex(marker) + len(marker) :]
        version = entry.get("version") if isinstance(entry.get("version"), str) else None
        detail = f"locked {name} {version} ({key})"
        expression = reason = None
        evidence: tuple[ComponentEvidence, ...] = ()
        if _declared_licences(entry):
            expression, reason, evidence, _ = _licence_of(
                entry, "", path, EvidenceMethod.LOCKFILE, lines.get(key)
            )
        yield _dependency(
            name,
            version,
            path,
            EvidenceMethod.LOCKFILE,
            lines.get(key),
            detail,
            _lock_scope(entry),
            evidence,
            expression,
            reason,
        )


def _lock_v1(dependencies: dict[str, Any], path: str) -> Iterable[Component]:
    stack = [dependencies]
    while stack:
        table = stack.pop()
        for name, entry in table.items():
            if not isinstance(entry, dict):
                continue
            version = entry.get("version") if isinstance(entry.get("version"), str) else None
            if version is not None and version.startswith(("file:", "link:")):
                continue
            yield _dependency(
                name,
                version,
                path,
                EvidenceMethod.LOCKFILE,
                None,
                f"locked {name} {version}",
                _lock_scope(entry),
            )
            nested = entry.get("dependencies")
            if isinstance(nested, dict):
                stack.append(nested)


# --- yarn.lock ------------------------------------------------------------------------

_YARN_VERSION = re.compile(r'^\s+version:?\s+"?([^"\s]+)"?\s*$')


def _yarn_name(descriptor: str) -> str:
    """``"@scope/name@npm:^1.0"`` → ``@scope/name``."""
    descriptor = descriptor.strip().strip('"').strip("'")
    at = descriptor.find("@", 1)
    return descriptor[:at] if at > 0 else descriptor


def parse_yarn_lock(text: str, path: str) -> Inventory:
    """``yarn.lock``, classic (v1) or berry (v2+), read line by line: one dependency per
    entry, named by its first descriptor, with its resolved version. Workspace and
    link entries (the project's own packages) are left out."""
    components: list[Component] = []
    skipped: list[Skipped] = []
    name: str | None = None
    header_line = 0
    found_version = False
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line or line.startswith("#"):
            continue
        if not line[0].isspace():
            if name is not None and not found_version:
                skipped.append(
                    Skipped(path, f"yarn.lock: entry at line {header_line} has no version")
                )
            header = line.rstrip().removesuffix(":")
            first = header.split(",", 1)[0]
            if first.startswith("__metadata") or not line.rstrip().endswith(":"):
                name = None
                if not line.rstrip().endswith(":"):
                    skipped.append(
                        Skipped(path, f"yarn.lock parse error at line {number}: {line[:80]!r}")
                    )
                continue
            if "@workspace:" in header or "@link:" in header or "@portal:" in header:
                name = None
                continue
            name = _yarn_name(first)
            header_line = number
            found_version = False
            continue
        if name is None or found_version:
            continue
        m = _YARN_VERSION.match(line)
        if m:
            found_version = True
            version = m.group(1)
            if (name, version) in seen:
                continue
            seen.add((name, version))
            components.append(
                _dependency(
                    name,
                    version,
                    path,
                    EvidenceMethod.LOCKFILE,
                    header_line,
                    f"locked {name} {version}",
                    None,
                )
            )
    return Inventory(tuple(components), tuple(skipped))


# --- pnpm-lock.yaml -------------------------------------------------------------------

_PNPM_V5 = re.compile(r"^/?((?:@[^/]+/)?[^/@]+)/(\d[^/_(]*)")


def _pnpm_key(key: str) -> tuple[str, str | None] | None:
    """``/name/1.0.0_peer`` (v5), ``/name@1.0.0(peer@2)`` (v6), ``name@1.0.0`` (v9)."""
    key = key.split("(", 1)[0]
    m = _PNPM_V5.match(key)
    if m:
        return m.group(1), m.group(2)
    key = key.lstrip("/")
    at = key.find("@", 1)
    if at < 0:
        return None
    version = key[at + 1 :]
    return key[:at], (version or None)


def parse_pnpm_lock(text: str, path: str) -> Inventory:
    """``pnpm-lock.yaml`` v5, v6 and v9: the ``packages`` section, with dev/optional flags
    where the lockfile records them (v5/v6)."""
    try:
        data = load_mapping(load_yaml, text, "pnpm-lock.yaml: not a mapping")
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    packages = data.get("packages")
    if not isinstance(packages, dict):
        return Inventory()
    components: list[Component] = []
    skipped: list[Skipped] = []
    lines = key_lines(text, "  ")
    for key, entry in packages.items():
        parsed = _pnpm_key(str(key))
        if parsed is None:
            skipped.append(Skipped(path, f"pnpm-lock.yaml: cannot read package key {key!r}"))
            continue
        name, version = parsed
        if isinstance(entry, dict) and isinstance(entry.get("name"), str):
            name = entry["name"]
            version = entry.get("version") if isinstance(entry.get("version"), str) else version
        if version is not None and version.startswith(("link:", "file:", "workspace:")):
            continue
        scope = None
        if isinstance(entry, dict):
            if entry.get("dev") is True:
                scope = Scope.DEV
            elif entry.get("optional") is True:
                scope = Scope.OPTIONAL
            elif entry.get("dev") is False:
                scope = Scope.RUNTIME
        components.append(
            _dependency(
                name,
                version,
                path,
                EvidenceMethod.LOCKFILE,
                lines.get(str(key)),
                f"locked {name} {version}",
                scope,
            )
        )
    return Inventory(tuple(components), tuple(skipped))
