"""What git says about a scanned tree: commit, branch, remote URL, dirty state.

``git_info(path) -> GitInfo | None`` (None outside a git work tree or when git cannot
be run). Read with GitPython; the remote URL has its credentials stripped
(``https://user:token@host/x`` -> ``https://host/x``). The repository's
``core.fsmonitor`` is disabled for every command: it would run a program named by an
untrusted repository's configuration.

``export_revision(repo_path, rev, into)`` writes the files of one revision into a
directory (``git archive`` piped into :mod:`tarfile` with its ``data`` filter), so that
``copyfair scan --rev`` never touches the user's work tree, index or refs.
"""

from __future__ import annotations

import os
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from scanners.errors import TargetError
from scanners.walk import in_git_tree as in_git_tree  # re-exported (its home: the walk)

# Passed to every git command (git >= 2.31 reads configuration from the environment).
_SAFE_ENV = {
    "GIT_CONFIG_COUNT": "1",
    "GIT_CONFIG_KEY_0": "core.fsmonitor",
    "GIT_CONFIG_VALUE_0": "false",
    "GIT_TERMINAL_PROMPT": "0",
}


@dataclass(frozen=True, slots=True)
class GitInfo:
    commit: str | None  # full hex id; None in a repository without commits
    branch: str | None  # None when HEAD is detached (or for --rev)
    remote_url: str | None  # origin's (else the first remote's), without credentials
    dirty: bool  # tracked files differ from HEAD (untracked files do not count)
    revision: str | None = None  # the --rev the user asked for, when one was

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "commit": self.commit,
            "branch": self.branch,
            "remote_url": self.remote_url,
            "dirty": self.dirty,
        }
        if self.revision is not None:
            out["revision"] = self.revision
        return out


def strip_credentials(url: str) -> str:
    """A remote URL without user name and password (scp-like ``git@host:path`` is kept:
    ``git`` is not a secret)."""
    if "://" not in url:
        return url
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _repo(path: Path):  # type: ignore[no-untyped-def]  # git.Repo is untyped
    import git

    try:
        repo = git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    repo.git.update_environment(**_SAFE_ENV)
    return repo


def _remote_url(repo) -> str | None:  # type: ignore[no-untyped-def]
    remotes = list(repo.remotes)
    if not remotes:
        return None
    chosen = next((r for r in remotes if r.name == "origin"), remotes[0])
    try:
        urls = list(chosen.urls)
    except Exception:  # a remote without url
        return None
    return strip_credentials(str(urls[0])) if urls else None


def git_info(path: str | os.PathLike[str]) -> GitInfo | None:
    """Git facts about the work tree containing ``path``; None when it is not in one."""
    start = Path(path)
    if start.is_file():
        start = start.parent
    if not in_git_tree(start):
        return None
    import git

    repo = None
    try:
        repo = _repo(start)
        if repo is None or repo.bare:
            return None
        try:
            commit: str | None = repo.head.commit.hexsha
        except ValueError:  # no commit yet
            commit = None
        branch = None if repo.head.is_detached else repo.active_branch.name
        dirty = bool(repo.git.status("--porcelain", "--untracked-files=no").strip())
        return GitInfo(commit, branch, _remote_url(repo), dirty)
    except (git.GitError, OSError):
        return None
    finally:
        if repo is not None:
            repo.close()  # ends GitPython's cat-file processes and their pipes


def revision_info(path: str | os.PathLike[str], rev: str) -> GitInfo:
    """Git facts for one revision (for ``--rev``); raises :class:`TargetError`."""
    import git

    repo = _repo(Path(path))
    if repo is None:
        raise TargetError(f"{os.fspath(path)}: not in a git repository (needed for --rev)")
    try:
        commit = repo.commit(rev).hexsha
        return GitInfo(commit, None, _remote_url(repo), False, revision=rev)
    except (git.BadName, git.GitCommandError, ValueError) as exc:
        raise TargetError(f"{rev}: not a revision of {repo.working_dir} ({exc})") from None
    finally:
        repo.close()


def export_revision(path: str | os.PathLike[str], rev: str, into: Path) -> tuple[str, GitInfo]:
    """Write the files of ``rev`` under ``path`` (a directory of a git work tree or a bare
    repository) into ``into``; returns (the directory to scan, the revision's git facts).

    Uses ``git archive`` and extracts with tarfile's ``data`` filter (no absolute paths,
    no links out of the tree, no special files). Raises :class:`TargetError`.
    """
    info = revision_info(path, rev)
    repo = _repo(Path(path))
    assert repo is not None  # revision_info checked it
    top = Path(repo.working_tree_dir or repo.git_dir).resolve()
    repo.close()
    try:
        sub = Path(path).resolve().relative_to(top).as_posix()
    except ValueError:
        sub = "."
    treeish = f"{info.commit}:{sub}" if sub not in ("", ".") else str(info.commit)
    env = {**os.environ, **_SAFE_ENV}
    cmd = ["git", "archive", "--format=tar", treeish]
    tar_error: Exception | None = None
    try:
        with subprocess.Popen(
            cmd, cwd=top, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        ) as proc:
            assert proc.stdout is not None and proc.stderr is not None
            try:
                with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
                    archive.extractall(into, filter="data")
            except tarfile.TarError as exc:
                tar_error = exc
                proc.stdout.read()  # let git finish
            err = proc.stderr.read().decode(errors="replace")
            code = proc.wait()
    except OSError as exc:
        raise TargetError(f"{rev}: cannot export the revision ({exc})") from None
    if code != 0:
        raise TargetError(f"{rev}: git archive failed: {err.strip()}")
    if tar_error is not None:
        raise TargetError(f"{rev}: cannot extract the revision ({tar_error})")
    return str(into), info
