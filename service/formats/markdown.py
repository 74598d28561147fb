"""``--format markdown``: a pull-request comment or CI job summary (GitHub-flavoured).

A heading with the verdict, a table of the components that need attention
(copyfair, non-commercial, source-available, unknown licence) with where their licence
was read, a table of licences by file count, and the skipped files in a collapsed
section. Cells are escaped: component names and paths come from untrusted trees.
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
