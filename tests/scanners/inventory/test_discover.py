from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pytest

from scanners.inventory import inventory_from_files
from scanners.inventory.discover import (
    component_roots,
    is_requirements,
    merge_components,
    owner_of,
    parser_for,
)
from scanners.inventory.model import (
    NOASSERTION,
    ComponentKind,
    EvidenceMethod,
    Inventory,
    Scope,
    make_component,
)
from scanners.model import Evidence, Method

from .helpers import FIXTURES

SITE = ".venv/lib/python3.11/site-packages"

# Files of the golden tree: path in the tree -> fixture file or literal text.
TREE: dict[str, str] = {
    "pyproject.toml": "@python/pyproject-pep639.toml",
    "LICENSES/MIT.txt": "MIT licence text",
    "requirements.txt": "-r requirements-base.txt\nrequests==2.31.0\n",
    "requirements-base.txt": "certifi==2024.2.2\n",
    "uv.lock": "@python/uv.lock",
    f"{SITE}/certifi-2024.2.2.dist-info/METADATA": (
        "Metadata-Version: 2.1\nName: certifi\nVersion: 2024.2.2\nLicense: MPL-2.0\n\n"
    ),
    f"{SITE}/bare-0.1.dist-info/METADATA": "@python/METADATA-licence-file",
    f"{SITE}/bare-0.1.dist-info/LICENSE": "BSD licence text",
    "web/package.json": "@js/package.json",
    "web/LICENSE.txt": "MIT licence text",
    "web/package-lock.json": "@js/package-lock-v3.json",
    "web/node_modules/react/package.json": (
        '{"name": "react", "version": "18.2.0", "license": "MIT"}'
    ),
    "web/node_modules/react/lib/package.json": '{"type": "module"}',
    "web/node_modules/quiet/package.json": '{"name": "quiet", "version": "1.0.0"}',
    "web/node_modules/quiet/LICENSE": "BSD licence text",
    "go.mod": "@go/go.mod",
    "vendor/modules.txt": "@go/modules.txt",
    "vendor/github.com/pkg/errors/LICENSE": "BSD licence text",
    "data/acme-reviews/README.md": "@datasets/README-nc.md",
    "data/acme-reviews/train.parquet": "PAR1",
    "train.py": "@datasets/train.py.txt",
    "broken/Cargo.toml": "[package\nname = 'x'\n",
    "docs/README.md": "# Just a readme\n",
}


def fake_detect(text: str) -> Sequence[Evidence]:
    """Stands in for scanners.detect.detect_text: 'MIT ...' and 'BSD ...' texts."""
    out = []
    for word, licence in (("MIT", "MIT"), ("BSD", "BSD-2-Clause")):
        if word in text:
            out.append(Evidence(Method.LICENCE_TEXT, licence, 1, 1, 0.97))
    return out


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel, content in TREE.items():
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if content.startswith("@"):
            shutil.copyfile(FIXTURES / content[1:], target)
        else:
            target.write_text(content, encoding="utf-8")
    return tmp_path


def inventory(root: Path, **kwargs: object) -> Inventory:
    paths = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    return inventory_from_files(root, paths, detect=fake_detect, **kwargs)  # type: ignore[arg-type]


def find(found: Inventory, name: str, version: str | None = None) -> list:  # type: ignore[type-arg]
    return [
        c for c in found.components if c.name == name and (version is None or c.version == version)
    ]


def test_projects_come_first_with_their_licence(tree: Path) -> None:
    found = inventory(tree)
    projects = {c.name: c for c in found.components[:2]}
    assert {c.kind for c in projects.values()} == {ComponentKind.PROJECT}
    python = projects["sample-tool"]
    assert python.licence == "MIT OR Apache-2.0"
    assert "LICENSES/MIT.txt" in python.licence_files  # the glob matched
    go_module = projects["github.com/acme/tool"]
    assert go_module.licence == NOASSERTION  # no licence file at the root of this tree
    assert go_module.licence_reason


def test_requirements_includes_are_followed(tree: Path) -> None:
    (certifi,) = find(inventory(tree), "certifi")
    methods = {e.method for e in certifi.evidence}
    # declared by requirements-base.txt (included by requirements.txt), locked, installed
    assert methods == {
        EvidenceMethod.MANIFEST, EvidenceMethod.LOCKFILE, EvidenceMethod.PACKAGE_METADATA
    }  # fmt: skip
    assert certifi.licence == "MPL-2.0"  # from the installed metadata
    assert certifi.path == "requirements-base.txt"  # the manifest that declares it
    assert certifi.version == "2024.2.2"
    assert certifi.licence_reason is None


def test_a_declared_but_absent_dependency_is_noassertion(tree: Path) -> None:
    (requests,) = find(inventory(tree), "requests", "2.31.0")
    assert requests.licence == NOASSERTION
    assert requests.licence_reason == "not installed or vendored"


def test_installed_licence_files_are_detected(tree: Path) -> None:
    (bare,) = find(inventory(tree), "bare")
    assert bare.licence == "BSD-2-Clause"
    licence_file = [e for e in bare.evidence if e.method is EvidenceMethod.LICENCE_FILE]
    assert licence_file[0].path == f"{SITE}/bare-0.1.dist-info/LICENSE"  # beside METADATA


def test_without_a_detector_licence_files_are_listed(tree: Path) -> None:
    paths = [p.relative_to(tree).as_posix() for p in tree.rglob("*") if p.is_file()]
    (bare,) = find(inventory_from_files(tree, paths, detect=None), "bare")
    assert bare.licence == NOASSERTION
    assert bare.licence_files[-1] == f"{SITE}/bare-0.1.dist-info/LICENSE"
    assert "not yet detected" in (bare.licence_reason or "")


