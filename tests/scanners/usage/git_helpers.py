"""Real temporary git repositories for the usage tests (GitPython)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from git import Actor, Repo


def make_repo(root: Path, authors: Sequence[tuple[str, str]], subdir: str = "") -> Repo:
    """A repository at ``root`` with one commit per ``(name, email)``, oldest first;
    each commit adds a file under ``subdir``."""
    repo = Repo.init(root)
    with repo.config_writer() as config:  # no global identity needed
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.invalid")
        config.set_value("commit", "gpgsign", "false")
    commit_all(repo, authors, subdir)
    return repo


def commit_all(repo: Repo, authors: Sequence[tuple[str, str]], subdir: str = "") -> None:
    root = Path(repo.working_tree_dir or ".")
    start = len(list(repo.iter_commits())) if repo.head.is_valid() else 0
    for i, (name, email) in enumerate(authors, start):
        path = root / subdir / f"file{i}.txt" if subdir else root / f"file{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"change {i}\n", encoding="utf-8")
        repo.index.add([str(path.relative_to(root))])
        actor = Actor(name, email)
        repo.index.commit(f"change {i}", author=actor, committer=actor)
