"""The licence catalog: every SPDX licence and exception, plus the copyfair-relevant
licences that have no SPDX id (ScanCode ``LicenseRef-scancode-*`` and our own
``LicenseRef-copyfair-*``), each with its category and, where written, its terms.

Metadata comes from the generated ``data/catalog-index.json`` (see
:mod:`licences.build_index`), categories from ``data/categories.toml``
(:mod:`licences.categories`), terms from ``data/terms/*.toml`` (:mod:`licences.terms`).
Loading takes a few milliseconds; :func:`load_catalog` caches the result.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

from licences.categories import (
    CATEGORIES_PATH,
    Category,
    CategoryRules,
    category_rank,
    check_category_rules,
    load_category_rules,
)
from licences.errors import CatalogDataError, DataProblem, UnknownLicenceError
from licences.sources import DATA_DIR, split_front_matter
from licences.terms import TERMS_DIR, Terms, check_quotes, load_all_terms

INDEX_PATH = DATA_DIR / "catalog-index.json"
CATALOG_FORMAT = 1  # bump when a cached catalog can no longer be loaded as it is


class Kind(StrEnum):
    LICENCE = "licence"
    EXCEPTION = "exception"


class Source(StrEnum):
    SPDX = "spdx"  # the SPDX License List
    SCANCODE = "scancode"  # ScanCode LicenseDB (LicenseRef-scancode-*)
    COPYFAIR = "copyfair"  # our own LicenseRef-copyfair-* ids


@dataclass(frozen=True, slots=True)
class Licence:
    id: str
    name: str
    category: Category
    kind: Kind
    source: Source
    origin: str  # where the entry comes from, with the list version / commit
    is_osi_approved: bool
    is_deprecated: bool
    see_also: tuple[str, ...]
    deprecated_version: str | None = None
    replaced_by: str | None = None  # the expression to use instead of a deprecated id
    list_version_added: str | None = None
    notes: str | None = None
    scancode_category: str | None = None
    text_path: str | None = None  # relative to licences/data
    variant_text_paths: tuple[str, ...] = ()  # other texts of the same licence
    terms: Terms | None = None

    def text(self) -> str:
        """The plain licence text shipped with copyfair ("" if there is none)."""
        if self.text_path is None:
            return ""
        raw = (DATA_DIR / self.text_path).read_text(encoding="utf-8")
        return split_front_matter(raw)[1] if self.text_path.startswith("extra/") else raw


class Catalog:
    """Licences by id; lookups are case-insensitive, iteration in id order."""

    def __init__(self, licences: Iterable[Licence], *, spdx_list_version: str = "") -> None:
        self._by_id: dict[str, Licence] = {}
        self._by_lower: dict[str, Licence] = {}
        for licence in licences:
            self._by_id[licence.id] = licence
            self._by_lower[licence.id.lower()] = licence
        self.spdx_list_version = spdx_list_version
        self._compact: dict[str, list[Licence]] | None = None

    def __iter__(self) -> Iterator[Licence]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, licence_id: object) -> bool:
        return isinstance(licence_id, str) and licence_id.lower() in self._by_lower

    def get(self, licence_id: str) -> Licence | None:
        """The licence with this id (any case), or None."""
        return self._by_lower.get(licence_id.lower())

    def require(self, licence_id: str) -> Licence:
        """The licence with this id (any case); :class:`UnknownLicenceError` with close
        matches otherwise."""
        licence = self.get(licence_id)
        if licence is None:
            raise UnknownLicenceError(licence_id, self.close_matches(licence_id))
        return licence

    def close_matches(self, licence_id: str, n: int = 5) -> tuple[str, ...]:
        """Up to ``n`` known ids that look like ``licence_id`` (compared lower-case and
        without punctuation, so "gpl2" finds "GPL-2.0-only"); a deprecated id is replaced
        by its single-id replacement."""
        if self._compact is None:
            compact: dict[str, list[Licence]] = {}
            for licence in self:
                compact.setdefault(_compact(licence.id), []).append(licence)
            self._compact = compact
        keys = difflib.get_close_matches(_compact(licence_id), self._compact, n=n * 2, cutoff=0.6)
        out: list[str] = []
        for key in keys:
            for licence in self._compact[key]:
                # a deprecated id is suggested as what replaces it, when that is one id
                replacement = self.get(licence.replaced_by or "") if licence.is_deprecated else None
                suggestion = (replacement or licence).id
                if suggestion not in out:
                    out.append(suggestion)
        return tuple(out[:n])

    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    def by_category(self, category: Category) -> tuple[Licence, ...]:
        return tuple(x for x in self if x.category is category)

    def ordered(self) -> list[Licence]:
        """Copyfair and non-commercial first (see CATEGORY_ORDER), then by id."""
        return sorted(self, key=lambda x: (category_rank(x.category), x.id.lower()))


def _compact(licence_id: str) -> str:
    return "".join(c for c in licence_id.lower() if c.isalnum())


def _read_index(path: Path) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise CatalogDataError(
            [DataProblem(path.name, "entries", "a list of licence entries", "something else")]
        )
    return data


def build_catalog(index: dict[str, Any], rules: CategoryRules, terms: dict[str, Terms]) -> Catalog:
    entries: list[dict[str, Any]] = index["entries"]
    categories = rules.categorise_all((str(e["id"]), str(e["kind"])) for e in entries)
    licences = [
        Licence(
            id=e["id"],
            name=e["name"] or e["id"],
            category=categories[e["id"]],
            kind=Kind(e["kind"]),
            source=Source(e["source"]),
            origin=e["origin"],
            is_osi_approved=bool(e["is_osi_approved"]),
            is_deprecated=bool(e["is_deprecated"]),
            see_also=tuple(e["see_also"]),
            deprecated_version=e.get("deprecated_version"),
            replaced_by=e.get("replaced_by"),
            list_version_added=e.get("list_version_added"),
            notes=e.get("notes"),
            scancode_category=e.get("scancode_category"),
            text_path=e.get("text_path"),
            variant_text_paths=tuple(e.get("variant_text_paths", ())),
            terms=terms.get(e["id"]),
        )
        for e in entries
    ]
    return Catalog(licences, spdx_list_version=str(index.get("spdx_list_version", "")))


@cache
def load_catalog() -> Catalog:
    """The packaged catalog, once per process: from the cache directory when its data
    and modules are unchanged (reading the terms files and compiling the category rules
    takes six times as long as loading it), else read and stored there. Raises
    :class:`CatalogDataError` listing every problem if the categories or terms data are
    invalid."""
    from licences.disk_cache import compiled, files_signature

    inputs = files_signature(
        Path(__file__).parent, INDEX_PATH, CATEGORIES_PATH, TERMS_DIR, TERMS_DIR / "defaults"
    )
    key = hashlib.sha256(repr((CATALOG_FORMAT, inputs)).encode()).hexdigest()[:24]
    return compiled("catalog", key, Catalog, read_catalog)


def read_catalog() -> Catalog:
    """The packaged catalog, read from its data files (see :func:`load_catalog`)."""
    index = _read_index(INDEX_PATH)
    rules, problems = load_category_rules(CATEGORIES_PATH)
    terms, terms_problems = load_all_terms(TERMS_DIR)
    problems += terms_problems
    known = {str(e["id"]) for e in index["entries"]}
    problems += [
        DataProblem(f"terms/{t.licence}.toml", "licence", "an id in the catalog", t.licence)
        for t in terms.values()
        if t.licence not in known
    ]
    if problems:
        raise CatalogDataError(problems)
    return build_catalog(index, rules, terms)


def validate_catalog_data(
    *,
    index_path: Path = INDEX_PATH,
    categories_path: Path = CATEGORIES_PATH,
    terms_dir: Path = TERMS_DIR,
    check_index_fresh: bool = True,
) -> list[DataProblem]:
    """Every problem in the catalog data: a stale index, category rules (unknown ids,
    duplicates, dead patterns), terms files (schema, unknown licence, quotes that are not in
    the licence text). An empty list means valid."""
    problems: list[DataProblem] = []
    index = _read_index(index_path)
    if check_index_fresh:
        from licences.build_index import inputs_digest  # reads every data file: only here

        if index.get("inputs_digest") != inputs_digest():
            problems.append(
                DataProblem(
                    index_path.name,
                    "inputs_digest",
                    "the digest of the current data (run python -m licences.build_index)",
                    "a stale digest",
                )
            )
    rules, rule_problems = load_category_rules(categories_path)
    problems += rule_problems
    ids_and_kinds = [(str(e["id"]), str(e["kind"])) for e in index["entries"]]
    problems += check_category_rules(rules, ids_and_kinds)
    terms, terms_problems = load_all_terms(terms_dir)
    problems += terms_problems
    catalog = build_catalog(index, rules, {})
    for licence_id, t in sorted(terms.items()):
        file = f"terms/{licence_id}.toml"
        licence = catalog.get(licence_id)
        if licence is None or licence.id != licence_id:
            problems.append(DataProblem(file, "licence", "an id in the catalog", licence_id))
            continue
        problems += check_quotes(t, licence.text(), file)
    return problems
