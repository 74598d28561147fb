from __future__ import annotations

from pathlib import Path

import pytest

from scanners.inventory.model import ComponentKind, make_component
from scanners.policy import (
    Policy,
    PolicyError,
    Rule,
    RuleKind,
    evaluate,
    load_policy,
    parse_fail_on,
    parse_rule,
)

CATEGORIES = {
    "PPL": "copyfair",
    "CC-BY-NC-4.0": "noncommercial",
    "MIT": "permissive",
    "Apache-2.0": "permissive",
    "GPL-3.0-only": "copyleft",
    "LGPL-2.1-only": "weak-copyleft",
}


def category_of(licence_id: str) -> str:
    return CATEGORIES.get(licence_id, "unknown")


def comp(licence: str | None, name: str = "c"):  # type: ignore[no-untyped-def]
    return make_component(
        name=name, version=None, kind=ComponentKind.DEPENDENCY, path="x", licence=licence
    )


def test_parse_rules() -> None:
    assert parse_rule("category:copyfair") == Rule(RuleKind.CATEGORY, "copyfair")
    assert parse_rule("licence:GPL-3.0-only").value == "GPL-3.0-only"
    assert parse_rule("license:MIT").kind is RuleKind.LICENCE
    assert parse_rule("MIT").kind is RuleKind.LICENCE
    assert parse_rule("LicenseRef-scancode-x").value == "LicenseRef-scancode-x"
    policy = parse_fail_on(["category:copyfair,category:unknown", "licence:GPL-3.0-only"])
    assert [str(r) for r in policy.deny] == [
        "category:copyfair",
        "category:unknown",
        "licence:GPL-3.0-only",
    ]


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("category:nonsense", "unknown category"),
        ("obligations:nope", "use obligations or obligations:all"),
        ("colour:red", "use category:NAME or licence:ID"),
        ("licence:", "names no licence"),
    ],
)
def test_bad_rules(spec: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_fail_on([spec])


def test_deny_by_category_and_id() -> None:
    policy = parse_fail_on(["category:copyfair,licence:GPL-3.0-only"])
    found = evaluate(
        [comp("PPL", "a"), comp("MIT", "b"), comp("GPL-3.0-only", "c")], policy, category_of
    )
    assert [v.component.name for v in found] == ["a", "c"]
    assert "PPL (copyfair) matches category:copyfair" in found[0].reasons[0]


def test_or_can_be_satisfied_and_and_cannot() -> None:
    policy = parse_fail_on(["category:copyfair"])
    assert evaluate([comp("PPL OR MIT")], policy, category_of) == []
    assert len(evaluate([comp("PPL AND MIT")], policy, category_of)) == 1
    assert evaluate([comp("MIT WITH Classpath-exception-2.0")], policy, category_of) == []


def test_unknown_licences_fail_category_unknown() -> None:
    policy = parse_fail_on(["category:unknown"])
    found = evaluate([comp(None), comp("Acme-1.0", "odd")], policy, category_of)
    assert len(found) == 2
    assert found[0].reasons[0].startswith("licence unknown (not installed or vendored)")


def test_allow_overrides_deny_and_an_allow_list_is_exhaustive() -> None:
    policy = Policy(
        deny=(Rule(RuleKind.CATEGORY, "copyleft"),),
        allow=(Rule(RuleKind.CATEGORY, "permissive"), Rule(RuleKind.LICENCE, "GPL-3.0-only")),
    )
    found = evaluate(
        [comp("MIT", "ok"), comp("GPL-3.0-only", "allowed"), comp("LGPL-2.1-only", "no")],
        policy,
        category_of,
    )
    assert [v.component.name for v in found] == ["no"]
    assert "not in the allow list" in found[0].reasons[0]


def test_an_empty_policy_passes_everything() -> None:
    assert evaluate([comp(None), comp("PPL")], Policy(), category_of) == []


def test_policy_files(tmp_path: Path) -> None:
    assert load_policy(tmp_path) == (Policy(), None)
    (tmp_path / "pyproject.toml").write_text(
        '[tool.copyfair]\nfail-on = ["category:copyfair"]\nallow = ["MIT"]\n'
    )
    policy, origin = load_policy(tmp_path)
    assert origin == str(tmp_path / "pyproject.toml")
    assert [str(r) for r in policy.deny] == ["category:copyfair"]
    assert [str(r) for r in policy.allow] == ["licence:MIT"]
    (tmp_path / "copyfair.toml").write_text('[policy]\ndeny = ["category:noncommercial"]\n')
    policy, origin = load_policy(tmp_path)  # copyfair.toml wins
    assert [str(r) for r in policy.deny] == ["category:noncommercial"]
    (tmp_path / "copyfair.toml").write_text("[policy]\ndeny = [")
    with pytest.raises(PolicyError, match="invalid TOML"):
        load_policy(tmp_path)
    (tmp_path / "copyfair.toml").write_text('[policy]\nforbid = ["x"]\n')
    with pytest.raises(PolicyError, match="unknown keys"):
        load_policy(tmp_path)
