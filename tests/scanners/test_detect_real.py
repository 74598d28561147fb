"""The real detectors together: what the notice finder skips inside matched licence texts."""

from __future__ import annotations

from licences.sources import SPDX_TEXT_DIR
from scanners.detect import detect_text
from scanners.model import Method
from scanners.notices import find_notices


def _spdx(licence: str) -> str:
    return (SPDX_TEXT_DIR / f"{licence}.txt").read_text(encoding="utf-8")


def _found(text: str) -> list[tuple[str, str]]:
    return [(str(e.method), e.licence) for e in detect_text(text, fingerprints=False)]


def test_a_licence_texts_own_mentions_of_other_licences_are_not_notices() -> None:
    # MPL-2.0 names the LGPL, the GPL and the AGPL (its "Secondary Licenses"; SPDX's plain
    # text matches at 0.999, not exactly); the GPL-3.0 names the AGPL; none of them is a
    # notice that the file is under that licence.
    assert _found(_spdx("MPL-2.0")) == [(str(Method.LICENCE_TEXT), "MPL-2.0")]
    assert _found(_spdx("GPL-3.0-only")) == [(str(Method.LICENCE_TEXT), "GPL-3.0-only")]


def test_a_notice_before_a_licence_text_is_still_reported() -> None:
    head = "Licensed under either of Apache License, Version 2.0 or the MIT license.\n\n"
    found = detect_text(head + _spdx("MIT"), fingerprints=False)
    assert ("notice", "Apache-2.0") in [(str(e.method), e.licence) for e in found]
    text = [e for e in found if e.method is Method.LICENCE_TEXT]
    assert [e.licence for e in text] == ["MIT"]
    assert text[0].start_line > 1


def test_the_notice_finder_skips_the_lines_it_is_told_to() -> None:
    text = "\n".join(
        [
            "Licensed under the Apache License, Version 2.0.",  # 1
            "",
            "",
            "",
            "",
            "",
            "",
            "",
            "Released under the MIT license.",  # 9
            "",
        ]
    )
    assert [e.licence for e in find_notices(text)] == ["Apache-2.0", "MIT"]
    assert [e.licence for e in find_notices(text, skip=[(8, 10)])] == ["Apache-2.0"]
    assert find_notices(text, skip=[(1, 1), (9, 9)]) == []


def test_an_approximate_licence_texts_own_mentions_are_not_notices_either() -> None:
    # A damaged MPL-2.0 copy (every 25th word dropped, lines kept: matched below 0.98)
    # still names its Secondary Licenses inside the matched text: not notices.
    count = 0
    lines = []
    for line in _spdx("MPL-2.0").split("\n"):
        kept = []
        for word in line.split(" "):
            count += 1
            if count % 25:
                kept.append(word)
        lines.append(" ".join(kept))
    found = detect_text("\n".join(lines), fingerprints=False)
    texts = [e for e in found if e.method is Method.LICENCE_TEXT]
    assert [e.licence for e in texts] == ["MPL-2.0"]
    assert 0.8 <= texts[0].score < 0.98
    assert [e for e in found if e.method is Method.NOTICE] == []
