from __future__ import annotations

import json

from service.formats.sarif import SarifFormat
from tests.service.format_fixtures import report


def test_one_result_per_restricted_or_unknown_component() -> None:
    doc = json.loads(SarifFormat().render(report()))
    assert doc["version"] == "2.1.0" and doc["$schema"].endswith("sarif-2.1.0.json")
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [
        "copyfair-licence",
        "noncommercial-licence",
        "source-available-licence",
        "unknown-licence",
    ]
    by_name = {r["properties"]["component"]: r for r in run["results"]}
    names = sorted(r["message"]["text"].split(" ")[1] for r in run["results"])
    assert "app" not in names  # permissive: no result
    assert len(run["results"]) == len(by_name) == 5  # PPL, NC dataset, clause, odd, mystery
    for result in run["results"]:
        assert result["ruleId"] == rules[result["ruleIndex"]]["id"]
        assert result["level"] in ("error", "warning", "note")
        assert result["message"]["text"]
        location = result["locations"][0]["physicalLocation"]
        assert location["artifactLocation"]["uri"]
        assert result["partialFingerprints"]["copyfairComponent/v1"]
    peer = next(r for r in run["results"] if r["properties"]["licence"] == "PPL")
    assert peer["ruleId"] == "copyfair-licence" and peer["level"] == "error"
    loc = peer["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "third_party/peer/LICENSE"
    assert loc["region"] == {"startLine": 1}
    mystery = next(r for r in run["results"] if "mystery" in r["message"]["text"])
    assert "not installed or vendored" in mystery["message"]["text"]
    vcs = run["versionControlProvenance"][0]
    assert vcs == {
        "repositoryUri": "https://example.org/o/app.git",
        "revisionId": "a" * 40,
        "branch": "main",
    }
    notes = run["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["message"]["text"] == "skipped: too large"
