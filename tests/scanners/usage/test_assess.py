from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from licences.profile import LegalForm, Profile, parse_profile
from licences.usage import Commercial, Signal, UseKind
from scanners.usage.assess import assess_usage, combine, infer_commercial
from scanners.usage.signals import SignalKind

COMPANY = Signal(
    SignalKind.COMPANY_HOLDER, 0.5, "LICENSE:1: copyright holder 'Acme Inc.' is a company"
)
PROPRIETARY = Signal(SignalKind.PROPRIETARY_LICENCE, 0.6, "LICENSE:3: proprietary notice")
HELM = Signal(SignalKind.DEPLOYMENT, 0.25, "deploy/Chart.yaml: Helm chart", UseKind.SAAS)
TRAINING = Signal(SignalKind.AI_TRAINING, 0.15, "train.py:6: Trainer", UseKind.AI_TRAINING)
FOUNDATION = Signal(SignalKind.NONPROFIT_HOLDER, -0.3, "NOTICE:1: 'Geo Foundation' is a non-profit")
ACADEMIC = Signal(SignalKind.ACADEMIC_COMMITS, -0.4, "git history: 9 of 10 by universities")
OPEN = Signal(SignalKind.OPEN_LICENCE, -0.2, "LICENSE:1: MIT")


# --- inferred only -----------------------------------------------------------------------


def test_no_signals_no_profile_is_unknown() -> None:
    result = assess_usage([], None)
    assert result.commercial is Commercial.UNKNOWN
    assert result.confidence == 0.0
    assert not result.declared
    assert result.uses == ()


def test_clear_commercial_signals_say_yes() -> None:
    result = assess_usage([COMPANY, PROPRIETARY, HELM], None)
    assert result.commercial is Commercial.YES
    assert 0.5 < result.confidence <= 1.0
    assert result.uses == (UseKind.SAAS,)
    assert result.signals == (COMPANY, PROPRIETARY, HELM)


def test_one_company_holder_alone_is_unknown() -> None:
    assert assess_usage([COMPANY], None).commercial is Commercial.UNKNOWN
    assert assess_usage([COMPANY, OPEN], None).commercial is Commercial.UNKNOWN


def test_clear_non_commercial_evidence_says_no() -> None:
    result = assess_usage([FOUNDATION, ACADEMIC, OPEN], None)
    assert result.commercial is Commercial.NO
    assert result.confidence > 0


def test_open_licence_alone_is_not_no() -> None:
    assert assess_usage([OPEN], None).commercial is Commercial.UNKNOWN


def test_mixed_evidence_is_unknown() -> None:
    assert assess_usage([FOUNDATION, ACADEMIC, PROPRIETARY], None).commercial is Commercial.UNKNOWN


# --- declared wins -----------------------------------------------------------------------


def test_for_profit_saas_is_declared_yes() -> None:
    profile = Profile(legal_form=LegalForm.FOR_PROFIT, uses=(UseKind.SAAS,))
    result = assess_usage([OPEN], profile)
    assert (result.commercial, result.declared, result.confidence) == (Commercial.YES, True, 1.0)
    assert result.uses == (UseKind.SAAS,)


def test_worker_cooperative_is_still_commercial() -> None:
    profile = Profile(legal_form=LegalForm.WORKER_COOPERATIVE, profits_to_workers=True)
    assert assess_usage([], profile).commercial is Commercial.YES


def test_non_profit_research_is_no() -> None:
    profile = Profile(legal_form=LegalForm.NON_PROFIT, uses=(UseKind.RESEARCH,))
    result = assess_usage([HELM], profile)
    assert (result.commercial, result.declared) == (Commercial.NO, True)


def test_individual_personal_is_no_and_saas_is_undecided() -> None:
    personal = Profile(legal_form=LegalForm.INDIVIDUAL, uses=(UseKind.PERSONAL,))
    assert assess_usage([COMPANY], personal).commercial is Commercial.NO
    saas = Profile(legal_form=LegalForm.INDIVIDUAL, uses=(UseKind.SAAS,))
    result = assess_usage([], saas)
    assert (result.commercial, result.declared) == (Commercial.UNKNOWN, False)
    assert any("[use] commercial" in w for w in result.warnings)


