"""Category rules: parsing, precedence, and every problem reported."""

from __future__ import annotations

import re

from licences.catalog import load_catalog
from licences.categories import (
    CATEGORY_ORDER,
    Category,
    CategoryRule,
    CategoryRules,
    check_category_rules,
    load_category_rules,
    parse_category_rules,
)


def test_category_order_lists_every_category_once() -> None:
    assert sorted(CATEGORY_ORDER) == sorted(Category)
    assert CATEGORY_ORDER[:2] == (Category.COPYFAIR, Category.NONCOMMERCIAL)
    assert CATEGORY_ORDER[-1] is Category.UNKNOWN


def test_packaged_rules_have_no_problem_against_the_catalog() -> None:
    rules, problems = load_category_rules()
    assert problems == []
    ids = [(x.id, x.kind.value) for x in load_catalog()]
    assert check_category_rules(rules, ids) == []


def test_explicit_ids_win_over_patterns_and_first_pattern_wins() -> None:
    rules = CategoryRules(
        (
            CategoryRule(Category.PERMISSIVE, "p", patterns=(re.compile("A-.*"),)),
            CategoryRule(Category.COPYLEFT, "c", ids=("A-2",), patterns=(re.compile("A-1"),)),
            CategoryRule(
                Category.WEAK_COPYLEFT, "e", patterns=(re.compile(".*"),), kind="exception"
            ),
        )
    )
    got = rules.categorise_all(
        [("A-1", "licence"), ("A-2", "licence"), ("X", "exception"), ("Y", "licence")]
    )
    assert got == {
        "A-1": Category.PERMISSIVE,
        "A-2": Category.COPYLEFT,
        "X": Category.WEAK_COPYLEFT,
        "Y": Category.UNKNOWN,
    }


def test_parse_reports_every_structural_problem() -> None:
    data = {
        "rule": [
            {"category": "nope", "why": "x", "ids": ["MIT"]},
            {"category": "permissive", "why": "", "patterns": ["(unclosed"], "extra": 1},
            {"category": "copyleft", "why": "y", "kind": "other"},
        ],
        "stray": 1,
    }
    _, problems = parse_category_rules(data, "categories.toml")
    fields = {p.field for p in problems}
    assert {
        "stray",
        "rule[0].category",
        "rule[1].why",
        "rule[1].patterns[0]",
        "rule[1].extra",
        "rule[2].kind",
        "rule[2]",
    } <= fields
    assert all(p.file == "categories.toml" for p in problems)
    bad_category = next(p for p in problems if p.field == "rule[0].category")
    assert "copyfair" in bad_category.expected and "'nope'" == bad_category.found


def test_check_reports_unknown_ids_duplicates_and_dead_patterns() -> None:
    rules, problems = parse_category_rules(
        {
            "rule": [
                {"category": "permissive", "why": "a", "ids": ["MIT", "Nope-1.0"]},
                {"category": "copyleft", "why": "b", "ids": ["MIT"], "patterns": ["ZZZ.*"]},
            ]
        }
    )
    assert problems == []
    found = check_category_rules(rules, [("MIT", "licence"), ("GPL-2.0", "licence")])
    assert [(p.field, p.found) for p in found] == [
        ("rule[0].ids", "'Nope-1.0'"),
        ("rule[1].ids", "'MIT' already listed in rule[0]"),
        ("rule[1].patterns[0]", "'ZZZ.*' matches none"),
    ]
