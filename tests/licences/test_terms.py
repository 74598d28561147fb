"""Terms files: the schema, every problem reported, quotes checked against the texts."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from licences.catalog import load_catalog, validate_catalog_data
from licences.terms import (
    TERMS_DIR,
    Fact,
    Op,
    Owed,
    Purpose,
    Use,
    check_quotes,
    load_all_terms,
    parse_terms,
    quote_in_text,
)

VALID = """
schema_version = 1
licence = "X-1.0"
summary = "s"

[[rule]]
id = "commercial-use"
summary = "s"
uses = ["any"]
purpose = "commercial"
owes = ["commercial-licence"]
clause = { ref = "4(c)", quote = "for commercial purposes only if" }

[[rule.exemption]]
id = "small"
summary = "s"
when = [
  { fact = "headcount", op = "lt", value = 100 },
  { fact = "annual-revenue", op = "lt", value = 100000000, currency = "USD" },
  { fact = "legal-form", op = "in", value = ["worker-cooperative", "non-profit"] },
]
clause = { ref = "4(c)(i)", quote = "worker-owned" }
"""


def test_packaged_terms_load_without_problems() -> None:
    terms, problems = load_all_terms()
    assert problems == []
    assert len(terms) == len(list(TERMS_DIR.glob("*.toml")))


def test_ppl_terms_say_what_copyfair_means() -> None:
    terms = load_catalog().require("PPL").terms
    assert terms is not None
    rules = {r.id: r for r in terms.rules}
    commercial = rules["commercial-use"]
    assert commercial.purpose is Purpose.COMMERCIAL
    assert commercial.owes == (Owed.COMMERCIAL_LICENCE,)
    assert commercial.clause.ref == "4(b)"
    (exemption,) = commercial.exemptions
    assert {(c.fact, c.op, c.value) for c in exemption.when} == {
        (Fact.WORKER_OWNED, Op.EQ, True),
        (Fact.SURPLUS_TO_WORKERS, Op.EQ, True),
    }
    wage = rules["wage-labour-business"]
    assert {c.fact for c in wage.applies_if} == {Fact.PRIVATELY_OWNED, Fact.EMPLOYS_WAGE_LABOUR}
    assert wage.clause.ref == "4(d)"


@pytest.mark.parametrize(
    ("licence_id", "extra_rule"),
    [
        ("CC-BY-NC-4.0", None),
        ("CC-BY-NC-SA-3.0", "share-alike"),
        ("CC-BY-NC-ND-3.0-DE", "no-derivatives"),
        ("CC-BY-NC-SA-2.0-FR", "share-alike"),
    ],
)
def test_cc_by_nc_terms(licence_id: str, extra_rule: str | None) -> None:
    terms = load_catalog().require(licence_id).terms
    assert terms is not None
    rules = {r.id: r for r in terms.rules}
    assert rules["noncommercial-only"].purpose is Purpose.COMMERCIAL
    assert rules["noncommercial-only"].uses == (Use.ANY,)
    assert Owed.ATTRIBUTION in rules["attribution"].owes
    if extra_rule:
        assert extra_rule in rules


def test_valid_file_parses() -> None:
    terms, problems = parse_terms(tomllib.loads(VALID), "terms/X-1.0.toml")
    assert problems == []
    assert terms is not None
    conditions = terms.rules[0].exemptions[0].when
    assert conditions[1].currency == "USD"
    assert conditions[2].value == ("worker-cooperative", "non-profit")


def test_every_problem_is_reported_with_file_field_expected_found() -> None:
    broken = """
schema_version = 2
licence = "Other"
extra = 1

[[rule]]
id = "Bad Id"
uses = ["teleport"]
purpose = "sometimes"
owes = []
clause = { ref = "1" }

[[rule.exemption]]
id = "x"
summary = "s"
when = [
  { fact = "headcount", op = "in", value = "many" },
  { fact = "worker-owned", op = "lt", value = "yes" },
  { fact = "annual-revenue", op = "lt", value = 5 },
  { fact = "mood", op = "eq", value = 1 },
]
clause = { ref = "2", quote = "q" }
"""
    terms, problems = parse_terms(tomllib.loads(broken), "terms/X-1.0.toml")
    assert terms is None
    got = {(p.field, p.found) for p in problems}
    assert all(p.file == "terms/X-1.0.toml" for p in problems)
    expected_fields = {
        "schema_version",
        "licence",
        "extra",
        "summary",
        "rule[0].id",
        "rule[0].summary",
        "rule[0].uses[0]",
        "rule[0].purpose",
        "rule[0].owes",
        "rule[0].clause.quote",
        "rule[0].exemption[0].when[0].op",
        "rule[0].exemption[0].when[0].value",
        "rule[0].exemption[0].when[1].op",
        "rule[0].exemption[0].when[1].value",
        "rule[0].exemption[0].when[2].currency",
        "rule[0].exemption[0].when[3].fact",
    }
    assert expected_fields <= {field for field, _ in got}
    uses = next(p for p in problems if p.field == "rule[0].uses[0]")
    assert uses.found == "'teleport'" and "distribute" in uses.expected
    assert ("licence", "'Other'") in got


def test_quote_matching_ignores_layout_and_follows_ellipses() -> None:
    text = (
        "4. c. You may   exercise\nthe rights for “commercial” purposes only if: i. You are a co-op"
    )
    assert quote_in_text('exercise the rights for "commercial" purposes', text)
    assert quote_in_text("You may exercise ... You are a co-op", text)
    assert not quote_in_text("You are a co-op ... You may exercise", text)
    assert not quote_in_text("for non-commercial purposes", text)


def test_check_quotes_flags_words_not_in_the_licence() -> None:
    terms, _ = parse_terms(tomllib.loads(VALID), "terms/X-1.0.toml")
    assert terms is not None
    problems = check_quotes(terms, "You may use it for commercial purposes only if small.", "f")
    assert [p.field for p in problems] == ["rule[0].exemption[0].clause.quote"]


def test_validate_catalog_data_lists_problems_of_a_broken_terms_dir(tmp_path: Path) -> None:
    (tmp_path / "PPL.toml").write_text(
        (TERMS_DIR / "PPL.toml")
        .read_text(encoding="utf-8")
        .replace("distributed among the worker-owners", "shared with the shareholders"),
        encoding="utf-8",
    )
    (tmp_path / "Nope-1.0.toml").write_text(VALID.replace("X-1.0", "Nope-1.0"), encoding="utf-8")
    (tmp_path / "MIT.toml").write_text("not = [toml", encoding="utf-8")
    problems = validate_catalog_data(terms_dir=tmp_path, check_index_fresh=False)
    assert {(p.file, p.field) for p in problems} == {
        ("terms/PPL.toml", "rule[0].exemption[0].clause.quote"),
        ("terms/Nope-1.0.toml", "licence"),
        ("terms/MIT.toml", "(file)"),
    }
