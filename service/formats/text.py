"""``--format text``: a summary for people.

Licences with their file counts, copyfair and non-commercial ones first (with the
files that carry them, since those decide what commercial use owes); then the
components (copyfair, non-commercial, source-available and unknown ones listed one by
one, the others counted); then the skipped count and how to see the skipped files.
"""

from __future__ import annotations

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
