"""The obligations engine: statuses, reasons, money, expressions and the policy."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from licences.money import prorate
from licences.obligations import (
    MONEY_KINDS,
    ComponentInput,
    Obligation,
    ObligationKind,
    Status,
    compute_obligations,
    describe,
    fails_policy,
    totals,
    usage_to_dict,
)
from licences.period import Period, parse_period
from licences.profile import Profile, parse_profile
from licences.schedule import Schedule, parse_schedule
from licences.terms import LegalForm, Sector
from licences.usage import Commercial, UsageAssessment, UseKind

REFERENCE = date(2026, 11, 23)
YEAR = Period.year(2026)

COMPANY = parse_profile(
    {
        "organisation": {
            "name": "Acme Analytics GmbH",
            "legal_form": "for-profit",
            "headcount": 250,
            "developers": 40,
            "revenue": {"amount": 12_000_000, "currency": "EUR", "year": 2025},
            "monthly_active_users": 40_000,
        },
        "use": {"kinds": ["saas", "distribution"]},
    }
)
COOP = parse_profile(
    {
        "organisation": {
            "legal_form": "worker-cooperative",
            "profits_to_workers": True,
            "headcount": 18,
            "developers": 11,
        },
        "use": {"kinds": ["saas"]},
    }
)
PER_DEVELOPER = parse_schedule(
    {
        "commons": {
            "name": "Geo Commons Library",
            "payee": "geo-commons-foundation",
            "reciprocity": {
                "model": "per-developer",
                "currency": "EUR",
                "amount_per_developer_year": 2000,
                "minimum_year": 500,
                "cap_year": 50000,
                "in_kind": {"value_per_commit": 100, "cap_year": 5000},
            },
        }
    },
    "vendor/geo/copyfair.toml",
)


def usage(commercial: Commercial, *uses: UseKind, declared: bool = True) -> UsageAssessment:
    return UsageAssessment(commercial, uses, 1.0 if declared else 0.5, declared=declared)


SAAS_DIST = usage(Commercial.YES, UseKind.SAAS, UseKind.DISTRIBUTION)


def run(
    licence: str,
    use: UsageAssessment = SAAS_DIST,
    profile: Profile | None = COMPANY,
    *,
    schedule: Schedule | None = None,
    period: Period = YEAR,
    **extra: Any,
) -> dict[ObligationKind, Obligation]:
    component = ComponentInput("c1", licence, schedule=schedule, **extra)
    lines = compute_obligations([component], use, profile, period, REFERENCE)
    by_kind = {o.kind: o for o in lines}
    assert len(by_kind) == len(lines)  # one line per (component, licence, kind)
    return by_kind


def test_ppl_wage_labour_business_needs_the_licensors_commercial_licence() -> None:
    lines = run("PPL", licensor="Dmytri Kleiner")
    line = lines[ObligationKind.COMMERCIAL_LICENCE_REQUIRED]
    assert line.status is Status.OWED
    assert line.amount_minor is None and line.currency is None
    assert line.payee == "Dmytri Kleiner"
    assert "PPL 4(b)" in line.reason and "worker-owned eq true (is false)" in line.reason
    assert line.clause == "PPL 4(b)"
    assert lines[ObligationKind.ATTRIBUTION].status is Status.OWED


def test_ppl_worker_cooperative_is_exempt_and_owes_nothing() -> None:
    line = run("PPL", usage(Commercial.YES, UseKind.SAAS), COOP, schedule=PER_DEVELOPER)[
        ObligationKind.RECIPROCITY_PAYMENT
    ]
    assert line.status is Status.EXEMPT
    assert line.amount_minor == 0 and line.currency == "EUR"
    assert "Exempt under PPL 4(c)" in line.reason
    assert "surplus-to-workers eq true (is true)" in line.reason


def test_ppl_with_a_schedule_owes_a_reciprocity_payment() -> None:
    line = run("PPL", schedule=PER_DEVELOPER)[ObligationKind.RECIPROCITY_PAYMENT]
    assert line.status is Status.OWED
    assert line.amount_minor == 5_000_000  # 40 x 2,000 = 80,000 capped at 50,000
    assert line.currency == "EUR" and line.payee == "geo-commons-foundation"
    assert "capped at EUR 50,000.00" in line.reason
    assert "vendor/geo/copyfair.toml" in line.reason
    assert ObligationKind.COMMERCIAL_LICENCE_REQUIRED not in run("PPL", schedule=PER_DEVELOPER)


def test_payment_is_pro_rated_from_the_start_of_commercial_use_with_in_kind_credit() -> None:
    profile = parse_profile(
        {
            "organisation": {"legal_form": "for-profit", "developers": 10},
            "use": {"kinds": ["saas"], "commercial_since": "2026-07-01"},
            "contributions": {"commits": [{"component": "pkg:pypi/geo", "count": 3}]},
        }
    )
    line = run(
        "PPL",
        usage(Commercial.YES, UseKind.SAAS),
        profile,
        schedule=PER_DEVELOPER,
        names=("pkg:pypi/geo",),
    )[ObligationKind.RECIPROCITY_PAYMENT]
    due = prorate(2_000_000, date(2026, 7, 1), date(2027, 1, 1))
    assert line.amount_minor == due - 30_000
    assert "3 merged commit(s)" in line.reason
    measured = run(
        "PPL", usage(Commercial.YES, UseKind.SAAS), profile, schedule=PER_DEVELOPER, commits=1000
    )[ObligationKind.RECIPROCITY_PAYMENT]
    # the credit is capped at the pro-rated 5,000 a year
    assert measured.amount_minor == due - prorate(500_000, date(2026, 7, 1), date(2027, 1, 1))


def test_monthly_periods_add_up_to_the_annual_amount() -> None:
    profile = parse_profile(
        {"organisation": {"legal_form": "for-profit", "developers": 3}, "use": {"kinds": ["saas"]}}
    )
    months = [parse_period(f"2026-{m:02d}") for m in range(1, 13)]
    amounts = [
        run("PPL", usage(Commercial.YES, UseKind.SAAS), profile, schedule=PER_DEVELOPER, period=p)[
            ObligationKind.RECIPROCITY_PAYMENT
        ].amount_minor
        for p in months
    ]
    assert sum(a or 0 for a in amounts) == 600_000


def test_missing_facts_give_needs_declaration_never_exempt() -> None:
    unknown = usage(Commercial.UNKNOWN, declared=False)
    for schedule in (None, PER_DEVELOPER):
        lines = run("PPL", unknown, None, schedule=schedule)
        money = [o for o in lines.values() if o.kind in MONEY_KINDS]
        assert [o.status for o in money] == [Status.NEEDS_DECLARATION]
        assert money[0].amount_minor is None
        assert "use.commercial" in money[0].reason
    company_without_developers = Profile(legal_form=LegalForm.FOR_PROFIT, uses=(UseKind.SAAS,))
    line = run(
        "PPL",
        usage(Commercial.YES, UseKind.SAAS),
        company_without_developers,
        schedule=PER_DEVELOPER,
    )[ObligationKind.RECIPROCITY_PAYMENT]
    assert line.status is Status.NEEDS_DECLARATION
    assert "organisation.developers" in line.reason


def test_noncommercial_use_of_cc_by_nc_is_not_triggered() -> None:
    lines = run("CC-BY-NC-4.0", usage(Commercial.NO, UseKind.RESEARCH), COMPANY)
    line = lines[ObligationKind.COMMERCIAL_LICENCE_REQUIRED]
    assert line.status is Status.NOT_TRIGGERED and line.amount_minor == 0
    assert lines[ObligationKind.ATTRIBUTION].status is Status.NOT_TRIGGERED  # not shared


def test_polyform_noncommercial_exempts_public_research() -> None:
    profile = Profile(legal_form=LegalForm.NON_PROFIT, sectors=(Sector.PUBLIC_RESEARCH,))
    line = run("PolyForm-Noncommercial-1.0.0", SAAS_DIST, profile)[
        ObligationKind.COMMERCIAL_LICENCE_REQUIRED
    ]
    assert line.status is Status.EXEMPT
    assert "Noncommercial Organizations" in line.reason
    owed = run("PolyForm-Noncommercial-1.0.0")[ObligationKind.COMMERCIAL_LICENCE_REQUIRED]
    assert owed.status is Status.OWED


def test_polyform_small_business_thresholds() -> None:
    small = parse_profile(
        {
            "organisation": {
                "legal_form": "for-profit",
                "headcount": 99,
                "revenue": {"amount": 999_999, "currency": "USD", "year": 2025},
            }
        }
    )
    line = run("PolyForm-Small-Business-1.0.0", SAAS_DIST, small)
    assert line[ObligationKind.COMMERCIAL_LICENCE_REQUIRED].status is Status.EXEMPT
    eur = run("PolyForm-Small-Business-1.0.0", SAAS_DIST, COMPANY)
    # 250 people: not exempt whatever the revenue in USD
    assert eur[ObligationKind.COMMERCIAL_LICENCE_REQUIRED].status is Status.OWED
    eur_small = Profile(
        legal_form=LegalForm.FOR_PROFIT,
        headcount=10,
        revenue=COMPANY.revenue,
    )
    unsure = run("PolyForm-Small-Business-1.0.0", SAAS_DIST, eur_small)
    line2 = unsure[ObligationKind.COMMERCIAL_LICENCE_REQUIRED]
    assert line2.status is Status.NEEDS_DECLARATION
    assert "revenue.equivalents.USD" in line2.reason


def test_prosperity_thirty_day_trial() -> None:
    def profile(since: str) -> Profile:
        return parse_profile(
            {"organisation": {"legal_form": "for-profit"}, "use": {"commercial_since": since}}
        )

    trial = run("LicenseRef-scancode-prosperity-3.0", SAAS_DIST, profile("2026-11-01"))
    assert trial[ObligationKind.COMMERCIAL_LICENCE_REQUIRED].status is Status.EXEMPT
    over = run("LicenseRef-scancode-prosperity-3.0", SAAS_DIST, profile("2026-01-15"))
    assert over[ObligationKind.COMMERCIAL_LICENCE_REQUIRED].status is Status.OWED
    unknown = run("LicenseRef-scancode-prosperity-3.0", SAAS_DIST, COMPANY)
    line = unknown[ObligationKind.COMMERCIAL_LICENCE_REQUIRED]
    assert line.status is Status.NEEDS_DECLARATION and "use.commercial_since" in line.reason


def test_source_available_and_model_licences() -> None:
    elastic = run("Elastic-2.0", SAAS_DIST, Profile(managed_service=True))
    assert elastic[ObligationKind.PROHIBITED].status is Status.OWED
    fine = run("Elastic-2.0", SAAS_DIST, Profile(managed_service=False))
    assert fine[ObligationKind.PROHIBITED].status is Status.NOT_TRIGGERED
    fsl = run("FSL-1.1-MIT", SAAS_DIST, COMPANY)
    line = fsl[ObligationKind.COMMERCIAL_LICENCE_REQUIRED]
    assert line.status is Status.NEEDS_DECLARATION and "use.competing" in line.reason
    competing = run("FSL-1.1-MIT", SAAS_DIST, Profile(competing=True))
    assert "becomes MIT" in competing[ObligationKind.COMMERCIAL_LICENCE_REQUIRED].reason
    llama = run(
        "LicenseRef-scancode-llama-2-license-2023",
        SAAS_DIST,
        Profile(monthly_active_users=800_000_000),
    )
    assert llama[ObligationKind.COMMERCIAL_LICENCE_REQUIRED].status is Status.OWED
    small = run("LicenseRef-scancode-llama-2-license-2023", SAAS_DIST, COMPANY)
    assert small[ObligationKind.COMMERCIAL_LICENCE_REQUIRED].status is Status.NOT_TRIGGERED
    assert small[ObligationKind.REVIEW].status is Status.OWED  # acceptable use policy
    parity = run("Parity-7.0.0", usage(Commercial.NO, UseKind.INTERNAL), COMPANY)
    assert parity[ObligationKind.CONTRIBUTE_BACK].status is Status.OWED


def test_share_alike_for_data_and_copyleft_defaults() -> None:
    odbl = run("ODbL-1.0", usage(Commercial.YES, UseKind.SAAS), COMPANY)
    assert odbl[ObligationKind.SHARE_ALIKE].status is Status.OWED
    gpl = run("GPL-2.0-only", usage(Commercial.YES, UseKind.DISTRIBUTION), COMPANY)
    assert gpl[ObligationKind.SHARE_ALIKE].status is Status.OWED
    assert gpl[ObligationKind.SOURCE_OFFER].status is Status.OWED
    assert "default for copyleft licences" in gpl[ObligationKind.SOURCE_OFFER].reason
    internal = run("GPL-2.0-only", usage(Commercial.YES, UseKind.INTERNAL), COMPANY)
    assert internal[ObligationKind.SOURCE_OFFER].status is Status.NOT_TRIGGERED
    assert run("CC0-1.0") == {}  # public domain owes nothing


def test_or_chooses_the_least_burdensome_option_and_says_so() -> None:
    lines = run("GPL-3.0-only OR MIT", usage(Commercial.YES, UseKind.DISTRIBUTION))
    assert {o.licence for o in lines.values()} == {"MIT"}
    assert "least burdensome" in lines[ObligationKind.ATTRIBUTION].reason
    dual = run("CC-BY-NC-4.0 OR PPL", usage(Commercial.YES, UseKind.SAAS), COOP)
    assert {o.licence for o in dual.values()} == {"PPL"}  # exempt under PPL, owed under NC


def test_and_and_with_bring_every_licence() -> None:
    component = ComponentInput("c", "Apache-2.0 AND LicenseRef-scancode-commons-clause")
    lines = compute_obligations([component], SAAS_DIST, COMPANY, YEAR, REFERENCE)
    licences = {(o.licence, o.kind) for o in lines}
    assert ("Apache-2.0", ObligationKind.ATTRIBUTION) in licences
    assert ("LicenseRef-scancode-commons-clause", ObligationKind.COMMERCIAL_LICENCE_REQUIRED) in (
        licences
    )
    with_exception = ComponentInput("d", "GPL-2.0-or-later WITH Classpath-exception-2.0")
    lines = compute_obligations([with_exception], SAAS_DIST, COMPANY, YEAR, REFERENCE)
    assert {o.licence for o in lines} == {"GPL-2.0-or-later"}  # the exception acts through it
    share_alike = next(o for o in lines if o.kind is ObligationKind.SHARE_ALIKE)
    assert "Classpath-exception-2.0 makes it weak-copyleft" in share_alike.reason


def test_declared_profile_fills_an_open_assessment() -> None:
    profile = Profile(legal_form=LegalForm.FOR_PROFIT, uses=(UseKind.SAAS,), commercial=False)
    lines = run("CC-BY-NC-4.0", usage(Commercial.UNKNOWN, declared=False), profile)
    line = lines[ObligationKind.COMMERCIAL_LICENCE_REQUIRED]
    assert line.status is Status.NOT_TRIGGERED
    assert "commercial use: no (declared)" in line.reason


def test_unknown_licences_need_review() -> None:
    for expression in ("NOASSERTION", "LicenseRef-acme-eula", "(MIT AND"):
        lines = run(expression)
        assert lines[ObligationKind.REVIEW].status is Status.OWED


def test_fails_policy() -> None:
    lines = compute_obligations(
        [ComponentInput("a", "MIT"), ComponentInput("b", "PPL")],
        SAAS_DIST,
        COMPANY,
        YEAR,
        REFERENCE,
    )
    failing = fails_policy(lines)
    assert [(o.component_id, o.kind) for o in failing] == [
        ("b", ObligationKind.COMMERCIAL_LICENCE_REQUIRED)
    ]
    duties = fails_policy(lines, all_duties=True)
    assert ("a", ObligationKind.ATTRIBUTION) in {(o.component_id, o.kind) for o in duties}
    mit_only = [o for o in lines if o.component_id == "a"]
    assert fails_policy(mit_only) == []
    text = describe(failing[0])
    assert text.startswith("b: PPL: commercial-licence-required owed to licensor — ")


def test_usage_object_carries_the_profile() -> None:
    data = usage_to_dict(SAAS_DIST, COMPANY)
    assert data["commercial"] == "yes" and data["uses"] == ["saas", "distribution"]
    profile = data["profile"]
    assert isinstance(profile, dict) and profile["legal_form"] == "for-profit"
    assert usage_to_dict(SAAS_DIST, None)["profile"] is None


def test_output_is_deterministic_and_serialisable() -> None:
    components = [ComponentInput(f"c{n}", lic) for n, lic in enumerate(["PPL", "MIT", "ODbL-1.0"])]
    first = [
        o.to_dict() for o in compute_obligations(components, SAAS_DIST, COMPANY, YEAR, REFERENCE)
    ]
    again = [
        o.to_dict() for o in compute_obligations(components, SAAS_DIST, COMPANY, YEAR, REFERENCE)
    ]
    assert first == again
    assert set(first[0]) >= {
        "component_id",
        "licence",
        "kind",
        "status",
        "reason",
        "amount_minor",
        "currency",
        "period",
        "payee",
    }
    assert first[0]["period"] == {"start": "2026-01-01", "end": "2026-12-31"}


# --- properties ----------------------------------------------------------------------------

LICENCES = [
    "PPL",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-3.0",
    "PolyForm-Noncommercial-1.0.0",
    "PolyForm-Small-Business-1.0.0",
    "LicenseRef-scancode-prosperity-3.0",
    "LicenseRef-scancode-cooperative-non-violent-7.0",
    "LicenseRef-scancode-anti-capitalist-1.4",
    "BUSL-1.1",
    "FSL-1.1-ALv2",
    "MIT",
    "GPL-3.0-or-later OR PPL",
    "Apache-2.0 AND LicenseRef-scancode-commons-clause",
    "NOASSERTION",
]
SCHEDULES = [
    None,
    PER_DEVELOPER,
    parse_schedule(
        {
            "commons": {
                "name": "T",
                "payee": "t",
                "reciprocity": {
                    "model": "tiered",
                    "currency": "USD",
                    "tiers": [{"max_headcount": 20, "amount_year": 100}, {"amount_year": 900}],
                },
            }
        }
    ),
]

profiles = st.one_of(
    st.none(),
    st.builds(
        Profile,
        legal_form=st.one_of(st.none(), st.sampled_from(list(LegalForm))),
        worker_owned=st.one_of(st.none(), st.booleans()),
        profits_to_workers=st.one_of(st.none(), st.booleans()),
        headcount=st.one_of(st.none(), st.integers(0, 10_000)),
        developers=st.one_of(st.none(), st.integers(0, 500)),
        commercial_since=st.one_of(st.none(), st.dates(date(2020, 1, 1), date(2030, 1, 1))),
        competing=st.one_of(st.none(), st.booleans()),
    ),
)
usages = st.builds(
    UsageAssessment,
    commercial=st.sampled_from(list(Commercial)),
    uses=st.lists(st.sampled_from(list(UseKind)), unique=True, max_size=3).map(tuple),
    confidence=st.just(0.5),
)
periods = st.tuples(st.dates(date(2024, 1, 1), date(2028, 12, 31)), st.integers(0, 800)).map(
    lambda t: Period.inclusive(t[0], date.fromordinal(t[0].toordinal() + t[1]))
)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(LICENCES), st.sampled_from(SCHEDULES)), min_size=1, max_size=6
    ),
    usages,
    profiles,
    periods,
)
def test_money_invariants(
    parts: list[tuple[str, Schedule | None]],
    use: UsageAssessment,
    profile: Profile | None,
    period: Period,
) -> None:
    components = [ComponentInput(f"c{n}", lic, schedule=s) for n, (lic, s) in enumerate(parts)]
    lines = compute_obligations(components, use, profile, period, REFERENCE)
    keys = [(o.component_id, o.licence, o.kind) for o in lines]
    assert len(keys) == len(set(keys))
    for o in lines:
        assert o.amount_minor is None or (isinstance(o.amount_minor, int) and o.amount_minor >= 0)
        if o.status in (Status.EXEMPT, Status.NOT_TRIGGERED):
            assert not o.amount_minor  # 0 or no amount at all
        if o.status is Status.NEEDS_DECLARATION:
            assert o.amount_minor is None
        if o.amount_minor:
            assert o.kind is ObligationKind.RECIPROCITY_PAYMENT and o.status is Status.OWED
        if o.kind is ObligationKind.RECIPROCITY_PAYMENT:
            assert o.currency is not None and o.payee is not None
    expected: dict[str, int] = {}
    for o in lines:
        if o.status is Status.OWED and o.amount_minor is not None and o.currency:
            expected[o.currency] = expected.get(o.currency, 0) + o.amount_minor
    assert totals(lines) == expected
    if profile is None:  # nothing is exempt without declared facts
        assert all(o.status is not Status.EXEMPT for o in lines)


FLAT = parse_schedule(
    {
        "commons": {
            "name": "F",
            "payee": "f",
            "reciprocity": {"model": "flat", "currency": "EUR", "flat_amount_year": "1234.57"},
        }
    }
)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(2020, 2030),
    st.lists(st.integers(1, 364), unique=True, max_size=12),
)
def test_consecutive_periods_of_a_year_owe_the_annual_amount(year: int, cuts: list[int]) -> None:
    start = date(year, 1, 1)
    bounds = sorted(
        {start, date(year + 1, 1, 1), *(date.fromordinal(start.toordinal() + c) for c in cuts)}
    )
    owed = 0
    for a, b in zip(bounds, bounds[1:], strict=False):
        line = run("PPL", schedule=FLAT, period=Period(a, b))[ObligationKind.RECIPROCITY_PAYMENT]
        assert line.status is Status.OWED and line.amount_minor is not None
        owed += line.amount_minor
    assert owed == 123_457
