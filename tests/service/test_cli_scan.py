from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanners.inventory.model import (
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    make_component,
)
from scanners.model import Evidence, FileResult, Method, ScanReport, ScanStats, Skipped
from scanners.project import ProjectReport
from service.cli import main
from service.cli.scan_cmd import parse_size
from service.formats.interface import OutputFormat, get_format
from tests.scanners.pipeline_fixtures import FAKE_TEXT_MARK, backdate, write
from tests.service import cli_tree
from tests.service.cli_tree import project_tree

_fakes = cli_tree.fakes


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """The shared project, plus a non-commercial licence, an unknown one, a binary file
    and one beyond the tests' ``--max-file-size 1KB``."""
    more: dict[str, str | bytes] = {
        "src/nc.md": "<!-- SPDX-License-Identifier: CC-BY-NC-SA-4.0 -->\n",
        "src/odd.py": "# SPDX-License-Identifier: Acme-Private\n",
        "data.bin": b"\0\1\2\3",
        "big.txt": "copyright " * 200,
    }
    return project_tree(tmp_path, more)


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_json_output_has_the_documented_shape(tree: Path) -> None:
    code, out, _ = _run(str(tree), "--format", "json", "--max-file-size", "1KB", "-j", "1")
    assert code == 0
    doc = json.loads(out)
    assert doc["schema_version"] == "1"
    assert doc["target"] == str(tree)
    files = {f["path"]: f for f in doc["files"]}
    assert list(files) == sorted(files)
    assert files["src/dual.py"]["licences"] == ["MIT", "Apache-2.0"]
    ev = files["LICENSE"]["evidence"][0]
    assert {k: ev[k] for k in ("method", "licence", "start_line", "end_line", "score")} == {
        "method": "licence-text",
        "licence": "MIT",
        "start_line": 1,
        "end_line": 1,
        "score": 0.99,
    }
    assert files["src/peer.py"]["evidence"][0]["method"] == "spdx-tag"
    assert files["src/dual.py"]["evidence"][0]["expression"] == "MIT OR Apache-2.0"
    assert doc["skipped"] == [
        {
            "path": "big.txt",
            "reason": "larger than the size limit (1000 bytes; see --max-file-size)",
        }
    ]
    assert doc["stats"]["files_seen"] == 7
    assert doc["stats"]["binary_files"] == 1
    summary = {s["licence"]: s for s in doc["summary"]}
    assert summary["MIT"]["files"] == 2
    assert set(summary["PPL"]) == {"licence", "name", "category", "files"}


def test_text_output_lists_copyfair_and_noncommercial_first(tree: Path) -> None:
    code, out, _ = _run(str(tree), "--max-file-size", "1KB", "--jobs", "1")
    assert code == 0
    assert out.startswith(f"Scanned {tree}: 7 files")
    rows = [line.split() for line in out.splitlines() if line.startswith("  ")]
    ids = [row[0] for row in rows if len(row) == 3]
    assert set(ids) == {
        "PPL",
        "CC-BY-NC-SA-4.0",
        "MIT",
        "Apache-2.0",
        "LicenseRef-copyfair-unknown",
    }
    from licences.catalog import load_catalog

    if "PPL" in load_catalog():  # the catalog says which categories come first
        assert ids[:2] == ["PPL", "CC-BY-NC-SA-4.0"]
        assert "      src/peer.py" in out.splitlines()
    assert "Skipped 1 file; 1 binary file not scanned (run with --show-skipped" in out
    assert "      src/odd.py" in out.splitlines()  # files with unreadable tags are listed


def test_show_skipped_lists_every_reason(tree: Path) -> None:
    code, out, _ = _run(str(tree), "--max-file-size", "1KB", "--show-skipped", "-j", "1")
    assert code == 0
    assert "  big.txt: larger than the size limit" in out


def test_a_missing_path_exits_2_naming_it(tmp_path: Path) -> None:
    code, out, err = _run(str(tmp_path / "no-such-dir"))
    assert code == 2
    assert "no-such-dir" in err and out == ""


