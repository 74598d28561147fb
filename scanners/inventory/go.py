"""Go: ``go.mod``, ``go.sum`` and ``vendor/modules.txt``, all read line by line."""

from __future__ import annotations

import posixpath

from scanners.inventory import purl
from scanners.inventory.common import existence, kind_of_manifest
from scanners.inventory.model import (
    Component,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
    make_component,
)
from scanners.model import Skipped

ECOSYSTEM = "golang"


def _module(
    module: str,
    version: str | None,
    path: str,
    method: EvidenceMethod,
    line: int,
    detail: str,
    scope: Scope | None = None,
    kind: ComponentKind = ComponentKind.DEPENDENCY,
    root: str | None = None,
) -> Component:
    return make_component(
        name=module,
        version=version,
        kind=kind,
        path=root or path,
        purl=purl.golang(module, version),
        evidence=(existence(method, path, line, detail),),
        scope=scope,
        ecosystem=ECOSYSTEM,
    )


def _strip_comment(line: str) -> tuple[str, str]:
    code, _, comment = line.partition("//")
    return code.strip(), comment.strip()


def parse_go_mod(text: str, path: str) -> Inventory:
    """``go.mod``: the module itself and its ``require`` directives (``// indirect`` ones
    included, as they are built in)."""
    components: list[Component] = []
    skipped: list[Skipped] = []
    in_require = False
    for number, raw in enumerate(text.splitlines(), 1):
        line, comment = _strip_comment(raw)
        if not line:
            continue
        if in_require:
            if line == ")":
                in_require = False
                continue
            spec = line
        elif line.startswith("module "):
            module = line.split(None, 1)[1].strip().strip('"')
            components.append(
                _module(
                    module,
                    None,
                    path,
                    EvidenceMethod.MANIFEST,
                    number,
                    f"module {module}",
                    kind=kind_of_manifest(path),
                    root=posixpath.dirname(path) or ".",
                )
            )
            continue
        elif line.startswith("require"):
            rest = line[len("require") :].strip()
            if rest == "(":
                in_require = True
                continue
            spec = rest
        else:
            continue  # go, toolchain, replace, exclude, retract, ...
        parts = spec.split()
        if len(parts) != 2:
            skipped.append(Skipped(path, f"go.mod parse error at line {number}: {raw.strip()!r}"))
            continue
        module, version = parts[0].strip('"'), parts[1]
        components.append(
            _module(
                module,
                version,
                path,
                EvidenceMethod.MANIFEST,
                number,
                f"require {module} {version}" + (" // indirect" if "indirect" in comment else ""),
            )
        )
    return Inventory(tuple(components), tuple(skipped))


def parse_go_sum(text: str, path: str) -> Inventory:
    """``go.sum``: each module version whose content (not only its go.mod) is checksummed."""
    components: list[Component] = []
    skipped: list[Skipped] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        parts = raw.split()
        if not parts:
            continue
        if len(parts) != 3 or not parts[2].startswith("h1:"):
            skipped.append(Skipped(path, f"go.sum parse error at line {number}: {raw[:80]!r}"))
            continue
        module, version = parts[0], parts[1]
        if version.endswith("/go.mod") or (module, version) in seen:
            continue
        seen.add((module, version))
        components.append(
            _module(
                module, version, path, EvidenceMethod.LOCKFILE, number, f"sum {module} {version}"
            )
        )
    return Inventory(tuple(components), tuple(skipped))


def parse_vendor_modules(text: str, path: str) -> Inventory:
    """``vendor/modules.txt``: each vendored module, as a component rooted at
    ``vendor/<module path>`` (its licence comes from the licence files there)."""
    vendor_dir = posixpath.dirname(path)
    components: list[Component] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if not raw.startswith("# "):
            continue
        parts = raw[2:].split()
        if len(parts) < 2 or parts[0].startswith("#"):
            continue
        module, version = parts[0], parts[1]
        if version == "=>":  # "# module => ../local": a replacement without a version
            continue
        components.append(
            _module(
                module,
                version,
                path,
                EvidenceMethod.LOCKFILE,
                number,
                f"vendored {module} {version}",
                kind=ComponentKind.VENDORED,
                root=posixpath.join(vendor_dir, module),
            )
        )
    return Inventory(tuple(components))
