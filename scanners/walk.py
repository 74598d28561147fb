"""Which files of a target to scan.

- Inside a git work tree: the tracked files under the target (``git ls-files``);
  with ``all_files`` also the untracked ones that are not ignored. When git lists
  nothing under the target (an ignored or brand-new directory inside a repository)
  it is walked as a plain directory, with a note saying so.
- A plain directory: every file except those in VCS folders (.git, .hg, ...).
- A single file: that file.

Symlinks are never followed: one pointing inside the tree is counted and left
alone (its target is scanned under its own path when it is part of the tree); one
pointing outside the tree, or nowhere, is reported as skipped. Directories that
cannot be listed, special files and files git lists but that are missing are
reported as skipped with the reason. Nothing here reads file contents.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from scanners.errors import TargetError

if TYPE_CHECKING:
    from scanners.model import Skipped

# Import-light (no dataclasses, no subprocess until git is needed): a warm rescan walks
# the tree with this module alone (service.cli.replay).

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "_darcs", "CVS"})


class Entry(NamedTuple):
    """A regular file to scan, with the stat fields that tell whether it changed.

    A named tuple rather than a frozen dataclass: a walk makes one per file (100k+ on
    large trees), and a tuple is built several times faster."""

    path: str  # relative to the root, POSIX style
    size: int
    mtime_ns: int
    ino: int
    ctime_ns: int

    @property
    def signature(self) -> tuple[int, int, int, int]:
        return (self.size, self.mtime_ns, self.ino, self.ctime_ns)


class Walk(NamedTuple):
    root: Path  # the resolved directory every ``Entry.path`` is relative to
    entries: tuple[Entry, ...]  # sorted by path
    skipped: tuple[Skipped, ...]
    symlinks: int = 0  # symlinks inside the tree, not followed
    git: bool = False  # listed by git rather than by walking the directory
    notes: tuple[str, ...] = ()


def _skipped(path: str, reason: str) -> Skipped:
    from scanners.model import Skipped

    return Skipped(path, reason)


def resolve_target(target: str | os.PathLike[str]) -> tuple[Path, str | None]:
    """(root directory, single file name or None); raises :class:`TargetError`."""
    path = Path(target)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise TargetError(f"{os.fspath(target)}: no such file or directory") from None
    except OSError as exc:
        raise TargetError(f"{os.fspath(target)}: cannot access: {exc.strerror}") from None
    if stat.S_ISDIR(st.st_mode):
        if not os.access(path, os.R_OK | os.X_OK):
            raise TargetError(f"{os.fspath(target)}: permission denied")
        return path.resolve(), None
    if stat.S_ISREG(st.st_mode):
        if not os.access(path, os.R_OK):
            raise TargetError(f"{os.fspath(target)}: permission denied")
        resolved = path.resolve()
        return resolved.parent, resolved.name
    raise TargetError(f"{os.fspath(target)}: not a directory or regular file")


def _entry(rel: str, st: os.stat_result) -> Entry:
    return Entry(rel, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)


def _inside(root: Path, target: str) -> bool:
    root_s = str(root)
    return target == root_s or target.startswith(root_s.rstrip(os.sep) + os.sep)


class _Collector:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.entries: list[Entry] = []
        self.skipped: list[Skipped] = []
        self.symlinks = 0

    def symlink(self, rel: str, abs_path: str) -> None:
        target = os.path.realpath(abs_path)
        if not _inside(self.root, target):
            self.skipped.append(
                _skipped(rel, "symlink to a target outside the tree (not followed)")
            )
        elif not os.path.exists(target):
            self.skipped.append(_skipped(rel, "broken symlink"))
        else:
            self.symlinks += 1

    def add(self, rel: str, abs_path: str, st: os.stat_result | None = None) -> None:
        if st is None:
            try:
                st = os.lstat(abs_path)
            except FileNotFoundError:
                self.skipped.append(_skipped(rel, "listed by git but missing from the work tree"))
                return
            except OSError as exc:
                self.skipped.append(_skipped(rel, f"cannot stat: {exc.strerror}"))
                return
        mode = st.st_mode
        if stat.S_ISREG(mode):
            self.entries.append(_entry(rel, st))
        elif stat.S_ISLNK(mode):
            self.symlink(rel, abs_path)
        elif stat.S_ISDIR(mode):
            self.skipped.append(_skipped(rel, "git submodule (not scanned)"))
        else:
            self.skipped.append(_skipped(rel, "not a regular file"))

    def result(self, *, git: bool, notes: tuple[str, ...] = ()) -> Walk:
        self.entries.sort()  # by path: it comes first, and no two entries share one
        self.skipped.sort(key=lambda s: s.path)
        return Walk(self.root, tuple(self.entries), tuple(self.skipped), self.symlinks, git, notes)


def in_git_tree(start: Path) -> bool:
    """Whether ``start`` (a directory) may be in a git repository: a ``.git`` in it or a
    parent, below any ``GIT_CEILING_DIRECTORIES`` (as git itself searches), or a bare
    repository, or ``GIT_DIR`` set. A cheap check: GitPython (slow to import) is only
    needed when this says yes."""
    if os.environ.get("GIT_DIR"):
        return True
    if (start / "HEAD").is_file() and (start / "objects").is_dir():
        return True  # a bare repository (or a .git directory itself)
    ceilings = {
        os.path.realpath(c)
        for c in os.environ.get("GIT_CEILING_DIRECTORIES", "").split(os.pathsep)
        if c and os.path.isabs(c)
    }
    here = os.path.realpath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return True
        parent = os.path.dirname(here)
        if parent == here or parent in ceilings:
            return False
        here = parent


def git_ls_files(root: Path, *, all_files: bool) -> list[str]:
    """Paths git lists under ``root``, relative to it. Raises OSError or
    CalledProcessError when git is missing or refuses."""
    import subprocess

    # core.fsmonitor would run a command named by the (untrusted) repository config.
    cmd = ["git", "-c", "core.fsmonitor=false", "-c", "core.quotepath=off", "ls-files", "-z"]
    cmd += ["--cached", "--others", "--exclude-standard"] if all_files else ["--cached"]
    out = subprocess.run(cmd, cwd=root, capture_output=True, check=True).stdout
    paths = {os.fsdecode(p) for p in out.split(b"\0") if p}
    return sorted(paths)


def _walk_git(root: Path, paths: list[str]) -> Walk:
    col = _Collector(root)
    root_s = str(root)
    for rel in paths:
        col.add(rel, os.path.join(root_s, rel))
    return col.result(git=True)


def _walk_plain(root: Path, notes: tuple[str, ...] = ()) -> Walk:
    col = _Collector(root)
    append = col.entries.append
    S_ISREG = stat.S_ISREG  # noqa: N806 (a local alias in the hot loop)
    new = tuple.__new__  # an Entry without the Python-level __new__ call: 100k+ times
    stack: list[tuple[str, str]] = [(str(root), "")]
    while stack:
        dir_abs, dir_rel = stack.pop()
        try:
            with os.scandir(dir_abs) as it:
                items = list(it)
        except OSError as exc:
            col.skipped.append(_skipped(dir_rel or ".", f"cannot list directory: {exc.strerror}"))
            continue
        prefix = f"{dir_rel}/" if dir_rel else ""
        for de in items:
            name = de.name
            rel = prefix + name
            try:
                if de.is_dir(follow_symlinks=False):
                    if name not in VCS_DIRS:
                        stack.append((de.path, rel))
                elif name != ".git" or de.is_symlink():  # not a work tree's pointer file
                    st = de.stat(follow_symlinks=False)  # lstat: its mode says what it is
                    if S_ISREG(st.st_mode):  # the common case, inline: 100k+ times
                        append(
                            new(Entry, (rel, st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns))
                        )
                    else:  # a symlink (counted or skipped), a special file (skipped)
                        col.add(rel, de.path, st)
            except OSError as exc:
                col.skipped.append(_skipped(rel, f"cannot stat: {exc.strerror}"))
    return col.result(git=False, notes=notes)


def walk(
    target: str | os.PathLike[str], *, all_files: bool = False, exclude: Sequence[str] = ()
) -> Walk:
    """List the files of ``target`` to scan. Raises :class:`TargetError` when the
    target itself is missing or unreadable; every other problem is a ``Skipped``.
    ``exclude``: gitignore-style patterns (:func:`exclusion`) of paths to leave out."""
    listing = _walk(target, all_files)
    return excluded(listing, exclude) if exclude else listing


class ExcludeError(ValueError):
    """An ``--exclude`` pattern that is not a valid gitignore-style pattern."""


def exclusion(patterns: Sequence[str]) -> Callable[[str], bool]:
    """Whether a relative POSIX path is excluded by ``patterns``: gitignore's syntax and
    meaning (``pathspec``): ``tests/data/`` a directory below the root, ``*.min.js`` a name
    at any depth, ``**/fixtures/**``, ``!keep.txt`` to take one back. Raises
    :class:`ExcludeError` naming a pattern that cannot be compiled."""
    import pathspec

    for pattern in patterns:
        if not pattern.strip() or pattern.lstrip().startswith("#"):
            raise ExcludeError(f"--exclude {pattern!r}: an empty pattern or a comment")
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except ValueError as exc:  # pathspec's GitIgnorePatternError is one
            raise ExcludeError(
                f"--exclude {pattern!r}: not a gitignore-style pattern ({exc})"
            ) from None
    match: Callable[[str], bool] = pathspec.GitIgnoreSpec.from_lines(patterns).match_file
    return match


def excluded(listing: Walk, patterns: Sequence[str]) -> Walk:
    """``listing`` without the files (and skipped paths) that ``patterns`` exclude; a note
    says how many files were left out and by which patterns."""
    matches = exclusion(patterns)
    entries = tuple(e for e in listing.entries if not matches(e.path))
    skipped = tuple(s for s in listing.skipped if not matches(s.path))
    gone = len(listing.entries) - len(entries)
    note = f"{gone} files excluded by --exclude {' '.join(patterns)}"
    return listing._replace(entries=entries, skipped=skipped, notes=(*listing.notes, note))


def _walk(target: str | os.PathLike[str], all_files: bool) -> Walk:
    root, single = resolve_target(target)
    if single is not None:
        col = _Collector(root)
        col.add(single, str(root / single))
        return col.result(git=False)
    # As git searches (GIT_CEILING_DIRECTORIES honoured): below a ceiling, git would
    # refuse to list the files, and a plain walk is what the scan falls back to anyway.
    if in_git_tree(root):
        import subprocess

        try:
            paths = git_ls_files(root, all_files=all_files)
        except (OSError, subprocess.CalledProcessError) as exc:
            detail = (
                exc.stderr.decode(errors="replace").strip()
                if isinstance(exc, subprocess.CalledProcessError)
                else str(exc)
            )
            note = f"git ls-files failed ({detail or exc}); scanned as a plain directory"
            return _walk_plain(root, (note,))
        if paths:
            return _walk_git(root, paths)
        # Nothing tracked here (an ignored or new directory inside a repository):
        # scanning nothing would be a silent pass, so scan what is there.
        what = "no files" if all_files else "no tracked files"
        note = f"git lists {what} under the target; scanned as a plain directory"
        return _walk_plain(root, (note,))
    return _walk_plain(root)
