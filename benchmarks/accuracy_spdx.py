"""Full-text matcher: SPDX self-identification and timings.

Scans each vendored ``licences/data/spdx/text/<ID>.txt`` alone with the matcher and
checks that exactly its own id is found, or an id with the same text (identical after
normalisation, or a template that matches the text exactly where the expected one does
too). Also measures compiling the index, loading it from the cache, and ``match()`` on
ordinary source files and on a few licence texts.

    python benchmarks/accuracy_spdx.py [-v] [SOURCE_DIR]

SOURCE_DIR (default: this repository's packages and tests) provides the "ordinary
source files" (*.py).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

from licences.sources import SPDX_TEXT_DIR, iter_spdx_texts, template_sources
from scanners.matching import LicenceTextMatcher
from scanners.matching.index import load_index
from scanners.matching.normalise import tokenise

REPO = Path(__file__).resolve().parent.parent


def text_licence_id(stem: str, known: dict[str, str]) -> str:
    """The template id a text file stands for (deprecated texts are named
    ``depreciate_<ID>``, sometimes with another case)."""
    stem = stem.removeprefix("depreciate_")
    return known.get(stem.lower(), stem)


def same_text_groups(known: dict[str, str]) -> dict[str, frozenset[str]]:
    by_tokens: dict[tuple[str, ...], set[str]] = {}
    for stem, path in iter_spdx_texts():
        key = tuple(tokenise(path.read_text(encoding="utf-8")))
        by_tokens.setdefault(key, set()).add(text_licence_id(stem, known))
    return {i: frozenset(ids) for ids in by_tokens.values() for i in ids}


def identifies(
    matcher: LicenceTextMatcher, text: str, expected: str, groups: dict[str, frozenset[str]]
) -> tuple[bool, str]:
    found = matcher.match(text)
    if len(found) == 1:
        got = found[0]
        if got.licence == expected or got.licence in groups.get(expected, frozenset()):
            return True, got.licence
        if got.score == 1.0 and any(
            e.licence == expected
            and e.score == 1.0
            and e.start_line <= got.end_line
            and got.start_line <= e.end_line
            for e in matcher.all_matches(text)
        ):
            return True, f"{got.licence} (same text)"
    return False, repr([(e.licence, round(e.score, 3)) for e in found])


def per_call_ms(matcher: LicenceTextMatcher, text: str, repeat: int = 20) -> float:
    matcher.match(text)  # compile the candidates' regexes once
    t = time.perf_counter()
    for _ in range(repeat):
        matcher.match(text)
    return 1000 * (time.perf_counter() - t) / repeat


def main() -> int:
    args = [a for a in sys.argv[1:] if a != "-v"]
    verbose = "-v" in sys.argv
    source_dirs = (
        [Path(args[0])]
        if args
        else [REPO / d for d in ("licences", "scanners", "service", "tests")]
    )

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        load_index(Path(tmp))
        t_compile = time.perf_counter() - t
        t = time.perf_counter()
        index = load_index(Path(tmp))
        t_load = time.perf_counter() - t
    matcher = LicenceTextMatcher(index)
    print(f"compile index (and write cache): {t_compile:.2f} s")
    print(f"load cached index:               {t_load:.3f} s")

    sources = [
        p.read_text(encoding="utf-8", errors="replace")
        for d in source_dirs
        for p in sorted(d.rglob("*.py"))
    ]
    sources = [s for s in sources if s.strip()]
    for s in sources[:20]:
        matcher.match(s)
    times = []
    for s in sources:
        t = time.perf_counter()
        matcher.match(s)
        times.append(time.perf_counter() - t)
    if times:
        print(
            f"match() on {len(times)} source files of {', '.join(map(str, source_dirs))}: "
            f"median {1e6 * statistics.median(times):.0f} µs, "
            f"mean {1e6 * statistics.mean(times):.0f} µs, max {1e3 * max(times):.1f} ms, "
            f"{len(times) / sum(times):.0f} files/s"
        )
    for licence in ("MIT", "BSD-3-Clause", "Apache-2.0", "GPL-3.0-only", "PPL", "CC-BY-NC-SA-4.0"):
        text = (SPDX_TEXT_DIR / f"{licence}.txt").read_text(encoding="utf-8")
        print(f"match() on {licence} text: {per_call_ms(matcher, text):.1f} ms")

    known = {s.licence_id.lower(): s.licence_id for s in template_sources()}
    groups = same_text_groups(known)
    texts = list(iter_spdx_texts())
    ok = 0
    t = time.perf_counter()
    for stem, path in texts:
        expected = text_licence_id(stem, known)
        good, what = identifies(matcher, path.read_text(encoding="utf-8"), expected, groups)
        ok += good
        if not good or (verbose and what != expected):
            print(
                f"{'FAIL' if not good else 'ok  '} {path.name}: expected {expected}, found {what}"
            )
    elapsed = time.perf_counter() - t
    print(f"{ok}/{len(texts)} SPDX texts identify as themselves ({elapsed:.1f} s for all)")
    return 0 if ok == len(texts) else 1


if __name__ == "__main__":
    raise SystemExit(main())
