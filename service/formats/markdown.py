"""``--format markdown``: a pull-request comment or CI job summary (GitHub-flavoured).

A heading with the verdict, a table of the components that need attention
(copyfair, non-commercial, source-available, unknown licence) with where their licence
was read, the obligations when they were computed (what is owed or to declare, with the
totals; the reasons in a collapsed section), a table of licences by file count, and the
skipped files in a collapsed section. Cells are escaped: component names and paths come
from untrusted trees.
"""

from __future__ import annotations

from scanners.project import ProjectReport
from service.formats.summary import ATTENTION, component_rows, licence_location, summarise

MAX_ROWS = 50


def cell(text: str) -> str:
    """Text safe inside a table cell: no pipes, newlines, HTML or Markdown markup."""
    out = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    for ch in "`*_[]<>#!":
        out = out.replace(ch, "\\" + ch)
    return out


def obligation_lines(report: ProjectReport) -> list[str]:
    """The obligations section: totals, then the owed and to-declare lines in a table."""
    from licences.money import format_minor

    ob = report.obligations
    if ob is None:
        return []
    names = {c.id: c.name + (f" {c.version}" if c.version else "") for c in report.components}
    owed = ", ".join(format_minor(a, c) for c, a in ob.totals.items()) or "nothing"
    open_lines = [o for o in ob.obligations if str(o.status) in ("owed", "needs-declaration")]
    lines = [
        "",
        f"### Obligations {ob.period.start} to {ob.period.last}",
        "",
        f"Commercial use: **{ob.usage.commercial}** "
        f"({'declared' if ob.usage.declared else 'inferred'}). Owed: **{cell(owed)}**. "
        f"{len(open_lines)} of {len(ob.obligations)} lines owed or to declare.",
    ]
    if not open_lines:
        return lines
    lines += ["", "| component | licence | obligation | status | amount | payee |"]
    lines.append("|---|---|---|---|---:|---|")
    for o in open_lines[:MAX_ROWS]:
        amount = (
            format_minor(o.amount_minor, o.currency)
            if o.amount_minor is not None and o.currency is not None
            else ""
        )
        lines.append(
            f"| {cell(names.get(o.component_id, o.component_id))} | {cell(o.licence)} "
            f"| {o.kind} | {o.status} | {cell(amount)} | {cell(o.payee or '')} |"
        )
    if len(open_lines) > MAX_ROWS:
        lines.append(f"| … | {len(open_lines) - MAX_ROWS} more | | | | |")
    lines += ["", "<details><summary>Why</summary>", ""]
    for o in open_lines[:MAX_ROWS]:
        name = names.get(o.component_id, o.component_id)
        lines.append(f"- {cell(name)}: {cell(o.licence)}: {o.kind} {o.status}: {cell(o.reason)}")
    lines += ["", "</details>"]
    return lines


class MarkdownFormat:
    def render(self, report: ProjectReport, *, show_skipped: bool = False) -> str:
        scan = report.scan
        rows = component_rows(report)
        attention = [r for r in rows if r.category in ATTENTION]
        lines = ["## copyfair licence report", ""]
        what = f"`{cell(scan.target)}`"
        if report.git is not None and report.git.commit:
            what += f" at `{report.git.commit[:12]}`"
        lines.append(
            f"Scanned {what}: {len(rows)} components, {len(scan.files)} files with "
            f"licences, {len(scan.skipped)} skipped."
        )
        lines.append("")
        if attention:
            lines += [
                f"### {len(attention)} components need attention",
                "",
                "| category | component | kind | licence | where |",
                "|---|---|---|---|---|",
            ]
            for r in attention[:MAX_ROWS]:
                c = r.component
                path, line = licence_location(c)
                where = f"{path}:{line}" if line else path
                name = c.name + (f" {c.version}" if c.version else "")
                licence = c.licence + (f" ({c.licence_reason})" if c.licence_reason else "")
                lines.append(
                    f"| {r.category} | {cell(name)} | {c.kind} | {cell(licence)} | {cell(where)} |"
                )
            if len(attention) > MAX_ROWS:
                lines.append(f"| … | {len(attention) - MAX_ROWS} more | | | |")
        else:
            lines.append("No copyfair, non-commercial, source-available or unknown components.")
        if report.obligations is not None:
            lines += obligation_lines(report)
        counts = summarise(scan)
        if counts:
            lines += ["", "### Licences in files", "", "| licence | category | files |"]
            lines.append("|---|---|---:|")
            for count in counts[:MAX_ROWS]:
                lines.append(f"| {cell(count.licence)} | {count.category} | {count.files} |")
        if scan.skipped:
            lines += ["", f"<details><summary>{len(scan.skipped)} skipped</summary>", ""]
            shown = scan.skipped if show_skipped else scan.skipped[:MAX_ROWS]
            for s in shown:
                lines.append(f"- {cell(s.path)}: {cell(s.reason)}")
            if len(shown) < len(scan.skipped):
                lines.append(f"- … {len(scan.skipped) - len(shown)} more")
            lines += ["", "</details>"]
        return "\n".join(lines) + "\n"
