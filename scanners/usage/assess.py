"""Declared facts versus inferred signals: is the use commercial, and which uses?

:func:`assess_usage` is pure. Declared facts win over inferred ones:

1. ``[use] commercial = true|false`` in the profile decides outright.
2. Otherwise the legal form decides: a for-profit, company, sole trader, partnership,
   cooperative or worker cooperative uses commercially (a worker cooperative too: the
   licence terms, not this module, decide who is exempt); a non-profit, charity,
   educational institution or public body does not; an individual does not when the
   declared uses are personal or research (or none), and a collective does not when they
   are personal or research only; otherwise the form does not settle it.
3. With nothing declared that settles it, the signals decide: ``yes`` when they clearly
   point to commercial use, ``no`` only on clear non-commercial evidence, ``unknown``
   otherwise, never a silent ``no``.

The uses are the declared ``[use] kinds`` when there are any, else those the signals
suggest. Declared facts that the signals contradict (a declared non-profit whose code
says "Copyright Acme Inc."; no ``saas`` declared but a Helm chart) give warnings that
name both facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from licences.profile import LegalForm, Profile
from licences.usage import Commercial, Signal, UsageAssessment, UseKind
from scanners.usage.signals import COMPANY_KINDS, SignalKind

# Inferred "yes": the combined positive evidence reaches YES_AT and outweighs the
# negative by MARGIN. Inferred "no": the negative reaches NO_AT and the positive stays
# under NO_MAX_POSITIVE.
YES_AT = 0.6
NO_AT = 0.5
MARGIN = 0.4
NO_MAX_POSITIVE = 0.2
# Signals at least this strong are worth a warning when they contradict a declaration
# (one warning per kind of signal, the strongest; at most MAX_USE_WARNINGS per use).
CONTRADICTION_AT = 0.2
MAX_USE_WARNINGS = 2

_COMMERCIAL_FORMS = frozenset(
    {
        LegalForm.FOR_PROFIT,
        LegalForm.COMPANY,
        LegalForm.SOLE_TRADER,
        LegalForm.PARTNERSHIP,
        LegalForm.COOPERATIVE,
        LegalForm.WORKER_COOPERATIVE,
    }
)
_NON_COMMERCIAL_FORMS = frozenset(
    {LegalForm.NON_PROFIT, LegalForm.CHARITY, LegalForm.EDUCATIONAL, LegalForm.PUBLIC_BODY}
)
_PRIVATE_USES = frozenset({UseKind.PERSONAL, UseKind.RESEARCH})
_NON_PROFIT_KINDS = frozenset(
    {
        SignalKind.NONPROFIT_HOLDER,
        SignalKind.ACADEMIC_HOLDER,
        SignalKind.PUBLIC_HOLDER,
        SignalKind.ACADEMIC_COMMITS,
        SignalKind.PUBLIC_COMMITS,
    }
)


def combine(weights: Iterable[float]) -> tuple[float, float]:
    """The combined positive and negative evidence, each in [0, 1]: independent hints
    combine as ``1 - Π(1 - w)`` so that no pile of weak hints exceeds certainty."""
    keep_pos = 1.0
    keep_neg = 1.0
    for w in weights:
        w = max(-1.0, min(1.0, w))
        if w > 0:
            keep_pos *= 1 - w
        elif w < 0:
            keep_neg *= 1 + w
    return 1 - keep_pos, 1 - keep_neg


def infer_commercial(signals: Sequence[Signal]) -> tuple[Commercial, float]:
    """The answer the signals alone give, with its confidence in [0, 1] (0 for unknown:
    the signals do not settle it)."""
    positive, negative = combine(s.weight for s in signals)
    if positive >= YES_AT and positive - negative >= MARGIN:
        return Commercial.YES, _clamp(positive - negative)
    if negative >= NO_AT and positive < NO_MAX_POSITIVE:
        return Commercial.NO, _clamp(negative - positive)
    return Commercial.UNKNOWN, 0.0


def inferred_uses(signals: Iterable[Signal]) -> tuple[UseKind, ...]:
    """The uses the signals suggest, in :class:`UseKind` order."""
    found = {s.use for s in signals if s.use is not None and s.weight >= 0}
    return tuple(u for u in UseKind if u in found)


def _clamp(x: float) -> float:
    return max(0.0, min(1.0, x))


def _declared(profile: Profile) -> tuple[Commercial, str] | None:
    """The commercial answer the profile settles, with the fact it rests on."""
    if profile.commercial is not None:
        answer = Commercial.YES if profile.commercial else Commercial.NO
        return answer, f"declared [use] commercial = {str(profile.commercial).lower()}"
    form = profile.legal_form
    if form is None:
        return None
    fact = f"declared legal form {form}"
    if form in _COMMERCIAL_FORMS:
        return Commercial.YES, fact
    if form in _NON_COMMERCIAL_FORMS:
        return Commercial.NO, fact
    uses = set(profile.uses)
    if form is LegalForm.INDIVIDUAL and uses <= _PRIVATE_USES:
        return Commercial.NO, f"{fact} with uses {_names(profile.uses) or 'none declared'}"
    if form is LegalForm.COLLECTIVE and uses and uses <= _PRIVATE_USES:
        return Commercial.NO, f"{fact} with uses {_names(profile.uses)}"
    return None


def _names(uses: Iterable[UseKind]) -> str:
    return ", ".join(str(u) for u in uses)


def _contradictions(
    answer: Commercial, fact: str, profile: Profile, signals: Sequence[Signal]
) -> list[str]:
    out: list[str] = []

    def warn(kinds: frozenset[str], declared: str, positive: bool) -> None:
        hits = [
            s
            for s in signals
            if s.kind in kinds
            and (s.weight >= CONTRADICTION_AT if positive else s.weight <= -CONTRADICTION_AT)
        ]
        hits.sort(key=lambda s: -abs(s.weight))
        kinds_seen: set[str] = set()
        for s in hits:  # the strongest signal of each kind
            if s.kind not in kinds_seen:
                kinds_seen.add(s.kind)
                out.append(f"{declared}, but {s.evidence} [{s.kind}]")

    if answer is Commercial.NO:
        warn(COMPANY_KINDS, f"{fact} (not commercial)", positive=True)
    elif answer is Commercial.YES and profile.legal_form in _COMMERCIAL_FORMS - {
        LegalForm.COOPERATIVE,
        LegalForm.WORKER_COOPERATIVE,
    }:
        warn(_NON_PROFIT_KINDS, fact, positive=False)
    if profile.uses:
        declared = f"declared uses [{_names(profile.uses)}]"
        for use in (UseKind.SAAS, UseKind.AI_TRAINING):
            if use in profile.uses:
                continue
            hits = [s for s in signals if s.use is use and s.weight >= 0]
            hits.sort(key=lambda s: -s.weight)
            for s in hits[:MAX_USE_WARNINGS]:
                if s.weight >= CONTRADICTION_AT or use is UseKind.AI_TRAINING:
                    out.append(f"{declared} without {use}, but {s.evidence} [{s.kind}]")
    return out


def assess_usage(signals: Sequence[Signal], profile: Profile | None) -> UsageAssessment:
    """Merge the inferred ``signals`` with the declared ``profile`` (None: none declared)."""
    signals = tuple(signals)
    inferred, confidence = infer_commercial(signals)
    uses = inferred_uses(signals)
    if profile is None:
        return UsageAssessment(inferred, uses, confidence, signals)
    if profile.uses:
        uses = tuple(profile.uses)
    settled = _declared(profile)
    warnings: list[str] = []
    if settled is None:
        if profile.legal_form is not None:
            warnings.append(
                f"declared legal form {profile.legal_form} with uses "
                f"[{_names(profile.uses)}] does not settle whether the use is commercial: "
                f"declare [use] commercial = true|false (inferred: {inferred})"
            )
        if profile.uses:
            warnings.extend(_contradictions(Commercial.UNKNOWN, "", profile, signals))
        return UsageAssessment(inferred, uses, confidence, signals, tuple(warnings))
    answer, fact = settled
    warnings.extend(_contradictions(answer, fact, profile, signals))
    return UsageAssessment(answer, uses, 1.0, signals, tuple(warnings), declared=True)
