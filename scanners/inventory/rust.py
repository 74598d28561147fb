"""Rust: ``Cargo.toml`` (the package, its licence or licence file, its dependencies),
``Cargo.lock`` and vendored crates (``vendor/*/Cargo.toml``, read as manifests)."""

from __future__ import annotations

import posixpath
from typing import Any

from scanners.inventory import purl
from scanners.inventory.common import (
    declared_evidence,
    existence,
    kind_of_manifest,
    line_of,
    lists_dependencies,
    toml_package_lines,
)
from scanners.inventory.model import (
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
    make_component,
)
from scanners.inventory.parsing import ParseFailure, load_toml
from scanners.model import Skipped

ECOSYSTEM = "cargo"

_SECTIONS: tuple[tuple[str, Scope], ...] = (
    ("dependencies", Scope.RUNTIME),
    ("dev-dependencies", Scope.DEV),
    ("build-dependencies", Scope.DEV),
)


def _dependency(
    name: str, version: str | None, path: str, method: EvidenceMethod, line: int | None,
    detail: str, scope: Scope | None,
) -> Component:  # fmt: skip
    return make_component(
        name=name,
        version=version,
        kind=ComponentKind.DEPENDENCY,
        path=path,
        purl=purl.cargo(name, version),
        evidence=(existence(method, path, line, detail),),
        scope=scope,
        ecosystem=ECOSYSTEM,
    )


def _exact(spec: Any) -> str | None:
    if isinstance(spec, str) and spec.startswith("="):
        return spec.lstrip("= ") or None
    return None


def parse_cargo_toml(text: str, path: str) -> Inventory:
    try:
        data = load_toml(text)
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    components: list[Component] = []
    package = data.get("package")
    base = posixpath.dirname(path)
    if isinstance(package, dict) and isinstance(package.get("name"), str):
        name = package["name"]
        version = package.get("version") if isinstance(package.get("version"), str) else None
        evidence: list[ComponentEvidence] = []
        expression = reason = None
        files: tuple[str, ...] = ()
        if isinstance(package.get("license"), str):
            meaning, ev = declared_evidence(
                package["license"], EvidenceMethod.MANIFEST, path, line_of(text, "\nlicense")
            )
            evidence.append(ev)
            expression, reason = meaning.expression, meaning.reason
        elif isinstance(package.get("license"), dict):
            reason = "licence inherited from the workspace (license.workspace = true)"
        if isinstance(package.get("license-file"), str):
            files = (posixpath.normpath(posixpath.join(base, package["license-file"])),)
            reason = reason or f"licence in {package['license-file']}, not yet detected"
        components.append(
            make_component(
                name=name,
                version=version,
                kind=kind_of_manifest(path),
                path=base or ".",
                purl=purl.cargo(name, version),
                licence=expression,
                licence_reason=reason or "no licence declared in Cargo.toml",
                evidence=tuple(evidence)
                or (existence(EvidenceMethod.MANIFEST, path, None, "package"),),
                ecosystem=ECOSYSTEM,
                licence_files=files,
            )
        )
    if lists_dependencies(path):
        tables: list[tuple[Any, Scope]] = [(data.get(s), scope) for s, scope in _SECTIONS]
        workspace = data.get("workspace")
        if isinstance(workspace, dict):
            tables.append((workspace.get("dependencies"), Scope.RUNTIME))
        targets = data.get("target")
        if isinstance(targets, dict):
            for target in targets.values():
                if isinstance(target, dict):
                    tables.extend((target.get(s), scope) for s, scope in _SECTIONS)
        for table, scope in tables:
            if not isinstance(table, dict):
                continue
            for key, spec in table.items():
                name = key
                version_spec: Any = spec
                dep_scope = scope
                if isinstance(spec, dict):
                    if "path" in spec or spec.get("workspace") is True:
                        continue  # a crate of this repository, or declared by the workspace
                    name = spec.get("package", key) if isinstance(spec.get("package"), str) else key
                    version_spec = spec.get("version")
                    if spec.get("optional") is True:
                        dep_scope = Scope.OPTIONAL
                components.append(
                    _dependency(
                        name,
                        _exact(version_spec),
                        path,
                        EvidenceMethod.MANIFEST,
                        line_of(text, f"\n{key} =", f"\n{key}="),
                        f"requires {name} {version_spec!r}" if version_spec else f"requires {name}",
                        dep_scope,
                    )
                )
    return Inventory(tuple(components))


def parse_cargo_lock(text: str, path: str) -> Inventory:
    """``Cargo.lock``: every locked crate that comes from a registry or git (crates
    without a ``source`` are this workspace's own)."""
    try:
        data = load_toml(text)
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    packages = data.get("package")
    if not isinstance(packages, list):
        return Inventory(skipped=(Skipped(path, "Cargo.lock: no [[package]] entries"),))
    components = []
    lines = toml_package_lines(text)
    for package in packages:
        if not isinstance(package, dict) or not isinstance(package.get("name"), str):
            continue
        if "source" not in package:
            continue
        name = package["name"]
        version = package.get("version") if isinstance(package.get("version"), str) else None
        components.append(
            _dependency(
                name,
                version,
                path,
                EvidenceMethod.LOCKFILE,
                lines.get((name, version)),
                f"locked {name} {version}",
                None,
            )
        )
    return Inventory(tuple(components))