def test_npm_manifest_lockfile_and_node_modules_merge(tree: Path) -> None:
    found = inventory(tree)
    (react,) = find(found, "react")
    assert react.version == "18.2.0"
    assert react.licence == "MIT"
    assert react.path == "web/package.json"
    assert react.scope is Scope.RUNTIME
    assert {e.method for e in react.evidence} >= {
        EvidenceMethod.MANIFEST, EvidenceMethod.LOCKFILE, EvidenceMethod.PACKAGE_METADATA
    }  # fmt: skip
    (types,) = find(found, "@types/node")
    assert types.version == "20.11.5"  # the manifest's ^20.11.0 merged into the locked version
    assert types.scope is Scope.RUNTIME  # declared in dependencies, dev in the lock: runtime wins
    (quiet,) = find(found, "quiet")
    assert quiet.licence == "BSD-2-Clause"  # from node_modules/quiet/LICENSE
    (app,) = find(found, "@acme/web-app")
    assert app.kind is ComponentKind.VENDORED  # a sub-package with its own manifest
    assert app.licence == "MIT"  # SEE LICENSE IN LICENSE.txt


def test_go_vendored_modules_take_their_licence_files(tree: Path) -> None:
    (errors,) = find(inventory(tree), "github.com/pkg/errors")
    assert errors.kind is ComponentKind.VENDORED  # go.mod, go.sum and modules.txt merged
    assert errors.path == "vendor/github.com/pkg/errors"
    assert errors.licence == "BSD-2-Clause"


def test_datasets_loaded_by_code_use_a_local_card(tree: Path) -> None:
    found = inventory(tree)
    (reviews,) = find(found, "acme/acme-reviews")
    assert reviews.licence == "CC-BY-NC-4.0"
    (squad,) = find(found, "rajpurkar/squad")
    assert squad.licence == NOASSERTION
    assert all(c.name != "csv" for c in found.components)


def test_datasets_loaded_by_code_use_the_hugging_face_cache(
    tree: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    cache = tmp_path_factory.mktemp("hub")
    card = cache / "datasets--rajpurkar--squad" / "snapshots" / "abc" / "README.md"
    card.parent.mkdir(parents=True)
    card.write_text("---\nlicense: cc-by-sa-4.0\n---\n", encoding="utf-8")
    (squad,) = find(inventory(tree, hub_cache=cache), "rajpurkar/squad")
    assert squad.licence == "CC-BY-SA-4.0"


def test_bad_files_become_skips_and_never_crash(tree: Path) -> None:
    (tree / "bad").mkdir()
    (tree / "bad" / "package.json").write_bytes(b'{"name": "caf\xe9"}')
    os.symlink("/etc/passwd", tree / "bad" / "pom.xml")
    found = inventory(tree)
    reasons = {s.path: s.reason for s in found.skipped}
    assert reasons["broken/Cargo.toml"].startswith("TOML parse error at line 1")
    assert reasons["bad/package.json"].startswith("undecodable text")
    assert "bad/pom.xml" not in reasons  # a symlink: reported by the walk, never read here


def test_every_component_has_evidence_and_a_unique_id(tree: Path) -> None:
    found = inventory(tree)
    ids = [c.id for c in found.components]
    assert len(ids) == len(set(ids))
    assert all(c.evidence for c in found.components)
    assert all(c.licence_reason for c in found.components if c.licence == NOASSERTION)


def test_parser_selection() -> None:
    assert parser_for("node_modules/a/package.json") is not None
    assert parser_for("node_modules/@s/a/package.json") is not None
    assert parser_for("node_modules/a/lib/package.json") is None
    assert parser_for("x/a-1.dist-info/METADATA") is not None
    assert parser_for("METADATA") is None
    assert parser_for("src/main.rs") is None
    assert is_requirements("requirements/dev.txt")
    assert is_requirements("requirements-test.in")
    assert not is_requirements("notes.txt")


def test_merging_keeps_distinct_versions_apart() -> None:
    one = make_component(
        name="a", version="1.0.0", kind=ComponentKind.DEPENDENCY, path="yarn.lock",
        purl="pkg:npm/a@1.0.0",
    )  # fmt: skip
    two = make_component(
        name="a", version="2.0.0", kind=ComponentKind.DEPENDENCY, path="yarn.lock",
        purl="pkg:npm/a@2.0.0", licence="MIT",
    )  # fmt: skip
    merged = merge_components([one, two])
    assert sorted((c.version, c.licence) for c in merged) == [
        ("1.0.0", NOASSERTION), ("2.0.0", "MIT")
    ]  # fmt: skip


def test_files_belong_to_the_nearest_component(tree: Path) -> None:
    roots = component_roots(inventory(tree).components)
    data = owner_of("data/acme-reviews/train.parquet", roots)
    assert data is not None and data.kind is ComponentKind.DATASET
    assert data.licence == "CC-BY-NC-4.0"
    vendored = owner_of("vendor/github.com/pkg/errors/errors.go", roots)
    assert vendored is not None and vendored.name == "github.com/pkg/errors"
    installed = owner_of("web/node_modules/quiet/index.js", roots)
    assert installed is not None and installed.name == "quiet"
    web = owner_of("web/src/app.ts", roots)
    assert web is not None and web.name == "@acme/web-app"
    top = owner_of("src/main.py", roots)
    assert top is not None and top.kind is ComponentKind.PROJECT


def test_the_package_names_resolve_and_the_parsers_load_lazily() -> None:
    import subprocess
    import sys

    import scanners.inventory as inventory

    for name in inventory.__all__:
        assert getattr(inventory, name) is not None, name
    code = "import sys, scanners.inventory; print('scanners.inventory.discover' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
