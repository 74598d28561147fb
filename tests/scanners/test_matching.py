"""Full licence-text matcher: self-identification, near-duplicates, reformatted texts,
several licences in one text, non-licence text, the index cache."""

from __future__ import annotations

import random
import textwrap
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from licences.sources import (
    EXTRA_DIR,
    SPDX_TEXT_DIR,
    SourceKind,
    extra_text,
    iter_spdx_texts,
    template_sources,
)
from scanners.matching import LicenceTextMatcher, get_matcher
from scanners.matching.index import default_cache_dir, load_index
from scanners.matching.normalise import tokenise
from scanners.model import Evidence, Method

# SPDX texts that cannot identify as exactly their own id, with the reason.
UNREACHABLE: dict[str, str] = {}


@pytest.fixture(scope="module")
def matcher() -> LicenceTextMatcher:
    return get_matcher()


@cache
def _known_ids() -> dict[str, str]:
    return {s.licence_id.lower(): s.licence_id for s in template_sources()}


def _text_id(stem: str) -> str:
    # Deprecated ids' texts are named depreciate_<ID>, sometimes in another case.
    stem = stem.removeprefix("depreciate_")
    return _known_ids().get(stem.lower(), stem)


@cache
def _same_text_groups() -> dict[str, frozenset[str]]:
    """Ids whose plain texts are identical after normalisation."""
    groups: dict[tuple[str, ...], set[str]] = {}
    for stem, path in iter_spdx_texts():
        key = tuple(tokenise(path.read_text(encoding="utf-8")))
        groups.setdefault(key, set()).add(_text_id(stem))
    return {i: frozenset(ids) for ids in groups.values() for i in ids}


def _identifies_as(matcher: LicenceTextMatcher, text: str, expected: str) -> str | None:
    """None when ``text`` is identified as exactly ``expected`` (or an id with the same
    text: an identical normalised text, or a template matching the text exactly where
    ``expected``'s own template matches it exactly too); else what was found."""
    found = matcher.match(text)
    if len(found) == 1:
        got = found[0]
        if got.licence == expected or got.licence in _same_text_groups().get(expected, frozenset()):
            return None
        if got.score == 1.0 and any(
            e.licence == expected
            and e.score == 1.0
            and e.start_line <= got.end_line
            and got.start_line <= e.end_line
            for e in matcher.all_matches(text)
        ):
            return None
    return repr([(e.licence, e.score, e.start_line, e.end_line) for e in found])


def test_every_spdx_text_identifies_as_itself(matcher: LicenceTextMatcher) -> None:
    texts = list(iter_spdx_texts())
    assert len(texts) > 800
    failures = {}
    for stem, path in texts:
        expected = _text_id(stem)
        problem = _identifies_as(matcher, path.read_text(encoding="utf-8"), expected)
        if problem is not None:
            failures[expected] = problem
    assert set(failures) == set(UNREACHABLE), failures


def test_every_extra_text_identifies_as_itself(matcher: LicenceTextMatcher) -> None:
    extras = [s for s in template_sources() if s.kind is SourceKind.PLAIN]
    assert len(extras) >= 39
    failures = {}
    for src in extras:
        problem = _identifies_as(matcher, extra_text(src.path), src.licence_id)
        if problem is not None:
            failures[src.path.name] = problem
    assert failures == {}


# -- copyfair, non-commercial and source-available licences, reformatted --------------

COPYFAIR_IDS = [
    "PPL",
    "PolyForm-Noncommercial-1.0.0",
    "PolyForm-Small-Business-1.0.0",
    "Parity-6.0.0",
    "Parity-7.0.0",
    "BUSL-1.1",
    "FSL-1.1-MIT",
    "FSL-1.1-ALv2",
    "Elastic-2.0",
    "SSPL-1.0",
    *sorted(p.stem for p in SPDX_TEXT_DIR.glob("CC-BY-NC-*.txt")),
]
COPYFAIR_EXTRAS = [
    "ppl-copyfarleft-variant.RULE",
    "cooperative-software-license.RULE",
    "polyform-defensive-1.0.0.LICENSE",
    "polyform-free-trial-1.0.0.LICENSE",
    "polyform-internal-use-1.0.0.LICENSE",
    "polyform-perimeter-1.0.0.LICENSE",
    "polyform-shield-1.0.0.LICENSE",
    "polyform-strict-1.0.0.LICENSE",
    "prosperity-1.0.1.LICENSE",
    "prosperity-2.0.LICENSE",
    "prosperity-3.0.LICENSE",
    "commons-clause.LICENSE",
    "cooperative-non-violent-4.0.LICENSE",
    "cooperative-non-violent-6.0.LICENSE",
    "cooperative-non-violent-7.0.LICENSE",
    "anti-capitalist-1.4.LICENSE",
    "cc-by-nc-sa-3.0-us.LICENSE",
]