def test_usage_errors_exit_2(tree: Path) -> None:
    assert _run(str(tree), "--max-file-size", "lots")[0] == 2
    assert _run(str(tree), "--format", "xml")[0] == 2
    assert _run(str(tree), "--jobs", "0")[0] == 2
    assert _run()[0] == 2


def test_output_file(tree: Path, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    code, out, _ = _run(str(tree), "--format", "json", "-o", str(target), "-j", "1")
    assert code == 0 and out == ""
    assert json.loads(target.read_text())["target"] == str(tree)
    code, _, err = _run(str(tree), "-o", str(tmp_path / "no" / "dir" / "r.txt"))
    assert code == 2 and "r.txt" in err


def test_the_cache_is_used_and_can_be_disabled(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "my-cache"
    _run(str(tree), "--cache-dir", str(cache), "-j", "1")
    assert list(cache.glob("scan-*.pickle"))
    _, out, _ = _run(str(tree), "--cache-dir", str(cache), "-j", "1")
    assert "(0 read, 7 from cache)" in out
    _, out, _ = _run(str(tree), "--no-cache", "-j", "1")
    assert "(7 read, 0 from cache)" in out
    assert not (tmp_path / "default-cache").exists() or not any(
        (tmp_path / "default-cache").glob("scan-*")
    )


def test_default_cache_dir_comes_from_the_environment(tree: Path, tmp_path: Path) -> None:
    _run(str(tree), "-j", "1")
    assert list((tmp_path / "default-cache").glob("scan-*.pickle"))


@pytest.mark.parametrize(
    ("text", "size"),
    [("10MB", 10_000_000), ("512KiB", 524_288), ("2048", 2048), ("1.5k", 1500), ("1 GiB", 2**30)],
)
def test_parse_size(text: str, size: int) -> None:
    assert parse_size(text) == size


def test_parse_size_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="parsecs"):
        parse_size("3 parsecs")


def sample_report() -> ProjectReport:
    """A report with a copyfair vendored component owning one licensed file."""
    peer = make_component(
        name="peer-lib",
        version="1.0",
        kind=ComponentKind.VENDORED,
        path="third_party/peer",
        licence="PPL",
        evidence=(
            ComponentEvidence(
                EvidenceMethod.LICENCE_FILE, "third_party/peer/LICENSE", 1, 0.99, "PPL"
            ),
        ),
    )
    scan = ScanReport(
        "t",
        (
            FileResult(
                "third_party/peer/LICENSE", (Evidence(Method.LICENCE_TEXT, "PPL", 1, 9, 0.99),)
            ),
        ),
        (Skipped("b", "why"),),
        ScanStats(files_seen=2),
    )
    return ProjectReport(
        scan,
        (peer,),
        {"third_party/peer/LICENSE": peer.id},
        checksums={"third_party/peer/LICENSE": "0" * 40},
    )


@pytest.mark.parametrize("choice", list(OutputFormat))
def test_every_output_format_renders(choice: OutputFormat) -> None:
    rendered = get_format(choice).render(sample_report(), show_skipped=True)
    assert rendered.endswith("\n") and "peer-lib" in rendered
    if choice in (OutputFormat.TEXT, OutputFormat.JSON, OutputFormat.MARKDOWN, OutputFormat.SARIF):
        assert "why" in rendered


def test_an_unreadable_path_exits_2_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    target = tmp_path / "private"
    target.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    code, _, err = _run(str(target))
    assert code == 2 and "private: permission denied" in err


def test_a_git_repository_end_to_end(tmp_path: Path) -> None:
    from tests.scanners.pipeline_fixtures import make_repo

    repo = make_repo(tmp_path / "repo")
    write(tmp_path / "repo", "a.py", "# SPDX-License-Identifier: PPL\n")
    repo.index.add(["a.py"])
    repo.index.commit("init")
    write(tmp_path / "repo", "b.py", "# SPDX-License-Identifier: MIT\n")
    _, out, _ = _run(str(tmp_path / "repo"), "--format", "json", "--no-cache")
    assert [f["path"] for f in json.loads(out)["files"]] == ["a.py"]
    _, out, _ = _run(str(tmp_path / "repo"), "--format", "json", "--no-cache", "--all-files")
    assert [f["path"] for f in json.loads(out)["files"]] == ["a.py", "b.py"]


def test_notes_are_shown(tmp_path: Path) -> None:
    from tests.scanners.pipeline_fixtures import make_repo

    make_repo(tmp_path / "repo")
    write(tmp_path / "repo", "new/a.py", "# SPDX-License-Identifier: PPL\n")
    code, out, _ = _run(str(tmp_path / "repo" / "new"), "--no-cache")
    assert code == 0
    assert "Note: git lists no tracked files under the target" in out
    _, out, _ = _run(str(tmp_path / "repo" / "new"), "--no-cache", "--format", "json")
    doc = json.loads(out)
    assert doc["notes"] and [f["path"] for f in doc["files"]] == ["a.py"]


def test_format_choices_are_every_output_format() -> None:
    from service.cli.scan_cmd import scan

    option = next(p for p in scan.params if p.name == "output_format")
    assert list(option.type.choices) == [str(f) for f in OutputFormat]  # type: ignore[attr-defined]


def test_json_has_components_owners_and_git(tmp_path: Path) -> None:
    from tests.scanners.pipeline_fixtures import make_repo

    root = tmp_path / "repo"
    repo = make_repo(root)
    write(root, "LICENSE", f"{FAKE_TEXT_MARK}\n")
    write(root, "vendor/peer/LICENSE", "SPDX-License-Identifier: PPL\n")
    write(root, "vendor/peer/p.c", "// SPDX-License-Identifier: PPL\n")
    repo.index.add(["LICENSE", "vendor/peer/LICENSE", "vendor/peer/p.c"])
    commit = repo.index.commit("init")
    repo.create_remote("origin", "https://u:secret@example.org/o/r.git")
    code, out, _ = _run(str(root), "--format", "json", "--no-cache", "-j", "1")
    assert code == 0
    doc = json.loads(out)
    assert doc["git"] == {
        "commit": commit.hexsha,
        "branch": repo.active_branch.name,
        "remote_url": "https://example.org/o/r.git",
        "dirty": False,
    }
    comps = {c["path"]: c for c in doc["components"]}
    assert comps["."]["kind"] == "project" and comps["."]["licence"] == "MIT"
    peer = comps["vendor/peer"]
    assert {k: peer[k] for k in ("name", "kind", "licence", "category")} == {
        "name": "peer",
        "kind": "vendored",
        "licence": "PPL",
        "category": "copyfair",
    }
    assert set(peer) >= {"id", "name", "version", "kind", "path", "purl", "licence", "evidence"}
    assert peer["evidence"][0]["path"] == "vendor/peer/LICENSE"
    files = {f["path"]: f for f in doc["files"]}
    assert files["vendor/peer/p.c"]["component"] == peer["id"]
    assert files["LICENSE"]["component"] == comps["."]["id"]
    _, text, _ = _run(str(root), "--no-cache", "-j", "1")
    assert "Components: 2 (1 project, 1 vendored):" in text
    assert "      peer (vendored, vendor/peer): PPL" in text
    assert f"Git: {repo.active_branch.name} at {commit.hexsha[:12]}" in text


def test_rev_scans_a_revision_without_touching_the_work_tree(tmp_path: Path) -> None:
    from tests.scanners.pipeline_fixtures import make_repo

    root = tmp_path / "repo"
    repo = make_repo(root)
    write(root, "a.py", "# SPDX-License-Identifier: PPL\n")
    repo.index.add(["a.py"])
    first = repo.index.commit("one")
    write(root, "a.py", "# SPDX-License-Identifier: MIT\n")
    repo.index.add(["a.py"])
    repo.index.commit("two")
    write(root, "a.py", "# uncommitted\n")
    code, out, _ = _run(str(root), "--rev", first.hexsha, "--format", "json", "-j", "1")
    assert code == 0
    doc = json.loads(out)
    assert doc["target"] == f"{root}@{first.hexsha}"
    assert [f["licences"] for f in doc["files"]] == [["PPL"]]
    assert doc["git"]["commit"] == first.hexsha and doc["git"]["revision"] == first.hexsha
    assert (root / "a.py").read_text() == "# uncommitted\n"
    assert repo.head.commit.message == "two" and repo.is_dirty()
    code, _, err = _run(str(root), "--rev", "no-such-rev")
    assert code == 2 and "no-such-rev" in err


def test_fail_on_exits_1_and_says_which_components(tree: Path) -> None:
    code, out, err = _run(str(tree), "-j", "1", "--fail-on", "category:copyfair")
    assert code == 0  # the tree has PPL files but no PPL component: its project is MIT
    write(tree, "third_party/peer/LICENSE", "SPDX-License-Identifier: PPL\n")
    code, out, err = _run(
        str(tree), "-j", "1", "--fail-on", "category:copyfair,licence:GPL-3.0-only"
    )
    assert code == 1
    assert out.startswith("Scanned")  # the report is still written
    assert "Policy failed" in err and "vendored peer (third_party/peer): PPL" in err
    assert "PPL (copyfair) matches category:copyfair (from --fail-on)" in err
    code, _, err = _run(str(tree), "--fail-on", "obligations:nope")
    assert code == 2 and "use obligations or obligations:all" in err


def test_policy_file_in_pyproject(tree: Path) -> None:
    write(tree, "third_party/peer/LICENSE", "SPDX-License-Identifier: PPL\n")
    write(tree, "pyproject.toml", '[project]\nname = "t"\n\n[tool.copyfair]\ndeny = ["PPL"]\n')
    code, _, err = _run(str(tree), "-j", "1")
    assert code == 1 and "pyproject.toml" in err
    write(tree, "copyfair.toml", '[policy]\nallow = ["category:copyfair"]\n')
    code, _, err = _run(str(tree), "-j", "1", "--format", "json")
    assert code == 1  # copyfair.toml wins: PPL allowed, the MIT project is not
    assert "MIT (permissive) is not in the allow list" in err and "peer" not in err
    write(tree, "copyfair.toml", '[policy]\nallow = ["category:copyfair", "MIT"]\n')
    assert _run(str(tree), "-j", "1")[0] == 0


def test_sbom_in(tmp_path: Path) -> None:
    from tests.scanners.test_sbom import CDX, SPDX_TV

    spdx = tmp_path / "app.spdx"
    spdx.write_text(SPDX_TV)
    code, out, _ = _run("--sbom", str(spdx), "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert doc["source"] == "sbom" and {c["name"] for c in doc["components"]} == {"app", "peer-lib"}
    cdx = tmp_path / "bom.json"
    cdx.write_text(json.dumps(CDX))
    code, out, err = _run("--sbom", str(cdx), "--fail-on", "category:unknown")
    assert code == 1 and "mystery" in err and out.startswith("Read SBOM")
    cdx.write_text(json.dumps(dict(CDX, components=[{"type": "spaceship", "name": "x"}])))
    code, _, err = _run("--sbom", str(cdx))
    assert code == 2 and "invalid SBOM" in err and "$.components[0]" in err
    assert _run("--sbom", str(cdx), str(tmp_path))[0] == 2  # PATH and --sbom: choose one


@pytest.mark.parametrize("choice", ["sarif", "spdx-json", "spdx-tv", "cyclonedx-json", "markdown"])
def test_every_format_from_the_command_line(tree: Path, choice: str) -> None:
    code, out, _ = _run(str(tree), "--format", choice, "-j", "1", "--max-file-size", "1KB")
    assert code == 0 and out.strip()


def test_spdx_of_a_revision_lists_its_files(tmp_path: Path) -> None:
    from tests.scanners.pipeline_fixtures import make_repo

    root = tmp_path / "repo"
    repo = make_repo(root)
    write(root, "a.py", "# SPDX-License-Identifier: PPL\n")
    repo.index.add(["a.py"])
    repo.index.commit("one")
    code, out, _ = _run(str(root), "--rev", "HEAD", "--format", "spdx-json", "-j", "1")
    assert code == 0
    files = json.loads(out)["files"]
    assert [f["fileName"] for f in files] == ["./a.py"]
    assert files[0]["licenseInfoInFiles"] == ["PPL"]


def _without_run_stats(doc: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in doc.items() if k != "stats"}


def test_an_unchanged_rescan_replays_the_stored_report(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "replay-cache"
    args = (
        str(tree),
        "--format",
        "json",
        "--cache-dir",
        str(cache),
        "-j",
        "1",
        "--as-of",
        "2026-06-01",
    )
    _, cold, _ = _run(*args)
    assert len(list(cache.glob("scan-*-report-json.pickle"))) == 1
    _, replay, _ = _run(*args)
    _, fresh, _ = _run(*args, "--no-cache")  # computed again, from nothing
    cold_doc, replay_doc, fresh_doc = json.loads(cold), json.loads(replay), json.loads(fresh)
    assert _without_run_stats(replay_doc) == _without_run_stats(cold_doc)
    assert _without_run_stats(replay_doc) == _without_run_stats(fresh_doc)
    assert replay_doc["obligations_reference_date"] == "2026-06-01"
    stats = replay_doc["stats"]
    assert (stats["files_read"], stats["bytes_read"], stats["cache_hits"]) == (0, 0, 7)
    assert stats["files_seen"] == cold_doc["stats"]["files_seen"]
    assert stats["seconds"] < cold_doc["stats"]["seconds"] + 1


def test_the_replayed_text_report_is_the_warm_one(tree: Path, tmp_path: Path) -> None:
    args = (str(tree), "--cache-dir", str(tmp_path / "c"), "-j", "1")
    _run(*args)
    _, replay, _ = _run(*args)
    assert "(0 read, 7 from cache)" in replay
    (tmp_path / "c" / next(p.name for p in (tmp_path / "c").glob("*-report-text.pickle"))).unlink()
    _, warm, _ = _run(*args)  # not replayed: the warm scan itself
    strip = re.compile(r" in \d+\.\d\d s")
    assert strip.sub("", replay) == strip.sub("", warm)


def test_a_changed_input_is_scanned_again(tree: Path, tmp_path: Path) -> None:
    cache = tmp_path / "c"
    base = (str(tree), "--format", "json", "--cache-dir", str(cache), "-j", "1")
    _run(*base, "--as-of", "2026-06-01")
    _, other_day, _ = _run(*base, "--as-of", "2026-07-01")
    assert json.loads(other_day)["obligations_reference_date"] == "2026-07-01"
    write(tree, "src/peer.py", "# SPDX-License-Identifier: MIT\nx = 1\n")
    backdate(tree)
    _, edited, _ = _run(*base, "--as-of", "2026-07-01")
    doc = json.loads(edited)
    assert doc["stats"]["files_read"] > 0  # scanned, not replayed
    files = {f["path"]: f for f in doc["files"]}
    assert files["src/peer.py"]["licences"] == ["MIT"]


def test_a_policy_is_still_enforced_on_an_unchanged_rescan(tree: Path, tmp_path: Path) -> None:
    args = (str(tree), "--format", "json", "--cache-dir", str(tmp_path / "c"), "-j", "1")
    assert _run(*args)[0] == 0
    code, _, err = _run(*args, "--fail-on", "licence:MIT")
    assert code == 1
    assert "Policy failed" in err
