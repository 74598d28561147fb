"""Java: Maven ``pom.xml`` (``<licenses>`` and ``<dependencies>``), parsed with
``defusedxml`` (no entity expansion, no external entities)."""

from __future__ import annotations

import posixpath
from xml.etree.ElementTree import Element

from scanners.inventory import purl
from scanners.inventory.common import (
    declared_evidence,
    existence,
    kind_of_manifest,
    line_of,
    lists_dependencies,
)
from scanners.inventory.licensing import combine
from scanners.inventory.model import (
    Component,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
    make_component,
)
from scanners.inventory.parsing import ParseFailure, load_xml
from scanners.model import Skipped

ECOSYSTEM = "maven"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: Element, name: str) -> Element | None:
    for child in element:
        if isinstance(child.tag, str) and _local(child.tag) == name:
            return child
    return None


def _text(element: Element | None, name: str) -> str | None:
    if element is None:
        return None
    child = _child(element, name)
    if child is None or child.text is None:
        return None
    value = child.text.strip()
    return value or None


def _resolved(value: str | None) -> str | None:
    """A value without unresolved ``${property}`` references (None otherwise)."""
    return None if value is None or "${" in value else value


def parse_pom(text: str, path: str) -> Inventory:
    try:
        project = load_xml(text.encode("utf-8"))
    except ParseFailure as exc:
        return Inventory(skipped=(exc.skipped(path),))
    if _local(project.tag) != "project":
        return Inventory(skipped=(Skipped(path, "pom.xml: the root element is not <project>"),))
    parent = _child(project, "parent")
    group = _text(project, "groupId") or _text(parent, "groupId")
    artifact = _text(project, "artifactId")
    version = _resolved(_text(project, "version") or _text(parent, "version"))
    components: list[Component] = []
    if group and artifact:
        evidence: list[ComponentEvidence] = []
        expressions: list[str] = []
        reason: str | None = None
        licences = _child(project, "licenses")
        for licence in licences if licences is not None else []:
            name = _text(licence, "name")
            url = _text(licence, "url")
            if name is None:
                continue
            meaning, ev = declared_evidence(
                name, EvidenceMethod.MANIFEST, path, line_of(text, f"<name>{name}</name>")
            )
            evidence.append(ev if url is None else _with_url(ev, url))
            if meaning.expression:
                expressions.append(meaning.expression)
            else:
                reason = reason or meaning.reason
        named = len(evidence)
        expression = (
            combine(expressions, "OR") if expressions and len(expressions) == named else None
        )
        components.append(
            make_component(
                name=f"{group}:{artifact}",
                version=version,
                kind=kind_of_manifest(path),
                path=posixpath.dirname(path) or ".",
                purl=purl.maven(group, artifact, version),
                licence=expression,
                licence_reason=reason or "no licence declared in pom.xml",
                evidence=tuple(evidence)
                or (existence(EvidenceMethod.MANIFEST, path, None, "project"),),
                ecosystem=ECOSYSTEM,
            )
        )
    dependencies = _child(project, "dependencies")
    if dependencies is not None and lists_dependencies(path):
        for dependency in dependencies:
            if not isinstance(dependency.tag, str) or _local(dependency.tag) != "dependency":
                continue
            dep_group = _text(dependency, "groupId")
            dep_artifact = _text(dependency, "artifactId")
            if not dep_group or not dep_artifact:
                continue
            dep_version = _resolved(_text(dependency, "version"))
            maven_scope = _text(dependency, "scope") or "compile"
            scope = Scope.DEV if maven_scope == "test" else Scope.RUNTIME
            if _text(dependency, "optional") == "true":
                scope = Scope.OPTIONAL
            components.append(
                make_component(
                    name=f"{dep_group}:{dep_artifact}",
                    version=dep_version,
                    kind=ComponentKind.DEPENDENCY,
                    path=path,
                    purl=purl.maven(dep_group, dep_artifact, dep_version),
                    evidence=(
                        existence(
                            EvidenceMethod.MANIFEST,
                            path,
                            line_of(text, f"<artifactId>{dep_artifact}</artifactId>"),
                            f"{maven_scope} dependency {dep_group}:{dep_artifact}",
                        ),
                    ),
                    scope=scope,
                    ecosystem=ECOSYSTEM,
                )
            )
    return Inventory(tuple(components))


def _with_url(evidence: ComponentEvidence, url: str) -> ComponentEvidence:
    detail = f"{evidence.detail}, {url}" if evidence.detail else url
    return ComponentEvidence(
        method=evidence.method,
        path=evidence.path,
        line=evidence.line,
        score=evidence.score,
        licence=evidence.licence,
        detail=detail,
    )
