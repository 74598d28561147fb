from __future__ import annotations

import json
from pathlib import Path

from service.formats.spdx import SpdxFormat, build_document, validation_messages
from tests.service.format_fixtures import report


def test_the_document_is_valid_and_complete() -> None:
    document = build_document(report())
    assert validation_messages(document) == []
    assert {p.name for p in document.packages} == {
        "app",
        "peer-lib",
        "tickets",
        "clause",
        "odd|name",
        "mystery",
    }
    assert {f.name for f in document.files} == {"./src/a.py", "./third_party/peer/LICENSE", "./x.c"}
    extracted = {i.license_id: i for i in document.extracted_licensing_info}
    # An id spdx-tools knows only as an exception is renamed, with the catalog's text.
    assert "LicenseRef-copyfair-scancode-commons-clause" in extracted
    assert (
        "Commons Clause" in extracted["LicenseRef-copyfair-scancode-commons-clause"].extracted_text
    )
    assert "LicenseRef-acme-private" in extracted and "LicenseRef-Acme-Private" in extracted


def test_json_and_tag_value_round_trip_through_spdx_tools(tmp_path: Path) -> None:
    from spdx_tools.spdx.parser.parse_anything import parse_file

    text = SpdxFormat(tag_value=False).render(report())
    doc = json.loads(text)
    assert doc["spdxVersion"] == "SPDX-2.3"
    peer = next(p for p in doc["packages"] if p["name"] == "peer-lib")
    assert peer["licenseConcluded"] == "PPL"
    (tmp_path / "r.spdx.json").write_text(text)
    assert validation_messages(parse_file(str(tmp_path / "r.spdx.json"))) == []
    tv = SpdxFormat(tag_value=True).render(report())
    assert "SPDXVersion: SPDX-2.3" in tv and "PackageName: peer-lib" in tv
    (tmp_path / "r.spdx").write_text(tv)
    assert validation_messages(parse_file(str(tmp_path / "r.spdx"))) == []
