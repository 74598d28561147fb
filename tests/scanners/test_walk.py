from __future__ import annotations

import os
from pathlib import Path

import pytest

from scanners.errors import TargetError
from scanners.walk import ExcludeError, exclusion, walk
from tests.scanners.pipeline_fixtures import make_repo, running_as_root, write


def _paths(root: Path, **kw: bool) -> list[str]:
    return [e.path for e in walk(root, **kw).entries]


def test_plain_directory_lists_every_file_but_vcs_folders(tmp_path: Path) -> None:
    for rel in [
        "b.txt",
        "a/x.py",
        "a/b/c.md",
        ".hg/store",
        ".svn/entries",
        "CVS/Root",
        ".git/HEAD",
    ]:
        write(tmp_path, rel, "x")
    listing = walk(tmp_path)
    assert [e.path for e in listing.entries] == ["a/b/c.md", "a/x.py", "b.txt"]
    assert not listing.git
    assert listing.root == tmp_path.resolve()
    assert listing.entries[0].size == 1


def test_git_repository_lists_tracked_files_only_by_default(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write(tmp_path, ".gitignore", "ignored.txt\nbuild/\n")
    write(tmp_path, "tracked.py", "x")
    write(tmp_path, "sub/tracked.md", "x")
    repo.index.add([".gitignore", "tracked.py", "sub/tracked.md"])
    repo.index.commit("init")
    write(tmp_path, "untracked.txt", "x")
    write(tmp_path, "ignored.txt", "x")
    write(tmp_path, "build/out.js", "x")
    listing = walk(tmp_path)
    assert listing.git
    assert [e.path for e in listing.entries] == [".gitignore", "sub/tracked.md", "tracked.py"]
    assert _paths(tmp_path, all_files=True) == [
        ".gitignore",
        "sub/tracked.md",
        "tracked.py",
        "untracked.txt",
    ]


def test_a_subdirectory_of_a_repository_is_relative_to_itself(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write(tmp_path, "top.txt", "x")
    write(tmp_path, "sub/inner/a.txt", "x")
    repo.index.add(["top.txt", "sub/inner/a.txt"])
    repo.index.commit("init")
    assert _paths(tmp_path / "sub") == ["inner/a.txt"]


def test_a_tracked_file_deleted_from_the_work_tree_is_skipped(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write(tmp_path, "gone.txt", "x")
    repo.index.add(["gone.txt"])
    repo.index.commit("init")
    (tmp_path / "gone.txt").unlink()
    listing = walk(tmp_path)
    assert listing.entries == ()
    assert [(s.path, "missing" in s.reason) for s in listing.skipped] == [("gone.txt", True)]


def test_a_broken_git_repository_falls_back_to_a_plain_walk_with_a_note(tmp_path: Path) -> None:
    write(tmp_path, ".git", "gitdir: /nonexistent/place\n")
    write(tmp_path, "a.txt", "x")
    listing = walk(tmp_path)
    assert [e.path for e in listing.entries] == ["a.txt"]
    assert listing.notes and "plain directory" in listing.notes[0]


def test_symlinks_are_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.txt", "x")
    root = tmp_path / "root"
    write(root, "real.txt", "x")
    write(root, "dir/inner.txt", "x")
    os.symlink(outside / "secret.txt", root / "out-file")
    os.symlink(outside, root / "out-dir")
    os.symlink(root / "real.txt", root / "in-file")
    os.symlink(root / "dir", root / "in-dir")
    os.symlink(root / "nowhere", root / "broken")
    listing = walk(root)
    assert [e.path for e in listing.entries] == ["dir/inner.txt", "real.txt"]
    reasons = {s.path: s.reason for s in listing.skipped}
    assert set(reasons) == {"out-file", "out-dir", "broken"}
    assert "outside the tree" in reasons["out-file"]
    assert "outside the tree" in reasons["out-dir"]
    assert "broken" in reasons["broken"]
    assert listing.symlinks == 2


def test_symlinks_tracked_by_git_are_not_followed_either(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "secret.txt", "x")
    root = tmp_path / "root"
    repo = make_repo(root)
    write(root, "a.txt", "x")
    os.symlink(outside / "secret.txt", root / "link")
    repo.index.add(["a.txt", "link"])
    repo.index.commit("init")
    listing = walk(root)
    assert [e.path for e in listing.entries] == ["a.txt"]
    assert [s.path for s in listing.skipped] == ["link"]


def test_special_files_are_skipped(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo")
    listing = walk(tmp_path)
    assert listing.entries == ()
    assert [(s.path, s.reason) for s in listing.skipped] == [("fifo", "not a regular file")]


@pytest.mark.skipif(running_as_root(), reason="root can list any directory")
def test_an_unlistable_directory_is_skipped_with_the_reason(tmp_path: Path) -> None:
    write(tmp_path, "locked/a.txt", "x")
    write(tmp_path, "b.txt", "x")
    (tmp_path / "locked").chmod(0)
    try:
        listing = walk(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [e.path for e in listing.entries] == ["b.txt"]
    assert [s.path for s in listing.skipped] == ["locked"]


def test_an_unlistable_directory_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "locked/a.txt", "x")
    write(tmp_path, "b.txt", "x")
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    listing = walk(tmp_path)
    assert [e.path for e in listing.entries] == ["b.txt"]
    assert [(s.path, s.reason) for s in listing.skipped] == [
        ("locked", "cannot list directory: Permission denied")
    ]


def test_a_missing_target_raises_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(TargetError, match="nope"):
        walk(missing)


def test_a_single_file_target(tmp_path: Path) -> None:
    write(tmp_path, "LICENSE", "x")
    write(tmp_path, "other", "x")
    listing = walk(tmp_path / "LICENSE")
    assert [e.path for e in listing.entries] == ["LICENSE"]
    assert listing.root == tmp_path.resolve()


def test_an_unreadable_target_raises_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "private"
    target.mkdir()
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    with pytest.raises(TargetError, match="private: permission denied"):
        walk(target)


def test_without_git_a_repository_is_walked_as_a_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    make_repo(tmp_path)
    write(tmp_path, "a.txt", "x")

    def no_git(*args: object, **kwargs: object) -> object:
        raise FileNotFoundError(2, "No such file or directory", "git")

    monkeypatch.setattr(subprocess, "run", no_git)
    listing = walk(tmp_path)
    assert [e.path for e in listing.entries] == ["a.txt"]
    assert not listing.git and "plain directory" in listing.notes[0]


def test_an_ignored_directory_inside_a_repository_is_walked_plainly(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    write(tmp_path, ".gitignore", "scratch/\n")
    repo.index.add([".gitignore"])
    repo.index.commit("init")
    write(tmp_path, "scratch/a.txt", "x")
    listing = walk(tmp_path / "scratch")
    assert [e.path for e in listing.entries] == ["a.txt"]
    assert not listing.git and "no tracked files" in listing.notes[0]


def test_exclude_patterns_follow_gitignore(tmp_path: Path) -> None:
    for rel in (
        "src/a.py",
        "src/vendor.min.js",
        "src/keep.min.js",
        "tests/fixtures/LICENSE",
        "tests/fixtures/deep/COPYING",
        "tests/test_a.py",
        "docs/fixtures/x.md",
    ):
        write(tmp_path, rel, "x\n")
    listing = walk(tmp_path, exclude=("tests/fixtures/", "*.min.js", "!keep.min.js"))
    assert [e.path for e in listing.entries] == [
        "docs/fixtures/x.md",  # "tests/fixtures/" is anchored at the root
        "src/a.py",
        "src/keep.min.js",
        "tests/test_a.py",
    ]
    assert listing.notes[-1] == (
        "3 files excluded by --exclude tests/fixtures/ *.min.js !keep.min.js"
    )


def test_excluded_paths_are_not_reported_as_skipped(tmp_path: Path) -> None:
    write(tmp_path, "a.py", "x\n")
    os.symlink("/etc/passwd", tmp_path / "out.txt")
    assert [s.path for s in walk(tmp_path).skipped] == ["out.txt"]
    assert walk(tmp_path, exclude=("out.txt",)).skipped == ()


@pytest.mark.parametrize("pattern", ["", "  ", "# a comment", "!"])
def test_an_invalid_exclude_pattern_is_named(pattern: str) -> None:
    with pytest.raises(ExcludeError, match="--exclude"):
        exclusion([pattern])
