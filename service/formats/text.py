"""``--format text``: a summary for people.

Licences with their file counts, copyfair and non-commercial ones first (with the
files that carry them, since those decide what commercial use owes), then the
skipped count and how to see the skipped files.
"""

from __future__ import annotations

from scanners.model import ScanReport
from scanners.tags import UNKNOWN_LICENCE
from service.formats.summary import summarise

# Categories whose files are listed under the licence (they restrict commercial use),
# and tags that could not be read (so that the user can fix them).
LISTED_CATEGORIES = frozenset({"copyfair", "noncommercial", "source-available"})
LISTED_IDS = frozenset({UNKNOWN_LICENCE})
MAX_LISTED_FILES = 10


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


class TextFormat:
    def render(self, report: ScanReport, *, show_skipped: bool = False) -> str:
        st = report.stats
        lines = [
            f"Scanned {report.target}: {_plural(st.files_seen, 'file')} "
            f"({st.files_read} read, {st.cache_hits} from cache) in {st.seconds:.2f} s",
        ]
        lines += [f"Note: {note}" for note in report.notes]
        lines.append("")
        counts = summarise(report)
        paths_of: dict[str, list[str]] = {}
        for result in report.files:
            for licence in result.licences:
                paths_of.setdefault(licence, []).append(result.path)
        if not counts:
            lines.append("No licences found.")
        else:
            lines.append(
                f"Licences found in {_plural(len(report.files), 'file')} (files per licence):"
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
        lines.append("")
        skipped = _plural(len(report.skipped), "file")
        extra = (
            f"; {_plural(st.binary_files, 'binary file')} not scanned" if st.binary_files else ""
        )
        if report.skipped and not show_skipped:
            lines.append(f"Skipped {skipped}{extra} (run with --show-skipped to list them).")
        else:
            lines.append(f"Skipped {skipped}{extra}.")
        if show_skipped:
            for s in report.skipped:
                lines.append(f"  {s.path}: {s.reason}")
        return "\n".join(lines) + "\n"
