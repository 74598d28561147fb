"""The name and URL tables the notice recogniser looks licences up in.

Two shipped data files feed them: ``scanners/data/notice_catalog.json`` (every catalog
licence's names and reference URLs, generated from ``licences/data`` by
``python -m scanners.notices.build_table``) and ``scanners/data/notices.toml`` (the
names and URLs people write that the catalog does not spell out). Both are loaded and
compiled once per process (:func:`get_tables`).
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from itertools import accumulate
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CATALOG_FILE = DATA_DIR / "notice_catalog.json"
NOTICES_FILE = DATA_DIR / "notices.toml"

# The GNU family is recognised by its own rule (versions, "or any later version").
_GNU_IDS = re.compile(r"^(?:A|L)?GPL-|^GFDL-|^LGPLLR$")
# Words that make a catalog name distinctive enough to be recognised anywhere.
_STRONG_WORDS = frozenset({"license", "agreement"})
_MAX_NAME_TOKENS = 14

STRONG_SCORE = 0.95  # a full licence name with its version
ALIAS_SCORE = 0.9  # an id or a short name in a licensing context
VAGUE_SCORE = 0.6  # a family name without version
ID_SCORE = 0.85  # an SPDX id with a version ("Apache-2.0", "SSPL-1.0") anywhere in prose


# punctuation, hyphens, slashes, "+" and whitespace other than " ": blanked in one pass
_BLANKED = (
    "\"'`\u2018\u2019\u201c\u201d()[]{}<>,;:!?*_=#|+\u00ae\u2122-/\t\n\r\x0b\x0c\xa0\u2009\u2028"
)
_BLANK_TABLE = str.maketrans(_BLANKED, " " * len(_BLANKED))
_V_BEFORE_DIGIT = re.compile(r"v(?=\d)")  # "gplv2", "v2" -> " 2"
_VERSION_WORDS = frozenset({"version", "ver", "v", "rev"})
_DROP_WORDS = frozenset({"the", "a", "an"})
_NUMBER = re.compile(r"\d+(?:\.\d+)*")


def _strip_zeros(num: str) -> str:
    parts = num.split(".")
    while len(parts) > 1 and parts[-1] == "0":
        parts.pop()
    return ".".join(parts)


def _blank(text: str) -> str:
    """``text`` lower case, "licence" spelt "license", punctuation, hyphens and slashes
    blanked out; the same length as ``text``."""
    s = text.lower()
    if len(s) != len(text):  # a few non-ASCII letters change length when lowered
        s = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    s = s.replace("licence", "license").translate(_BLANK_TABLE)
    return _V_BEFORE_DIGIT.sub(" ", s)


def _fix_dotted(word: str) -> str:
    """A word with a dot: edge dots dropped, "v.2" -> "2", "2.0" -> "2"."""
    word = word.strip(".")
    if word.startswith("v.") and word[2:3].isdigit():
        word = word[2:]
    if word[:1].isdigit() and _NUMBER.fullmatch(word):
        word = _strip_zeros(word)
    return word


def canon_tokens(text: str) -> list[tuple[str, int, int]]:
    """Canonical tokens of ``text`` with the (start, end) offsets of each in ``text``:
    lower case, no punctuation, "the"/"a"/"an" and a "version"/"v." before a number
    dropped, "2.0" = "2". Built from C-level string operations and comprehensions:
    licence texts are long, and every word of them goes through here."""
    pieces = _blank(text).split(" ")
    starts = list(accumulate(map((1).__add__, map(len, pieces)), initial=0))
    toks = [(p, s, s + len(p)) for p, s in zip(pieces, starts, strict=False) if p]
    for i in [i for i, t in enumerate(toks) if "." in t[0]]:
        word, start, end = toks[i]
        toks[i] = (_fix_dotted(word), start, end)
    n = len(toks)
    return [
        t
        for i, t in enumerate(toks)
        if t[0]
        and t[0] not in _DROP_WORDS
        and not (t[0] in _VERSION_WORDS and i + 1 < n and toks[i + 1][0][:1].isdigit())
    ]


def canon(text: str) -> str:
    """A name in canonical form: ``"The Apache License, Version 2.0"`` -> ``"apache license 2"``."""
    return " ".join(tok for tok, _, _ in canon_tokens(text))


def canon_url(url: str) -> str:
    """A URL in canonical form for lookup: no scheme, no ``www.``, no query or fragment,
    no trailing slash or ``.html``/``.php``/``.txt``/``.md``; lower case."""
    u = url.lower().strip().rstrip(".,;:)>\"'")
    u = re.sub(r"^[a-z]+://", "", u)
    u = re.sub(r"^www\.", "", u)
    u = re.split(r"[?#]", u, maxsplit=1)[0]
    u = u.rstrip("/")
    u = re.sub(r"\.(?:html?|php|txt|md|json)$", "", u)
    return u.rstrip("/")


@dataclass(frozen=True, slots=True)
class NameEntry:
    tokens: tuple[str, ...]
    licence: str
    score: float
    strong: bool  # recognised anywhere, not only in a licensing context


@dataclass(frozen=True, slots=True)
class NameMatch:
    licence: str
    score: float
    length: int  # number of tokens matched


@dataclass(frozen=True)
class NoticeTables:
    by_first: dict[str, tuple[NameEntry, ...]]  # first token -> entries, longest first
    strong_first: frozenset[str]  # first tokens of the names recognised anywhere
    version_ids: dict[str, str]  # lower-case id with a version -> id ("apache-2.0")
    exceptions: frozenset[str]  # lower-case ids of exceptions (never a notice's licence)
    urls: dict[str, str]  # canonical URL -> licence id
    ids: dict[str, str]  # lower-case id -> id (every catalog id)
    list_version: str

    def match_at(self, tokens: list[str], i: int, *, strong_only: bool) -> NameMatch | None:
        """The longest name starting at ``tokens[i]``."""
        entries = self.by_first.get(tokens[i])
        if not entries:
            return None
        window = tuple(tokens[i : i + _MAX_NAME_TOKENS])
        for e in entries:
            if strong_only and not e.strong:
                continue
            n = len(e.tokens)
            if window[:n] == e.tokens:
                return NameMatch(e.licence, e.score, n)
        return None


def _is_strong(tokens: tuple[str, ...]) -> bool:
    return len(tokens) >= 2 and not _STRONG_WORDS.isdisjoint(tokens)


def build_tables(catalog: dict[str, object], notices: dict[str, dict[str, str]]) -> NoticeTables:
    """Compile the two data files' contents into lookup tables."""
    licences = catalog["licences"]
    assert isinstance(licences, list)
    ids: dict[str, str] = {}
    names: dict[tuple[str, ...], set[str]] = {}
    url_ids: dict[str, set[str]] = {}
    for entry in licences:
        lid = str(entry["id"])
        ids[lid.lower()] = lid
        if entry.get("exception") or _GNU_IDS.match(lid):
            continue
        for name in [lid, *entry["names"]]:
            toks = tuple(canon(str(name)).split())
            if toks:
                names.setdefault(toks, set()).add(lid)
        for url in entry["urls"]:
            url_ids.setdefault(canon_url(str(url)), set()).add(lid)

    version_ids = {
        lid.lower(): lid
        for lid in ids.values()
        if "-" in lid
        and any(c.isdigit() for c in lid)
        and (not _GNU_IDS.match(lid) or "invariants" in lid)  # GFDL-1.3-invariants-only
    }
    for entry in licences:
        if entry.get("exception"):
            version_ids.pop(str(entry["id"]).lower(), None)
    table: dict[tuple[str, ...], NameEntry] = {}
    for toks, found in names.items():
        spdx = {x for x in found if not x.startswith("LicenseRef-")}
        pick = spdx or found
        if len(pick) == 1:
            (lid,) = pick
            table[toks] = NameEntry(toks, lid, STRONG_SCORE, _is_strong(toks))
    for section, score, strong in (
        ("vague", VAGUE_SCORE, False),
        ("aliases", ALIAS_SCORE, False),
        ("strong_aliases", STRONG_SCORE, True),
    ):
        for name, lid in notices.get(section, {}).items():
            toks = tuple(canon(name).split())
            is_strong = strong or (section == "aliases" and _is_strong(toks))
            table[toks] = NameEntry(toks, lid, score, is_strong)

    by_first: dict[str, list[NameEntry]] = {}
    for e in table.values():
        by_first.setdefault(e.tokens[0], []).append(e)
    urls = {u: next(iter(found)) for u, found in url_ids.items() if len(found) == 1 and u}
    for url, lid in notices.get("url_aliases", {}).items():
        urls[canon_url(url)] = lid
    return NoticeTables(
        by_first={k: tuple(sorted(v, key=lambda e: -len(e.tokens))) for k, v in by_first.items()},
        strong_first=frozenset(e.tokens[0] for e in table.values() if e.strong),
        version_ids=version_ids,
        exceptions=frozenset(str(e["id"]).lower() for e in licences if e.get("exception")),
        urls=urls,
        ids=ids,
        list_version=str(catalog.get("spdx_list_version", "")),
    )


def compile_tables() -> NoticeTables:
    """The tables compiled from the shipped data files."""
    catalog = json.loads(CATALOG_FILE.read_text(encoding="utf-8"))
    with NOTICES_FILE.open("rb") as fh:
        notices = tomllib.load(fh)
    return build_tables(catalog, notices)


def data_key() -> str:
    """What the compiled tables depend on: copyfair's version key and the data files."""
    import hashlib

    from scanners.cache_files import stat_signature, version_key

    parts = (version_key(), stat_signature(CATALOG_FILE), stat_signature(NOTICES_FILE))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:24]


@cache
def get_tables() -> NoticeTables:
    """The compiled tables, once per process: from the cache directory when current
    (compiling takes five times as long as loading), else compiled and stored there."""
    from licences.disk_cache import compiled

    return compiled("notice-tables", data_key(), NoticeTables, compile_tables)
