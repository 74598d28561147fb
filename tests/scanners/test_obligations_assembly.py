from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from licences.obligations import ObligationKind, Status
from licences.period import Period
from licences.profile import ProfileError
from scanners.inventory.model import ComponentKind, make_component
from scanners.obligations import (
    DeclarationFileError,
    ObligationsRequest,
    component_inputs,
    find_schedules,
    load_profile,
    read_toml,
    with_obligations,
)
from scanners.policy import ObligationsMode, load_policy, parse_fail_on
from scanners.project import scan_project
from scanners.scan import ScanOptions
from tests.scanners.pipeline_fixtures import install_fakes, write

SCHEDULE = """\
[commons]
name = "Geo Commons Library"
payee = "geo-commons-foundation"

[commons.reciprocity]
model = "per-developer"
currency = "EUR"
amount_per_developer_year = 2000
"""

FOR_PROFIT = """\
[organisation]
name = "Acme Analytics GmbH"
legal_form = "for-profit"
profits_to_workers = false
headcount = 50
developers = 10

[use]
kinds = ["saas"]
commercial = true
"""


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch) -> None:
    install_fakes(monkeypatch)


def test_read_toml_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "copyfair.toml", '[organisation]\nname = "x"\nheadcount = = 3\n')
    with pytest.raises(DeclarationFileError) as info:
        read_toml(path, "copyfair.toml")
    assert info.value.line == 3 and info.value.column is not None
    assert str(info.value).startswith("copyfair.toml:3:")
    assert "invalid TOML" in str(info.value)


def test_read_toml_at_end_of_file_still_gives_a_line(tmp_path: Path) -> None:
    path = write(tmp_path, "p.toml", '[organisation]\nname = "x')
    with pytest.raises(DeclarationFileError) as info:
        read_toml(path)
    assert info.value.line is not None and info.value.line >= 2


def test_read_toml_does_not_follow_a_link_in_the_tree(tmp_path: Path) -> None:
    target = write(tmp_path, "outside.toml", FOR_PROFIT)
    (tmp_path / "tree").mkdir()
    (tmp_path / "tree" / "copyfair.toml").symlink_to(target)
    with pytest.raises(DeclarationFileError, match="cannot read"):
        read_toml(tmp_path / "tree" / "copyfair.toml", in_tree=True)
    assert read_toml(tmp_path / "tree" / "copyfair.toml")["organisation"]["headcount"] == 50


def test_load_profile_from_the_root_or_an_explicit_file(tmp_path: Path) -> None:
    assert load_profile(tmp_path) is None
    write(tmp_path, "copyfair.toml", '[policy]\nfail-on = ["category:unknown"]\n')
    assert load_profile(tmp_path) is None  # a policy alone declares no profile
    write(tmp_path, "copyfair.toml", FOR_PROFIT)
    profile = load_profile(tmp_path)
    assert profile is not None and profile.developers == 10 and profile.source == "copyfair.toml"
    other = write(tmp_path, "elsewhere.toml", FOR_PROFIT.replace("developers = 10", ""))
    explicit = load_profile(tmp_path, other)
    assert explicit is not None and explicit.developers is None
    empty = write(tmp_path, "empty.toml", "[policy]\n")
    with pytest.raises(DeclarationFileError, match="declares no profile"):
        load_profile(tmp_path, empty)


def test_a_bad_profile_lists_every_problem(tmp_path: Path) -> None:
    bad = FOR_PROFIT.replace('"for-profit"', '"corporation"').replace("50", "-3")
    write(tmp_path, "copyfair.toml", bad)
    with pytest.raises(ProfileError) as info:
        load_profile(tmp_path)
    fields = {p.field for p in info.value.problems}
    assert {"organisation.legal_form", "organisation.headcount"} <= fields


def test_find_schedules_reads_only_component_roots(tmp_path: Path) -> None:
    write(tmp_path, "vendor/geo/COPYFAIR.toml", SCHEDULE)
    write(tmp_path, "vendor/bad/copyfair.toml", "[commons]\nname = 3\n")
    write(tmp_path, "vendor/broken/copyfair.toml", "[commons\n")
    write(tmp_path, "vendor/geo/sub/copyfair.toml", SCHEDULE)
    components = [
        make_component(name=n, version=None, kind=ComponentKind.VENDORED, path=f"vendor/{n}")
        for n in ("geo", "bad", "broken", "plain")
    ]
    paths = [
        "vendor/geo/COPYFAIR.toml",
        "vendor/bad/copyfair.toml",
        "vendor/broken/copyfair.toml",
        "vendor/geo/sub/copyfair.toml",
    ]
    schedules, problems = find_schedules(tmp_path, paths, components)
    assert set(schedules) == {components[0].id}
    assert schedules[components[0].id].payee == "geo-commons-foundation"
    assert schedules[components[0].id].source == "vendor/geo/COPYFAIR.toml"
    assert any("vendor/bad/copyfair.toml" in p and "commons.name" in p for p in problems)
    assert any(p.startswith("vendor/broken/copyfair.toml:1:") for p in problems)


