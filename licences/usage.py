"""How components are used: the result of usage assessment, as plain data.

Produced by ``scanners.usage`` (inferred signals) merged with the declared entity
profile; consumed by the pure obligations engine. Kept here, in the lowest layer, so
that both sides share one definition.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class UseKind(StrEnum):
    """The ways an organisation uses a component (the profile's ``[use] kinds``)."""

    DISTRIBUTION = "distribution"
    SAAS = "saas"
    INTERNAL = "internal"
    AI_TRAINING = "ai-training"
    RESEARCH = "research"
    PERSONAL = "personal"


class Commercial(StrEnum):
    """Whether the use is commercial: ``unknown`` is an answer, never a silent ``no``."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Signal:
    """One inferred hint about the use, with its weight and where it was seen.

    ``weight`` is in [-1, 1]: positive points to commercial use, negative away from it.
    ``evidence`` says where (``path:line``, a commit, a dependency) in plain words.
    ``use`` is set when the signal also suggests a kind of use (e.g. a Helm chart → saas).
    """

    kind: str
    weight: float
    evidence: str
    use: UseKind | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "kind": self.kind,
            "weight": round(self.weight, 3),
            "evidence": self.evidence,
        }
        if self.use is not None:
            out["use"] = str(self.use)
        return out


@dataclass(frozen=True, slots=True)
class UsageAssessment:
    """The answer to "is this use commercial, and which uses?", with the reasons."""

    commercial: Commercial
    uses: tuple[UseKind, ...]
    confidence: float  # in [0, 1]
    signals: tuple[Signal, ...] = ()
    warnings: tuple[str, ...] = ()  # contradictions between declared and inferred facts
    declared: bool = False  # True when the commercial answer comes from a declared profile

    def to_dict(self) -> dict[str, object]:
        return {
            "commercial": str(self.commercial),
            "uses": [str(u) for u in self.uses],
            "confidence": round(self.confidence, 3),
            "declared": self.declared,
            "signals": [s.to_dict() for s in self.signals],
            "warnings": list(self.warnings),
        }
