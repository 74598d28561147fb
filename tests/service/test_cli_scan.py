from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from scanners.model import FileResult, ScanReport, ScanStats, Skipped
from service.cli import main
from service.cli.scan_cmd import parse_size
from service.formats.interface import OutputFormat, get_format
from tests.scanners.pipeline_fixtures import FAKE_TEXT_MARK, backdate, install_fakes, write


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_fakes(monkeypatch)
    monkeypatch.setenv("COPYFAIR_CACHE_DIR", str(tmp_path / "default-cache"))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    write(root, "LICENSE", f"{FAKE_TEXT_MARK}\n")
    write(root, "src/peer.py", "# SPDX-License-Identifier: PPL\nx = 1\n")
    write(root, "src/nc.md", "<!-- SPDX-License-Identifier: CC-BY-NC-SA-4.0 -->\n")
    write(root, "src/dual.py", "// SPDX-License-Identifier: MIT OR Apache-2.0\n")
    write(root, "src/odd.py", "# SPDX-License-Identifier: Acme-Private\n")
    write(root, "data.bin", b"\0\1\2\3")
    write(root, "big.txt", "copyright " * 200)
    backdate(root)
    return root


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


@pytest.mark.parametrize("choice", list(OutputFormat))
def test_every_output_format_renders(choice: OutputFormat) -> None:
    report = ScanReport(
        "t",
        (FileResult("a", ()),),
        (Skipped("b", "why"),),
        ScanStats(files_seen=2),
    )
    rendered = get_format(choice).render(report, show_skipped=True)
    assert rendered.endswith("\n") and "why" in rendered


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
