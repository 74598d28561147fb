"""The dashboard's plots: numbers from :mod:`service.web.figures`, drawn by
:mod:`service.web.charts`, each with its text alternative and data table. Blocking (drawing
takes tens of milliseconds): routes call these in a worker thread."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TypeVar

from service.web.charts import Plot, bar_chart, line_chart
from service.web.figures import MonthFlow, PeriodAmounts, TrendPoint, money

__all__ = ["flow_plots", "money_bar_plots", "obligation_plots", "trend_plot"]

_T = TypeVar("_T")


def money_bar_plots(
    by_currency: Mapping[str, Sequence[_T]],
    *,
    title: str,
    ylabel: str,
    label: tuple[str, Callable[[_T], str]],
    series: Sequence[tuple[str, Callable[[_T], int]]],
    columns: Sequence[tuple[str, Callable[[_T], int]]],
    alt: Callable[[str, Sequence[_T]], str],
    stacked: bool = True,
) -> list[Plot]:
    """One bar plot per currency of items that each carry a label (a period, a month) and
    amounts in minor units: ``series`` are drawn, and the table shows the label and
    ``columns`` as money. Every money plot is drawn and tabulated the same way, so that
    its table always gives the numbers of its bars; ``alt`` words its summary."""
    label_header, label_of = label
    plots = []
    for currency, items in by_currency.items():
        bars = [(name, [amount(i) for i in items]) for name, amount in series]
        labels = [label_of(i) for i in items]
        svg = bar_chart(labels, bars, ylabel=ylabel, currency=currency, stacked=stacked)
        rows = tuple(
            (label_of(i), *(money(amount(i), currency) for _, amount in columns)) for i in items
        )
        headers = (label_header, *(header for header, _ in columns))
        plots.append(Plot(f"{title} ({currency})", svg, alt(currency, items), headers, rows))
    return plots


def _obligations_alt(currency: str, items: Sequence[PeriodAmounts]) -> str:
    paid = sum(i.paid_minor for i in items)
    overdue = sum(i.overdue_minor for i in items)
    outstanding = sum(i.outstanding_minor for i in items)
    return (
        f"Obligations in {currency} per billing period from {items[0].period} to "
        f"{items[-1].period}: {money(paid, currency)} paid, {money(outstanding, currency)} "
        f"outstanding, {money(overdue, currency)} overdue in all."
    )


def obligation_plots(timeline: Mapping[str, Sequence[PeriodAmounts]]) -> list[Plot]:
    """One stacked bar plot per currency: paid, outstanding and overdue per period."""
    amounts: list[tuple[str, Callable[[PeriodAmounts], int]]] = [
        ("Paid", lambda i: i.paid_minor),
        ("Outstanding", lambda i: i.outstanding_minor),
        ("Overdue", lambda i: i.overdue_minor),
    ]
    return money_bar_plots(
        timeline,
        title="Obligations over time",
        ylabel="Obligations",
        label=("Period", lambda i: i.period),
        series=amounts,
        columns=[*amounts, ("Total", lambda i: i.total_minor)],
        alt=_obligations_alt,
    )


def _flows_alt(currency: str, items: Sequence[MonthFlow]) -> str:
    inflow = sum(f.inflow_minor for f in items)
    outflow = sum(f.outflow_minor for f in items)
    return (
        f"Money into and out of the pool in {currency} per month from {items[0].month} to "
        f"{items[-1].month}: {money(inflow, currency)} in, {money(outflow, currency)} out."
    )


def flow_plots(flows: Mapping[str, Sequence[MonthFlow]]) -> list[Plot]:
    """One grouped bar plot per currency: money into and out of the pool per month."""
    amounts: list[tuple[str, Callable[[MonthFlow], int]]] = [
        ("In", lambda f: f.inflow_minor),
        ("Out", lambda f: f.outflow_minor),
    ]
    return money_bar_plots(
        flows,
        title="Pool inflows and outflows",
        ylabel="Pool",
        label=("Month", lambda f: f.month),
        series=amounts,
        columns=[*amounts, ("Net", lambda f: f.net_minor)],
        alt=_flows_alt,
        stacked=False,
    )


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
