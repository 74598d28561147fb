"""Reciprocity schedules: parsing, every problem reported, and annual prices."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from licences.money import Money
from licences.profile import Profile, Revenue
from licences.schedule import (
    Missing,
    Model,
    Quote,
    ScheduleError,
    TierBasis,
    annual_price,
    has_schedule,
    parse_schedule,
)

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

ISSUE_EXAMPLE = """
[commons]
name = "Geo Commons Library"
payee = "geo-commons-foundation"
[commons.reciprocity]
model = "per-developer"
currency = "EUR"
amount_per_developer_year = 2000
minimum_year = 500
cap_year = 50000
"""


def _schedule(rec: dict[str, Any]) -> Any:
    return parse_schedule({"commons": {"name": "C", "payee": "p", "reciprocity": rec}})


def _problems(data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ScheduleError) as info:
        parse_schedule(data, "vendor/geo/copyfair.toml")
    return {p.field: str(p) for p in info.value.problems}


def test_the_issue_example_parses() -> None:
    schedule = parse_schedule(tomllib.loads(ISSUE_EXAMPLE), "copyfair.toml")
    assert schedule.payee == "geo-commons-foundation"
    rec = schedule.reciprocity
    assert rec is not None and rec.model is Model.PER_DEVELOPER
    assert rec.amount_per_developer_year == Money(200_000, "EUR")
    assert rec.minimum_year == Money(50_000, "EUR")
    assert rec.cap_year == Money(5_000_000, "EUR")
    assert schedule.to_dict()["payee"] == "geo-commons-foundation"
    assert has_schedule(tomllib.loads(ISSUE_EXAMPLE))


def test_per_developer_price_with_minimum_and_cap() -> None:
    schedule = parse_schedule(tomllib.loads(ISSUE_EXAMPLE))
    assert schedule.reciprocity is not None
    rec = schedule.reciprocity
    assert annual_price(rec, Profile(developers=10)) == Quote(
        Money(2_000_000, "EUR"), "10 developer(s) x EUR 2,000.00 a year"
    )
    capped = annual_price(rec, Profile(developers=40))
    assert isinstance(capped, Quote) and capped.annual == Money(5_000_000, "EUR")
    assert "capped" in capped.basis
    floor = annual_price(rec, Profile(developers=0))
    assert isinstance(floor, Quote) and floor.annual == Money(50_000, "EUR")
    missing = annual_price(rec, None)
    assert isinstance(missing, Missing) and missing.fields == ("organisation.developers",)


def test_revenue_share_uses_the_declared_revenue_in_the_schedule_currency() -> None:
    rec = _schedule({"model": "revenue-share", "currency": "USD", "revenue_share_percent": "0.5"})
    rec = rec.reciprocity
    usd = Profile(revenue=Revenue(Money(1_300_000_000, "USD")))
    quote = annual_price(rec, usd)
    assert isinstance(quote, Quote) and quote.annual == Money(6_500_000, "USD")
    assert rec.revenue_share_percent == Decimal("0.5")
    eur_only = Profile(revenue=Revenue(Money(1_200_000_000, "EUR")))
    assert isinstance(annual_price(rec, eur_only), Missing)
    with_equivalent = Profile(
        revenue=Revenue(Money(1_200_000_000, "EUR"), 2025, (Money(1_300_000_000, "USD"),))
    )
    assert annual_price(rec, with_equivalent) == quote


def test_tiers_by_revenue_and_by_headcount() -> None:
    by_revenue = _schedule(
        {
            "model": "tiered",
            "currency": "EUR",
            "tiers": [
                {"max_revenue": 1_000_000, "amount_year": 1000},
                {"amount_year": 20000},
            ],
        }
    ).reciprocity
    assert by_revenue.tier_basis is TierBasis.REVENUE
    small = Profile(revenue=Revenue(Money(100_000_000, "EUR")))  # exactly the limit
    big = Profile(revenue=Revenue(Money(100_000_001, "EUR")))
    assert annual_price(by_revenue, small) == Quote(
        Money(100_000, "EUR"),
        "annual revenue EUR 1,000,000.00 falls in the tier up to EUR 1,000,000.00: "
        "EUR 1,000.00 a year",
    )
    big_quote = annual_price(by_revenue, big)
    assert isinstance(big_quote, Quote) and big_quote.annual == Money(2_000_000, "EUR")
    by_people = _schedule(
        {
            "model": "tiered",
            "currency": "EUR",
            "tiers": [{"max_headcount": 10, "amount_year": 500}, {"amount_year": 5000}],
        }
    ).reciprocity
    assert by_people.tier_basis is TierBasis.HEADCOUNT
    quote = annual_price(by_people, Profile(headcount=10))
    assert isinstance(quote, Quote) and quote.annual == Money(50_000, "EUR")
    assert isinstance(annual_price(by_people, Profile()), Missing)


def test_flat_fee_needs_no_facts() -> None:
    rec = _schedule({"model": "flat", "currency": "JPY", "flat_amount_year": 100000}).reciprocity
    assert annual_price(rec, None) == Quote(Money(100_000, "JPY"), "flat fee of JPY 100,000 a year")


def test_every_problem_is_reported() -> None:
    problems = _problems(
        {
            "commons": {
                "nam": "x",
                "reciprocity": {
                    "model": "per-developer",
                    "currency": "EURO",
                    "flat_amount_year": 3,
                    "minimum_year": 10,
                    "in_kind": {"value_per_commit": 1, "cap": 3},
                },
            }
        }
    )
    assert "did you mean 'name'" in problems["commons.nam"]
    assert "commons.name" in problems and "commons.payee" in problems
    assert "ISO 4217" in problems["commons.reciprocity.currency"]
    assert "set model = 'flat'" in problems["commons.reciprocity.flat_amount_year"]
    assert (
        "required by model 'per-developer'"
        in problems["commons.reciprocity.amount_per_developer_year"]
    )
    assert "commons.reciprocity.in_kind.cap" in problems
    assert all(text.startswith("vendor/geo/copyfair.toml: ") for text in problems.values())


def test_bad_tiers_and_bounds() -> None:
    problems = _problems(
        {
            "commons": {
                "name": "x",
                "payee": "p",
                "reciprocity": {
                    "model": "tiered",
                    "currency": "EUR",
                    "minimum_year": 100,
                    "cap_year": 10,
                    "tiers": [
                        {"max_revenue": 10, "amount_year": 1},
                        {"amount_year": 2},
                        {"max_headcount": 5, "amount_year": 3},
                    ],
                },
            }
        }
    )
    assert "commons.reciprocity.minimum_year" in problems
    assert "only the last tier is open" in problems["commons.reciprocity.tiers[1]"]
    assert "no limit on the last tier" in problems["commons.reciprocity.tiers[2]"]
    assert "all by revenue or all by headcount" in problems["commons.reciprocity.tiers"]


def test_missing_commons_table() -> None:
    assert not has_schedule({"organisation": {}})
    problems = _problems({"organisation": {}})
    assert "a [commons] table" in problems["commons"]


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("schedule-per-developer", Model.PER_DEVELOPER),
        ("schedule-revenue-share", Model.REVENUE_SHARE),
        ("schedule-tiered", Model.TIERED),
    ],
)
def test_example_schedules_are_valid(name: str, model: Model) -> None:
    path = EXAMPLES / f"{name}.toml"
    schedule = parse_schedule(tomllib.loads(path.read_text(encoding="utf-8")), path.name)
    assert schedule.reciprocity is not None and schedule.reciprocity.model is model
