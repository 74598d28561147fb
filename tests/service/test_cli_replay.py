"""The console script's fast replay (``service.cli.run`` -> ``service.cli.replay``): a warm
rescan of an unchanged tree prints the stored report without loading click, and anything
it cannot be sure of goes to the full command."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import git
import pytest

import service.cli.group
from service.cli import run
from service.cli.replay import ReplayArgs, parse_args
from tests.scanners.pipeline_fixtures import backdate, write
from tests.service import cli_tree
from tests.service.cli_tree import project_tree

_fakes = cli_tree.fakes


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    return project_tree(tmp_path)


class _Calls:
    """Counts the full command's runs (the click group)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = service.cli.group.main

        def counted(*args: object, **kwargs: object) -> object:
            self.count += 1
            return real(*args, **kwargs)

        monkeypatch.setattr(service.cli.group, "main", counted)


def _console(monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    """``copyfair ARGS`` as the console script runs it: the exit status."""
    monkeypatch.setattr(sys, "argv", ["copyfair", *args])
    try:
        return run()
    except SystemExit as exc:  # the full command (click) exits
        return int(exc.code or 0)


def _args(tree: Path, tmp_path: Path, *more: str) -> tuple[str, ...]:
    return (
        "scan",
        str(tree),
        "--format",
        "json",
        "--cache-dir",
        str(tmp_path / "c"),
        "-j",
        "1",
        *more,
    )


def _doc(out: str) -> dict[str, object]:
    doc = json.loads(out)
    assert isinstance(doc, dict)
    doc.pop("stats")
    return doc


def test_a_warm_rescan_is_replayed_without_the_full_command(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = _Calls(monkeypatch)
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 0
    cold = capsys.readouterr().out
    assert calls.count == 1
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 0
    warm = capsys.readouterr().out
    assert calls.count == 1  # replayed: click never ran
    assert _doc(warm) == _doc(cold)
    stats = json.loads(warm)["stats"]
    assert (stats["files_read"], stats["cache_hits"]) == (0, 3)


def test_a_replay_writes_the_output_file(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _Calls(monkeypatch)
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    assert _console(monkeypatch, *_args(tree, tmp_path, "-o", str(first))) == 0
    assert _console(monkeypatch, *_args(tree, tmp_path, f"--output={second}")) == 0
    assert calls.count == 1
    assert _doc(second.read_text()) == _doc(first.read_text())


def test_an_unwritable_output_exits_2_naming_it(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _console(monkeypatch, *_args(tree, tmp_path))
    capsys.readouterr()
    target = tmp_path / "no-such-dir" / "report.json"
    assert _console(monkeypatch, *_args(tree, tmp_path, "-o", str(target))) == 2
    assert f"cannot write {target}" in capsys.readouterr().err


def test_a_changed_file_is_scanned_again(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = _Calls(monkeypatch)
    _console(monkeypatch, *_args(tree, tmp_path))
    write(tree, "src/peer.py", "# SPDX-License-Identifier: MIT\nx = 1\n")
    backdate(tree)
    capsys.readouterr()
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 0
    assert calls.count == 2
    files = {f["path"]: f["licences"] for f in json.loads(capsys.readouterr().out)["files"]}
    assert files["src/peer.py"] == ["MIT"]


def test_a_policy_file_added_to_the_tree_is_enforced(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 0
    write(tree, "copyfair.toml", '[policy]\nfail_on = ["licence:MIT"]\n')
    backdate(tree)
    capsys.readouterr()
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 1
    assert "Policy failed" in capsys.readouterr().err


@pytest.mark.parametrize(
    "extra",
    [
        ("--fail-on", "licence:MIT"),
        ("--as-of", "2026-06-01"),
        ("--no-cache",),
        ("--max-file-size", "1KB"),
    ],
)
def test_other_options_run_the_full_command(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...]
) -> None:
    calls = _Calls(monkeypatch)
    _console(monkeypatch, *_args(tree, tmp_path, *extra))
    _console(monkeypatch, *_args(tree, tmp_path, *extra))
    assert calls.count == 2


def _repository(tree: Path) -> git.Repo:
    repo = git.Repo.init(tree)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Ada")
        config.set_value("user", "email", "ada@example.org")
    repo.index.add(["LICENSE", "src/peer.py", "src/dual.py"])
    repo.index.commit("one")
    return repo


def _settled(monkeypatch: pytest.MonkeyPatch, calls: _Calls, args: tuple[str, ...]) -> int:
    """Run ``args`` until a run is replayed (a git status may refresh the index once after
    a scan, which makes the next rescan a miss); the full runs it took."""
    before = calls.count
    for _ in range(3):
        runs = calls.count
        _console(monkeypatch, *args)
        if calls.count == runs:
            return calls.count - before
    raise AssertionError("never replayed")


def _git_facts(out: str) -> dict[str, object]:
    facts = json.loads(out)["git"]
    assert isinstance(facts, dict)
    return facts


def test_a_git_work_tree_is_replayed_until_its_state_changes(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = _repository(tree)
    calls = _Calls(monkeypatch)
    args = _args(tree, tmp_path)
    assert _settled(monkeypatch, calls, args) >= 1
    out = capsys.readouterr().out  # the reports of every run, one after the other
    last = out[out.rindex('{\n  "schema_version"') :]
    assert _git_facts(last)["commit"] == repo.head.commit.hexsha

    write(tree, "NOTICE", "more\n")  # a new commit, no tracked file's stat changed
    backdate(tree)
    repo.index.add(["NOTICE"])
    second = repo.index.commit("two").hexsha
    capsys.readouterr()
    runs = calls.count
    _console(monkeypatch, *args)
    assert calls.count == runs + 1  # a miss
    assert _git_facts(capsys.readouterr().out)["commit"] == second

    with repo.config_writer() as config:  # the remote URL lives in .git/config
        config.set_value('remote "origin"', "url", "https://example.org/peer.git")
    _console(monkeypatch, *args)
    assert _git_facts(capsys.readouterr().out)["remote_url"] == "https://example.org/peer.git"
    assert calls.count == runs + 2


def test_an_untracked_policy_in_a_git_work_tree_is_enforced(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _repository(tree)
    calls = _Calls(monkeypatch)
    _settled(monkeypatch, calls, _args(tree, tmp_path))
    write(tree, "copyfair.toml", '[policy]\nfail_on = ["licence:MIT"]\n')  # not tracked
    backdate(tree)
    capsys.readouterr()
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 1
    assert "Policy failed" in capsys.readouterr().err


def test_a_subdirectory_of_a_git_work_tree_is_never_replayed(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _repository(tree)
    calls = _Calls(monkeypatch)
    args = _args(tree / "src", tmp_path)
    for _ in range(3):
        _console(monkeypatch, *args)
    assert calls.count == 3  # its dirty state covers files outside the scanned tree


def test_a_missing_target_gets_the_full_commands_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _console(monkeypatch, "scan", str(tmp_path / "nowhere"), "--format", "json") == 2
    assert "nowhere" in capsys.readouterr().err


def test_the_arguments_it_understands() -> None:
    parsed = parse_args(["src", "--format=json", "-o", "out.json", "--show-skipped", "-j", "2"])
    assert isinstance(parsed, ReplayArgs)
    assert (parsed.path, parsed.output_format, parsed.output, parsed.show_skipped) == (
        "src",
        "json",
        "out.json",
        True,
    )
    assert parse_args(["."]) is not None  # text by default
    assert parse_args(["--all-files", ".", "--cache-dir", "/tmp/c"]) is not None


@pytest.mark.parametrize(
    "args",
    [
        [],  # no PATH (--sbom, or a usage error: the full command says which)
        [".", "other"],
        [".", "--format", "sarif"],  # rendered each time
        [".", "--format"],
        [".", "-j", "0"],
        [".", "-j", "x"],
        [".", "-o=out.json"],
        [".", "--rev", "HEAD"],
        [".", "--report", "http://x"],
        [".", "--"],
        [".", "--output", ""],
    ],
)
def test_anything_else_is_left_to_the_full_command(args: list[str]) -> None:
    assert parse_args(args) is None


def test_a_tree_with_a_policy_is_checked_every_time(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tree, "pyproject.toml", '[tool.copyfair]\nfail_on = ["licence:MIT"]\n')
    backdate(tree)
    calls = _Calls(monkeypatch)
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 1
    assert _console(monkeypatch, *_args(tree, tmp_path)) == 1
    assert calls.count == 2  # a report checked against a policy is never stored
    assert "Policy failed" in capsys.readouterr().err


def test_exclude_leaves_paths_out_and_is_part_of_the_key(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls = _Calls(monkeypatch)
    every = _args(tree, tmp_path)
    some = _args(tree, tmp_path, "--exclude", "src/", "--exclude=*.md")
    paths = []
    for args in (every, every, some, some, every):
        assert _console(monkeypatch, *args) == 0
        paths.append([f["path"] for f in json.loads(capsys.readouterr().out)["files"]])
    # one report is stored per tree and format: other options are a miss (and replace it)
    assert calls.count == 3
    assert paths[0] == paths[1] == paths[4] == ["LICENSE", "src/dual.py", "src/peer.py"]
    assert paths[2] == paths[3] == ["LICENSE"]


def test_an_invalid_exclude_pattern_exits_2_naming_it(
    tree: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _console(monkeypatch, "scan", str(tree), "--exclude", "!") == 2
    assert "--exclude '!'" in capsys.readouterr().err
