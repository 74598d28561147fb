"""Hygiene for the whole suite.

GitPython keeps ``git cat-file`` processes behind each ``git.Repo`` that reads objects, and
their pipes are closed only by ``Repo.close()``. A repository a test leaves open is
collected later at a random point, where pytest reports its unclosed pipe as an error of
whatever test happens to be running (warnings are errors here). So every ``git.Repo`` made
during a test is closed when that test ends. The project's own code closes what it opens.
"""

from collections.abc import Iterator
from typing import Any

import git
import pytest


@pytest.fixture(autouse=True)
def _close_git_repositories(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    opened: list[git.Repo] = []
    original = git.Repo.__init__

    def tracked_init(self: git.Repo, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        opened.append(self)

    monkeypatch.setattr(git.Repo, "__init__", tracked_init)
    yield
    for repo in opened:
        repo.close()
