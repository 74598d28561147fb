"""``--format json``: the report as one JSON document (``schema_version`` "1").

Shape::

    {"schema_version": "1", "target": "<PATH as given>", "source": "tree" | "sbom",
     "git": {"commit", "branch", "remote_url", "dirty", "revision"?} | null,
     "summary": [{"licence", "name", "category", "files"}],
     "components": [{"id", "name", "version", "kind", "path", "purl", "licence",
                     "category", "licence_reason"?, "scope"?, "ecosystem"?,
                     "licence_files"?, "evidence": [{"method", "path", "line"?, "score",
                     "licence"?, "detail"?}]}],
     "files": [{"path", "licences", "component", "evidence": [{"method", "licence",
                "start_line", "end_line", "score", "expression"?, "detail"?,
                "source_path"?}], "sha1"?}],
     "skipped": [{"path", "reason"}],
     "notes": ["how the target was read, e.g. git fallbacks"],
     "stats": {"files_seen", "files_read", "bytes_read", "cache_hits", "binary_files",
               "symlinks", "skipped", "seconds"},
     # when obligations were computed (always with ``copyfair scan --format json``):
     "usage": {"commercial": "yes" | "no" | "unknown", "uses", "confidence", "signals":
               [{"kind", "weight", "evidence", "use"?}], "warnings", "declared",
               "profile": {...} | null},
     "obligations": [{"component_id", "licence", "kind", "status", "reason",
                      "amount_minor", "currency", "period": {"start", "end"}, "payee",
                      "clause"}],
     "obligations_period": {"start", "end"}, "obligations_reference_date": "YYYY-MM-DD",
     "obligations_totals": [{"currency", "amount_minor"}],   # the owed lines' sums
     "obligations_problems": ["schedule files ignored, files not read for usage"]}

``files`` lists every file with at least one licence, sorted by path; ``licences``
are ids (never expressions); ``component`` is the id of the nearest component containing
the file. Components come in inventory order (project, vendored, datasets,
dependencies). Binary files are counted in ``stats``, not listed.
"""

from __future__ import annotations

import orjson

from scanners.project import ProjectReport
from service.formats.summary import component_dict, component_rows, summarise

SCHEMA_VERSION = "1"


def report_dict(report: ProjectReport) -> dict[str, object]:
    scan = report.scan
    files = []
    for result in scan.files:
        item = result.to_dict()
        item["component"] = report.owners.get(result.path)
        if result.sha1 is not None:
            item["sha1"] = result.sha1
        files.append(item)
    rows = {r.component.id: r for r in component_rows(report)}
    st = scan.stats
    out: dict[str, object] = {
        "schema_version": SCHEMA_VERSION,
        "target": scan.target,
        "source": report.source,
        "git": report.git.to_dict() if report.git is not None else None,
        "summary": [c.to_dict() for c in summarise(scan)],
        "components": [component_dict(rows[c.id]) for c in report.components],
        "files": files,
        "skipped": [s.to_dict() for s in scan.skipped],
        "notes": list(scan.notes),
        "stats": {
            "files_seen": st.files_seen,
            "files_read": st.files_read,
            "bytes_read": st.bytes_read,
            "cache_hits": st.cache_hits,
            "binary_files": st.binary_files,
            "symlinks": st.symlinks,
            "skipped": len(scan.skipped),
            "seconds": round(st.seconds, 3),
        },
    }
    if report.obligations is not None:
        out.update(report.obligations.to_dict())
    return out


def dumps(document: object) -> str:
    """``document`` as indented JSON, the text ``json.dumps(document, indent=2,
    ensure_ascii=False)`` gives, by orjson: ten times faster, which a cold scan of a
    licence-dense tree notices (its report is rendered twice: for the output and for the
    report cache)."""
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()


class JsonFormat:
    def render(self, report: ProjectReport, *, show_skipped: bool = False) -> str:
        return dumps(report_dict(report)) + "\n"
