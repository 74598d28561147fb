"""Save screenshots of the dashboard's main pages in ``docs/screenshots/`` (for the README).

    python -m tests.service.web.screenshots

Runs the browser tests on SQLite with ``COPYFAIR_SCREENSHOTS`` set: the same seeded world,
server and Chromium as the tests, so the pictures show what the tests check.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


def main() -> int:
    folder = ROOT / "docs" / "screenshots"
    os.environ["COPYFAIR_SCREENSHOTS"] = str(folder)
    test_file = str(Path(__file__).with_name("test_browser.py"))
    code = pytest.main(["-q", test_file, "-k", "sqlite", "-p", "no:cacheprovider"])
    print(f"screenshots in {folder}: {sorted(p.name for p in folder.glob('*.png'))}")
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
