from __future__ import annotations

from scanners.inventory import purl
from scanners.inventory.model import (
    NOASSERTION,
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    component_id,
    make_component,
)
from scanners.model import Skipped


def test_ids_are_stable_and_derived_from_the_purl_or_the_path() -> None:
    assert (
        component_id(ComponentKind.DEPENDENCY, "pkg:npm/a@1", "x", "a") == "dependency:pkg:npm/a@1"
    )
    first = component_id(ComponentKind.VENDORED, None, "third_party/zlib", "zlib")
    assert first == component_id(ComponentKind.VENDORED, None, "third_party/zlib", "zlib")
    assert first != component_id(ComponentKind.VENDORED, None, "vendor/zlib", "zlib")


def test_no_licence_is_noassertion_with_a_reason() -> None:
    dep = make_component(name="a", version=None, kind=ComponentKind.DEPENDENCY, path="p")
    assert dep.licence == NOASSERTION
    assert dep.licence_reason == "not installed or vendored"
    licensed = make_component(
        name="b", version="1", kind=ComponentKind.DEPENDENCY, path="p", licence="MIT",
        licence_reason="ignored",
    )  # fmt: skip
    assert licensed.licence_known and licensed.licence_reason is None


def test_to_dict() -> None:
    evidence = ComponentEvidence(EvidenceMethod.LOCKFILE, "yarn.lock", 3, 1.0, "MIT", "locked")
    component = make_component(
        name="a", version="1", kind=ComponentKind.DEPENDENCY, path="yarn.lock",
        purl="pkg:npm/a@1", licence="MIT", evidence=(evidence,),
    )  # fmt: skip
    inventory = Inventory((component,), (Skipped("x", "y"),))
    data = inventory.to_dict()
    assert data["skipped"] == [{"path": "x", "reason": "y"}]
    out = component.to_dict()
    assert data["components"] == [out]
    assert out["kind"] == "dependency"
    assert out["evidence"] == [
        {"method": "lockfile", "path": "yarn.lock", "line": 3, "score": 1.0, "licence": "MIT",
         "detail": "locked"}
    ]  # fmt: skip


def test_purls() -> None:
    assert purl.pypi("Foo_Bar.baz", "1.0") == "pkg:pypi/foo-bar-baz@1.0"
    assert purl.npm("@Scope/Name", "1.0.0") == "pkg:npm/%40scope/name@1.0.0"
    assert (
        purl.golang("github.com/pkg/errors", "v0.9.1") == "pkg:golang/github.com/pkg/errors@v0.9.1"
    )
    assert purl.maven("org.acme", "core", "1") == "pkg:maven/org.acme/core@1"
    assert purl.cargo("serde") == "pkg:cargo/serde"
    assert purl.without_version("pkg:npm/%40types/node@20.1.0") == "pkg:npm/%40types/node"
    assert purl.without_version(purl.hugging_face_dataset("a/b", "main")) == "pkg:huggingface/a/b"
