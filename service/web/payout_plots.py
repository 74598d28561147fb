"""The payout pages' plots: numbers from :mod:`service.web.payout_figures`, drawn by
:mod:`service.web.charts`, each with its text alternative and data table. Blocking: routes
call these in a worker thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from licences.allocation import decimal_text
from service.web.charts import Plot, bar_chart
from service.web.figures import money
from service.web.payout_figures import Comparison, PeriodPayouts
from service.web.plots import money_bar_plots

__all__ = ["comparison_plot", "history_plots"]


def _history_alt(currency: str, items: Sequence[PeriodPayouts]) -> str:
    total = sum(i.total_minor for i in items)
    paid = sum(i.paid_minor for i in items)
    return (
        f"Your payouts in {currency} per period from {items[0].period} to {items[-1].period}: "
        f"{money(total, currency)} earned in all, of which {money(paid, currency)} paid."
    )


def history_plots(history: Mapping[str, Sequence[PeriodPayouts]]) -> list[Plot]:
    """One stacked bar plot per currency: paid, pending, held and carried per period."""
    return money_bar_plots(
        history,
        title="Payout history",
        ylabel="Payouts",
        label=("Period", lambda i: i.period),
        series=[
            ("Paid", lambda i: i.paid_minor),
            ("Pending", lambda i: i.pending_minor),
            ("Held (unclaimed)", lambda i: i.held_minor),
            ("Carried over", lambda i: i.carried_minor),
        ],
        columns=[
            ("Paid", lambda i: i.paid_minor),
            ("Pending", lambda i: i.pending_minor),
            ("Held", lambda i: i.held_minor),
            ("Carried", lambda i: i.carried_minor),
            ("Total", lambda i: i.total_minor),
        ],
        alt=_history_alt,
    )


def comparison_plot(comparison: Comparison) -> Plot:
    """Grouped bars per commoner: the proportional split (before) and the chosen one."""
    c = comparison
    names = [r.name for r in c.rows]
    series = [
        ("Before (proportional, no cap)", [r.proportional_minor for r in c.rows]),
        (f"After ({c.short_label})", [r.chosen_minor for r in c.rows]),
    ]
    svg = bar_chart(names, series, ylabel="Share", currency=c.currency, stacked=False)
    alt = (
        f"The {money(c.distributable_minor, c.currency)} shared among {len(c.rows)} "
        f"contributors, proportionally to their score (before) and {c.chosen_label} "
        f"(after): the largest share is {c.largest_share_percent(False)} % of the total "
        f"before and {c.largest_share_percent(True)} % after."
    )
    rows = tuple(
        (
            r.name,
            decimal_text(r.score),
            money(r.proportional_minor, c.currency),
            money(r.chosen_minor, c.currency),
            money(r.difference_minor, c.currency),
        )
        for r in c.rows
    )
    return Plot(
        f"Split before and after the anti-concentration option ({c.currency})",
        svg,
        alt,
        ("Contributor", "Score", "Proportional (before)", "Chosen (after)", "Difference"),
        rows,
    )
