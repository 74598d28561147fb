"""``--format json``: the report as one JSON document (``schema_version`` "1").

Shape::

    {"schema_version": "1", "target": "<PATH as given>",
     "summary": [{"licence", "name", "category", "files"}],
     "files": [{"path", "licences", "evidence": [{"method", "licence", "start_line",
                "end_line", "score", "expression"?, "detail"?, "source_path"?}],
                "sha1"?}],
     "skipped": [{"path", "reason"}],
     "notes": ["how the target was read, e.g. git fallbacks"],
     "stats": {"files_seen", "files_read", "bytes_read", "cache_hits", "binary_files",
               "symlinks", "skipped", "seconds"}}

``files`` lists every file with at least one licence, sorted by path; ``licences``
are ids (never expressions). Binary files are counted in ``stats``, not listed.
"""

from __future__ import annotations

import json

from scanners.model import ScanReport
from service.formats.summary import summarise

SCHEMA_VERSION = "1"


class JsonFormat:
    def render(self, report: ScanReport, *, show_skipped: bool = False) -> str:
        files = []
        for result in report.files:
            item = result.to_dict()
            if result.sha1 is not None:
                item["sha1"] = result.sha1
            files.append(item)
        st = report.stats
        doc = {
            "schema_version": SCHEMA_VERSION,
            "target": report.target,
            "summary": [c.to_dict() for c in summarise(report)],
            "files": files,
            "skipped": [s.to_dict() for s in report.skipped],
            "notes": list(report.notes),
            "stats": {
                "files_seen": st.files_seen,
                "files_read": st.files_read,
                "bytes_read": st.bytes_read,
                "cache_hits": st.cache_hits,
                "binary_files": st.binary_files,
                "symlinks": st.symlinks,
                "skipped": len(report.skipped),
                "seconds": round(st.seconds, 3),
            },
        }
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
