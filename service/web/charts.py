"""Plots as inline SVG, drawn by matplotlib on the server (no JavaScript needed).

Each function takes the plain numbers of :mod:`service.web.figures` and returns an SVG
document without its XML prologue, ready to be placed in a page; the page gives every plot
a text alternative and the same numbers as a table. Drawing uses matplotlib's
object-oriented API (no pyplot state) behind a lock, with text kept as text and a fixed
hash salt, so the same numbers give the same SVG.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from licences.money import exponent

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Plot", "bar_chart", "line_chart"]

_LOCK = threading.Lock()
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.DOTALL)
# Colour-blind-safe (Okabe-Ito) colours, one per series.
PALETTE = ("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9")


def _figure(width: float = 7.0, height: float = 3.2) -> Figure:
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _render(fig: Figure) -> str:
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "copyfair"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    return _PROLOGUE.sub("", buffer.getvalue(), count=1)


def _major(values: Sequence[int], currency: str | None) -> list[float]:
    if currency is None:
        return [float(v) for v in values]
    scale = 10 ** exponent(currency)
    return [v / scale for v in values]


def bar_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    ylabel: str,
    currency: str | None = None,
    stacked: bool = True,
) -> str:
    """Bars per category, one colour per series (stacked by default). Amounts in minor
    units of ``currency`` are drawn in major units."""
    with _LOCK:
        fig = _figure()
        ax = fig.add_subplot()
        positions = list(range(len(categories)))
        bottom = [0.0] * len(categories)
        width = 0.7 if stacked else 0.8 / max(len(series), 1)
        for index, (name, values) in enumerate(series):
            heights = _major(values, currency)
            if stacked:
                ax.bar(positions, heights, width, bottom=bottom, label=name, color=PALETTE[index])
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
            else:
                shifted = [p + (index - (len(series) - 1) / 2) * width for p in positions]
                ax.bar(shifted, heights, width, label=name, color=PALETTE[index])
        ax.set_xticks(positions, list(categories), rotation=30 if len(categories) > 6 else 0)
        ax.set_ylabel(f"{ylabel} ({currency})" if currency else ylabel)
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        if series:
            ax.legend(
                frameon=False,
                ncols=len(series),
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                fontsize="small",
            )
        return _render(fig)


def line_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    ylabel: str,
) -> str:
    """A line per series over the categories (counts)."""
    with _LOCK:
        fig = _figure()
        ax = fig.add_subplot()
        positions = list(range(len(categories)))
        markers = ("o", "s", "^", "D", "v", "P")
        for index, (name, values) in enumerate(series):
            ax.plot(
                positions,
                list(values),
                marker=markers[index],
                label=name,
                color=PALETTE[index],
            )
        ax.set_xticks(positions, list(categories), rotation=30 if len(categories) > 4 else 0)
        from matplotlib.ticker import MaxNLocator

        ax.set_ylabel(ylabel)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.spines[["top", "right"]].set_visible(False)
        ax.grid(axis="y", alpha=0.3)
        if series:
            ax.legend(
                frameon=False,
                ncols=min(len(series), 3),
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                fontsize="small",
            )
        return _render(fig)


@dataclass(frozen=True, slots=True)
class Plot:
    """A plot as a page shows it: the SVG, a text alternative, and the same numbers as a
    table (``columns`` headed, first cell of each row a row header)."""

    title: str
    svg: str
    alt: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
