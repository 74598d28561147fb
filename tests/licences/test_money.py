"""Exact money: conversion, rounding, largest-remainder splits and pro-rating."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from licences.money import (
    Money,
    MoneyError,
    apply_rate,
    exponent,
    fraction_of_years,
    prorate,
    split,
    to_minor,
)


def test_to_minor_is_exact_per_currency_exponent() -> None:
    assert to_minor("12.34", "EUR") == 1234
    assert to_minor(1000, "JPY") == 1000
    assert to_minor("1.234", "KWD") == 1234
    assert to_minor(Decimal("0.10"), "USD") == 10
    assert to_minor(0.1, "USD") == 10  # a TOML float whose shortest form is exact


@pytest.mark.parametrize(
    ("value", "currency"), [("12.345", "EUR"), ("1.5", "JPY"), (True, "EUR"), ("x", "EUR")]
)
def test_to_minor_never_rounds_silently(value: object, currency: str) -> None:
    with pytest.raises(MoneyError):
        to_minor(value, currency)


def test_unknown_currency_is_an_error() -> None:
    with pytest.raises(MoneyError, match="unknown currency"):
        exponent("XYZ")
    with pytest.raises(MoneyError):
        Money(1, "eur")


def test_money_adds_only_the_same_currency_and_prints_major_units() -> None:
    assert Money(150, "EUR") + Money(50, "EUR") == Money(200, "EUR")
    assert str(Money(123456789, "EUR")) == "EUR 1,234,567.89"
    assert str(Money(5000, "JPY")) == "JPY 5,000"
    with pytest.raises(MoneyError):
        Money(1, "EUR") + Money(1, "USD")


def test_apply_rate_rounds_half_to_even() -> None:
    assert apply_rate(5, Fraction(1, 2)) == 2  # 2.5 -> 2
    assert apply_rate(7, Fraction(1, 2)) == 4  # 3.5 -> 4
    assert apply_rate(1_200_000_000, Decimal("0.005")) == 6_000_000


def test_split_examples() -> None:
    assert split(100, [1, 1, 1]) == [34, 33, 33]
    assert split(10, [0, 1]) == [0, 10]
    with pytest.raises(MoneyError):
        split(10, [0, 0])
    with pytest.raises(MoneyError):
        split(-1, [1])


@given(
    st.integers(min_value=0, max_value=10**12),
    st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(
        lambda w: sum(w) > 0
    ),
)
def test_split_sums_exactly_and_parts_are_fair(total: int, weights: list[int]) -> None:
    parts = split(total, weights)
    assert sum(parts) == total
    assert all(p >= 0 for p in parts)
    whole = sum(weights)
    for part, weight in zip(parts, weights, strict=True):
        assert abs(Fraction(part) - Fraction(total * weight, whole)) < 1
        if weight == 0:
            assert part == 0


def test_prorate_a_whole_year_and_a_leap_year() -> None:
    assert prorate(100_000, date(2026, 1, 1), date(2027, 1, 1)) == 100_000
    assert prorate(100_000, date(2028, 1, 1), date(2029, 1, 1)) == 100_000
    assert prorate(36_500, date(2026, 1, 1), date(2026, 1, 2)) == 100
    assert prorate(100_000, date(2026, 5, 1), date(2026, 5, 1)) == 0


@given(
    st.integers(min_value=0, max_value=10**11),
    st.integers(min_value=2000, max_value=2100),
    st.lists(st.integers(min_value=1, max_value=400), min_size=1, max_size=20),
)
def test_prorating_consecutive_periods_sums_to_the_annual_amount(
    annual: int, year: int, cuts: list[int]
) -> None:
    start, stop = date(year, 1, 1), date(year + 1, 1, 1)
    days = (stop - start).days
    bounds = sorted({start, stop, *(start + timedelta(days=c % days) for c in cuts)})
    parts = [prorate(annual, a, b) for a, b in zip(bounds, bounds[1:], strict=False)]
    assert all(p >= 0 for p in parts)
    assert sum(parts) == annual


@given(
    st.integers(min_value=0, max_value=10**9),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(min_value=0, max_value=2000),
    st.integers(min_value=0, max_value=2000),
)
def test_prorate_is_additive_across_years(annual: int, a: date, d1: int, d2: int) -> None:
    b = a + timedelta(days=d1)
    c = b + timedelta(days=d2)
    assert prorate(annual, a, b) + prorate(annual, b, c) == prorate(annual, a, c)
    assert prorate(annual, a, c) >= 0


def test_fraction_of_years() -> None:
    assert fraction_of_years(date(2026, 1, 1), date(2028, 1, 1)) == 2
    assert fraction_of_years(date(2026, 7, 1), date(2026, 7, 1)) == 0