def test_explicit_commercial_flag_wins_over_legal_form() -> None:
    profile = Profile(legal_form=LegalForm.FOR_PROFIT, commercial=False)
    result = assess_usage([PROPRIETARY], profile)
    assert (result.commercial, result.declared) == (Commercial.NO, True)
    assert any("commercial = false" in w and "proprietary notice" in w for w in result.warnings)


def test_uses_inferred_when_none_declared() -> None:
    profile = Profile(legal_form=LegalForm.FOR_PROFIT)
    assert assess_usage([HELM, TRAINING], profile).uses == (UseKind.SAAS, UseKind.AI_TRAINING)


def test_profile_without_legal_form_keeps_inferred_answer() -> None:
    result = assess_usage([COMPANY, PROPRIETARY], Profile(uses=(UseKind.INTERNAL,)))
    assert (result.commercial, result.declared) == (Commercial.YES, False)
    assert result.uses == (UseKind.INTERNAL,)


# --- contradictions ----------------------------------------------------------------------


def test_declared_non_profit_with_company_copyright_warns() -> None:
    profile = Profile(legal_form=LegalForm.NON_PROFIT)
    result = assess_usage([COMPANY], profile)
    assert result.commercial is Commercial.NO
    assert len(result.warnings) == 1
    warning = result.warnings[0]
    assert "non-profit" in warning and "'Acme Inc.' is a company" in warning


def test_declared_uses_without_saas_but_helm_chart_warns() -> None:
    profile = Profile(legal_form=LegalForm.FOR_PROFIT, uses=(UseKind.DISTRIBUTION,))
    result = assess_usage([HELM, TRAINING], profile)
    assert len(result.warnings) == 2
    assert "without saas" in result.warnings[0] and "Helm chart" in result.warnings[0]
    assert "without ai-training" in result.warnings[1]


def test_declared_for_profit_with_non_profit_signals_warns() -> None:
    profile = Profile(legal_form=LegalForm.FOR_PROFIT, uses=(UseKind.SAAS,))
    result = assess_usage([FOUNDATION], profile)
    assert result.warnings and "Geo Foundation" in result.warnings[0]


def test_agreeing_facts_give_no_warning() -> None:
    profile = Profile(legal_form=LegalForm.FOR_PROFIT, uses=(UseKind.SAAS,))
    assert assess_usage([COMPANY, PROPRIETARY, HELM], profile).warnings == ()


def test_parsed_profile_and_json() -> None:
    profile = parse_profile(
        {
            "organisation": {"name": "Acme Analytics GmbH", "legal_form": "for-profit"},
            "use": {"kinds": ["saas", "distribution"]},
        }
    )
    result = assess_usage([COMPANY, HELM], profile)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["commercial"] == "yes"
    assert data["uses"] == ["saas", "distribution"]
    assert data["signals"][0]["kind"] == "company-copyright-holder"


# --- properties --------------------------------------------------------------------------

weights = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
signal_lists = st.lists(weights.map(lambda w: Signal("x", w, "e")), max_size=30)


@given(signal_lists)
def test_combined_evidence_and_confidence_in_range(signals: list[Signal]) -> None:
    positive, negative = combine(s.weight for s in signals)
    assert 0.0 <= positive <= 1.0 and 0.0 <= negative <= 1.0
    answer, confidence = infer_commercial(signals)
    assert 0.0 <= confidence <= 1.0
    if answer is Commercial.UNKNOWN:
        assert confidence == 0.0


@given(signal_lists, st.sampled_from(list(LegalForm)))
def test_adding_negative_evidence_never_turns_no_into_yes(
    signals: list[Signal], form: LegalForm
) -> None:
    before, _ = infer_commercial(signals)
    after, _ = infer_commercial([*signals, Signal("y", -0.5, "e")])
    if before is Commercial.NO:
        assert after is Commercial.NO
    if before is not Commercial.YES:
        assert after is not Commercial.YES
    declared = assess_usage(signals, Profile(legal_form=form, commercial=True))
    assert declared.commercial is Commercial.YES and declared.declared
