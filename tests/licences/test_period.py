"""Report periods: YYYY, YYYY-MM, START:END (inclusive), with clear errors."""

from __future__ import annotations

from datetime import date

import pytest

from licences.period import Period, PeriodError, default_period, parse_period


@pytest.mark.parametrize(
    ("text", "start", "end", "days"),
    [
        ("2026", "2026-01-01", "2026-12-31", 365),
        ("2028", "2028-01-01", "2028-12-31", 366),
        ("2026-02", "2026-02-01", "2026-02-28", 28),
        ("2024-02", "2024-02-01", "2024-02-29", 29),
        ("2026-12", "2026-12-01", "2026-12-31", 31),
        ("2026-01-01:2026-03-31", "2026-01-01", "2026-03-31", 90),
        (" 2026-05-05:2026-05-05 ", "2026-05-05", "2026-05-05", 1),
    ],
)
def test_parse_period(text: str, start: str, end: str, days: int) -> None:
    period = parse_period(text)
    assert period.to_dict() == {"start": start, "end": end}
    assert period.days == days
    assert str(period) == f"{start}:{end}"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("2026-13", "month must be 01 to 12"),
        ("26", "expected YYYY"),
        ("2026-03-31:2026-01-01", "before the start"),
        ("2026-02-30:2026-03-01", "not a valid date"),
        ("2026/01/01:2026/02/01", "not a date YYYY-MM-DD"),
        ("last year", "expected YYYY"),
        ("9999", "between 0001 and 9998"),
    ],
)
def test_bad_periods_say_what_was_expected(text: str, words: str) -> None:
    with pytest.raises(PeriodError, match=words):
        parse_period(text)


def test_period_is_half_open_inside() -> None:
    q1 = parse_period("2026-01-01:2026-03-31")
    assert q1.contains(date(2026, 3, 31))
    assert not q1.contains(date(2026, 4, 1))
    assert q1.overlap(parse_period("2026-03")) == parse_period("2026-03")
    assert q1.overlap(parse_period("2026-04")) is None
    assert default_period(date(2026, 11, 23)) == Period.year(2026)
    with pytest.raises(PeriodError):
        Period(date(2026, 1, 2), date(2026, 1, 1))
