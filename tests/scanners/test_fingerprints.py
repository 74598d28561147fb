"""Whole-text fingerprints: verbatim copies of the shipped licence texts are answered from
a table of the detector's own results, exactly as detecting them gives."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

import scanners.fingerprints as fingerprints
from licences.sources import EXTRA_DIR, SPDX_TEXT_DIR
from scanners.detect import detect_text
from scanners.fingerprints import Fingerprints, build, digest, get_fingerprints, load
from scanners.model import Evidence, Method
from scanners.scan import decode


def _read(path: Path) -> str:
    """The text as a scan decodes it (line ends kept: some shipped texts use CRLF)."""
    text = decode(path.read_bytes())
    assert isinstance(text, str)
    return text


def _sample() -> list[Path]:
    texts = sorted(SPDX_TEXT_DIR.glob("*.txt"))
    chosen = random.Random(7).sample(texts, 25)
    named = [SPDX_TEXT_DIR / f"{n}.txt" for n in ("MIT", "Apache-2.0", "PPL", "CC-BY-NC-SA-4.0")]
    return [*named, *chosen, *sorted(EXTRA_DIR.glob("*.LICENSE"))[:5]]


@pytest.mark.parametrize("path", _sample(), ids=lambda p: p.name)
def test_a_shipped_text_gets_what_detection_gives(path: Path) -> None:
    text = _read(path)
    known = get_fingerprints().lookup(text)
    assert known is not None
    assert known == detect_text(text, prefiltered=True, fingerprints=False)
    assert known  # every shipped text is a licence text
    assert detect_text(text) == known


def test_a_changed_copy_is_detected_afresh() -> None:
    text = (SPDX_TEXT_DIR / "MIT.txt").read_text(encoding="utf-8")
    changed = text.replace("Permission is hereby granted", "Permission is  hereby granted")
    assert get_fingerprints().lookup(changed) is None
    assert "MIT" in {e.licence for e in detect_text(changed)}


def test_every_shipped_text_is_in_the_table() -> None:
    table = get_fingerprints()
    missing = [
        p.name for p in sorted(SPDX_TEXT_DIR.glob("*.txt")) if table.lookup(_read(p)) is None
    ]
    assert missing == []


def _evidence(licence: str) -> tuple[Evidence, ...]:
    return (Evidence(Method.LICENCE_TEXT, licence, 1, 3, 1.0, detail="exact match"),)


def test_lookup_goes_by_length_and_hash() -> None:
    table = build(["alpha licence", "beta licence!"], lambda t: _evidence(t.split()[0]))
    assert table.lookup("alpha licence") == _evidence("alpha")
    assert table.lookup("beta licence!") == _evidence("beta")
    assert table.lookup("alpha licencE") is None  # same length, other hash
    assert table.lookup("alpha") is None
    assert len(table) == 2
    assert digest("alpha licence") in table.by_length[len("alpha licence")]


def test_detect_text_answers_from_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "Copyright 2024 Ada. Licensed as a made-up licence text.\n"
    table = build([text], lambda _t: _evidence("LicenseRef-made-up"))
    monkeypatch.setattr(fingerprints, "get_fingerprints", lambda: table)
    assert detect_text(text) == _evidence("LicenseRef-made-up")
    assert detect_text(text, fingerprints=False) != _evidence("LicenseRef-made-up")


def test_table_is_cached_and_rebuilt_when_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mit = (SPDX_TEXT_DIR / "MIT.txt").read_text(encoding="utf-8")
    monkeypatch.setattr(fingerprints, "reference_texts", lambda: iter([mit]))
    first = load(tmp_path)
    (file,) = tmp_path.glob("fingerprints-*.pickle")
    assert first.lookup(mit) == detect_text(mit, fingerprints=False)

    def refuse() -> object:
        raise AssertionError("the table was built again")

    monkeypatch.setattr(fingerprints, "reference_texts", refuse)
    assert load(tmp_path).by_length == first.by_length  # from the file

    file.write_bytes(b"not a pickle")
    monkeypatch.setattr(fingerprints, "reference_texts", lambda: iter([mit]))
    assert load(tmp_path).by_length == first.by_length  # rebuilt


def test_an_unwritable_cache_dir_builds_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mit = (SPDX_TEXT_DIR / "MIT.txt").read_text(encoding="utf-8")
    monkeypatch.setattr(fingerprints, "reference_texts", lambda: iter([mit]))
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    table = load(blocker / "cache")
    assert isinstance(table, Fingerprints)
    assert table.lookup(mit)


def test_the_table_holds_real_answers_when_fakes_are_installed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The table is written to disk for every later process: a test's fake matcher or
    notice finder must not end up in it."""
    from tests.scanners.pipeline_fixtures import install_fakes

    mit = _read(SPDX_TEXT_DIR / "MIT.txt")
    real = detect_text(mit, fingerprints=False)
    install_fakes(monkeypatch)
    assert detect_text(mit, fingerprints=False) != real  # the fakes answer otherwise
    monkeypatch.setattr(fingerprints, "reference_texts", lambda: iter([mit]))
    table = load(tmp_path)
    assert table.lookup(mit) == real
    assert any(e.licence == "MIT" and e.method is Method.LICENCE_TEXT for e in real)
