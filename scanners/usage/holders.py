"""Copyright holders: find them in copyright lines and tell what kind of entity they are.

Pure: text in, :class:`Holder` values out. ``Copyright (c) 2019-2024 Acme Analytics GmbH.
All rights reserved.`` gives the holder ``Acme Analytics GmbH``, a company; ``Copyright
2020 The Go Authors`` a generic collective (no signal); ``Free Software Foundation, Inc.``
a non-profit. The patterns are data (``data/holders.toml``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from enum import StrEnum

from scanners.usage.lists import HolderRules, holder_rules


class HolderClass(StrEnum):
    COMPANY = "company"
    COOPERATIVE = "cooperative"
    NONPROFIT = "nonprofit"
    ACADEMIC = "academic"
    PUBLIC = "public"
    GENERIC = "generic"  # "contributors", "The Go Authors": says nothing
    PERSON = "person"  # anything else: most likely a person's name


@dataclass(frozen=True, slots=True)
class Holder:
    """A copyright holder named on ``line`` (1-based) of some text."""

    name: str
    holder_class: HolderClass
    line: int
    statement: str  # the copyright line as written (stripped, shortened)


# A copyright statement: "Copyright", "(c)" or "©" at the start of a line (after comment
# markers), then the rest of the line.
_STATEMENT = re.compile(
    r"^(?:[^\w\n]|_)*?(?:copyright\b|\(c\)\s*(?=\d)|©)(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE
)
_SYMBOLS = re.compile(r"\(c\)|©|\bcopyright\b|\bcopr\.", re.IGNORECASE)
_YEARS = re.compile(
    r"(?<!\w)(?:19|20)\d\d(?:\s*[-–,/]\s*(?:(?:19|20)?\d\d|present|now|today))*\b,?",
    re.IGNORECASE,
)
_TO_PRESENT = re.compile(r"(?:^|\s)(?:to|-|–|until)?\s*(?:present|now|today)\b|\b20\dx\b", re.I)
_EMAIL = re.compile(r"<[^<>]*@[^<>]*>|<\s*(?:https?://|www\.)[^<>]*>|\S+@\S+", re.IGNORECASE)
_URL = re.compile(r"\(?\s*(?:https?://|www\.)\S+\s*\)?", re.IGNORECASE)
_CUT = re.compile(
    r"\ball rights reserved\b|\bsome rights reserved\b|\blicen[cs]ed\b|\bspdx-|\breleased under\b"
    r"|\band its affiliates\b|\bsee (?:the )?licen[cs]e\b|\bdistributed under\b"
    r"|\bunder the terms\b|\*/|-->",
    re.IGNORECASE,
)
_LEAD = re.compile(r"^(?:[\s,:;.\-–]|by\b|the holder\b)+", re.IGNORECASE)
# Not a statement of who holds the copyright: licence prose about copyright.
_PROSE = re.compile(
    r"\b(?:notice|notices|holders?|owners?|law|laws|act|protection|statement|"
    r"assignment|license|licence|infringement|disclaimer|and related rights)\b",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(r"[<\[{]|\$\w|\byyyy\b|\bname of\b|\byour name\b", re.IGNORECASE)
_CROWN = re.compile(r"\bcrown copyright\b", re.IGNORECASE)
_ABBREVIATIONS = frozenset({"Inc", "Corp", "Ltd", "Co", "Bros", "Jr", "Sr", "Pty", "Pte", "Ltda"})
MAX_NAME = 120


def _clean(rest: str) -> str:
    text = _URL.sub(" ", _EMAIL.sub(" ", rest))
    cut = _CUT.search(text)
    if cut is not None:
        text = text[: cut.start()]
    text = _SYMBOLS.sub(" ", text)
    text = _YEARS.sub(" ", text)
    text = _TO_PRESENT.sub(" ", text)
    text = re.sub(r"\s+", " ", text)
    text = _LEAD.sub("", text).strip().rstrip(" ,;:-–*#/()")
    if text.endswith("."):
        last = text.rsplit(" ", 1)[-1][:-1]
        if "." not in last and last not in _ABBREVIATIONS:
            text = text[:-1].rstrip()
    return text


def classify_holder(name: str, rules: HolderRules | None = None) -> HolderClass:
    """What kind of entity ``name`` is (see ``data/holders.toml`` for the rules)."""
    rules = rules or holder_rules()
    for class_name, patterns in rules.patterns:
        if any(p.search(name) for p in patterns):
            return HolderClass(class_name)
    for company in rules.known_companies:
        if name == company or name.startswith(company + " ") or name.startswith(company + ","):
            return HolderClass.COMPANY
    return HolderClass.PERSON


def holder_of(line: str, rules: HolderRules | None = None) -> tuple[str, HolderClass] | None:
    """The holder named by one copyright line, or None when the line is not a statement
    (licence prose such as "copyright notice", a template placeholder, no name)."""
    match = _STATEMENT.match(line.strip())
    if match is None:
        return None
    rest = match.group("rest")
    if _CROWN.search(line):
        return "Crown", HolderClass.PUBLIC
    # A statement names a year or carries a (c)/© sign; "Copyright law ..." does neither.
    has_mark = bool(_YEARS.search(rest)) or bool(re.search(r"\(c\)|©", line, re.IGNORECASE))
    if not has_mark or _PLACEHOLDER.search(_URL.sub(" ", _EMAIL.sub(" ", rest))):
        return None
    name = _clean(rest)
    if not name or len(name) > MAX_NAME or _PROSE.search(name):
        return None
    if not re.search(r"[^\W\d_]{2}", name):  # needs letters, not just "(c) 2020"
        return None
    return name, classify_holder(name, rules)


def find_holders(text: str, rules: HolderRules | None = None) -> Iterator[Holder]:
    """Every copyright holder named in ``text``, in order."""
    if "opyright" not in text and "©" not in text and "(c)" not in text.lower():
        return
    rules = rules or holder_rules()
    for match in _STATEMENT.finditer(text):
        found = holder_of(match.group(0), rules)
        if found is None:
            continue
        line = text.count("\n", 0, match.start()) + 1
        statement = match.group(0).strip()
        if len(statement) > 160:
            statement = statement[:157] + "..."
        yield Holder(found[0], found[1], line, statement)
