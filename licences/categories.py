"""Licence categories: the :class:`Category` enum and the rules in ``data/categories.toml``.

The rules are data (explicit id lists and id patterns), not code; see the comments at the
top of the TOML file for how an id gets its category.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from licences.errors import DataProblem
from licences.sources import DATA_DIR

CATEGORIES_PATH = DATA_DIR / "categories.toml"


class Category(StrEnum):
    COPYFAIR = "copyfair"
    NONCOMMERCIAL = "noncommercial"
    SOURCE_AVAILABLE = "source-available"
    COPYLEFT = "copyleft"
    WEAK_COPYLEFT = "weak-copyleft"
    PERMISSIVE = "permissive"
    PUBLIC_DOMAIN = "public-domain"
    PROPRIETARY = "proprietary"
    ETHICAL = "ethical"
    UNKNOWN = "unknown"


# Display order: what restricts commercial use first (copyfair, non-commercial), unknown last.
CATEGORY_ORDER: tuple[Category, ...] = (
    Category.COPYFAIR,
    Category.NONCOMMERCIAL,
    Category.SOURCE_AVAILABLE,
    Category.ETHICAL,
    Category.PROPRIETARY,
    Category.COPYLEFT,
    Category.WEAK_COPYLEFT,
    Category.PERMISSIVE,
    Category.PUBLIC_DOMAIN,
    Category.UNKNOWN,
)

KINDS = ("licence", "exception")


def category_rank(category: Category) -> int:
    return CATEGORY_ORDER.index(category)


@dataclass(frozen=True, slots=True)
class CategoryRule:
    category: Category
    why: str
    ids: tuple[str, ...] = ()
    patterns: tuple[re.Pattern[str], ...] = ()
    kind: str | None = None  # only ids of this kind ("licence" | "exception"), if set


@dataclass(frozen=True, slots=True)
class CategoryRules:
    rules: tuple[CategoryRule, ...]
    file: str = "categories.toml"

    def explicit(self) -> dict[str, Category]:
        out: dict[str, Category] = {}
        for rule in self.rules:
            for licence_id in rule.ids:
                out.setdefault(licence_id, rule.category)
        return out

    def categorise(self, licence_id: str, kind: str, explicit: Mapping[str, Category]) -> Category:
        return self._categorise(licence_id, kind, explicit, self._combined())

    def _combined(self) -> list[tuple[CategoryRule, re.Pattern[str] | None]]:
        """Each rule with its patterns joined into one regex (one match per rule and id)."""
        return [
            (rule, re.compile("|".join(f"(?:{p.pattern})" for p in rule.patterns)))
            if rule.patterns
            else (rule, None)
            for rule in self.rules
        ]

    @staticmethod
    def _categorise(
        licence_id: str,
        kind: str,
        explicit: Mapping[str, Category],
        combined: list[tuple[CategoryRule, re.Pattern[str] | None]],
    ) -> Category:
        if licence_id in explicit:
            return explicit[licence_id]
        for rule, pattern in combined:
            if pattern is None or (rule.kind is not None and rule.kind != kind):
                continue
            if pattern.fullmatch(licence_id):
                return rule.category
        return Category.UNKNOWN

    def categorise_all(self, ids_and_kinds: Iterable[tuple[str, str]]) -> dict[str, Category]:
        explicit = self.explicit()
        combined = self._combined()
        return {i: self._categorise(i, k, explicit, combined) for i, k in ids_and_kinds}


def _str_list(raw: Any, file: str, field: str, problems: list[DataProblem]) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
        problems.append(DataProblem(file, field, "a list of strings", repr(raw)))
        return ()
    return tuple(raw)


def parse_category_rules(
    data: Mapping[str, Any], file: str = "categories.toml"
) -> tuple[CategoryRules, list[DataProblem]]:
    """Read the rules leniently: every structural problem is returned, bad rules skipped."""
    problems: list[DataProblem] = []
    for key in data:
        if key != "rule":
            problems.append(DataProblem(file, key, "only [[rule]] tables", f"key {key!r}"))
    raw_rules = data.get("rule", [])
    if not isinstance(raw_rules, list):
        problems.append(DataProblem(file, "rule", "an array of tables [[rule]]", repr(raw_rules)))
        raw_rules = []
    valid = ", ".join(c.value for c in Category)
    rules: list[CategoryRule] = []
    for n, raw in enumerate(raw_rules):
        where = f"rule[{n}]"
        if not isinstance(raw, dict):
            problems.append(DataProblem(file, where, "a table", repr(raw)))
            continue
        for key in raw:
            if key not in ("category", "why", "ids", "patterns", "kind"):
                problems.append(
                    DataProblem(
                        file,
                        f"{where}.{key}",
                        "one of category, why, ids, patterns, kind",
                        f"unknown key {key!r}",
                    )
                )
        try:
            category = Category(str(raw.get("category")))
        except ValueError:
            problems.append(
                DataProblem(file, f"{where}.category", f"one of {valid}", repr(raw.get("category")))
            )
            continue
        why = raw.get("why")
        if not isinstance(why, str) or not why.strip():
            problems.append(DataProblem(file, f"{where}.why", "a non-empty reason", repr(why)))
            why = ""
        kind = raw.get("kind")
        if kind is not None and kind not in KINDS:
            problems.append(
                DataProblem(file, f"{where}.kind", "'licence' or 'exception'", repr(kind))
            )
            kind = None
        ids = _str_list(raw.get("ids"), file, f"{where}.ids", problems)
        patterns: list[re.Pattern[str]] = []
        for m, text in enumerate(
            _str_list(raw.get("patterns"), file, f"{where}.patterns", problems)
        ):
            try:
                patterns.append(re.compile(text))
            except re.error as exc:
                problems.append(
                    DataProblem(
                        file,
                        f"{where}.patterns[{m}]",
                        "a valid regular expression",
                        f"{text!r} ({exc})",
                    )
                )
        if not ids and not patterns:
            problems.append(DataProblem(file, where, "ids or patterns", "neither"))
        rules.append(CategoryRule(category, why, ids, tuple(patterns), kind))
    return CategoryRules(tuple(rules), file), problems


def load_category_rules(
    path: Path = CATEGORIES_PATH,
) -> tuple[CategoryRules, list[DataProblem]]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        return CategoryRules((), path.name), [
            DataProblem(path.name, "(file)", "a readable TOML file", str(exc))
        ]
    return parse_category_rules(data, path.name)


def check_category_rules(
    rules: CategoryRules, ids_and_kinds: Iterable[tuple[str, str]]
) -> list[DataProblem]:
    """Problems of the rules against the catalog ids: listed ids that do not exist, ids
    listed twice, patterns that match no id."""
    known = dict(ids_and_kinds)
    problems: list[DataProblem] = []
    first_seen: dict[str, int] = {}
    for n, rule in enumerate(rules.rules):
        for licence_id in rule.ids:
            if licence_id not in known:
                problems.append(
                    DataProblem(
                        rules.file,
                        f"rule[{n}].ids",
                        "ids that exist in the catalog",
                        repr(licence_id),
                    )
                )
            if licence_id in first_seen:
                problems.append(
                    DataProblem(
                        rules.file,
                        f"rule[{n}].ids",
                        "each id listed once",
                        f"{licence_id!r} already listed in rule[{first_seen[licence_id]}]",
                    )
                )
            else:
                first_seen[licence_id] = n
        for m, pattern in enumerate(rule.patterns):
            if not any(
                pattern.fullmatch(i) and (rule.kind is None or rule.kind == k)
                for i, k in known.items()
            ):
                problems.append(
                    DataProblem(
                        rules.file,
                        f"rule[{n}].patterns[{m}]",
                        "a pattern matching some id",
                        f"{pattern.pattern!r} matches none",
                    )
                )
    return problems
