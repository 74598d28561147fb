"""SBOMs in: SPDX (JSON, tag-value) and CycloneDX JSON, valid and invalid."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scanners.inventory.model import ComponentKind
from scanners.sbom import SbomError, read_sbom
from scanners.sbom.cyclonedx import read_cyclonedx_json

SPDX_TV = """SPDXVersion: SPDX-2.3
DataLicense: CC0-1.0
SPDXID: SPDXRef-DOCUMENT
DocumentName: app
DocumentNamespace: https://example.org/spdx/app-1
Creator: Tool: test
Created: 2024-01-01T00:00:00Z

PackageName: app
SPDXID: SPDXRef-app
PackageVersion: 1.0
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: true
PackageLicenseConcluded: MIT
PackageLicenseDeclared: MIT
PackageLicenseInfoFromFiles: PPL
PackageCopyrightText: NOASSERTION

FileName: ./src/peer.c
SPDXID: SPDXRef-peer
FileChecksum: SHA1: 2fd4e1c67a2d28fced849ee1bb76e7391b93eb12
LicenseConcluded: NOASSERTION
LicenseInfoInFile: PPL
FileCopyrightText: NOASSERTION

PackageName: peer-lib
SPDXID: SPDXRef-peer-lib
PackageVersion: 2.0
PackageDownloadLocation: NOASSERTION
FilesAnalyzed: false
PackageLicenseConcluded: NOASSERTION
PackageLicenseDeclared: CC-BY-NC-SA-4.0 OR LicenseRef-commercial
PackageCopyrightText: NOASSERTION
ExternalRef: PACKAGE-MANAGER purl pkg:npm/peer-lib@2.0

LicenseID: LicenseRef-commercial
ExtractedText: <text>Pay us.</text>
LicenseName: Commercial

Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-app
Relationship: SPDXRef-app CONTAINS SPDXRef-peer
Relationship: SPDXRef-app DEPENDS_ON SPDXRef-peer-lib
"""

CDX = {
    "bomFormat": "CycloneDX",
    "specVersion": "1.5",
    "version": 1,
    "metadata": {"component": {"type": "application", "name": "app", "version": "1"}},
    "components": [
        {
            "type": "library",
            "name": "left-pad",
            "version": "1.3.0",
            "purl": "pkg:npm/left-pad@1.3.0",
            "licenses": [{"license": {"id": "WTFPL"}}],
            "components": [
                {"type": "library", "name": "inner", "licenses": [{"expression": "MIT OR PPL"}]}
            ],
        },
        {"type": "data", "name": "tickets", "licenses": [{"license": {"name": "CC BY-NC 4.0"}}]},
        {"type": "library", "name": "mystery"},
    ],
}


def test_spdx_tag_value(tmp_path: Path) -> None:
    sbom = tmp_path / "app.spdx"
    sbom.write_text(SPDX_TV)
    report = read_sbom(sbom)
    assert report.source == "sbom"
    by_name = {c.name: c for c in report.components}
    assert by_name["app"].kind is ComponentKind.PROJECT and by_name["app"].licence == "MIT"
    lib = by_name["peer-lib"]
    assert lib.kind is ComponentKind.DEPENDENCY
    # spdx-tools' parser may rename a LicenseRef- to the ScanCode key it aliases.
    assert lib.licence.startswith("CC-BY-NC-SA-4.0 OR LicenseRef-")
    assert lib.purl == "pkg:npm/peer-lib@2.0"
    assert lib.evidence[0].detail == "SPDX package SPDXRef-peer-lib licenseDeclared"
    assert [f.path for f in report.scan.files] == ["src/peer.c"]
    assert report.scan.files[0].licences == ["PPL"]
    assert report.owners == {"src/peer.c": by_name["app"].id}
    assert report.checksums["src/peer.c"].startswith("2fd4")


def test_invalid_spdx_lists_every_message(tmp_path: Path) -> None:
    sbom = tmp_path / "bad.spdx"
    sbom.write_text(
        SPDX_TV.replace("SPDXID: SPDXRef-DOCUMENT\n", "").replace("PPL", "Not A Licence")
    )
    with pytest.raises(SbomError) as caught:
        read_sbom(sbom)
    assert caught.value.messages
    assert all(isinstance(m, str) and m for m in caught.value.messages)


def test_invalid_spdx_json_names_the_location(tmp_path: Path) -> None:
    sbom = tmp_path / "bad.spdx.json"
    sbom.write_text(json.dumps({"spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT"}))
    with pytest.raises(SbomError) as caught:
        read_sbom(sbom)
    assert any("name" in m.lower() or "creation" in m.lower() for m in caught.value.messages)


def test_cyclonedx_json(tmp_path: Path) -> None:
    sbom = tmp_path / "bom.cdx.json"
    sbom.write_text(json.dumps(CDX))
    report = read_sbom(sbom)
    by_name = {c.name: c for c in report.components}
    assert by_name["app"].kind is ComponentKind.PROJECT
    assert by_name["left-pad"].licence == "WTFPL"
    assert by_name["left-pad"].purl == "pkg:npm/left-pad@1.3.0"
    assert by_name["inner"].licence == "MIT OR PPL"
    assert by_name["tickets"].kind is ComponentKind.DATASET
    assert by_name["mystery"].licence == "NOASSERTION"
    assert by_name["mystery"].licence_reason == "the SBOM declares no licence"


def test_invalid_cyclonedx_gives_json_paths() -> None:
    bad = dict(CDX, components=[{"type": "spaceship", "name": "x"}])
    with pytest.raises(SbomError) as caught:
        read_cyclonedx_json(json.dumps(bad), "bom.json")
    assert any(m.startswith("$.components[0]") for m in caught.value.messages)
    with pytest.raises(SbomError, match="line 1 column"):
        read_cyclonedx_json("{oops", "bom.json")


def test_a_missing_sbom_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SbomError, match="cannot read"):
        read_sbom(tmp_path / "none.json")
