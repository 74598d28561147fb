from __future__ import annotations

import json

from service.formats.cyclonedx import CycloneDxFormat, validation_errors
from tests.service.format_fixtures import report


def test_the_bom_is_valid_cyclonedx_1_6() -> None:
    text = CycloneDxFormat().render(report())
    assert validation_errors(text) is None
    bom = json.loads(text)
    assert bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["name"] == "app"
    by_name = {c["name"]: c for c in bom["components"]}
    assert by_name["peer-lib"]["licenses"] == [{"expression": "PPL"}]
    assert by_name["tickets"]["type"] == "data"
    assert by_name["clause"]["purl"] == "pkg:pypi/clause@2"
    assert "licenses" not in by_name["mystery"]
    props = {p["name"]: p["value"] for p in by_name["mystery"]["properties"]}
    assert props["copyfair:category"] == "unknown"
    assert props["copyfair:licence_reason"] == "not installed or vendored"
    project_ref = bom["metadata"]["component"]["bom-ref"]
    graph = {d["ref"]: d.get("dependsOn", []) for d in bom["dependencies"]}
    assert len(graph[project_ref]) == 5
