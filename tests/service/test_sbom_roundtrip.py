"""What copyfair writes, copyfair reads back: SPDX in every serialisation, CycloneDX JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanners.inventory.model import ComponentKind
from scanners.sbom import read_sbom
from service.formats.cyclonedx import CycloneDxFormat
from service.formats.spdx import build_document
from tests.service.format_fixtures import report


@pytest.mark.parametrize("suffix", [".spdx", ".spdx.json", ".spdx.yaml", ".rdf.xml", ".spdx.xml"])
def test_spdx_round_trip(tmp_path: Path, suffix: str) -> None:
    from spdx_tools.spdx.writer.write_anything import write_file

    original = report()
    file = tmp_path / f"sbom{suffix}"
    write_file(build_document(original), str(file), validate=True)
    back = read_sbom(file)
    assert back.source == "sbom"
    names = {c.name: c for c in back.components}
    assert set(names) == {c.name for c in original.components}
    assert names["app"].kind is ComponentKind.PROJECT
    assert names["peer-lib"].licence == "PPL"
    assert names["mystery"].licence == "NOASSERTION"
    assert {f.path for f in back.scan.files} == {f.path for f in original.scan.files}
    assert back.owners["third_party/peer/LICENSE"] == names["peer-lib"].id


def test_cyclonedx_round_trip(tmp_path: Path) -> None:
    file = tmp_path / "bom.json"
    file.write_text(CycloneDxFormat().render(report()))
    back = read_sbom(file)
    names = {c.name: c for c in back.components}
    assert names["app"].kind is ComponentKind.PROJECT
    assert names["tickets"].kind is ComponentKind.DATASET
    assert names["clause"].purl == "pkg:pypi/clause@2"
    assert names["peer-lib"].licence == "PPL"


def test_malformed_yaml_is_reported_not_raised(tmp_path: Path) -> None:
    from scanners.sbom import SbomError

    file = tmp_path / "bad.spdx.yaml"
    file.write_text("spdxVersion: [unclosed\n")
    with pytest.raises(SbomError) as caught:
        read_sbom(file)
    assert caught.value.messages
