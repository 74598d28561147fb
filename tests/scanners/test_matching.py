"""Full licence-text matcher: self-identification, near-duplicates, reformatted texts,
several licences in one text, non-licence text, the index cache."""

from __future__ import annotations

import random
import re
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
from scanners.matching.index import WINDOW_ANCHORS, load_index
from scanners.matching.matcher import WINDOW_MIN_CHARS
from scanners.matching.normalise import tokenise, tokenise_with_lines
from scanners.matching.templates import (
    UNKNOWN_CHAR,
    Piece,
    compile_pieces,
    compile_source,
    prefix_program,
    template_program,
    template_regexes,
    token_char,
)
from scanners.matching.verify import Program, find_all, search_to
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


# -- large texts: windows ------------------------------------------------------------

_CODE_LINE = "    total = compute(values[{i}], offset={i}) + previous  # step {i}\n"


def _code(lines: int, start: int = 0) -> str:
    return "".join(_CODE_LINE.format(i=i) for i in range(start, start + lines))


def test_texts_deep_inside_a_large_file_are_found_on_their_lines(
    matcher: LicenceTextMatcher,
) -> None:
    mit, gpl = _spdx_text("MIT"), _spdx_text("GPL-3.0-only")
    before, between, after = _code(3000), _code(2500, 3000), _code(2000, 5500)
    text = before + _c_header(mit) + between + _python_header(gpl) + after
    assert len(text) > 15 * WINDOW_MIN_CHARS
    windows = matcher.windows(text.lower())
    assert 2 <= len(windows) and sum(b - a for a, b in windows) < len(text) // 4
    found = matcher.match(text)
    assert [e.licence for e in found] == ["MIT", "GPL-3.0-only"]
    # What matching the whole text at once gives (only slower).
    assert found == matcher._match_region(text, text.lower())
    mit_first = 3000 + 2  # "/*" then the first line of MIT's text
    assert mit_first <= found[0].start_line <= mit_first + 2  # (the title is optional)
    assert found[0].end_line == mit_first + mit.rstrip("\n").count("\n")
    gpl_first = 3000 + _c_header(mit).count("\n") + 2500 + 2  # after the "#!" line
    assert gpl_first <= found[1].start_line <= gpl_first + 2
    assert found[1].end_line >= gpl_first + gpl.rstrip("\n").count("\n") - 3


def test_a_large_file_gives_what_its_licence_region_gives(matcher: LicenceTextMatcher) -> None:
    region = _python_header(_spdx_text("BSD-3-Clause"))
    large = region + _code(4000)
    assert len(large) > WINDOW_MIN_CHARS
    assert matcher.match(large) == matcher.match(region)
    assert matcher.match(_code(4000)) == []


def test_windows_are_whole_lines_around_anchor_words(matcher: LicenceTextMatcher) -> None:
    text = _code(3000) + "# Copyright 2024 Jane Doe\n" + _code(3000, 3000)
    lowered = text.lower()
    ((start, end),) = matcher.windows(lowered)
    at = lowered.index("copyright")
    assert start < at < end
    assert start == 0 or lowered[start - 1] == "\n"
    assert end == len(lowered) or lowered[end - 1] == "\n"
    assert end - start < 3 * matcher.index.window_tokens * 12


def _plain_windows(lowered: str, radius: int) -> list[tuple[int, int]]:
    """Every occurrence's window, widened to whole lines, merged."""
    spans = sorted(
        (max(0, at - radius), min(len(lowered), at + len(word) + radius))
        for word in WINDOW_ANCHORS
        for at in (m.start() for m in re.finditer(re.escape(word), lowered))
    )
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        a = lowered.rfind("\n", 0, a) + 1
        nl = lowered.find("\n", b)
        b = len(lowered) if nl < 0 else nl + 1
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def test_windows_skip_occurrences_only_where_that_changes_nothing(
    matcher: LicenceTextMatcher,
) -> None:
    rng = random.Random(3)
    radius = matcher._window_radius
    words = ["licence ", "copyright ", "rights ", "x " * 50 + "\n", "y" * 300, "\n", "z " * 2000]
    texts = [_spdx_text("GPL-3.0-only").lower(), _spdx_text("Apache-2.0").lower() * 3]
    texts += ["".join(rng.choice(words) for _ in range(rng.randint(0, 200))) for _ in range(200)]
    for text in texts:
        assert matcher.windows(text) == _plain_windows(text, radius)


def test_every_template_has_a_window_anchor_often_enough() -> None:
    index = get_matcher().index
    assert 0 < index.window_tokens < 1000


# -- tokens and token codes -------------------------------------------------------------


def test_token_lines_survive_merged_equivalent_words() -> None:
    text = "Permission is\n\ngranted to sub\nlicense it,\r\n  1. under the\nlicence"
    tokenised = tokenise_with_lines(text)
    assert list(tokenised.tokens) == tokenise(text)
    lines = {t: tokenised.line(i) for i, t in enumerate(tokenised.tokens)}
    assert lines["permission"] == 1
    assert lines["granted"] == 3
    assert lines["sublicense"] == 3  # "sub\nlicense" is one word, on the line it starts
    assert lines["it"] == 4
    assert lines["under"] == 5
    assert lines["licence"] == 6


def test_token_codes_are_single_non_special_characters() -> None:
    chars = [token_char(i) for i in range(60000)]
    assert len(set(chars)) == len(chars)
    assert UNKNOWN_CHAR not in chars
    assert all(len(c) == 1 and not 0xD800 <= ord(c) < 0xE000 for c in chars)
    assert all(re.escape(c) == c for c in chars[:2000])


