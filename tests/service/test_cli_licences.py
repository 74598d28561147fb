"""``copyfair licences ...`` through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from licences.errors import DataProblem
from service.cli import licences_cmd, main
from service.cli.licences_cmd import OutputFormat


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["licences", *args])
    return result.exit_code, result.stdout, result.stderr


def test_every_output_format_is_accepted_by_list_and_show() -> None:
    for fmt in OutputFormat:
        assert run("list", "--category", "copyfair", "--format", fmt.value)[0] == 0
        assert run("show", "PPL", "--format", fmt.value)[0] == 0


def test_list_text_puts_copyfair_and_noncommercial_first() -> None:
    code, out, _ = run("list")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["ID", "CATEGORY", "NAME"]
    categories = [
        line.split()[1] for line in lines[1:] if line.strip() and "licence(s)" not in line
    ]
    assert categories[0] == "copyfair"
    first_other = next(c for c in categories if c not in ("copyfair", "noncommercial"))
    assert categories.index(first_other) > categories.index("noncommercial")
    assert "859 licence(s)" in out


def test_list_json_by_category() -> None:
    code, out, _ = run("list", "--category", "copyfair", "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert {r["id"] for r in rows} >= {"PPL", "LicenseRef-copyfair-cooperative-software-license"}
    assert all(r["category"] == "copyfair" for r in rows)
    assert {"id", "name", "category", "kind", "source", "has_terms"} <= rows[0].keys()


def test_list_invalid_category_exits_2_with_valid_ones() -> None:
    code, _, err = run("list", "--category", "cheap")
    assert code == 2
    assert "noncommercial" in err and "source-available" in err


def test_show_text_is_case_insensitive_and_includes_terms() -> None:
    code, out, _ = run("show", "ppl")
    assert code == 0
    assert "id:              PPL" in out
    assert "category:        copyfair" in out
    assert "exempt (worker-owned) when worker-owned eq true" in out


def test_show_json_has_every_field() -> None:
    code, out, _ = run("show", "CC-BY-NC-SA-4.0", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["id"] == "CC-BY-NC-SA-4.0"
    assert data["category"] == "noncommercial"
    assert {
        "kind",
        "source",
        "origin",
        "is_osi_approved",
        "is_deprecated",
        "see_also",
    } <= data.keys()
    assert [r["id"] for r in data["terms"]["rules"]][0] == "noncommercial-only"


def test_show_plain_text() -> None:
    code, out, _ = run("show", "MIT", "--text")
    assert code == 0
    assert "Permission is hereby granted" in out


def test_show_unknown_id_exits_2_with_close_matches() -> None:
    code, out, err = run("show", "Apache2")
    assert code == 2
    assert out == ""
    assert "unknown licence id 'Apache2'" in err and "Apache-2.0" in err


def test_validate_passes_on_packaged_data() -> None:
    code, out, _ = run("validate")
    assert code == 0
    assert "catalog data valid" in out


def test_validate_lists_every_problem_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    problems = [
        DataProblem("terms/PPL.toml", "rule[0].owes[0]", "one of attribution, ...", "'beer'"),
        DataProblem("categories.toml", "rule[3].ids", "ids that exist in the catalog", "'X'"),
    ]
    monkeypatch.setattr(licences_cmd, "validate_catalog_data", lambda: problems)
    code, out, err = run("validate")
    assert code == 1
    assert "terms/PPL.toml: rule[0].owes[0]: expected one of attribution, ..., found 'beer'" in out
    assert "categories.toml: rule[3].ids" in out
    assert "2 problem(s)" in err


def test_normalise_prints_the_normalised_expression() -> None:
    code, out, _ = run("normalise", "gpl-2.0+ and (mit or apache-2.0)")
    assert code == 0
    assert out == "GPL-2.0-or-later AND (MIT OR Apache-2.0)\n"


def test_normalise_warns_about_unknown_ids_and_strict_rejects_them() -> None:
    code, out, err = run("normalise", "MIT OR Foo-1.0")
    assert code == 0 and out == "MIT OR Foo-1.0\n" and "'Foo-1.0'" in err
    code, out, err = run("normalise", "--strict", "MIT OR Foo-1.0")
    assert code == 2 and out == "" and "unknown licence id 'Foo-1.0'" in err


def test_normalise_invalid_expression_exits_2_naming_the_token() -> None:
    code, out, err = run("normalise", "MIT ANDD Apache-2.0")
    assert code == 2
    assert out == ""
    assert "at position 4: unexpected 'ANDD'; did you mean 'AND'?" in err
