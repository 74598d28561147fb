"""The installed ``copyfair`` (``service.cli.console``): after a scan it leaves with
``os._exit`` once its output is flushed; what it printed and wrote must all be there, with
the right status. Run in a subprocess (``os._exit`` would end the test run)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from service.cli import _exit_status


def _copyfair(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    code = "import sys; from service.cli import console; sys.argv[0] = 'copyfair'; console()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _tree(root: Path, files: int) -> Path:
    tree = root / "tree"
    tree.mkdir()
    for k in range(files):
        (tree / f"f{k:04}.py").write_text(f"# SPDX-License-Identifier: MIT\nx = {k}\n")
    return tree


def test_a_scan_prints_its_whole_report_through_a_pipe(tmp_path: Path) -> None:
    # Far more than a pipe buffer: all of it must be flushed before the fast exit.
    tree = _tree(tmp_path, 400)
    done = _copyfair("scan", str(tree), "--format", "json", "-j", "1", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert len(report["files"]) == 400
    assert len(done.stdout) > 64 * 1024


def test_a_scan_writes_its_output_file(tmp_path: Path) -> None:
    tree = _tree(tmp_path, 3)
    out = tmp_path / "report.json"
    done = _copyfair("scan", str(tree), "--format", "json", "-o", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert [f["path"] for f in json.loads(out.read_text())["files"]] == [
        "f0000.py",
        "f0001.py",
        "f0002.py",
    ]


def test_a_scan_of_a_missing_path_exits_2_with_its_message(tmp_path: Path) -> None:
    done = _copyfair("scan", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert done.returncode == 2
    assert "nowhere" in done.stderr


def test_other_commands_exit_as_usual(tmp_path: Path) -> None:
    done = _copyfair("licences", "show", "MIT", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "MIT" in done.stdout
    bad = _copyfair("licences", "show", "No-Such-Licence", cwd=tmp_path)
    assert bad.returncode == 2


@pytest.mark.parametrize(
    ("code", "status", "printed"),
    [(None, 0, ""), (0, 0, ""), (1, 1, ""), (2, 2, ""), ("gone wrong", 1, "gone wrong\n")],
)
def test_exit_status_is_what_sys_exit_would_give(
    code: int | str | None, status: int, printed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _exit_status(SystemExit(code)) == status
    assert capsys.readouterr().err == printed