def test_component_inputs_leave_out_the_project_itself() -> None:
    project = make_component(name="me", version=None, kind=ComponentKind.PROJECT, path=".")
    geo = make_component(
        name="geo", version=None, kind=ComponentKind.VENDORED, path="vendor/geo", licence="PPL"
    )
    inputs = component_inputs([project, geo], {})
    assert [i.id for i in inputs] == [geo.id]
    assert inputs[0].licence == "PPL" and "geo" in inputs[0].names


def test_fail_on_obligations_words() -> None:
    assert parse_fail_on(["obligations"]).obligations is ObligationsMode.PAYMENTS
    policy = parse_fail_on(["category:copyfair,obligations:all", "obligations"])
    assert policy.obligations is ObligationsMode.ALL
    assert [str(r) for r in policy.deny] == ["category:copyfair"]
    assert parse_fail_on(["Obligations : ALL"]).obligations is ObligationsMode.ALL
    assert parse_fail_on(["licence:MIT"]).obligations is None


def test_fail_on_obligations_in_the_policy_file(tmp_path: Path) -> None:
    write(tmp_path, "copyfair.toml", '[policy]\nfail-on = ["obligations", "licence:MIT"]\n')
    policy, origin = load_policy(tmp_path)
    assert policy.obligations is ObligationsMode.PAYMENTS and origin is not None
    assert [str(r) for r in policy.deny] == ["licence:MIT"]


def test_with_obligations_on_a_scanned_tree(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    write(root, "main.py", "print(1)\n")
    write(root, "copyfair.toml", FOR_PROFIT)
    write(root, "vendor/geo/LICENSE", "SPDX-License-Identifier: PPL\n")
    write(root, "vendor/geo/copyfair.toml", SCHEDULE)
    report = scan_project(root, ScanOptions(jobs=1, cache_dir=None))
    assert "vendor/geo/copyfair.toml" in report.paths and report.obligations is None
    request = ObligationsRequest(Period.year(2026), date(2026, 6, 1), git=False)
    done = with_obligations(report, request)
    ob = done.obligations
    assert ob is not None and ob.profile is not None
    payment = [o for o in ob.obligations if o.kind is ObligationKind.RECIPROCITY_PAYMENT]
    assert len(payment) == 1 and payment[0].status is Status.OWED
    assert payment[0].amount_minor == 10 * 2000 * 100  # a whole year, 10 developers
    assert ob.totals == {"EUR": 2_000_000}
    doc = ob.to_dict()
    assert doc["obligations_totals"] == [{"currency": "EUR", "amount_minor": 2_000_000}]
    assert doc["obligations_period"] == {"start": "2026-01-01", "end": "2026-12-31"}
    assert [f.kind for f in ob.failing()] == [ObligationKind.RECIPROCITY_PAYMENT]
    assert ObligationKind.ATTRIBUTION in {f.kind for f in ob.failing(all_duties=True)}


def test_the_usage_detector_answers_from_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import scanners.detect
    from scanners.obligations import scan_detector

    root = tmp_path / "tree"
    write(root, "LICENSE", "SPDX-License-Identifier: PPL\n")
    write(root, "README.md", "# Tool\n")
    report = scan_project(root, ScanOptions(jobs=1, cache_dir=None))
    calls: list[str] = []

    def counting(text: str) -> tuple[object, ...]:
        calls.append(text)
        return ()

    monkeypatch.setattr(scanners.detect, "detect_text", counting)
    detect = scan_detector(report)
    assert [e.licence for e in detect("SPDX-License-Identifier: PPL\n")] == ["PPL"]
    assert list(detect("# Tool\n")) == []  # the scan found nothing there: not detected again
    assert calls == []
    assert list(detect("changed since the scan")) == [] and calls == ["changed since the scan"]
