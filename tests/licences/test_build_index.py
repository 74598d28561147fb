"""The generated catalog index is current and complete."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from licences.build_index import INDEX_PATH, build_index, main, render_index


def test_committed_index_is_not_stale() -> None:
    # Fails when licences/data/spdx or extra changed without `python -m licences.build_index`.
    assert INDEX_PATH.read_text(encoding="utf-8") == render_index(build_index())


def test_check_mode_reports_current_index(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out


def test_index_holds_every_spdx_licence_exception_and_extra() -> None:
    entries = json.loads(INDEX_PATH.read_text(encoding="utf-8"))["entries"]
    counts = Counter((e["source"], e["kind"]) for e in entries)
    assert counts[("spdx", "licence")] == 733
    assert counts[("spdx", "exception")] == 86
    # 37 ScanCode LicenseDB texts + 2 keys without a text (references.toml)
    assert counts[("scancode", "licence")] + counts[("scancode", "exception")] == 39
    assert counts[("copyfair", "licence")] == 1
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))


def test_ppl_variant_is_recorded_as_a_second_text_of_ppl() -> None:
    entries = {e["id"]: e for e in json.loads(INDEX_PATH.read_text(encoding="utf-8"))["entries"]}
    assert entries["PPL"]["variant_text_paths"] == ["extra/ppl-copyfarleft-variant.RULE"]
    assert entries["LicenseRef-copyfair-cooperative-software-license"]["source"] == "copyfair"


def test_every_entry_has_a_name_an_origin_and_a_text() -> None:
    entries = json.loads(INDEX_PATH.read_text(encoding="utf-8"))["entries"]
    assert all(e["name"] and e["origin"] for e in entries)
    textless = sorted(e["id"] for e in entries if not e["text_path"])
    assert textless == [
        "LicenseRef-scancode-public-domain",
        "LicenseRef-scancode-unknown-license-reference",
    ]