def _extra_id(name: str) -> str:
    return next(s.licence_id for s in template_sources() if s.path.name == name)


def _licence_cases() -> list[tuple[str, str]]:
    """(expected id, text) for every licence that must survive reformatting."""
    cases = [(i, (SPDX_TEXT_DIR / f"{i}.txt").read_text(encoding="utf-8")) for i in COPYFAIR_IDS]
    cases += [(_extra_id(n), extra_text(EXTRA_DIR / n)) for n in COPYFAIR_EXTRAS]
    return cases


def _rewrap(text: str) -> str:
    return "\n".join(
        "\n".join(textwrap.wrap(line, width=52, break_on_hyphens=False, break_long_words=False))
        if line.strip()
        else ""
        for line in text.splitlines()
    )


def _prefix(marker: str) -> Callable[[str], str]:
    def apply(text: str) -> str:
        return "\n".join(f"{marker} {line}".rstrip() for line in text.splitlines())

    return apply


def _c_header(text: str) -> str:
    return "/*\n" + _prefix(" *")(text) + "\n */\n\n#include <stdio.h>\nint main(void) {}\n"


def _python_header(text: str) -> str:
    return "#!/usr/bin/env python3\n" + _prefix("#")(text) + "\n\nimport os\nprint(os.name)\n"


def _crlf(text: str) -> str:
    return text.replace("\n", "\r\n")


def _copyright_first(text: str) -> str:
    return "Copyright (c) 2021-2024 Jane Doe <jane@example.org>\nAll rights reserved.\n\n" + text


def _project_header(text: str) -> str:
    return "Acme Widgets\n============\n\nThis project is distributed under:\n\n" + text


def _markdown(text: str) -> str:
    out = []
    first = True
    for line in text.splitlines():
        stripped = line.strip()
        if first and stripped:
            out.append(f"# {stripped}")
            first = False
        elif stripped.isupper() and len(stripped) < 60:
            out.append(f"## {stripped.title()}")
        elif stripped and stripped[0].isalpha() and stripped[1:2] not in (".", ")"):
            head, _, rest = stripped.partition(" ")
            out.append(f"**{head}** {rest}".rstrip())
        elif stripped:
            out.append(stripped)
        else:
            out.append("")
    return "\n".join(out)


