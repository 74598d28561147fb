"""``--format text``: a summary for people.

Licences with their file counts, copyfair and non-commercial ones first (with the
files that carry them, since those decide what commercial use owes); then the
components (copyfair, non-commercial, source-available and unknown ones listed one by
one, the others counted); then the obligations when they were computed (what fails
``--fail-on obligations`` line by line, the rest counted); then the skipped count and
how to see the skipped files.

:func:`explain_obligations` is the plain-words report of ``copyfair obligations``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from licences.obligations import Obligation
    from scanners.inventory.model import Component
    from scanners.obligations import ObligationsReport

from scanners.inventory.model import KIND_PRIORITY
from scanners.project import ProjectReport
from scanners.tags import UNKNOWN_LICENCE
from service.formats.summary import ATTENTION, ComponentRow, component_rows, summarise

# Categories whose files are listed under the licence (they restrict commercial use),
# and tags that could not be read (so that the user can fix them).
LISTED_CATEGORIES = frozenset({"copyfair", "noncommercial", "source-available"})
LISTED_IDS = frozenset({UNKNOWN_LICENCE})
MAX_LISTED_FILES = 10
MAX_LISTED_COMPONENTS = 20


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def describe(row: ComponentRow) -> str:
    """``name version (kind, path): licence`` and why it is unknown, for one component."""
    c = row.component
    version = f" {c.version}" if c.version else ""
    text = f"{c.name}{version} ({c.kind}, {c.path}): {c.licence}"
    if c.licence_reason:
        text += f" ({c.licence_reason})"
    return text


def component_lines(report: ProjectReport) -> list[str]:
    rows = component_rows(report)
    if not rows:
        return []
    counts = ", ".join(
        f"{n} {kind}"
        for kind in KIND_PRIORITY
        if (n := sum(1 for r in rows if r.component.kind is kind))
    )
    lines = [f"Components: {len(rows)} ({counts}):"]
    by_category: dict[str, list[ComponentRow]] = {}
    for r in rows:
        by_category.setdefault(r.category, []).append(r)
    for category, members in by_category.items():
        lines.append(f"  {category}: {len(members)}")
        if category not in ATTENTION:
            continue
        for r in members[:MAX_LISTED_COMPONENTS]:
            lines.append(f"      {describe(r)}")
        if len(members) > MAX_LISTED_COMPONENTS:
            lines.append(f"      ... and {len(members) - MAX_LISTED_COMPONENTS} more")
    return lines


# --- obligations ------------------------------------------------------------------------

STATUS_ORDER = ("owed", "needs-declaration", "exempt", "not-triggered")
MAX_LISTED_OBLIGATIONS = 30
WIDTH = 88


def _amount(o: Obligation) -> str:
    from licences.money import format_minor

    if o.amount_minor is None or o.currency is None:
        return ""
    return format_minor(o.amount_minor, o.currency)


def obligation_head(o: Obligation) -> str:
    """``kind status [amount] [to payee]``: one obligation without its reason."""
    parts = [str(o.kind), str(o.status)]
    amount = _amount(o)
    if amount:
        parts.append(amount)
    if o.payee and str(o.status) in ("owed", "needs-declaration"):
        parts.append(f"to {o.payee}")
    return " ".join(parts)


def component_label(component_id: str, components: Mapping[str, Component]) -> str:
    c = components.get(component_id)
    if c is None:
        return component_id
    version = f" {c.version}" if c.version else ""
    return f"{c.name}{version} ({c.kind}, {c.path})"


def _totals_text(totals: Mapping[str, int]) -> str:
    from licences.money import format_minor

    return ", ".join(format_minor(a, c) for c, a in totals.items()) or "nothing"


def _status_counts(lines: Sequence[Obligation]) -> str:
    counts = {s: sum(1 for o in lines if str(o.status) == s) for s in STATUS_ORDER}
    return ", ".join(f"{n} {s}" for s, n in counts.items() if n) or "none"


def usage_lines(ob: ObligationsReport) -> list[str]:
    """Who uses the components and how: the profile, the commercial answer, warnings."""
    u, p = ob.usage, ob.profile
    if p is None:
        lines = [
            "Entity: no profile declared (copyfair.toml [organisation] and [use], or "
            "--profile FILE)."
        ]
    else:
        form = f" ({p.legal_form})" if p.legal_form is not None else ""
        lines = [f"Entity: {p.name or 'unnamed'}{form}, declared in {p.source}."]
    how = "declared" if u.declared else f"inferred, confidence {u.confidence:.2f}"
    uses = ", ".join(str(x) for x in u.uses) or "none known"
    lines.append(f"Commercial use: {u.commercial} ({how}); uses: {uses}.")
    lines += [f"Warning: {w}" for w in u.warnings]
    return lines


def obligation_summary_lines(
    ob: ObligationsReport, components: Sequence[Component], target: str
) -> list[str]:
    """The obligations section of ``copyfair scan``'s text report."""
    from licences.obligations import fails_policy

    by_id = {c.id: c for c in components}
    lines = [
        f"Obligations for {ob.period.start} to {ob.period.last} "
        f"({_status_counts(ob.obligations)}); owed: {_totals_text(ob.totals)}.",
    ]
    lines += [f"  {line}" for line in usage_lines(ob)]
    failing = fails_policy(ob.obligations)
    if failing:
        lines.append(f"  To settle ({len(failing)}):")
        for o in failing[:MAX_LISTED_OBLIGATIONS]:
            label = component_label(o.component_id, by_id)
            lines.append(f"      {label}: {o.licence}: {obligation_head(o)}")
        if len(failing) > MAX_LISTED_OBLIGATIONS:
            lines.append(f"      ... and {len(failing) - MAX_LISTED_OBLIGATIONS} more")
    lines += [f"  Problem: {p}" for p in ob.problems[:MAX_LISTED_OBLIGATIONS]]
    lines.append(f"  Run `copyfair obligations {target}` for every line and its reason.")
    return lines


