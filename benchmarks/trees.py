"""Prepare the benchmark trees reproducibly under ``benchmarks/.work/trees/``.

Trees (all plain directories, not git repositories, so every tool sees every file):

``source``
    An installed site-packages of well-known packages at pinned versions
    (``pip install --target --no-deps --no-compile``): ordinary source code, few licence texts.
``licences``
    The licence texts and detection test cases of ``../shared/data``: the SPDX plain texts,
    the extra (ScanCode LicenseDB) licences and google/licensecheck's labelled test cases.
``big``
    A larger site-packages (the ``source`` packages plus Django, SymPy, NumPy, pandas, SciPy,
    Matplotlib, botocore, mypy, ...): at least 20,000 real files.
``huge``
    Hard-linked copies of ``big`` until at least 100,000 files: for peak memory.
``big-git``
    ``big`` (hard-linked) as a git repository with every file committed: the usual case of
    ``copyfair scan .`` in CI, where copyfair lists the files with ``git ls-files``.

Usage: ``python benchmarks/trees.py [--trees source,licences,big,huge] [--force]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / ".work"
TREES_DIR = WORK_DIR / "trees"
DEFAULT_SHARED_DATA = BENCH_DIR.parent.parent / "shared" / "data"

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr", "CVS", "_darcs"})

# Pinned so that the trees are the same on every machine (no dependency resolution:
# every distribution is listed with --no-deps; nothing here is imported, only scanned).
SOURCE_PACKAGES: tuple[str, ...] = (
    "pip==24.3.1",
    "setuptools==75.6.0",
    "requests==2.32.3",
    "urllib3==2.2.3",
    "idna==3.10",
    "certifi==2024.8.30",
    "charset-normalizer==3.4.0",
    "click==8.1.7",
    "jinja2==3.1.4",
    "markupsafe==3.0.2",
    "pygments==2.18.0",
    "rich==13.9.4",
    "markdown-it-py==3.0.0",
    "mdurl==0.1.2",
    "docutils==0.21.2",
    "attrs==24.2.0",
    "packaging==24.2",
    "six==1.16.0",
    "pyyaml==6.0.2",
)

BIG_EXTRA_PACKAGES: tuple[str, ...] = (
    "django==5.1.3",
    "asgiref==3.8.1",
    "sqlparse==0.5.2",
    "sympy==1.13.3",
    "mpmath==1.3.0",
    "numpy==2.1.3",
    "pandas==2.2.3",
    "python-dateutil==2.9.0.post0",
    "pytz==2024.2",
    "tzdata==2024.2",
    "scipy==1.14.1",
    "matplotlib==3.9.2",
    "contourpy==1.3.1",
    "cycler==0.12.1",
    "fonttools==4.55.0",
    "kiwisolver==1.4.7",
    "pillow==11.0.0",
    "pyparsing==3.2.0",
    "botocore==1.35.68",
    "boto3==1.35.68",
    "s3transfer==0.10.4",
    "jmespath==1.0.1",
    "mypy==1.13.0",
    "mypy-extensions==1.0.0",
    "typing-extensions==4.12.2",
    "babel==2.16.0",
    "sqlalchemy==2.0.36",
    "networkx==3.4.2",
    "pytest==8.3.3",
    "hypothesis==6.119.4",
    "sphinx==8.1.3",
    "jedi==0.19.2",
    "parso==0.8.4",
    "pydantic==2.10.2",
    "pydantic-core==2.27.1",
)

BIG_MIN_FILES = 20_000
HUGE_MIN_FILES = 100_000


@dataclass(frozen=True)
class TreeStats:
    """What a tree holds: regular files outside VCS folders, and their total size."""

    files: int
    bytes: int


def iter_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (symlinks not followed), VCS folders excluded."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in VCS_DIRS)
        for name in sorted(filenames):
            path = Path(dirpath, name)
            if path.is_file() and not path.is_symlink():
                yield path


def tree_stats(root: Path) -> TreeStats:
    files = 0
    size = 0
    for path in iter_files(root):
        files += 1
        size += path.stat().st_size
    return TreeStats(files=files, bytes=size)


def _pip_target(target: Path, packages: Sequence[str]) -> None:
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-deps",
        "--no-compile",
        "--only-binary=:all:",
        "--target",
        str(tmp),
        *packages,
    ]
    subprocess.run(cmd, check=True)
    tmp.rename(target)


def build_source(target: Path, _shared: Path) -> None:
    _pip_target(target, SOURCE_PACKAGES)


def build_big(target: Path, _shared: Path) -> None:
    _pip_target(target, SOURCE_PACKAGES + BIG_EXTRA_PACKAGES)


def build_licences(target: Path, shared: Path) -> None:
    parts = {
        "spdx-text": shared / "spdx-license-list" / "text",
        "licences-extra": shared / "licences-extra",
        "licensecheck-testdata": shared / "licensecheck-testdata",
    }
    for src in parts.values():
        if not src.is_dir():
            raise SystemExit(f"trees.py: {src} not found (pass --shared-data)")
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    for name, src in parts.items():
        shutil.copytree(src, tmp / name, symlinks=True)
    tmp.rename(target)


def _link_tree(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` with hard links (a real copy when linking is impossible)."""

    def link_or_copy(s: str, d: str) -> None:
        try:
            os.link(s, d)
        except OSError:
            shutil.copy2(s, d)

    shutil.copytree(src, dst, symlinks=True, copy_function=link_or_copy)


