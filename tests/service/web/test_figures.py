"""The numbers behind the plots: exact sums, buckets, and the SVG they are drawn as."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from service.web.charts import bar_chart, line_chart
from service.web.figures import (
    compliance_trend,
    describe_schedule,
    is_overdue,
    obligation_timeline,
    period_end,
    pool_flows,
)
from service.web.plots import flow_plots, obligation_plots, trend_plot


@dataclass(frozen=True)
class Ob:
    status: str
    period: str
    amount_minor: int | None
    currency: str | None = "EUR"


@dataclass(frozen=True)
class Post:
    at: datetime
    currency: str
    amount_minor: int


@dataclass(frozen=True)
class Rep:
    created_at: datetime
    project: str
    period: str
    scan: dict[str, Any]
    summary: dict[str, Any]


def test_period_end_and_overdue_boundary() -> None:
    assert period_end("2026-08") == date(2026, 9, 1)
    assert period_end("2026-12") == date(2027, 1, 1)
    # 30 days after 2026-09-01 is 2026-10-01
    assert not is_overdue("owed", "2026-08", date(2026, 9, 30))
    assert is_overdue("owed", "2026-08", date(2026, 10, 1))
    assert is_overdue("invoiced", "2026-08", date(2026, 10, 1))
    assert not is_overdue("paid", "2026-08", date(2027, 1, 1))
    assert not is_overdue("owed", "garbage", date(2027, 1, 1))


def test_timeline_buckets_paid_outstanding_overdue_per_currency() -> None:
    rows = [
        Ob("owed", "2026-08", 50_001),
        Ob("paid", "2026-09", 20_000),
        Ob("invoiced", "2026-10", 12_345),
        Ob("owed", "2026-10", 5),
        Ob("exempt", "2026-10", None, None),
        Ob("refunded", "2026-09", 999),
        Ob("owed", "2026-10", 300, "JPY"),
    ]
    timeline = obligation_timeline(rows, date(2026, 11, 23))
    assert list(timeline) == ["EUR", "JPY"]
    eur = {p.period: (p.paid_minor, p.outstanding_minor, p.overdue_minor) for p in timeline["EUR"]}
    assert eur == {
        "2026-08": (0, 0, 50_001),
        "2026-09": (20_000, 0, 0),
        "2026-10": (0, 12_350, 0),
    }
    assert [p.total_minor for p in timeline["JPY"]] == [300]


@given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=40))
def test_pool_flow_totals_are_the_journal_balance(amounts: list[int]) -> None:
    postings = [
        Post(datetime(2026, 1 + i % 12, 1 + i % 28, tzinfo=UTC), "EUR", a)
        for i, a in enumerate(amounts)
    ]
    flows, totals = pool_flows(postings)
    if not amounts:
        assert flows == {} and totals == []
        return
    (total,) = totals
    assert total.balance_minor == -sum(amounts)  # a pool's credit balance, shown positive
    assert sum(f.inflow_minor for f in flows["EUR"]) == total.inflow_minor
    assert sum(f.net_minor for f in flows["EUR"]) == total.balance_minor
    assert [f.month for f in flows["EUR"]] == sorted({p.at.strftime("%Y-%m") for p in postings})


def test_compliance_trend_counts_unknown_and_reciprocal_components_oldest_first() -> None:
    def comp(licence: str, category: str) -> dict[str, str]:
        return {"licence": licence, "category": category}

    later = Rep(datetime(2026, 9, 1, tzinfo=UTC), "p", "2026-09", {"components": [
        comp("PPL", "copyfair"), comp("MIT", "permissive")]}, {"counts": {"owed": 1}})  # fmt: skip
    earlier = Rep(datetime(2026, 8, 1, tzinfo=UTC), "p", "2026-08", {"components": [
        comp("NOASSERTION", "permissive"), comp("X", "unknown"), comp("CC-BY-NC-4.0",
        "noncommercial"), "not a component"]},
        {"counts": {"owed": 2, "needs-declaration": 3, "exempt": 4}})  # fmt: skip
    broken = Rep(
        datetime(2026, 10, 1, tzinfo=UTC), "p", "2026-10", {"components": "nope"},
        {"counts": {"owed": "many", "needs-declaration": True}},
    )  # fmt: skip
    points = compliance_trend([later, broken, earlier])
    assert [
        (p.period, p.components, p.unknown, p.reciprocal, p.owed, p.undeclared) for p in points
    ] == [
        ("2026-08", 3, 2, 1, 2, 3),
        ("2026-09", 2, 0, 1, 1, 0),
        ("2026-10", 0, 0, 0, 0, 0),
    ]


def test_schedule_is_described_in_words_and_a_bad_one_says_why() -> None:
    terms = dict(
        describe_schedule(
            "Geo", "geo", {"model": "per-developer", "currency": "EUR",
                           "amount_per_developer_year": 2000, "cap_year": "10000.50"}
        )
    )  # fmt: skip
    assert terms["Model"] == "per-developer"
    assert terms["Per developer and year"] == "EUR 2,000.00"
    assert terms["Cap per year"] == "EUR 10,000.50"
    assert describe_schedule("Geo", "geo", None)[0][0] == "Reciprocity"
    bad = dict(describe_schedule("Geo", "geo", {"model": "per-developer", "currency": "XXX"}))
    assert "Problem" in bad and "XXX" in bad["Problem"]


def test_plots_are_svg_with_a_text_alternative_and_their_numbers() -> None:
    timeline = obligation_timeline(
        [Ob("paid", "2026-09", 20_000), Ob("owed", "2026-08", 123)], date(2026, 11, 23)
    )
    (plot,) = obligation_plots(timeline)
    assert plot.svg.startswith("<svg") and "</svg>" in plot.svg
    assert "EUR 200.00 paid" in plot.alt and "EUR 1.23 overdue" in plot.alt
    assert plot.rows == (
        ("2026-08", "EUR 0.00", "EUR 0.00", "EUR 1.23", "EUR 1.23"),
        ("2026-09", "EUR 200.00", "EUR 0.00", "EUR 0.00", "EUR 200.00"),
    )
    flows, _ = pool_flows([Post(datetime(2026, 10, 1, tzinfo=UTC), "EUR", -19_683)])
    (flow,) = flow_plots(flows)
    assert flow.rows == (("2026-10", "EUR 196.83", "EUR 0.00", "EUR 196.83"),)
    assert trend_plot([]) is None


def test_the_same_numbers_draw_the_same_svg() -> None:
    series = [("a", [1, 2, 3]), ("b", [3, 2, 1])]
    first = bar_chart(["x", "y", "z"], series, ylabel="n")
    assert first == bar_chart(["x", "y", "z"], series, ylabel="n")
    assert "<?xml" not in first
    drawn = line_chart(["x", "y", "z"], series, ylabel="n")
    assert drawn.startswith("<svg") and ">a<" in drawn.replace(" ", "")
