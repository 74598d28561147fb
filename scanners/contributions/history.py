"""Read a repository's validated history: one ``git log --numstat`` pass (GitPython).

- :func:`open_repository` opens a work tree or a bare repository (``core.fsmonitor`` off:
  an untrusted repository's configuration must not run programs).
- :func:`default_branch` chooses what counts as validated work: the branch
  ``origin/HEAD`` points to, else ``main``, else ``master``, else the current ``HEAD``;
  the result says which.
- :func:`read_log` runs **one** ``git log --no-merges --numstat`` over that branch (only
  commits reachable from it: an unmerged side branch never counts) with git's own
  ``.mailmap`` applied to authors (``%aN``/``%aE``), renames detected (moving a file is not
  writing it) and no external diff or textconv program of the repository run;
  :func:`parse_log` is the pure parser.
- :func:`map_contacts` maps ``Co-authored-by`` contacts through ``.mailmap`` with
  ``git check-mailmap`` (a few calls for all of them, not one per commit).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from scanners.contributions.identities import Identity, parse_contact
from scanners.errors import TargetError
from scanners.gitinfo import _SAFE_ENV

_RECORD = "\x1e"
_FIELD = "\x1f"
_TRAILER = "\x1d"
LOG_FORMAT = _RECORD + _FIELD.join(
    ["%H", "%P", "%aN", "%aE", "%cI", "%(trailers:key=Co-authored-by,valueonly,separator=%x1d)"]
)
_CONTACTS_PER_CALL = 200


class RefSource(StrEnum):
    """Why this branch was taken as the default branch."""

    EXPLICIT = "explicit"  # the caller named it
    ORIGIN_HEAD = "origin/HEAD"
    MAIN = "main"
    MASTER = "master"
    HEAD = "HEAD"  # the current HEAD, for want of anything better


@dataclass(frozen=True, slots=True)
class Branch:
    ref: str  # what git log reads, e.g. refs/remotes/origin/main
    source: RefSource
    head: str  # the commit id it points to


@dataclass(frozen=True, slots=True)
class RawCommit:
    """One commit as ``git log`` reports it (author already through .mailmap)."""

    sha: str
    author: Identity
    day: date  # committer date, in UTC: when the work entered the validated history
    co_authors: tuple[str, ...]  # ``Co-authored-by`` values as written
    changed_lines: int  # added + deleted over text files
    binary_files: int  # files git counts as binary (counted 0 lines)
    merge: bool = False


def open_repository(path: str | os.PathLike[str]) -> Any:
    """A ``git.Repo`` for ``path`` (searching parent directories). Raises TargetError."""
    import git

    try:
        repo = git.Repo(os.fspath(path), search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise TargetError(f"{os.fspath(path)}: not a git repository") from None
    repo.git.update_environment(**_SAFE_ENV)
    return repo


def _resolve(repo: Any, ref: str) -> str | None:
    import git

    try:
        return str(repo.git.rev_parse("--verify", "--quiet", f"{ref}^{{commit}}")).strip() or None
    except git.GitCommandError:
        return None


def default_branch(repo: Any, explicit: str | None = None) -> Branch:
    """The branch whose history counts (see the module docstring). Raises TargetError."""
    import git

    if explicit is not None:
        head = _resolve(repo, explicit)
        if head is None:
            raise TargetError(f"{explicit}: not a branch or revision of {_where(repo)}")
        return Branch(explicit, RefSource.EXPLICIT, head)
    try:
        target = str(repo.git.symbolic_ref("--quiet", "refs/remotes/origin/HEAD")).strip()
    except git.GitCommandError:
        target = ""
    candidates = [(target, RefSource.ORIGIN_HEAD)] if target else []
    candidates += [
        ("refs/heads/main", RefSource.MAIN),
        ("refs/heads/master", RefSource.MASTER),
        ("HEAD", RefSource.HEAD),
    ]
    for ref, source in candidates:
        head = _resolve(repo, ref)
        if head is not None:
            return Branch(ref, source, head)
    raise TargetError(f"{_where(repo)}: the repository has no commits")


def _where(repo: Any) -> str:
    return str(repo.working_tree_dir or repo.git_dir)


def parse_log(text: str) -> list[RawCommit]:
    """Parse the output of ``git log --format=LOG_FORMAT --numstat`` (pure)."""
    commits: list[RawCommit] = []
    for record in text.split(_RECORD):
        if not record.strip():
            continue
        header, _, body = record.partition("\n")
        fields = header.split(_FIELD)
        if len(fields) != 6:
            continue
        sha, parents, name, email, committed, trailers = fields
        changed = binary = 0
        for line in body.splitlines():
            added, tab, rest = line.partition("\t")
            if not tab:
                continue
            deleted = rest.partition("\t")[0]
            if added == "-" or deleted == "-":
                binary += 1
            elif added.isdigit() and deleted.isdigit():
                changed += int(added) + int(deleted)
        moment = datetime.fromisoformat(committed)
        co_authors = tuple(t.strip() for t in trailers.split(_TRAILER) if t.strip())
        commits.append(
            RawCommit(
                sha=sha,
                author=Identity(name, email),
                day=moment.astimezone(UTC).date(),
                co_authors=co_authors,
                changed_lines=changed,
                binary_files=binary,
                merge=len(parents.split()) > 1,
            )
        )
    return commits


def read_log(repo: Any, branch: Branch) -> list[RawCommit]:
    """Every non-merge commit reachable from ``branch``, newest first, in one git call."""
    import git

    try:
        text = repo.git.log(
            branch.head,
            "--no-merges",
            "--use-mailmap",
            "-M",  # a moved file counts its changes, not its whole content
            "--numstat",
            "--no-show-signature",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            f"--format={LOG_FORMAT}",
            strip_newline_in_stdout=False,
        )
    except git.GitCommandError as exc:
        raise TargetError(f"{_where(repo)}: git log failed: {exc.stderr.strip()}") from None
    return parse_log(str(text))


def map_contacts(repo: Any, contacts: Iterable[str]) -> dict[str, Identity]:
    """Each parseable ``Name <email>`` contact mapped through the repository's .mailmap
    (contacts without an email are left out)."""
    import git

    parsed: dict[str, Identity] = {}
    for contact in sorted(set(contacts)):
        identity = parse_contact(contact)
        if identity is not None:
            parsed[contact] = identity
    keys = list(parsed)
    mapped: dict[str, Identity] = {}
    for start in range(0, len(keys), _CONTACTS_PER_CALL):
        chunk = keys[start : start + _CONTACTS_PER_CALL]
        args = [parsed[k].contact for k in chunk]
        try:
            out = str(repo.git.check_mailmap(*args)).splitlines()
        except git.GitCommandError:
            out = []
        if len(out) != len(chunk):  # git refused one: keep them as written
            out = [parsed[k].contact for k in chunk]
        for key, line in zip(chunk, out, strict=True):
            mapped[key] = parse_contact(line) or parsed[key]
    return mapped


def text_files(repo: Any, commit: str) -> list[str]:
    """The paths of the text (non-binary) files in ``commit``'s tree, sorted."""
    import git

    try:
        out = str(repo.git.grep("-I", "-l", "-z", "--no-color", "-e", "", commit, "--"))
    except git.GitCommandError:  # exit 1: nothing matched
        return []
    prefix = f"{commit}:"
    paths = [p[len(prefix) :] if p.startswith(prefix) else p for p in out.split("\0") if p]
    return sorted(paths)


def repository_path(repo: Any) -> Path:
    return Path(_where(repo)).resolve()
