"""Python: ``pyproject.toml``, ``requirements*.txt``, ``poetry.lock``, ``uv.lock``,
``Pipfile.lock`` and installed distributions (``*.dist-info/METADATA``, ``PKG-INFO``).

Pure functions of (text, path); none raises on bad input: a file that cannot be parsed
becomes a :class:`~scanners.model.Skipped` entry with the parse error and its location.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from scanners.inventory import purl
from scanners.inventory.common import (
    declared_evidence,
    existence,
    kind_of_manifest,
    line_of,
    lists_dependencies,
    toml_package_lines,
)
from scanners.inventory.licensing import combine, interpret_classifier
from scanners.inventory.model import (
    NOASSERTION,
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
    make_component,
)
from scanners.inventory.parsing import ParseFailure, load_json, load_mapping, load_toml
from scanners.model import Skipped

if TYPE_CHECKING:
    from packaging.requirements import Requirement

# packaging and email.parser are imported when a requirement or a distribution's metadata
# is first parsed: a tree without Python manifests never needs them (25 ms a scan).

ECOSYSTEM = "pypi"


def _dependency(
    name: str,
    version: str | None,
    path: str,
    method: EvidenceMethod,
    line: int | None,
    detail: str,
    scope: Scope | None = None,
) -> Component:
    return make_component(
        name=purl.pypi_name(name),
        version=version,
        kind=ComponentKind.DEPENDENCY,
        path=path,
        purl=purl.pypi(name, version),
        evidence=(existence(method, path, line, detail),),
        scope=scope,
        ecosystem=ECOSYSTEM,
    )


def _pinned(requirement: Requirement) -> str | None:
    """The version of an exact pin (``==1.2.3`` / ``===1.2.3``), else None."""
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def _requirement(
    spec: str, text: str, path: str, scope: Scope, skipped: list[Skipped]
) -> Component | None:
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        req = Requirement(spec)
    except InvalidRequirement as exc:
        what = str(exc).splitlines()[0] if str(exc) else "invalid"
        skipped.append(Skipped(path, f"invalid requirement {spec!r}: {what}"))
        return None
    return _dependency(
        req.name,
        _pinned(req),
        path,
        EvidenceMethod.MANIFEST,
        line_of(text, f'"{spec}', f"'{spec}", f'"{req.name}', req.name),
        f"requires {spec!r}",
        scope,
    )


def _str_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [x for x in value if isinstance(x, str)]
    return []


# --- pyproject.toml -------------------------------------------------------------------


def parse_pyproject(text: str, path: str) -> Inventory:
    """PEP 621 ``[project]`` (with PEP 639 ``license``/``license-files`` and the legacy
    ``license = {text|file}`` table), ``[dependency-groups]`` (PEP 735) and Poetry's
    ``[tool.poetry]``: the package itself and the dependencies it declares."""
    try:
        data = load_toml(text)
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    skipped: list[Skipped] = []
    components: list[Component] = []
    project = data.get("project")
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    meta: dict[str, Any] = project if isinstance(project, dict) else {}
    if not meta and isinstance(poetry, dict):
        meta = poetry
    if meta.get("name"):
        components.append(_pyproject_package(meta, text, path))
    if isinstance(project, dict):
        for spec in _str_list(project.get("dependencies")):
            c = _requirement(spec, text, path, Scope.RUNTIME, skipped)
            components.extend([c] if c else [])
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for specs in optional.values():
                for spec in _str_list(specs):
                    c = _requirement(spec, text, path, Scope.OPTIONAL, skipped)
                    components.extend([c] if c else [])
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        for specs in groups.values():
            for spec in _str_list(specs):  # {include-group = ...} tables are skipped
                c = _requirement(spec, text, path, Scope.DEV, skipped)
                components.extend([c] if c else [])
    if isinstance(tool, dict) and isinstance(tool.get("uv"), dict):
        for spec in _str_list(tool["uv"].get("dev-dependencies")):
            c = _requirement(spec, text, path, Scope.DEV, skipped)
            components.extend([c] if c else [])
    if isinstance(poetry, dict):
        components.extend(_poetry_dependencies(poetry, text, path))
    if not lists_dependencies(path):  # vendored: only the package itself
        components = [c for c in components if c.kind is not ComponentKind.DEPENDENCY]
    return Inventory(tuple(components), tuple(skipped))


def _pyproject_package(meta: dict[str, Any], text: str, path: str) -> Component:
    name = str(meta["name"])
    version = meta.get("version") if isinstance(meta.get("version"), str) else None
    base = posixpath.dirname(path)
    evidence: list[ComponentEvidence] = []
    expression: str | None = None
    reason: str | None = None
    licence_files: list[str] = []
    declared = meta.get("license")
    line = line_of(text, "\nlicense =", "\nlicense=", "license")
    if isinstance(declared, str):  # PEP 639 expression, or Poetry's licence string
        meaning, ev = declared_evidence(declared, EvidenceMethod.MANIFEST, path, line)
        evidence.append(ev)
        expression, reason = meaning.expression, meaning.reason
    elif isinstance(declared, dict):
        if isinstance(declared.get("text"), str):
            meaning, ev = declared_evidence(declared["text"], EvidenceMethod.MANIFEST, path, line)
            evidence.append(ev)
            expression, reason = meaning.expression, meaning.reason
        if isinstance(declared.get("file"), str):
            licence_files.append(posixpath.normpath(posixpath.join(base, declared["file"])))
            reason = reason or f"licence in {declared['file']}, not yet detected"
    files = meta.get("license-files")
    if isinstance(files, dict):  # draft PEP 639 form: {paths = [...]} / {globs = [...]}
        files = _str_list(files.get("paths")) + _str_list(files.get("globs"))
    for pattern in _str_list(files):
        licence_files.append(posixpath.normpath(posixpath.join(base, pattern)))
    if expression is None and reason is None:
        reason = "no licence declared in pyproject.toml"
    classifiers = _str_list(meta.get("classifiers"))
    if expression is None:
        expression, classifier_evidence = _from_classifiers(classifiers, text, path)
        evidence.extend(classifier_evidence)
    return make_component(
        name=purl.pypi_name(name),
        version=version,
        kind=kind_of_manifest(path),
        path=base or ".",
        purl=purl.pypi(name, version),
        licence=expression,
        licence_reason=reason,
        evidence=tuple(evidence) or (existence(EvidenceMethod.MANIFEST, path, None, "package"),),
        ecosystem=ECOSYSTEM,
        licence_files=tuple(licence_files),
    )


def _poetry_dependencies(poetry: dict[str, Any], text: str, path: str) -> list[Component]:
    tables: list[tuple[Any, Scope]] = [
        (poetry.get("dependencies"), Scope.RUNTIME),
        (poetry.get("dev-dependencies"), Scope.DEV),
    ]
    groups = poetry.get("group")
    if isinstance(groups, dict):
        for group_name, group in groups.items():
            if isinstance(group, dict):
                scope = Scope.RUNTIME if group_name == "main" else Scope.DEV
                tables.append((group.get("dependencies"), scope))
    out: list[Component] = []
    for table, scope in tables:
        if not isinstance(table, dict):
            continue
        for name, spec in table.items():
            if name.lower() == "python":
                continue
            version_spec = spec.get("version") if isinstance(spec, dict) else spec
            optional = isinstance(spec, dict) and spec.get("optional") is True
            version = None
            if isinstance(version_spec, str) and re.fullmatch(r"=?=?\s*\d[\w.+!-]*", version_spec):
                version = version_spec.lstrip("= ")
            out.append(
                _dependency(
                    name,
                    version,
                    path,
                    EvidenceMethod.MANIFEST,
                    line_of(text, f"\n{name} =", f"\n{name}=", f'"{name}"'),
                    f"requires {name} {version_spec!r}" if version_spec else f"requires {name}",
                    Scope.OPTIONAL if optional else scope,
                )
            )
    return out


def _from_classifiers(
    classifiers: Iterable[str], text: str, path: str
) -> tuple[str | None, list[ComponentEvidence]]:
    expressions: list[str] = []
    evidence: list[ComponentEvidence] = []
    for classifier in classifiers:
        meaning = interpret_classifier(classifier)
        if meaning is None:
            continue
        if meaning.expression:
            expressions.append(meaning.expression)
        evidence.append(
            ComponentEvidence(
                method=EvidenceMethod.CLASSIFIER,
                path=path,
                line=line_of(text, classifier),
                score=meaning.score if meaning.expression else 0.0,
                licence=meaning.expression,
                detail=classifier if meaning.expression else f"{classifier} ({meaning.reason})",
            )
        )
    # Several licence classifiers: all of them apply as far as we can tell (AND), the
    # conservative reading; a License-Expression says OR where that is meant.
    return (combine(expressions) if expressions else None), evidence


# --- requirements*.txt ----------------------------------------------------------------

_OPTION_WITH_VALUE = re.compile(
    r"^(-i|--index-url|--extra-index-url|-f|--find-links|--trusted-host|--no-binary|"
    r"--only-binary|--prefer-binary|--require-hashes|--pre|--use-feature|--no-index)\b"
)
_INCLUDE = re.compile(r"^(-r|--requirement|-c|--constraint)\s*=?\s*(\S+)")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


def _logical_lines(text: str) -> Iterable[tuple[int, str]]:
    """Lines with ``\\`` continuations joined and comments removed, with their line numbers."""
    pending = ""
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        line = raw
        if line.lstrip().startswith("#"):
            line = ""
        else:
            line = re.sub(r"(^|\s)#.*$", "", line)
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        full = (pending + line).strip()
        pending = ""
        if full:
            yield start, full


def requirements_scope(path: str) -> Scope:
    """``requirements-dev.txt``, ``requirements/test.txt`` and the like are development."""
    name = path.lower()
    if re.search(r"(dev|test|lint|doc|ci|typing|bench)", posixpath.basename(name)) or re.search(
        r"(^|/)(dev|tests?|docs?|ci)/", name
    ):
        return Scope.DEV
    return Scope.RUNTIME


def parse_requirements(text: str, path: str) -> tuple[Inventory, tuple[str, ...]]:
    """A pip requirements file: the requirements it lists, and the files it includes with
    ``-r``/``-c`` (relative to the repository root, for the caller to follow within the
    tree). Hashes, markers, extras, editable and URL requirements are understood."""
    components: list[Component] = []
    skipped: list[Skipped] = []
    includes: list[str] = []
    scope = requirements_scope(path)
    base = posixpath.dirname(path)
    for number, line in _logical_lines(text):
        include = _INCLUDE.match(line)
        if include:
            if include.group(1) in ("-r", "--requirement"):
                includes.append(posixpath.normpath(posixpath.join(base, include.group(2))))
            continue
        if _OPTION_WITH_VALUE.match(line):
            continue
        editable = False
        if line.startswith(("-e ", "--editable ", "--editable=")):
            editable = True
            line = re.sub(r"^(-e|--editable)[\s=]+", "", line)
        line = re.sub(r"\s--hash[=\s]\S+", "", line).strip()
        if line.startswith("-"):
            continue  # another option we need not understand
        egg = _EGG.search(line)
        if "://" in line.split("@")[0] or line.startswith((".", "/", "git+")) or editable:
            if egg is None:
                if "://" in line or line.startswith((".", "/")):
                    continue  # a local path or URL without a name: nothing to list
            else:
                name = egg.group(1)
                components.append(
                    _dependency(
                        name,
                        None,
                        path,
                        EvidenceMethod.MANIFEST,
                        number,
                        f"requires {line!r}",
                        scope,
                    )
                )
                continue
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            req = Requirement(line)
        except InvalidRequirement as exc:
            what = str(exc).splitlines()[0] if str(exc) else "invalid requirement"
            skipped.append(Skipped(path, f"requirements parse error at line {number}: {what}"))
            continue
        components.append(
            _dependency(
                req.name,
                _pinned(req),
                path,
                EvidenceMethod.MANIFEST,
                number,
                f"requires {line!r}",
                scope,
            )
        )
    return Inventory(tuple(components), tuple(skipped)), tuple(includes)


# --- lockfiles ------------------------------------------------------------------------


def _packages_table(text: str, path: str, what: str) -> tuple[list[dict[str, Any]], Inventory]:
    try:
        data = load_toml(text)
    except ParseFailure as exc:
        return [], Inventory(skipped=(exc.skipped(path),))
    packages = data.get("package")
    if not isinstance(packages, list):
        return [], Inventory(skipped=(Skipped(path, f"{what}: no [[package]] entries"),))
    return [p for p in packages if isinstance(p, dict)], Inventory()


def _lock_components(packages: list[dict[str, Any]], text: str, path: str, what: str) -> Inventory:
    out: list[Component] = []
    skipped: list[Skipped] = []
    lines = toml_package_lines(text)
    for package in packages:
        name, version = package.get("name"), package.get("version")
        if not isinstance(name, str):
            skipped.append(Skipped(path, f"{what}: a [[package]] entry has no name"))
            continue
        scope = None
        category = package.get("category")
        if category == "dev":
            scope = Scope.DEV
        elif package.get("optional") is True:
            scope = Scope.OPTIONAL
        out.append(
            _dependency(
                name,
                version if isinstance(version, str) else None,
                path,
                EvidenceMethod.LOCKFILE,
                lines.get((name, version)) or lines.get((name, None)),
                f"locked {name} {version}",
                scope,
            )
        )
    return Inventory(tuple(out), tuple(skipped))


def parse_poetry_lock(text: str, path: str) -> Inventory:
    packages, failed = _packages_table(text, path, "poetry.lock")
    return failed + _lock_components(packages, text, path, "poetry.lock")


def parse_uv_lock(text: str, path: str) -> Inventory:
    """``uv.lock``: every locked package but the project's own (an editable or virtual
    source at the project root)."""
    packages, failed = _packages_table(text, path, "uv.lock")
    third_party = []
    for package in packages:
        source = package.get("source")
        if isinstance(source, dict) and (
            source.get("editable") == "." or source.get("virtual") == "."
        ):
            continue
        third_party.append(package)
    return failed + _lock_components(third_party, text, path, "uv.lock")


def parse_pipfile_lock(text: str, path: str) -> Inventory:
    try:
        data = load_mapping(load_json, text, "Pipfile.lock: not a JSON object")
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    out: list[Component] = []
    for section, scope in (("default", Scope.RUNTIME), ("develop", Scope.DEV)):
        entries = data.get(section)
        if not isinstance(entries, dict):
            continue
        for name, entry in entries.items():
            pin = entry.get("version") if isinstance(entry, dict) else None
            version = pin.lstrip("=") if isinstance(pin, str) and pin.startswith("==") else None
            out.append(
                _dependency(
                    name,
                    version,
                    path,
                    EvidenceMethod.LOCKFILE,
                    line_of(text, f'"{name}": {{'),
                    f"locked {name} {pin or ''}".strip(),
                    scope,
                )
            )
    return Inventory(tuple(out))


# --- installed distributions ----------------------------------------------------------


def parse_distribution_metadata(text: str, path: str) -> Inventory:
    """``*.dist-info/METADATA`` or ``*.egg-info/PKG-INFO`` of an installed distribution:
    ``License-Expression`` (PEP 639), else ``License`` when it is an expression or a known
    name, else the licence classifiers; ``License-File`` entries become ``licence_files``
    (``<dist-info>/licenses/<file>`` per PEP 639; older tools put them beside METADATA, and
    the caller checks which exists)."""
    from email.parser import HeaderParser

    headers = HeaderParser().parsestr(text, headersonly=True)
    name = headers.get("Name")
    if not name:
        return Inventory(skipped=(Skipped(path, "package metadata has no Name field"),))
    name = str(name).strip()
    version = str(headers.get("Version", "")).strip() or None
    info_dir = posixpath.dirname(path)
    evidence: list[ComponentEvidence] = []
    expression: str | None = None
    reason: str | None = None
    method = EvidenceMethod.PACKAGE_METADATA
    declared = headers.get("License-Expression")
    if declared:
        meaning, ev = declared_evidence(
            str(declared), method, path, line_of(text, "\nLicense-Expression:")
        )
        evidence.append(ev)
        expression, reason = meaning.expression, meaning.reason
    legacy = headers.get("License")
    if expression is None and legacy and str(legacy).strip().upper() not in ("", "UNKNOWN"):
        meaning, ev = declared_evidence(str(legacy), method, path, line_of(text, "\nLicense:"))
        evidence.append(ev)
        expression, reason = meaning.expression, reason or meaning.reason
    if expression is None:
        expression, classifier_evidence = _from_classifiers(
            [str(c) for c in headers.get_all("Classifier") or []], text, path
        )
        evidence.extend(classifier_evidence)
    licence_files = tuple(
        posixpath.join(info_dir, "licenses", str(f).strip())
        for f in headers.get_all("License-File") or []
    )
    if expression is None and reason is None:
        reason = "no licence in the package metadata"
    return Inventory(
        (
            make_component(
                name=purl.pypi_name(name),
                version=version,
                kind=ComponentKind.DEPENDENCY,
                path=info_dir,
                purl=purl.pypi(name, version),
                licence=expression or NOASSERTION,
                licence_reason=reason,
                evidence=tuple(evidence)
                or (existence(method, path, None, f"installed {name} {version}"),),
                ecosystem=ECOSYSTEM,
                licence_files=licence_files,
            ),
        )
    )
