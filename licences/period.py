"""The period a report covers: ``--period YYYY | YYYY-MM | START:END``.

Both ends written by the user are **inclusive** days (``2026-01-01:2026-03-31`` is the
first quarter), and so are the dates in the report (``{"start": "2026-01-01", "end":
"2026-03-31"}``). Internally a :class:`Period` is half-open: ``start`` is the first day and
``stop`` the day after the last, so consecutive periods share no day and durations are
``stop - start``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from licences.errors import LicenceError


class PeriodError(LicenceError, ValueError):
    """A period that cannot be read; the message says what was expected."""


_YEAR = re.compile(r"\d{4}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

_EXPECTED = (
    "expected YYYY (a calendar year), YYYY-MM (a month) or START:END (two ISO dates "
    "YYYY-MM-DD, both included), e.g. 2026, 2026-03 or 2026-01-01:2026-03-31"
)


@dataclass(frozen=True, slots=True, order=True)
class Period:
    start: date  # first day, included
    stop: date  # day after the last day (excluded)

    def __post_init__(self) -> None:
        if self.stop <= self.start:
            raise PeriodError(
                f"a period must end on or after its start: {self.start} .. {self.last}"
            )

    @property
    def last(self) -> date:
        """The last day, included."""
        return self.stop - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.stop - self.start).days

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year + 1, 1, 1))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        days = calendar.monthrange(year, month)[1]
        return cls(date(year, month, 1), date(year, month, days) + timedelta(days=1))

    @classmethod
    def inclusive(cls, first: date, last: date) -> Period:
        if last < first:
            raise PeriodError(f"the period ends ({last}) before it starts ({first})")
        return cls(first, last + timedelta(days=1))

    def contains(self, day: date) -> bool:
        return self.start <= day < self.stop

    def overlap(self, other: Period) -> Period | None:
        lo, hi = max(self.start, other.start), min(self.stop, other.stop)
        return Period(lo, hi) if hi > lo else None

    def __str__(self) -> str:
        return f"{self.start.isoformat()}:{self.last.isoformat()}"

    def to_dict(self) -> dict[str, str]:
        """Both dates included, ISO 8601."""
        return {"start": self.start.isoformat(), "end": self.last.isoformat()}


def _date(text: str) -> date:
    if not _DAY.fullmatch(text):
        raise PeriodError(f"{text!r} is not a date YYYY-MM-DD: {_EXPECTED}")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PeriodError(f"{text!r} is not a valid date ({exc}): {_EXPECTED}") from None


def parse_period(text: str) -> Period:
    """Read ``YYYY``, ``YYYY-MM`` or ``START:END`` (inclusive ISO dates)."""
    value = text.strip()
    if _YEAR.fullmatch(value):
        year = int(value)
        if not 1 <= year <= 9998:
            raise PeriodError(f"{text!r}: the year must be between 0001 and 9998")
        return Period.year(year)
    month = _MONTH.fullmatch(value)
    if month:
        year, number = int(month.group(1)), int(month.group(2))
        if not 1 <= number <= 12 or not 1 <= year <= 9998:
            raise PeriodError(f"{text!r}: the month must be 01 to 12: {_EXPECTED}")
        return Period.month(year, number)
    if ":" in value:
        first_text, _, last_text = value.partition(":")
        first, last = _date(first_text.strip()), _date(last_text.strip())
        if last == date.max:
            raise PeriodError(f"{text!r}: the end must be before 9999-12-31")
        if last < first:
            raise PeriodError(f"{text!r}: the end ({last}) is before the start ({first})")
        return Period.inclusive(first, last)
    raise PeriodError(f"{text!r}: {_EXPECTED}")


def default_period(reference: date) -> Period:
    """The calendar year of ``reference`` (what a report covers when no period is given)."""
    return Period.year(reference.year)
