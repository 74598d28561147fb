"""What an audit scans: a git repository (network URL, ``file://`` URL or local path) cloned
with GitPython, or an uploaded archive unpacked safely (:mod:`service.archives`).

:func:`check_repository` is pure and used twice: by the API (422 before anything is queued)
and by the job (the configuration may differ on the worker).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "NETWORK_SCHEMES",
    "CheckedRepository",
    "SourceError",
    "check_repository",
    "clone_repository",
    "display_repository",
]

NETWORK_SCHEMES = ("https", "http", "ssh", "git")
_SCP_LIKE = re.compile(r"^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!//)[^\s]+$")  # git@host:org/repo


class SourceError(ValueError):
    """The repository or archive cannot be scanned; the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class CheckedRepository:
    url: str  # what git clones: a network URL, or an absolute local path
    local: bool


def _under(path: Path, roots: tuple[Path, ...]) -> bool:
    return any(path == root or root in path.parents for root in roots)


def display_repository(value: str) -> str:
    """The repository without credentials (``https://user:token@host/x`` -> ``https://host/x``)."""
    try:
        parts = urlsplit(value)
        if parts.scheme and parts.password is not None and parts.hostname:
            netloc = parts.netloc.rsplit("@", 1)[-1]
            return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:  # a malformed URL: show it as given, without what looks like a secret
        return re.sub(r"//[^/@]*@", "//", value)
    return value


def check_repository(value: str, local_roots: tuple[Path, ...]) -> CheckedRepository:
    """A repository that may be cloned, or :class:`SourceError`.

    Network URLs (``https``, ``http``, ``ssh``, ``git``, ``user@host:path``) are accepted;
    local paths and ``file://`` URLs only below one of ``local_roots`` (after resolving
    symbolic links), so that a tenant cannot read the server's other files."""
    value = value.strip()
    if not value:
        raise SourceError("the repository is empty: give a URL or a local path")
    if value.startswith("-") or any(c in value for c in "\x00\n\r"):
        raise SourceError("the repository is not a URL or a path")
    if "::" in value.split("/", 1)[0]:
        raise SourceError("git remote helpers (`ext::`, `fd::`...) are refused: give a URL")
    if _SCP_LIKE.match(value):
        return CheckedRepository(value, local=False)
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise SourceError(f"the repository URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    if scheme in NETWORK_SCHEMES:
        if not parts.hostname:
            raise SourceError(f"the URL {display_repository(value)!r} has no host")
        return CheckedRepository(value, local=False)
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise SourceError("file:// URLs name a local path: file:///srv/git/repo")
        local = parts.path
    elif scheme and len(scheme) > 1:
        raise SourceError(
            f"unsupported URL scheme {scheme!r}: use https://, ssh://, git://, "
            "user@host:path, or a local path"
        )
    else:
        local = value
    path = Path(local)
    if not path.is_absolute():
        raise SourceError(f"the local path {local!r} is relative: give an absolute path")
    if not local_roots:
        raise SourceError(
            "this server does not scan local paths: give a network URL, or ask its "
            "administrator to allow a directory with COPYFAIR_SCAN_LOCAL_ROOTS"
        )
    resolved = path.resolve()
    if not _under(resolved, local_roots):
        allowed = ", ".join(str(r) for r in local_roots)
        raise SourceError(
            f"the local path {local!r} is outside the directories this server scans "
            f"({allowed}; COPYFAIR_SCAN_LOCAL_ROOTS)"
        )
    return CheckedRepository(str(resolved), local=True)


def clone_repository(repository: CheckedRepository, destination: Path, timeout: float) -> Path:
    """Clone the default branch (history depth 1, no submodules) into ``destination``
    (which must not exist); returns the work tree. Raises :class:`SourceError`."""
    import git  # GitPython: imported when used

    if repository.local and not Path(repository.url).is_dir():
        raise SourceError(f"no directory at {repository.url}")
    url = Path(repository.url).as_uri() if repository.local else repository.url
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",  # never wait for a password
        "GIT_ASKPASS": "/bin/false",
        "GIT_SSH_COMMAND": "ssh -o BatchMode=yes",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    try:
        git.Git().clone(
            "--depth=1",
            "--no-tags",
            "--single-branch",
            "--",
            url,
            str(destination),
            env=env,
            kill_after_timeout=timeout,
        )
    except git.GitCommandError as exc:
        stderr = str(exc.stderr or "").strip().strip("'").strip()
        lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
        reason = lines[-1] if lines else f"git exited with status {exc.status}"
        if "timeout" in stderr.lower() or exc.status == -9:
            reason = f"the clone took longer than {timeout:g} s (COPYFAIR_SCAN_CLONE_TIMEOUT)"
        raise SourceError(f"cannot clone {display_repository(repository.url)}: {reason}") from None
    except git.GitError as exc:  # git itself missing, and the like
        raise SourceError(f"cannot run git to clone the repository: {exc}") from None
    return destination
