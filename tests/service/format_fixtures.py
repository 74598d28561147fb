"""A project report with one component of each interesting kind, for the format tests."""

from __future__ import annotations

from scanners.gitinfo import GitInfo
from scanners.inventory.model import (
    ComponentEvidence,
    ComponentKind,
    EvidenceMethod,
    make_component,
)
from scanners.model import Evidence, FileResult, Method, ScanReport, ScanStats, Skipped
from scanners.project import ProjectReport


def report() -> ProjectReport:
    project = make_component(
        name="app",
        version="1.0",
        kind=ComponentKind.PROJECT,
        path=".",
        purl="pkg:pypi/app@1.0",
        licence="MIT",
        evidence=(ComponentEvidence(EvidenceMethod.MANIFEST, "pyproject.toml", 7, 1.0, "MIT"),),
    )
    peer = make_component(
        name="peer-lib",
        version=None,
        kind=ComponentKind.VENDORED,
        path="third_party/peer",
        licence="PPL",
        evidence=(
            ComponentEvidence(
                EvidenceMethod.LICENCE_FILE, "third_party/peer/LICENSE", 1, 0.99, "PPL"
            ),
        ),
    )
    scancode = make_component(
        name="clause",
        version="2",
        kind=ComponentKind.DEPENDENCY,
        path="requirements.txt",
        purl="pkg:pypi/clause@2",
        licence="Apache-2.0 AND LicenseRef-scancode-commons-clause",
    )
    odd = make_component(
        name="odd|name",
        version="0.1",
        kind=ComponentKind.DEPENDENCY,
        path="package.json",
        purl="pkg:npm/odd@0.1",
        licence="LicenseRef-acme-private",
    )
    unknown = make_component(
        name="mystery", version="3", kind=ComponentKind.DEPENDENCY, path="requirements.txt"
    )
    data = make_component(
        name="tickets",
        version=None,
        kind=ComponentKind.DATASET,
        path="data",
        licence="CC-BY-NC-4.0",
        evidence=(
            ComponentEvidence(
                EvidenceMethod.DATASET_CARD, "data/README.md", 3, 1.0, "CC-BY-NC-4.0"
            ),
        ),
    )
    files = (
        FileResult("src/a.py", (Evidence(Method.SPDX_TAG, "MIT", 1, 1, 1.0),)),
        FileResult(
            "third_party/peer/LICENSE", (Evidence(Method.LICENCE_TEXT, "PPL", 1, 90, 0.99),)
        ),
        FileResult("x.c", (Evidence(Method.SPDX_TAG, "Acme-Private", 1, 1, 1.0),)),
    )
    scan = ScanReport(
        "/tmp/app", files, (Skipped("big.bin", "too large"),), ScanStats(files_seen=5)
    )
    owners = {"src/a.py": project.id, "third_party/peer/LICENSE": peer.id, "x.c": project.id}
    git = GitInfo("a" * 40, "main", "https://example.org/o/app.git", False)
    sums = {f.path: f"{i:040x}" for i, f in enumerate(files)}
    return ProjectReport(
        scan, (project, peer, data, scancode, odd, unknown), owners, git, checksums=sums
    )