def _order(o: Obligation) -> int:
    return STATUS_ORDER.index(str(o.status))


def explain_obligations(ob: ObligationsReport, components: Sequence[Component], target: str) -> str:
    """``copyfair obligations``: every line in plain words, grouped by component (those
    with something owed or to declare first), with the totals per currency."""
    by_id = {c.id: c for c in components}
    groups: dict[str, list[Obligation]] = {}
    for o in ob.obligations:
        groups.setdefault(o.component_id, []).append(o)
    ordered = sorted(groups.items(), key=lambda item: min(_order(o) for o in item[1]))
    lines = [
        f"Obligations of {target} for {ob.period.start} to {ob.period.last} "
        f"(as of {ob.reference.isoformat()})",
        *usage_lines(ob),
        "",
        f"Owed in the period: {_totals_text(ob.totals)}. Lines: {_status_counts(ob.obligations)}.",
    ]
    if not groups:
        lines += ["", "No component to assess (only the project itself was found)."]
    wrap = textwrap.TextWrapper(
        width=WIDTH, initial_indent="      ", subsequent_indent="      ", break_on_hyphens=False
    )
    for component_id, members in ordered:
        label = component_label(component_id, by_id)
        licences = ", ".join(dict.fromkeys(o.licence for o in members))
        lines += ["", f"{label}: {licences}"]
        for o in sorted(members, key=_order):
            lines.append(f"  - {o.licence}: {obligation_head(o)}")
            lines += wrap.wrap(o.reason)
    if ob.problems:
        lines += ["", "Problems:"]
        lines += [f"  {p}" for p in ob.problems]
    if ob.notes:
        lines += ["", *(f"Note: {n}" for n in ob.notes)]
    return "\n".join(lines) + "\n"


class TextFormat:
    def render(self, report: ProjectReport, *, show_skipped: bool = False) -> str:
        scan = report.scan
        st = scan.stats
        if report.source == "sbom":
            lines = [f"Read SBOM {scan.target}"]
        else:
            lines = [
                f"Scanned {scan.target}: {_plural(st.files_seen, 'file')} "
                f"({st.files_read} read, {st.cache_hits} from cache) in {st.seconds:.2f} s",
            ]
        g = report.git
        if g is not None and g.commit is not None:
            where = g.revision or g.branch or "detached HEAD"
            dirty = ", with uncommitted changes" if g.dirty else ""
            lines.append(f"Git: {where} at {g.commit[:12]}{dirty}")
        lines += [f"Note: {note}" for note in scan.notes]
        lines.append("")
        counts = summarise(scan)
        paths_of: dict[str, list[str]] = {}
        for result in scan.files:
            for licence in result.licences:
                paths_of.setdefault(licence, []).append(result.path)
        if not counts:
            lines.append("No licences found.")
        else:
            lines.append(
                f"Licences found in {_plural(len(scan.files), 'file')} (files per licence):"
            )
            width = max(len(c.licence) for c in counts)
            for c in counts:
                lines.append(f"  {c.licence:<{width}}  {c.files:>6}  {c.category}")
                if c.category in LISTED_CATEGORIES or c.licence in LISTED_IDS:
                    paths = paths_of[c.licence]
                    for path in paths[:MAX_LISTED_FILES]:
                        lines.append(f"      {path}")
                    if len(paths) > MAX_LISTED_FILES:
                        lines.append(f"      ... and {len(paths) - MAX_LISTED_FILES} more")
        components = component_lines(report)
        if components:
            lines += ["", *components]
        if report.obligations is not None:
            lines += [
                "",
                *obligation_summary_lines(report.obligations, report.components, scan.target),
            ]
        lines.append("")
        skipped = _plural(len(scan.skipped), "file")
        extra = (
            f"; {_plural(st.binary_files, 'binary file')} not scanned" if st.binary_files else ""
        )
        if scan.skipped and not show_skipped:
            lines.append(f"Skipped {skipped}{extra} (run with --show-skipped to list them).")
        else:
            lines.append(f"Skipped {skipped}{extra}.")
        if show_skipped:
            for s in scan.skipped:
                lines.append(f"  {s.path}: {s.reason}")
        return "\n".join(lines) + "\n"
