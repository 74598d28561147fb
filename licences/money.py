"""Exact money: integer minor units with an ISO 4217 currency, never a float.

- :class:`Money` holds ``amount_minor`` (cents, pence, yen...) and ``currency``.
- :func:`to_minor` converts a major-unit amount (``int``, ``Decimal`` or decimal string, as
  written in TOML) to minor units exactly; more decimals than the currency has is an error,
  never a silent rounding.
- Rates (percentages, unit prices times counts) are applied with :class:`~decimal.Decimal`
  / :class:`~fractions.Fraction` arithmetic and rounded once, **half to even**
  (:data:`ROUNDING`), to whole minor units.
- :func:`split` divides a total by weights with the largest-remainder method: the parts are
  non-negative and always sum to the total exactly.
- :func:`prorate` gives the share of an annual amount that falls in ``[start, end)`` by
  cumulative rounding over the calendar year: the amount for ``[a, b)`` is
  ``round(A * days(Jan 1, b) / D) - round(A * days(Jan 1, a) / D)``, so consecutive periods
  that cover a year add up to exactly ``A``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from fractions import Fraction

from licences.errors import LicenceError

ROUNDING = ROUND_HALF_EVEN  # the one rounding rule for money: half to even ("banker's")

# ISO 4217 minor-unit exponents of the currencies we accept.
CURRENCY_EXPONENTS: dict[str, int] = {
    "AED": 2, "ARS": 2, "AUD": 2, "BGN": 2, "BHD": 3, "BRL": 2, "CAD": 2, "CHF": 2,
    "CLP": 0, "CNY": 2, "COP": 2, "CZK": 2, "DKK": 2, "EGP": 2, "EUR": 2, "GBP": 2,
    "HKD": 2, "HUF": 2, "IDR": 2, "ILS": 2, "INR": 2, "ISK": 0, "JOD": 3, "JPY": 0,
    "KES": 2, "KRW": 0, "KWD": 3, "MXN": 2, "MYR": 2, "NGN": 2, "NOK": 2, "NZD": 2,
    "OMR": 3, "PEN": 2, "PHP": 2, "PKR": 2, "PLN": 2, "RON": 2, "RSD": 2, "SAR": 2,
    "SEK": 2, "SGD": 2, "THB": 2, "TND": 3, "TRY": 2, "TWD": 2, "UAH": 2, "UGX": 0,
    "USD": 2, "UYU": 2, "VND": 0, "XAF": 0, "XOF": 0, "ZAR": 2,
}  # fmt: skip


class MoneyError(LicenceError, ValueError):
    """An amount or currency that cannot be represented exactly."""


def exponent(currency: str) -> int:
    """The number of decimal places of ``currency`` (2 for EUR, 0 for JPY, 3 for KWD)."""
    try:
        return CURRENCY_EXPONENTS[currency]
    except KeyError:
        raise MoneyError(
            f"unknown currency {currency!r}: expected an ISO 4217 code among "
            + ", ".join(sorted(CURRENCY_EXPONENTS))
        ) from None


def is_currency(value: object) -> bool:
    return isinstance(value, str) and value in CURRENCY_EXPONENTS


MAX_MAGNITUDE = 18  # |numbers| < 1E+18 of major units: with 3 decimals, 21 digits < 28


def to_decimal(value: object) -> Decimal:
    """A finite Decimal from an int, a Decimal or a decimal string (never a float: a TOML
    ``0.1`` is not exact; write it as a string ``"0.1"`` or an integer)."""
    if isinstance(value, bool):
        raise MoneyError(f"expected a number, found {value!r}")
    if isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        # TOML floats: accept only when the shortest repr is exact in decimal terms
        result = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            result = Decimal(value.strip().replace("_", ""))
        except InvalidOperation:
            raise MoneyError(f"expected a decimal number, found {value!r}") from None
    else:
        raise MoneyError(f"expected a number, found {value!r}")
    if not result.is_finite():
        raise MoneyError(f"expected a finite number, found {value!r}")
    if result.is_zero():
        return Decimal(0)
    # bounded, so that exact arithmetic stays within Decimal's 28 digits (1E+999999999
    # would overflow, 1E-999999999 make a Fraction with a billion-digit denominator)
    if not -MAX_MAGNITUDE <= result.adjusted() < MAX_MAGNITUDE:
        raise MoneyError(
            f"expected a number below 1E+{MAX_MAGNITUDE} and at least 1E-{MAX_MAGNITUDE} "
            f"(or 0), found {value!r}"
        )
    return result


def to_minor(major: object, currency: str) -> int:
    """``major`` units of ``currency`` as an exact integer of minor units.

    >>> to_minor("12.34", "EUR"), to_minor(1000, "JPY")
    (1234, 1000)
    """
    places = exponent(currency)
    value = to_decimal(major) * (Decimal(10) ** places)
    if value != value.to_integral_value():
        raise MoneyError(
            f"{major!r} has more decimals than {currency} allows ({places}): "
            "amounts are never rounded silently"
        )
    return int(value)


def round_fraction(value: Fraction) -> int:
    """Round to an integer, half to even (Python's ``round`` of a Fraction does exactly
    this; named so the rule is visible)."""
    return round(value)


def apply_rate(amount_minor: int, rate: Decimal | Fraction | int) -> int:
    """``amount_minor * rate`` rounded half to even to whole minor units."""
    if isinstance(rate, Decimal):
        rate = Fraction(rate)
    return round_fraction(Fraction(amount_minor) * rate)


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An exact amount: integer minor units and an ISO 4217 currency."""

    amount_minor: int
    currency: str

    def __post_init__(self) -> None:
        exponent(self.currency)
        if isinstance(self.amount_minor, bool) or not isinstance(self.amount_minor, int):
            raise MoneyError(f"amount_minor must be an int, found {self.amount_minor!r}")

    @classmethod
    def of(cls, major: object, currency: str) -> Money:
        return cls(to_minor(major, currency), currency)

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def _same(self, other: Money) -> None:
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def major(self) -> Decimal:
        return Decimal(self.amount_minor).scaleb(-exponent(self.currency))

    def __str__(self) -> str:
        places = exponent(self.currency)
        return f"{self.currency} {self.major():,.{places}f}"

    def to_dict(self) -> dict[str, object]:
        return {"amount_minor": self.amount_minor, "currency": self.currency}


