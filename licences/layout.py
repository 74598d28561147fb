"""Where copyfair's licence data lives: the layout of ``licences/data`` and the SPDX list
version it holds. The one place that knows it; :mod:`licences.sources` reads the texts.
Import-light (no dataclasses, no regexes): a warm rescan's key reads these names.
"""

from __future__ import annotations

from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
SPDX_DIR = DATA_DIR / "spdx"
SPDX_XML_DIR = SPDX_DIR / "src"
SPDX_EXCEPTION_XML_DIR = SPDX_XML_DIR / "exceptions"
SPDX_TEXT_DIR = SPDX_DIR / "text"
EQUIVALENT_WORDS = SPDX_DIR / "equivalentwords.txt"
EXTRA_DIR = DATA_DIR / "extra"
REFERENCES_PATH = DATA_DIR / "references.toml"  # catalog entries without a text

SPDX_LIST_VERSION = "3.28.0"
SPDX_LIST_COMMIT = "e4c1f27"
