"""The payout pages' plots: numbers from :mod:`service.web.payout_figures`, drawn by
:mod:`service.web.charts`, each with its text alternative and data table. Blocking: routes
call these in a worker thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from licences.allocation import decimal_text
from service.web.charts import Plot, bar_chart
from service.web.figures import money
from service.web.payout_figures import Comparison, PeriodPayouts

__all__ = ["comparison_plot", "history_plots"]


def history_plots(history: Mapping[str, Sequence[PeriodPayouts]]) -> list[Plot]:
    """One stacked bar plot per currency: paid, pending, held and carried per period."""
    plots = []
    for currency, items in history.items():
        periods = [i.period for i in items]
        series = [
            ("Paid", [i.paid_minor for i in items]),
            ("Pending", [i.pending_minor for i in items]),
            ("Held (unclaimed)", [i.held_minor for i in items]),
            ("Carried over", [i.carried_minor for i in items]),
        ]
        svg = bar_chart(periods, series, ylabel="Payouts", currency=currency)
        total = sum(i.total_minor for i in items)
        paid = sum(i.paid_minor for i in items)
        alt = (
            f"Your payouts in {currency} per period from {periods[0]} to {periods[-1]}: "
            f"{money(total, currency)} earned in all, of which {money(paid, currency)} paid."
        )
        rows = tuple(
            (
                i.period,
                money(i.paid_minor, currency),
                money(i.pending_minor, currency),
                money(i.held_minor, currency),
                money(i.carried_minor, currency),
                money(i.total_minor, currency),
            )
            for i in items
        )
        plots.append(
            Plot(
                f"Payout history ({currency})",
                svg,
                alt,
                ("Period", "Paid", "Pending", "Held", "Carried", "Total"),
                rows,
            )
        )
    return plots


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
