"""The payout pages' numbers, without a database: history per period and status, and the
split before and after the anti-concentration option, exact to the minor unit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from licences.allocation import Method
from service.web.payout_figures import (
    PeriodPayouts,
    allocation_comparison,
    claim_status,
    payout_history,
)
from service.web.payout_plots import comparison_plot, history_plots


@dataclass(frozen=True)
class Line:
    period: str
    amount_minor: int
    status: str
    currency: str = "EUR"
    carried_forward: bool = False


def test_claim_status_is_the_apis() -> None:
    now = datetime(2026, 11, 1, tzinfo=UTC)
    assert claim_status(now, None, now) == "verified"
    assert claim_status(None, now - timedelta(seconds=1), now) == "expired"
    assert claim_status(None, now + timedelta(hours=1), now) == "pending"


def test_history_sums_each_status_and_counts_a_forwarded_carry_once() -> None:
    history = payout_history(
        [
            Line("2026-08", 300, "carried", carried_forward=True),  # added to October's line
            Line("2026-10", 1_300, "paid"),  # includes the 300 carried in
            Line("2026-10", 500, "unclaimed"),
            Line("2026-11", 40, "carried"),
            Line("2026-11", 700, "pending"),
            Line("2026-11", 9, "paid", currency="USD"),
        ]
    )
    assert history["EUR"] == [
        PeriodPayouts("2026-10", 1_300, 0, 500, 0),
        PeriodPayouts("2026-11", 0, 700, 0, 40),
    ]
    assert history["USD"] == [PeriodPayouts("2026-11", 9, 0, 0, 0)]


def test_history_fills_the_months_between_as_a_timeline() -> None:
    history = payout_history([Line("2026-11", 5, "paid"), Line("2027-02", 7, "paid")])
    assert [p.period for p in history["EUR"]] == ["2026-11", "2026-12", "2027-01", "2027-02"]
    assert sum(p.total_minor for p in history["EUR"]) == 12
    plot = history_plots(history)[0]
    assert "<svg" in plot.svg and len(plot.rows) == 4
    assert "EUR 0.12 earned in all, of which EUR 0.12 paid" in plot.alt


def _document(
    scores: dict[str, str], pool: int, policy: dict[str, Any], carried_in: int = 0
) -> dict[str, Any]:
    parts = [
        {"commoner": k, "name": k.title(), "score": v, "share_minor": 0, "carried_in_minor": 0}
        for k, v in scores.items()
    ]
    parts[0]["carried_in_minor"] = carried_in
    return {
        "pool_minor": pool,
        "currency": "EUR",
        "carried_forward_minor": 0,
        "payouts": parts,
        "carried": [],
        "unclaimed": [],
        "policy": policy,
    }


def test_the_comparison_shares_the_same_amount_two_ways() -> None:
    doc = _document(
        {"ada": "9.6", "bob": "1.15", "carol": "1.04"},
        30_000,
        {"method": "quadratic", "cap_percent": "50", "foundation_share_percent": "10"},
    )
    c = allocation_comparison(doc)
    assert c is not None
    assert c.foundation_share_minor == 3_000 and c.distributable_minor == 27_000
    assert sum(r.proportional_minor for r in c.rows) == 27_000
    assert sum(r.chosen_minor for r in c.rows) == 27_000
    ada = c.rows[0]
    assert ada.name == "Ada" and ada.proportional_minor == 21_985 and ada.chosen_minor == 13_500
    assert not c.same and c.method is Method.QUADRATIC
    assert (c.largest_share_percent(False), c.largest_share_percent(True)) == ("81.4", "50.0")
    assert not c.matches_run  # the fake document recorded zeros
    plot = comparison_plot(c)
    assert "EUR 219.85" in plot.rows[0][2] and "EUR 135.00" in plot.rows[0][3]
    assert "After (quadratic, cap 50 %)" in plot.svg


def test_carries_set_aside_are_not_shared_again() -> None:
    doc = _document({"ada": "1", "bob": "1"}, 1_000, {"method": "proportional"}, carried_in=101)
    c = allocation_comparison(doc)
    assert c is not None and c.same
    assert c.set_aside_minor == 101 and c.distributable_minor == 899
    assert [r.proportional_minor for r in c.rows] == [r.chosen_minor for r in c.rows]


def test_a_document_without_what_is_needed_gives_no_comparison() -> None:
    assert allocation_comparison({}) is None
    assert allocation_comparison({"pool_minor": 0, "currency": "EUR", "payouts": []}) is None
    bad = _document({"ada": "x"}, 100, {"method": "proportional"})
    assert allocation_comparison(bad) is None
    odd = _document({"ada": "1"}, 100, {"method": "lottery"})
    assert allocation_comparison(odd) is None


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d", "e"]),
        st.decimals(min_value=Decimal("0.01"), max_value=Decimal(1000), places=2),
        min_size=1,
    ),
    st.integers(min_value=0, max_value=10**9),
    st.sampled_from(["proportional", "quadratic"]),
    st.one_of(st.none(), st.sampled_from(["10", "33.3", "50", "100"])),
)
def test_both_splits_always_sum_to_what_is_shared(
    scores: dict[str, Decimal], pool: int, method: str, cap: str | None
) -> None:
    policy = {"method": method, "cap_percent": cap, "foundation_share_percent": "5"}
    c = allocation_comparison(_document({k: str(v) for k, v in scores.items()}, pool, policy))
    assert c is not None
    shared = c.distributable_minor
    assert sum(r.proportional_minor for r in c.rows) + c.proportional_unassigned_minor == shared
    assert sum(r.chosen_minor for r in c.rows) + c.chosen_unassigned_minor == shared