VARIANTS: dict[str, Callable[[str], str]] = {
    "as-is": lambda t: t,
    "rewrapped": _rewrap,
    "hash": _prefix("#"),
    "slashes": _prefix("//"),
    "star": _prefix(" *"),
    "semicolons": _prefix(";;"),
    "dashes": _prefix("--"),
    "crlf": _crlf,
    "copyright-first": _copyright_first,
    "project-header": _project_header,
    "c-header": _c_header,
    "python-header": _python_header,
    "markdown": _markdown,
    "rewrapped-commented-crlf": lambda t: _crlf(_prefix("#")(_rewrap(t))),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_copyfair_licences_survive_reformatting(matcher: LicenceTextMatcher, variant: str) -> None:
    failures = {}
    for expected, text in _licence_cases():
        found = matcher.match(VARIANTS[variant](text))
        if [e.licence for e in found] != [expected] or found[0].score < 0.99:
            failures[expected] = [(e.licence, round(e.score, 3)) for e in found]
    assert failures == {}


# -- near-duplicates ------------------------------------------------------------------

NEAR_DUPLICATE_FAMILIES = [
    ["PPL", "CC-BY-NC-SA-3.0", "CC-BY-SA-3.0", "CC-BY-NC-3.0", "CC-BY-3.0"],
    ["CC-BY-2.0", "CC-BY-2.5", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-3.0-DE", "CC-BY-2.5-AU"],
    ["CC-BY-NC-ND-4.0", "CC-BY-ND-4.0", "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0", "CC-BY-SA-4.0"],
    ["PolyForm-Noncommercial-1.0.0", "PolyForm-Small-Business-1.0.0"],
    ["Parity-6.0.0", "Parity-7.0.0"],
    ["FSL-1.1-MIT", "FSL-1.1-ALv2"],
]


@pytest.mark.parametrize("family", NEAR_DUPLICATE_FAMILIES, ids=lambda f: f[0])
def test_near_duplicates_are_told_apart(matcher: LicenceTextMatcher, family: list[str]) -> None:
    for licence in family:
        text = (SPDX_TEXT_DIR / f"{licence}.txt").read_text(encoding="utf-8")
        assert [e.licence for e in matcher.match(text)] == [licence]


def test_ppl_variant_is_ppl_and_not_creative_commons(matcher: LicenceTextMatcher) -> None:
    found = matcher.match(extra_text(EXTRA_DIR / "ppl-copyfarleft-variant.RULE"))
    assert [e.licence for e in found] == ["PPL"]


def test_elastic_2_and_elastic_2018_are_told_apart(matcher: LicenceTextMatcher) -> None:
    elastic_2 = (SPDX_TEXT_DIR / "Elastic-2.0.txt").read_text(encoding="utf-8")
    elastic_2018 = extra_text(EXTRA_DIR / "elastic-license-2018.LICENSE")
    assert [e.licence for e in matcher.match(elastic_2)] == ["Elastic-2.0"]
    assert [e.licence for e in matcher.match(elastic_2018)] == [
        "LicenseRef-scancode-elastic-license-2018"
    ]


def _without_cc_notices(licence: str) -> str:
    """A Creative Commons text as often copied: without the preamble about Creative
    Commons itself and without the closing Creative Commons notice."""
    text = _spdx_text(licence)
    if licence.endswith("4.0"):
        start, end = (
            text.index("By exercising the Licensed Rights"),
            text.rindex("Creative Commons is not a party"),
        )
    else:
        start, end = (
            text.index("THE WORK (AS DEFINED BELOW)"),
            text.rindex("Creative Commons Notice"),
        )
    return text[start:end]


CC_WITHOUT_NOTICES = [
    f"CC-BY{variant}-{version}"
    for version in ("3.0", "4.0")
    for variant in ("", "-SA", "-ND", "-NC", "-NC-SA", "-NC-ND")
]


@pytest.mark.parametrize("licence", CC_WITHOUT_NOTICES)
def test_creative_commons_copies_without_notices_are_told_apart(
    matcher: LicenceTextMatcher, licence: str
) -> None:
    # The parts left out are those that tell the templates apart least; the clauses
    # that differ (NC, SA, ND, PPL's copyfarleft clause) must decide.
    found = matcher.match(_without_cc_notices(licence))
    assert [e.licence for e in found] == [licence]
    assert found[0].score >= 0.8


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("licence", ["PPL", "CC-BY-NC-SA-3.0", "CC-BY-SA-3.0", "CC-BY-NC-3.0"])
def test_noisy_copies_of_near_duplicates(
    matcher: LicenceTextMatcher, licence: str, seed: int
) -> None:
    rnd = random.Random(seed)
    words = _spdx_text(licence).split(" ")
    for _ in range(len(words) * 4 // 100):  # 4 % of the words edited
        k = rnd.randrange(len(words))
        op = rnd.random()
        if op < 0.4:
            words[k] = "zork"
        elif op < 0.7:
            del words[k]
        else:
            words.insert(k, "blarg")
    found = matcher.match(" ".join(words))
    assert [e.licence for e in found] == [licence]
    assert 0.8 <= found[0].score < 1.0


def test_a_changed_clause_decides_between_near_duplicates(
    matcher: LicenceTextMatcher,
) -> None:
    # CC BY-NC-SA 3.0 with a few words edited elsewhere is still NC-SA, not SA or PPL.
    text = (SPDX_TEXT_DIR / "CC-BY-NC-SA-3.0.txt").read_text(encoding="utf-8")
    edited = text.replace("Original Author", "Initial Author", 2).replace("Work", "Opus", 3)
    found = matcher.match(edited)
    assert [e.licence for e in found] == ["CC-BY-NC-SA-3.0"]
    assert 0.8 <= found[0].score < 1.0


# -- several licences, embedded texts, no licence --------------------------------------


def _spdx_text(licence: str) -> str:
    return (SPDX_TEXT_DIR / f"{licence}.txt").read_text(encoding="utf-8")


def test_two_texts_one_after_another(matcher: LicenceTextMatcher) -> None:
    mit, apache = _spdx_text("MIT"), _spdx_text("Apache-2.0")
    text = "Dual licensed under MIT or Apache-2.0.\n\n" + mit + "\n\n-----\n\n" + apache
    found = matcher.match(text)
    assert [e.licence for e in found] == ["MIT", "Apache-2.0"]
    mit_end = 2 + mit.count("\n") + 1
    assert found[0].start_line >= 3 and found[0].end_line <= mit_end + 1
    assert found[1].start_line > found[0].end_line
    assert found[1].end_line == text.count("\n") + 1 or found[1].end_line >= text.count("\n")
    assert all(e.method is Method.LICENCE_TEXT and e.score == 1.0 for e in found)


def test_dual_licence_noncommercial_and_ppl(matcher: LicenceTextMatcher) -> None:
    text = _spdx_text("CC-BY-NC-SA-4.0") + "\n\n" + _spdx_text("PPL")
    assert [e.licence for e in matcher.match(text)] == ["CC-BY-NC-SA-4.0", "PPL"]


@pytest.mark.parametrize("licence", ["MIT", "BSD-2-Clause", "BSD-3-Clause", "ISC", "0BSD"])
def test_small_texts_in_a_source_file_header(matcher: LicenceTextMatcher, licence: str) -> None:
    body = _spdx_text(licence).replace("<year>", "2024").replace("<owner>", "Jane Doe")
    source = _c_header("Copyright (c) 2024 Jane Doe\n\n" + body) + "\n".join(
        f"static int f{i}(int x) {{ return x + {i}; }}" for i in range(50)
    )
    found = matcher.match(source)
    assert [e.licence for e in found] == [licence]
    assert found[0].start_line >= 2
    assert found[0].end_line <= 2 + body.count("\n") + 3


def test_line_range_skips_a_preceding_header(matcher: LicenceTextMatcher) -> None:
    header = "\n".join(f"line {i} of an unrelated preamble" for i in range(30))
    found = matcher.match(header + "\n" + _spdx_text("ISC"))
    assert [e.licence for e in found] == ["ISC"]
    assert found[0].start_line >= 24  # the copyright line is variable text of some length


def test_source_code_without_a_licence_text(matcher: LicenceTextMatcher) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert matcher.match(source) == []
    assert matcher.match("") == []
    assert matcher.match("Licensed under the Apache License, Version 2.0") == []


def test_a_small_part_of_a_text_is_not_reported(matcher: LicenceTextMatcher) -> None:
    gpl = _spdx_text("GPL-3.0-only")
    assert matcher.match(gpl[: len(gpl) // 10]) == []


def test_a_substantial_part_of_a_text_is_reported_as_partial(
    matcher: LicenceTextMatcher,
) -> None:
    gpl = _spdx_text("GPL-3.0-only")
    found = matcher.match(gpl[: len(gpl) * 6 // 10])
    assert [e.licence for e in found] == ["GPL-3.0-only"]
    assert 0.5 <= found[0].score < 0.7
    assert found[0].detail is not None and found[0].detail.startswith("partial text")


def test_evidence_shape(matcher: LicenceTextMatcher) -> None:
    (ev,) = matcher.match(_spdx_text("MIT"))
    assert isinstance(ev, Evidence)
    assert ev.method is Method.LICENCE_TEXT
    assert (ev.start_line, ev.end_line) == (1, _spdx_text("MIT").rstrip("\n").count("\n") + 1)
    assert ev.detail == "exact match"


# -- the index cache ------------------------------------------------------------------


def test_index_is_cached_and_reused(tmp_path: Path) -> None:
    (tmp_path / "matcher-0ld.pickle").write_bytes(b"an index of older data")
    (tmp_path / "scan-results.pickle").write_bytes(b"someone else's cache")
    first = load_index(tmp_path)
    assert not (tmp_path / "matcher-0ld.pickle").exists()
    assert (tmp_path / "scan-results.pickle").exists()
    files = list(tmp_path.glob("matcher-*.pickle"))
    assert len(files) == 1
    second = load_index(tmp_path)
    assert [t.licence_id for t in second.templates] == [t.licence_id for t in first.templates]
    assert list(tmp_path.glob("*.tmp")) == []


def test_unwritable_cache_dir_compiles_in_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    index = load_index(blocker / "cache")
    assert len(index.templates) == len(template_sources())


def test_corrupt_cache_is_replaced(tmp_path: Path) -> None:
    load_index(tmp_path)
    (path,) = tmp_path.glob("matcher-*.pickle")
    path.write_bytes(b"not a pickle")
    index = load_index(tmp_path)
    assert len(index.templates) == len(template_sources())
    assert path.read_bytes()[:1] == b"\x80"


def test_get_matcher_is_cached_per_process() -> None:
    assert get_matcher() is get_matcher()


def test_default_cache_dir_follows_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPYFAIR_CACHE_DIR", "/x/cf")
    assert default_cache_dir() == Path("/x/cf")
    monkeypatch.delenv("COPYFAIR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", "/x/xdg")
    assert default_cache_dir() == Path("/x/xdg/copyfair")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "copyfair"


# -- normalisation --------------------------------------------------------------------


def test_normalisation_per_matching_guidelines() -> None:
    a = tokenise(
        "// 1. The Licensor's “Sub-License” & 'non-commercial' see https://x.org\r\n"
        "(a) Copyright Owner: ACME"
    )
    b = tokenise(
        '#  the licensor’s "sub licence" AND noncommercial -- see http://x.org\n'
        "copyright holder acme"
    )
    assert a == b


def test_bullets_are_ignored_at_line_starts_only() -> None:
    assert tokenise("iii. Voluntary schemes\n 2) Grant\n- c. item") == tokenise(
        "voluntary schemes grant item"
    )
    assert tokenise("version 2. of the licence") == ["version", "2", "of", "the", "licence"]
