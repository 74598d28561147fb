"""scan_project: the file scan plus components (project, vendored, dependencies) and owners."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanners.inventory.model import ComponentKind, EvidenceMethod
from scanners.project import build_inventory, scan_project, with_checksums
from scanners.scan import ScanOptions
from tests.scanners.pipeline_fixtures import FAKE_TEXT_MARK, install_fakes, make_repo, write


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fakes(monkeypatch)


def _tree(root: Path) -> Path:
    write(root, "LICENSE", f"{FAKE_TEXT_MARK}\n")  # the fake matcher: MIT
    write(root, "src/app.py", "x = 1\n")
    write(root, "third_party/peer/LICENSE", "SPDX-License-Identifier: PPL\n")
    write(root, "third_party/peer/peer.c", "int x;\n// SPDX-License-Identifier: PPL\n")
    write(root, "third_party/nolicence/a.c", "// SPDX-License-Identifier: MIT\n")
    write(root, "tools/gen/COPYING", "SPDX-License-Identifier: GPL-3.0-only\n")
    write(root, "package.json", '{"name": "app", "version": "1.0.0", "dependencies": {"lp": "1"}}')
    return root


def test_components_owners_and_licences(tmp_path: Path) -> None:
    report = scan_project(_tree(tmp_path / "p"), ScanOptions(jobs=1))
    by_path = {c.path: c for c in report.components if c.kind is not ComponentKind.DEPENDENCY}
    project = by_path["."]
    assert project.kind is ComponentKind.PROJECT and project.name == "app"
    # package.json declares no licence: the root LICENSE file's evidence decides.
    assert project.licence == "MIT"
    assert project.evidence[-1].method is EvidenceMethod.LICENCE_FILE
    assert project.evidence[-1].path == "LICENSE"
    peer = by_path["third_party/peer"]
    assert (peer.kind, peer.name, peer.licence) == (ComponentKind.VENDORED, "peer", "PPL")
    unlicensed = by_path["third_party/nolicence"]
    assert unlicensed.licence == "NOASSERTION"
    assert unlicensed.licence_reason == "no licence file in third_party/nolicence/"
    assert by_path["tools/gen"].licence == "GPL-3.0-only"  # a directory with its own COPYING
    deps = [c for c in report.components if c.kind is ComponentKind.DEPENDENCY]
    assert [(d.name, d.licence) for d in deps] == [("lp", "NOASSERTION")]
    assert report.owners["third_party/peer/peer.c"] == peer.id
    assert report.owners["LICENSE"] == project.id
    assert report.owners["third_party/nolicence/a.c"] == unlicensed.id
    assert report.git is None and report.root == (tmp_path / "p").resolve()


def test_a_tree_without_manifest_is_still_a_project(tmp_path: Path) -> None:
    write(tmp_path / "bare", "README", "hello\n")
    report = scan_project(tmp_path / "bare", ScanOptions(jobs=1))
    assert [(c.kind, c.name, c.licence) for c in report.components] == [
        (ComponentKind.PROJECT, "bare", "NOASSERTION")
    ]
    assert report.components[0].licence_reason == "no manifest and no licence file at the root"


def test_go_vendor_hosts_are_not_components(tmp_path: Path) -> None:
    paths = [
        "go.mod",
        "vendor/modules.txt",
        "vendor/github.com/pkg/errors/LICENSE",
        "vendor/github.com/pkg/errors/errors.go",
    ]
    write(tmp_path, "go.mod", "module example.com/app\n\ngo 1.22\n")
    write(tmp_path, "vendor/modules.txt", "# github.com/pkg/errors v0.9.1\n## explicit\n")
    write(tmp_path, "vendor/github.com/pkg/errors/LICENSE", "x\n")
    write(tmp_path, "vendor/github.com/pkg/errors/errors.go", "package errors\n")
    components, _, _ = build_inventory(tmp_path, paths, [])
    assert "vendor/github.com" not in {c.path for c in components}


def test_inventory_problems_are_skipped_entries(tmp_path: Path) -> None:
    write(tmp_path, "package.json", "{not json")
    report = scan_project(tmp_path, ScanOptions(jobs=1))
    assert any(s.path == "package.json" for s in report.scan.skipped)


def test_git_facts_are_reported(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    write(tmp_path / "r", "a.py", "# SPDX-License-Identifier: MIT\n")
    repo.index.add(["a.py"])
    commit = repo.index.commit("one")
    report = scan_project(tmp_path / "r", ScanOptions(jobs=1))
    assert report.git is not None
    assert report.git.commit == commit.hexsha and report.git.dirty is False


def test_checksums_are_sha1_of_content(tmp_path: Path) -> None:
    import hashlib

    write(tmp_path, "a.py", "# SPDX-License-Identifier: MIT\n")
    report = with_checksums(scan_project(tmp_path, ScanOptions(jobs=1)))
    expected = hashlib.sha1(b"# SPDX-License-Identifier: MIT\n").hexdigest()
    assert report.checksums == {"a.py": expected}


def test_the_inventory_of_an_unchanged_tree_comes_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scanners.project
    from tests.scanners.pipeline_fixtures import backdate

    root = _tree(tmp_path / "p")
    backdate(root)
    options = ScanOptions(jobs=1, cache_dir=tmp_path / "cache")
    first = scan_project(root, options)
    assert list((tmp_path / "cache").glob("scan-*-inventory.pickle"))
    calls: list[int] = []
    real = scanners.project.build_inventory

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(scanners.project, "build_inventory", counting)
    again = scan_project(root, options)
    assert calls == [] and again.components == first.components and again.owners == first.owners
    write(root, "third_party/other/LICENSE", "SPDX-License-Identifier: MIT\n")
    backdate(root)
    changed = scan_project(root, options)
    assert calls == [1]
    assert "third_party/other" in {c.path for c in changed.components}


def test_inventory_read_beside_the_workers_gives_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    import scanners.project as project_module

    root = _tree(tmp_path / "p")
    for n in range(80):  # enough files for worker processes
        write(root, f"src/mod{n}.py", f"# SPDX-License-Identifier: MIT\nx = {n}\n")
    threads: list[str] = []
    real = project_module.declared_inventory

    def recording(*args: object) -> object:
        threads.append(threading.current_thread().name)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(project_module, "declared_inventory", recording)
    alone = scan_project(root, ScanOptions(jobs=1))
    assert threads == [threading.main_thread().name]
    beside = scan_project(root, ScanOptions(jobs=2))
    assert threads[1].startswith("copyfair-inventory")
    assert beside.components == alone.components
    assert beside.owners == alone.owners
    assert beside.scan.files == alone.scan.files
    assert beside.scan.skipped == alone.scan.skipped


def test_the_callers_next_steps_are_prepared_while_the_workers_scan(tmp_path: Path) -> None:
    import threading

    root = _tree(tmp_path / "p")
    for n in range(80):  # enough files for worker processes
        write(root, f"src/mod{n}.py", f"# SPDX-License-Identifier: MIT\nx = {n}\n")
    ran: list[str] = []
    done = threading.Event()

    def prepare() -> None:
        ran.append(threading.current_thread().name)
        done.set()

    scan_project(root, ScanOptions(jobs=1), prepare=prepare)
    assert ran == []  # no workers: nothing to overlap, the caller does it in turn
    scan_project(root, ScanOptions(jobs=2), prepare=prepare)
    assert done.wait(10)
    assert len(ran) == 1 and ran[0].startswith("copyfair-inventory")


def test_a_failing_preparation_does_not_fail_the_scan(tmp_path: Path) -> None:
    root = _tree(tmp_path / "p")
    for n in range(80):
        write(root, f"src/mod{n}.py", f"# SPDX-License-Identifier: MIT\nx = {n}\n")

    def prepare() -> None:
        raise ImportError("no such module")

    report = scan_project(root, ScanOptions(jobs=2), prepare=prepare)
    alone = scan_project(root, ScanOptions(jobs=1))
    assert report.scan.files == alone.scan.files and len(report.scan.files) >= 80
