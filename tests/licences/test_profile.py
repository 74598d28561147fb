"""The entity profile: parsing, implied facts, and errors that list every problem."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from licences.money import Money
from licences.profile import LegalForm, Profile, ProfileError, Sector, parse_profile
from licences.usage import UseKind

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ISSUE_EXAMPLE = """
[organisation]
name = "Acme Analytics GmbH"
legal_form = "for-profit"
profits_to_workers = false
headcount = 250
developers = 40
revenue = { amount = 12000000, currency = "EUR", year = 2025 }
monthly_active_users = 40000
domains = ["acme.example"]

[use]
kinds = ["saas", "distribution"]
commercial_since = "2026-01-15"
"""


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ProfileError) as info:
        parse_profile(data, "copyfair.toml")
    return {p.field: str(p) for p in info.value.problems}


def test_the_issue_example_parses() -> None:
    profile = parse_profile(tomllib.loads(ISSUE_EXAMPLE), "copyfair.toml")
    assert profile.name == "Acme Analytics GmbH"
    assert profile.legal_form is LegalForm.FOR_PROFIT
    assert profile.headcount == 250 and profile.developers == 40
    assert profile.revenue is not None
    assert profile.revenue.amount == Money(1_200_000_000, "EUR")
    assert profile.revenue.year == 2025
    assert profile.uses == (UseKind.SAAS, UseKind.DISTRIBUTION)
    assert profile.commercial_since == date(2026, 1, 15)
    assert profile.domains == ("acme.example",)
    assert profile.to_dict()["legal_form"] == "for-profit"


def test_flags_are_implied_by_the_legal_form_unless_declared() -> None:
    company = Profile(legal_form=LegalForm.FOR_PROFIT)
    assert company.flag("employs_wage_labour") is True
    assert company.flag("worker_owned") is False
    coop = Profile(legal_form=LegalForm.WORKER_COOPERATIVE)
    assert coop.flag("worker_owned") is True
    assert coop.flag("profits_to_workers") is None  # must be declared
    assert Profile().flag("worker_owned") is None
    declared = Profile(legal_form=LegalForm.FOR_PROFIT, employs_wage_labour=False)
    assert declared.flag("employs_wage_labour") is False
    assert Profile(legal_form=LegalForm.CHARITY).all_sectors() == (Sector.CHARITABLE,)


def test_decimal_revenue_is_exact_and_equivalents_are_kept() -> None:
    profile = parse_profile(
        {
            "organisation": {
                "revenue": {
                    "amount": "1450000.55",
                    "currency": "EUR",
                    "equivalents": {"USD": 1600000},
                }
            }
        }
    )
    assert profile.revenue is not None
    assert profile.revenue.amount.amount_minor == 145_000_055
    assert profile.revenue.in_currency("USD") == Money(160_000_000, "USD")
    assert profile.revenue.in_currency("GBP") is None


def test_every_problem_is_reported_with_field_expected_found_and_fix() -> None:
    problems = _problems(
        {
            "organization": {},
            "organisation": {
                "legal_form": "forprofit",
                "headcount": "ten",
                "developers": -1,
                "revenue": {"amount": "1.234", "currency": "eur"},
                "domains": ["not a domain"],
                "colour": "red",
            },
            "use": {"kinds": ["sas"], "commercial_since": "15/01/2026", "commercial": "yes"},
        }
    )
    assert "did you mean 'organisation'" in problems["organization"]
    assert "did you mean 'for-profit'" in problems["organisation.legal_form"]
    assert "expected a whole number >= 0, found 'ten'" in problems["organisation.headcount"]
    assert "organisation.developers" in problems
    assert "write it in capitals: 'EUR'" in problems["organisation.revenue.currency"]
    assert "organisation.domains[0]" in problems
    assert "unknown key 'colour'" in problems["organisation.colour"]
    assert "did you mean 'saas'" in problems["use.kinds[0]"]
    assert "ISO date" in problems["use.commercial_since"]
    assert "true or false" in problems["use.commercial"]
    assert all(text.startswith("copyfair.toml: ") for text in problems.values())


def test_inconsistent_declarations_are_errors() -> None:
    problems = _problems(
        {
            "organisation": {
                "legal_form": "worker-cooperative",
                "worker_owned": False,
                "headcount": 5,
                "developers": 9,
                "profits_to_workers": True,
                "surplus_to_workers": False,
            }
        }
    )
    assert set(problems) == {
        "organisation.worker_owned",
        "organisation.developers",
        "organisation.surplus_to_workers",
    }


def test_too_many_decimals_in_revenue_is_an_error_not_a_rounding() -> None:
    problems = _problems({"organisation": {"revenue": {"amount": "1.234", "currency": "EUR"}}})
    assert "more decimals than EUR allows" in problems["organisation.revenue.amount"]


def test_other_copyfair_tables_are_allowed() -> None:
    profile = parse_profile(
        {"commons": {"name": "x"}, "organisation": {"legal_form": "individual"}}
    )
    assert profile.legal_form is LegalForm.INDIVIDUAL


def test_contributions_commits_are_counted_by_component_key() -> None:
    profile = parse_profile(
        {
            "organisation": {"domains": ["acme.example"]},
            "contributions": {
                "commits": [
                    {"component": "pkg:pypi/geo", "count": 3},
                    {"component": "https://github.com/geo/geo", "count": 2},
                ]
            },
        }
    )
    assert profile.contributions.domains == ("acme.example",)
    assert profile.contributions.commits_for(["PKG:PYPI/GEO", "https://github.com/geo/geo"]) == 5
    assert profile.contributions.commits_for(["other"]) == 0


@pytest.mark.parametrize(
    "name", ["profile-for-profit", "profile-worker-coop", "profile-non-profit"]
)
def test_example_profiles_are_valid(name: str) -> None:
    path = EXAMPLES / f"{name}.toml"
    profile = parse_profile(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    assert profile.legal_form is not None
    assert profile.uses