def format_minor(amount_minor: int, currency: str) -> str:
    return str(Money(amount_minor, currency))


def split(total: int, weights: Sequence[int | Decimal | Fraction]) -> list[int]:
    """Divide ``total`` (>= 0) in proportion to ``weights`` (>= 0, not all zero) by the
    largest-remainder method. Parts are non-negative integers summing exactly to ``total``;
    ties in the remainders go to the earlier weight (deterministic)."""
    if total < 0:
        raise MoneyError(f"split: total must be >= 0, found {total}")
    if not weights:
        raise MoneyError("split: at least one weight is needed")
    fractions = [Fraction(w) for w in weights]
    if any(w < 0 for w in fractions):
        raise MoneyError("split: weights must be >= 0")
    whole = sum(fractions, Fraction(0))
    if whole == 0:
        raise MoneyError("split: weights must not all be zero")
    exact = [total * w / whole for w in fractions]
    parts = [int(x) for x in exact]  # floor: every x >= 0
    left = total - sum(parts)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _year_bounds(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year + 1, 1, 1)


def _cumulative(annual_minor: int, year: int, day: date) -> int:
    """The part of ``annual_minor`` accrued in ``year`` before ``day`` (clamped to the
    year), by cumulative half-even rounding."""
    first, after = _year_bounds(year)
    day = min(max(day, first), after)
    days_in_year = (after - first).days
    return round_fraction(Fraction(annual_minor * (day - first).days, days_in_year))


def prorate(annual_minor: int, start: date, end: date) -> int:
    """The share of a yearly amount that falls in the half-open period ``[start, end)``,
    counted per calendar year by days. Exact on the boundaries: the shares of consecutive
    periods add up to the sum of their union, and a whole calendar year gets
    ``annual_minor`` exactly."""
    if annual_minor < 0:
        raise MoneyError(f"prorate: the annual amount must be >= 0, found {annual_minor}")
    if end <= start:
        return 0
    total = 0
    for year in range(start.year, end.year + 1):
        total += _cumulative(annual_minor, year, end) - _cumulative(annual_minor, year, start)
    return total


def fraction_of_years(start: date, end: date) -> Fraction:
    """How many calendar years ``[start, end)`` covers (each year weighed by its days)."""
    if end <= start:
        return Fraction(0)
    total = Fraction(0)
    for year in range(start.year, end.year + 1):
        first, after = _year_bounds(year)
        lo, hi = max(start, first), min(end, after)
        if hi > lo:
            total += Fraction((hi - lo).days, (after - first).days)
    return total
