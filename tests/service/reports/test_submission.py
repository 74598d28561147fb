"""Reading a submitted scan: the profile written by ``copyfair scan`` reads back as it
was declared, and every problem names its field."""

from __future__ import annotations

import tomllib
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from licences.money import prorate
from licences.period import Period
from licences.profile import parse_profile
from service.reports.attribution import RegisteredCommons
from service.reports.derive import derive
from service.reports.submission import (
    MAX_COMPONENTS,
    SubmissionError,
    default_project,
    read_submission,
)
from tests.service.api.report_fixtures import component, scan_doc

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.mark.parametrize(
    "name", ["profile-for-profit.toml", "profile-non-profit.toml", "profile-worker-coop.toml"]
)
def test_the_json_profile_reads_back_as_declared(name: str) -> None:
    declared = parse_profile(tomllib.loads((EXAMPLES / name).read_text()), "copyfair.toml")
    scan = scan_doc(profile=declared.to_dict())
    read = read_submission(scan).profile
    assert read is not None
    assert read.to_dict() == declared.to_dict()


def test_every_problem_is_reported_at_once() -> None:
    components: list[Any] = [{"id": 1}, "x", component("ok")]
    scan = scan_doc(components, commercial="maybe", uses="saas")
    with pytest.raises(SubmissionError) as caught:
        read_submission(scan)
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "scan.components[0].id",
        "scan.components[1]",
        "scan.usage.commercial",
        "scan.usage.uses",
    ]


def test_too_many_components_is_refused_with_advice() -> None:
    scan = scan_doc([component(f"c{n}") for n in range(MAX_COMPONENTS + 1)])
    with pytest.raises(SubmissionError, match="split the project"):
        read_submission(scan)


def test_the_project_defaults_to_the_git_remote_without_credentials() -> None:
    scan = {**scan_doc(), "git": {"remote_url": "https://ci:s3cret@git.example/acme/app.git"}}
    assert default_project(read_submission(scan)) == "https://git.example/acme/app.git"
    assert default_project(read_submission(scan_doc())) == "analytics"


def test_ten_thousand_components_derive_and_a_commons_is_paid_once() -> None:
    """Not a timing assertion (see benchmarks/): every attributed component has its
    payment line, and the commons' price is counted once, on the first."""
    geo = RegisteredCommons(
        uuid.uuid4(),
        uuid.uuid4(),
        "Geo",
        "PPL",
        "geo",
        {"purls": ["pkg:pypi/geo-*"]},
        {"model": "per-developer", "currency": "EUR", "amount_per_developer_year": 2000},
    )
    components = [component(f"geo-{n}", purl=f"pkg:pypi/geo-{n}@1") for n in range(5000)]
    components += [component(f"lib-{n}", licence="MIT") for n in range(5000)]
    derivation = derive(
        read_submission(scan_doc(components)), [geo], Period.month(2026, 11), date(2026, 11, 23)
    )
    payments = [
        d for d in derivation.obligations if d.obligation.kind.value == "reciprocity-payment"
    ]
    assert len(payments) == 5000
    one = prorate(40 * 200_000, date(2026, 11, 1), date(2026, 12, 1))
    assert [p.obligation.amount_minor for p in payments] == [one] + [0] * 4999
    assert "Counted once per commons" in payments[1].obligation.reason
    assert derivation.summary["totals"] == [{"currency": "EUR", "amount_minor": one}]
