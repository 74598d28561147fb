"""What the CLI tests of ``copyfair scan`` and of its fast replay share: the fake scanners
(``install_fakes``) with a cache directory of the test's own, and a small project tree
whose files stand in the past, so that the report cache trusts their stat signatures.

A test module takes the fixture by assignment (``_fakes = cli_tree.fakes``)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.scanners.pipeline_fixtures import FAKE_TEXT_MARK, backdate, install_fakes, write

# A licence text the fakes recognise, an SPDX tag naming a copyfair licence, and a
# dual-licence expression.
PROJECT_FILES: Mapping[str, str | bytes] = {
    "LICENSE": f"{FAKE_TEXT_MARK}\n",
    "src/peer.py": "# SPDX-License-Identifier: PPL\nx = 1\n",
    "src/dual.py": "// SPDX-License-Identifier: MIT OR Apache-2.0\n",
}


@pytest.fixture(autouse=True)
def fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_fakes(monkeypatch)
    monkeypatch.setenv("COPYFAIR_CACHE_DIR", str(tmp_path / "default-cache"))


def project_tree(tmp_path: Path, more: Mapping[str, str | bytes] | None = None) -> Path:
    """``tmp_path/project`` with :data:`PROJECT_FILES` and ``more`` (path: content),
    backdated."""
    root = tmp_path / "project"
    for rel, content in {**PROJECT_FILES, **(more or {})}.items():
        write(root, rel, content)
    backdate(root)
    return root
