"""The dashboard's plots: numbers from :mod:`service.web.figures`, drawn by
:mod:`service.web.charts`, each with its text alternative and data table. Blocking (drawing
takes tens of milliseconds): routes call these in a worker thread."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from service.web.charts import Plot, bar_chart, line_chart
from service.web.figures import MonthFlow, PeriodAmounts, TrendPoint, money

__all__ = ["flow_plots", "obligation_plots", "trend_plot"]


def obligation_plots(timeline: Mapping[str, Sequence[PeriodAmounts]]) -> list[Plot]:
    """One stacked bar plot per currency: paid, outstanding and overdue per period."""
    plots = []
    for currency, items in timeline.items():
        periods = [i.period for i in items]
        series = [
            ("Paid", [i.paid_minor for i in items]),
            ("Outstanding", [i.outstanding_minor for i in items]),
            ("Overdue", [i.overdue_minor for i in items]),
        ]
        svg = bar_chart(periods, series, ylabel="Obligations", currency=currency)
        paid = sum(i.paid_minor for i in items)
        overdue = sum(i.overdue_minor for i in items)
        outstanding = sum(i.outstanding_minor for i in items)
        alt = (
            f"Obligations in {currency} per billing period from {periods[0]} to "
            f"{periods[-1]}: {money(paid, currency)} paid, {money(outstanding, currency)} "
            f"outstanding, {money(overdue, currency)} overdue in all."
        )
        rows = tuple(
            (
                i.period,
                money(i.paid_minor, currency),
                money(i.outstanding_minor, currency),
                money(i.overdue_minor, currency),
                money(i.total_minor, currency),
            )
            for i in items
        )
        plots.append(
            Plot(
                f"Obligations over time ({currency})",
                svg,
                alt,
                ("Period", "Paid", "Outstanding", "Overdue", "Total"),
                rows,
            )
        )
    return plots


def flow_plots(flows: Mapping[str, Sequence[MonthFlow]]) -> list[Plot]:
    """One grouped bar plot per currency: money into and out of the pool per month."""
    plots = []
    for currency, items in flows.items():
        months = [f.month for f in items]
        series = [
            ("In", [f.inflow_minor for f in items]),
            ("Out", [f.outflow_minor for f in items]),
        ]
        svg = bar_chart(months, series, ylabel="Pool", currency=currency, stacked=False)
        inflow = sum(f.inflow_minor for f in items)
        outflow = sum(f.outflow_minor for f in items)
        alt = (
            f"Money into and out of the pool in {currency} per month from {months[0]} to "
            f"{months[-1]}: {money(inflow, currency)} in, {money(outflow, currency)} out."
        )
        rows = tuple(
            (
                f.month,
                money(f.inflow_minor, currency),
                money(f.outflow_minor, currency),
                money(f.net_minor, currency),
            )
            for f in items
        )
        plots.append(
            Plot(
                f"Pool inflows and outflows ({currency})",
                svg,
                alt,
                ("Month", "In", "Out", "Net"),
                rows,
            )
        )
    return plots


def trend_plot(points: Sequence[TrendPoint]) -> Plot | None:
    """Per report, oldest first: components, those of unknown licence, the copyfair or
    non-commercial ones, and the obligations owed or waiting for a declaration."""
    if not points:
        return None
    labels = [p.label for p in points]
    series = [
        ("Components", [p.components for p in points]),
        ("Unknown licence", [p.unknown for p in points]),
        ("Copyfair or non-commercial", [p.reciprocal for p in points]),
        ("Obligations owed", [p.owed for p in points]),
        ("Needs a declaration", [p.undeclared for p in points]),
    ]
    svg = line_chart(labels, series, ylabel="Count")
    last = points[-1]
    alt = (
        f"Components in each of {len(points)} usage reports, from {points[0].label} to "
        f"{last.label}. The latest lists {last.components} components, {last.unknown} of "
        f"them with an unknown licence and {last.reciprocal} under a copyfair or "
        f"non-commercial licence; {last.owed} obligations owed and {last.undeclared} "
        "waiting for a declaration."
    )
    rows = tuple(
        (
            p.label,
            p.project,
            p.period,
            str(p.components),
            str(p.unknown),
            str(p.reciprocal),
            str(p.owed),
            str(p.undeclared),
        )
        for p in points
    )
    return Plot(
        "Compliance across reports",
        svg,
        alt,
        (
            "Report",
            "Project",
            "Period",
            "Components",
            "Unknown licence",
            "Copyfair or NC",
            "Owed",
            "Needs a declaration",
        ),
        rows,
    )
