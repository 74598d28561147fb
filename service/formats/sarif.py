"""``--format sarif``: SARIF 2.1.0 for code scanning (GitHub, GitLab, Azure DevOps).

One result per component whose licence restricts commercial use or is unknown
(categories copyfair, noncommercial, source-available, unknown), located where its
licence was read (or declared). One rule per category; the component id is the
result's fingerprint, so a finding keeps its identity across runs. Skipped files are
tool execution notifications.
"""

from __future__ import annotations

import json

from scanners.project import ProjectReport
from service.formats.summary import (
    ATTENTION,
    ComponentRow,
    component_rows,
    licence_location,
    tool_version,
)

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://github.com/copyfair/copyfair"

# (rule id, level, short description) by category.
RULES: dict[str, tuple[str, str, str]] = {
    "copyfair": (
        "copyfair-licence",
        "error",
        "A component under a copyfair licence: commercial use owes reciprocity.",
    ),
    "noncommercial": (
        "noncommercial-licence",
        "error",
        "A component under a non-commercial licence: commercial use needs another licence.",
    ),
    "source-available": (
        "source-available-licence",
        "warning",
        "A component under a source-available licence: some uses are restricted.",
    ),
    "unknown": (
        "unknown-licence",
        "warning",
        "A component whose licence is unknown: nobody can say what it allows.",
    ),
}
assert tuple(RULES) == ATTENTION


def _result(row: ComponentRow, rule_index: int) -> dict[str, object]:
    c = row.component
    rule_id, level, _ = RULES[row.category]
    path, line = licence_location(c)
    name = c.name + (f" {c.version}" if c.version else "")
    if row.category == "unknown":
        why = c.licence_reason or "licence not identified"
        message = f"{c.kind} {name}: licence unknown ({why})."
    else:
        message = f"{c.kind} {name} is licensed {c.licence} ({row.category})."
    physical: dict[str, object] = {
        "artifactLocation": {"uri": path if path != "." else "./", "uriBaseId": "%SRCROOT%"}
    }
    if line is not None and line > 0:
        physical["region"] = {"startLine": line}
    properties: dict[str, object] = {
        "component": c.id,
        "kind": str(c.kind),
        "licence": c.licence,
        "category": row.category,
    }
    if c.purl:
        properties["purl"] = c.purl
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": level,
        "message": {"text": message},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {"copyfairComponent/v1": c.id},
        "properties": properties,
    }


def sarif_dict(report: ProjectReport) -> dict[str, object]:
    rule_ids = list(RULES)
    rules = [
        {
            "id": rule_id,
            "name": rule_id.replace("-", " ").title().replace(" ", ""),
            "shortDescription": {"text": text},
            "defaultConfiguration": {"level": level},
            "properties": {"category": category},
        }
        for category, (rule_id, level, text) in RULES.items()
    ]
    results = [
        _result(row, rule_ids.index(row.category))
        for row in component_rows(report)
        if row.category in RULES
    ]
    notifications = [
        {
            "level": "note",
            "message": {"text": f"skipped: {s.reason}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": s.path, "uriBaseId": "%SRCROOT%"}
                    }
                }
            ],
        }
        for s in report.scan.skipped
    ]
    run: dict[str, object] = {
        "tool": {
            "driver": {
                "name": "copyfair",
                "version": tool_version(),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
    }
    if report.git is not None and report.git.commit and report.git.remote_url:
        # versionControlDetails requires repositoryUri: only with a remote.
        vcs: dict[str, object] = {
            "repositoryUri": report.git.remote_url,
            "revisionId": report.git.commit,
        }
        if report.git.branch:
            vcs["branch"] = report.git.branch
        run["versionControlProvenance"] = [vcs]
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


class SarifFormat:
    def render(self, report: ProjectReport, *, show_skipped: bool = False) -> str:
        return json.dumps(sarif_dict(report), indent=2, ensure_ascii=False) + "\n"