def build_huge(target: Path, shared: Path) -> None:
    big = ensure_tree("big", shared)
    per_copy = tree_stats(big).files
    copies = -(-HUGE_MIN_FILES // per_copy)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for i in range(copies):
        _link_tree(big, tmp / f"copy-{i:02d}")
    tmp.rename(target)


def build_big_git(target: Path, shared: Path) -> None:
    """``big`` as a git repository with every file committed: copyfair's usual case in CI
    (it lists files with ``git ls-files`` there)."""
    big = ensure_tree("big", shared)
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _link_tree(big, tmp)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    git += ["-c", "core.autocrlf=false", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=tmp, check=True)
    # -f: site-packages contents can match a global excludes file.
    subprocess.run([*git, "add", "-A", "-f", "."], cwd=tmp, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "big tree"], cwd=tmp, check=True)
    tmp.rename(target)


BUILDERS = {
    "source": build_source,
    "licences": build_licences,
    "big": build_big,
    "huge": build_huge,
    "big-git": build_big_git,
}
TREE_NAMES: tuple[str, ...] = tuple(BUILDERS)


def tree_path(name: str) -> Path:
    return TREES_DIR / name


def ensure_tree(name: str, shared: Path = DEFAULT_SHARED_DATA, force: bool = False) -> Path:
    """Build tree ``name`` unless it is already there; return its path."""
    target = tree_path(name)
    if force and target.exists():
        shutil.rmtree(target)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        print(f"trees.py: building {name} in {target} ...", file=sys.stderr, flush=True)
        BUILDERS[name](target, shared)
        stats = tree_stats(target)
        manifest = {"tree": name, "files": stats.files, "bytes": stats.bytes}
        (TREES_DIR / f"{name}.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return target


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--trees",
        default=",".join(TREE_NAMES),
        help=f"comma-separated, from {','.join(TREE_NAMES)} (default: all)",
    )
    parser.add_argument("--force", action="store_true", help="rebuild trees that exist")
    parser.add_argument(
        "--shared-data",
        type=Path,
        default=DEFAULT_SHARED_DATA,
        help="the reference data folder (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    names = [n for n in args.trees.split(",") if n]
    unknown = [n for n in names if n not in BUILDERS]
    if unknown:
        parser.error(f"unknown tree(s): {', '.join(unknown)}")
    for name in names:
        path = ensure_tree(name, args.shared_data, force=args.force)
        stats = tree_stats(path)
        print(f"{name:9} {stats.files:>8} files {stats.bytes / 1e6:>9.1f} MB  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