def _regex_matches(pattern: str, codes: str, n_prefix_vars: int) -> list[tuple[int, int, object]]:
    return [
        (
            m.start(),
            m.end(),
            sorted((i, a, b) for i, (a, b) in enumerate(m.regs[1:], n_prefix_vars) if a >= 0),
        )
        for m in re.finditer(pattern, codes)
    ]


def test_template_programs_match_as_their_regexes_do() -> None:
    """The interpreted programs against the regexes they stand for, on texts of the
    template itself, of its near-duplicates and reformatted ones."""
    index = get_matcher().index
    chars = {t: token_char(i) for t, i in index.vocabulary.items()}
    sources = {s.licence_id: s for s in template_sources()}
    rng = random.Random(7)
    ids = sorted(i for i in sources if (SPDX_TEXT_DIR / f"{i}.txt").exists())
    picked = set(rng.sample(ids, 60)) | {i for family in NEAR_DUPLICATE_FAMILIES for i in family}
    picked &= set(ids)
    texts = [_spdx_text(i) for i in sorted(picked)]
    texts += [VARIANTS["rewrapped-commented-crlf"](_spdx_text(i)) for i in ("PPL", "MIT")]
    texts += [VARIANTS["c-header"](_spdx_text("BSD-3-Clause"))]
    codes = ["".join(chars.get(t, UNKNOWN_CHAR) for t in tokenise(text)) for text in texts]
    compared = found = 0
    for licence in sorted(picked):
        template = compile_source(sources[licence])
        prefix_rx, body_rx = template_regexes(template.pieces, template.split, chars)
        program = template_program(template.pieces, template.split, chars)
        prefix = prefix_program(template.pieces, template.split, chars)
        for text in codes:
            expected = _regex_matches(body_rx, text, template.n_prefix_vars)
            got = [(a, b, sorted(caps)) for a, b, caps in find_all(text, program)]
            assert got == expected, licence
            for a, _b, _caps in got:
                lo = max(0, a - template.prefix_tokens)
                assert _searched_to(prefix, text, lo, a) == _regex_search(prefix_rx, text, lo, a)
            compared += 1
            found += bool(got)
    assert compared > 1000 and found >= 0.9 * len(picked)


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


# -- exact verification: programs against the regexes they stand for ------------------

_ALPHABET = ("a", "b", "c", "d")


def _random_pieces(rng: random.Random, depth: int = 0) -> list[Piece]:
    pieces: list[Piece] = []
    for _ in range(rng.randint(1, 6 if depth else 10)):
        kind = rng.random()
        if kind < 0.5:
            pieces.append(("tok", rng.choice(_ALPHABET), rng.random() < 0.2))
        elif kind < 0.7 and depth < 2:
            pieces += [("open",), *_random_pieces(rng, depth + 1), ("close",)]
        else:
            default = tuple(rng.choice(_ALPHABET) for _ in range(rng.randint(0, 2)))
            pieces.append(("var", default, len(default) + rng.randint(0, 3)))
    return pieces


def _regex_search(pattern: str, codes: str, lo: int, end: int) -> tuple[int, object] | None:
    m = re.compile(pattern).search(codes, lo, end)
    if m is None:
        return None
    return m.start(), sorted((i, a, b) for i, (a, b) in enumerate(m.regs[1:]) if a >= 0)


def _searched_to(program: Program, codes: str, lo: int, end: int) -> tuple[int, object] | None:
    found = search_to(codes, program, lo, end)
    return None if found is None else (found[0], sorted(found[1]))


def test_prefix_programs_search_as_their_regexes_do() -> None:
    """A template's prefix (what precedes its first required token), searched so that
    it ends where the body starts, as ``re.search(prefix_regex, codes, lo, end)``."""
    rng = random.Random(2026)
    chars = {t: token_char(i) for i, t in enumerate(_ALPHABET)}
    alphabet = [*chars.values(), UNKNOWN_CHAR]
    matched = 0
    for _ in range(400):
        pieces = [*_random_pieces(rng), ("tok", rng.choice(_ALPHABET), False)]
        pieces += _random_pieces(rng)
        compiled = compile_pieces(pieces)
        prefix_rx, _body = template_regexes(compiled.pieces, compiled.split, chars)
        program = prefix_program(compiled.pieces, compiled.split, chars)
        for _ in range(25):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            end = rng.randint(0, len(text))
            lo = rng.randint(0, end)
            expected = _regex_search(prefix_rx, text, lo, end)
            assert _searched_to(program, text, lo, end) == expected, (pieces, text, lo, end)
            matched += expected is not None and expected[0] < end
    assert matched > 1000


def test_programs_backtrack_and_commit_as_regexes_do() -> None:
    """Random small templates (optional groups, enumerators, variable parts whose
    default text holds a stop token: the one choice point) on random texts."""
    rng = random.Random(2024)
    chars = {t: token_char(i) for i, t in enumerate(_ALPHABET)}
    alphabet = [*chars.values(), UNKNOWN_CHAR]
    matched = 0
    for _ in range(400):
        pieces = [("tok", rng.choice(_ALPHABET), False), *_random_pieces(rng)]
        if rng.random() < 0.5:
            pieces = [*_random_pieces(rng), *pieces]
        compiled = compile_pieces(pieces)
        _prefix, body = template_regexes(compiled.pieces, compiled.split, chars)
        program = template_program(compiled.pieces, compiled.split, chars)
        for _ in range(25):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
            expected = _regex_matches(body, text, compiled.n_prefix_vars)
            got = [(a, b, sorted(caps)) for a, b, caps in find_all(text, program)]
            assert got == expected, (pieces, text)
            matched += bool(got)
    assert matched > 1000
