from __future__ import annotations

from pathlib import Path

import pytest

from scanners.errors import TargetError
from scanners.gitinfo import (
    export_revision,
    git_info,
    in_git_tree,
    revision_info,
    strip_credentials,
)
from tests.scanners.pipeline_fixtures import make_repo, write


@pytest.mark.parametrize(
    ("url", "clean"),
    [
        ("https://user:s3cret@github.com/o/r.git", "https://github.com/o/r.git"),
        ("https://x-access-token:ghp_abc@github.com/o/r", "https://github.com/o/r"),
        ("ssh://git@host:22/o/r.git", "ssh://host:22/o/r.git"),
        ("git@github.com:o/r.git", "git@github.com:o/r.git"),
        ("https://github.com/o/r", "https://github.com/o/r"),
    ],
)
def test_strip_credentials(url: str, clean: str) -> None:
    assert strip_credentials(url) == clean


def test_git_info_of_a_work_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    assert git_info(tmp_path / "r") is not None
    assert git_info(tmp_path / "r").commit is None  # type: ignore[union-attr]
    write(tmp_path / "r", "a.txt", "one\n")
    repo.index.add(["a.txt"])
    first = repo.index.commit("one")
    repo.create_remote("origin", "https://me:token@example.org/o/r.git")
    info = git_info(tmp_path / "r")
    assert info is not None
    assert info.commit == first.hexsha
    assert info.branch == repo.active_branch.name
    assert info.remote_url == "https://example.org/o/r.git"
    assert info.dirty is False
    write(tmp_path / "r", "a.txt", "two\n")
    assert git_info(tmp_path / "r").dirty is True  # type: ignore[union-attr]
    write(tmp_path / "r", "untracked.txt", "x\n")
    assert info.to_dict()["remote_url"] == "https://example.org/o/r.git"


def test_outside_git_there_is_no_info(tmp_path: Path) -> None:
    assert git_info(tmp_path) is None


def test_export_revision_leaves_the_work_tree_alone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    write(tmp_path / "r", "sub/a.txt", "old\n")
    repo.index.add(["sub/a.txt"])
    first = repo.index.commit("one")
    write(tmp_path / "r", "sub/a.txt", "new\n")
    repo.index.add(["sub/a.txt"])
    repo.index.commit("two")
    write(tmp_path / "r", "sub/a.txt", "dirty\n")
    out = tmp_path / "out"
    out.mkdir()
    exported, info = export_revision(tmp_path / "r", first.hexsha[:10], out)
    assert (Path(exported) / "sub/a.txt").read_text() == "old\n"
    assert info.commit == first.hexsha and info.revision == first.hexsha[:10]
    assert (tmp_path / "r/sub/a.txt").read_text() == "dirty\n"
    sub_out = tmp_path / "sub-out"
    sub_out.mkdir()
    export_revision(tmp_path / "r" / "sub", "HEAD", sub_out)
    assert (sub_out / "a.txt").read_text() == "new\n"


def test_a_bad_revision_is_a_target_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "r")
    write(tmp_path / "r", "a.txt", "x\n")
    repo.index.add(["a.txt"])
    repo.index.commit("one")
    with pytest.raises(TargetError, match="no-such-rev"):
        revision_info(tmp_path / "r", "no-such-rev")
    (tmp_path / "elsewhere").mkdir()
    with pytest.raises(TargetError, match="not in a git repository"):
        revision_info(tmp_path / "elsewhere", "HEAD")


def test_git_ceiling_directories_stop_the_search(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_repo(tmp_path / "r")
    inner = tmp_path / "r" / "work" / "tree"
    inner.mkdir(parents=True)
    assert git_info(inner) is not None  # the repository around it
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path / "r" / "work"))
    assert not in_git_tree(inner)
    assert git_info(inner) is None  # as git itself sees it: not in a repository
    assert in_git_tree(tmp_path / "r")


def test_a_plain_directory_is_not_in_a_git_tree(tmp_path: Path) -> None:
    assert not in_git_tree(tmp_path) or any(p.joinpath(".git").exists() for p in tmp_path.parents)
    assert (git_info(tmp_path) is None) == (not in_git_tree(tmp_path))
