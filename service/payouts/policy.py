"""A commons' payout policy: how its pool is shared and how its history is read (pure).

Stored per commons (``PUT /v1/commons/{id}/payouts/policy``); every key is optional and
defaults as below. Amounts are minor units; percentages and weights are decimal strings
or integers (never floats: ``"0.01"``, not ``0.01``).

==========================  ======================  =========================================
key                         default                 meaning
==========================  ======================  =========================================
``currency``                the reciprocity's, EUR  the pool's currency (ISO 4217)
``foundation_share_percent``  ``"0"``                 the foundation's infrastructure share
``method``                  ``proportional``        or ``quadratic`` (square root of score)
``cap_percent``             none                    per-person cap, % of what is shared
``min_payout_minor``        0                       below this, carried over to the next period
``half_life_days``          none                    decay of older contributions (all history)
``weights``                 commits 1, lines 0.01   ``{"commits", "changed_lines",
                                                    "surviving_lines"}``
``line_cap``                1000                    changed lines counted per commit at most
``aliases``                 ``{}``                  ``{"alias@email": "canonical@email"}``
``bots``                    ``[]``                  more bot patterns (fnmatch)
``branch``                  default branch          the branch to read instead
==========================  ======================  =========================================
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from licences.allocation import AllocationError, Method, Policy, Weights
from licences.money import MoneyError, exponent, to_decimal
from scanners.contributions.model import DEFAULT_LINE_CAP

__all__ = ["PayoutPolicy", "PolicyError", "PolicyProblem", "parse_payout_policy"]

DEFAULT_CURRENCY = "EUR"
_KEYS = {
    "currency",
    "foundation_share_percent",
    "method",
    "cap_percent",
    "min_payout_minor",
    "half_life_days",
    "weights",
    "line_cap",
    "aliases",
    "bots",
    "branch",
}
_WEIGHT_KEYS = {"commits", "changed_lines", "surviving_lines"}


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    field: str
    message: str


class PolicyError(ValueError):
    """Every problem of a policy, each naming its field."""

    def __init__(self, problems: list[PolicyProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in problems))


@dataclass(frozen=True, slots=True)
class PayoutPolicy:
    """The allocation policy plus how the commons' history is read."""

    currency: str = DEFAULT_CURRENCY
    allocation: Policy = field(default_factory=Policy)
    line_cap: int = DEFAULT_LINE_CAP
    aliases: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    bots: tuple[str, ...] = ()
    branch: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"currency": self.currency}
        data.update(self.allocation.to_dict())
        data.update(
            line_cap=self.line_cap,
            aliases=dict(self.aliases),
            bots=list(self.bots),
            branch=self.branch,
        )
        return data


def _decimal(raw: object, name: str, problems: list[PolicyProblem]) -> Decimal | None:
    if isinstance(raw, float):
        problems.append(PolicyProblem(name, f'write the number as a string, e.g. "{raw}"'))
        return None
    try:
        return to_decimal(raw)
    except MoneyError as exc:
        problems.append(PolicyProblem(name, str(exc)))
        return None


def parse_payout_policy(
    raw: Mapping[str, Any] | None, *, default_currency: str | None = None
) -> PayoutPolicy:
    """A :class:`PayoutPolicy` from stored or submitted JSON, or :class:`PolicyError`
    listing every problem with its field."""
    data = dict(raw or {})
    problems: list[PolicyProblem] = []
    for key in sorted(set(data) - _KEYS):
        problems.append(
            PolicyProblem(key, f"unknown key: expected one of {', '.join(sorted(_KEYS))}")
        )
    currency = data.get("currency", default_currency or DEFAULT_CURRENCY)
    if not isinstance(currency, str):
        problems.append(PolicyProblem("currency", "expected an ISO 4217 code such as EUR"))
        currency = DEFAULT_CURRENCY
    currency = currency.strip().upper()
    try:
        exponent(currency)
    except MoneyError as exc:
        problems.append(PolicyProblem("currency", str(exc)))
    share = _decimal(
        data.get("foundation_share_percent", "0"), "foundation_share_percent", problems
    )
    method_raw = data.get("method", Method.PROPORTIONAL.value)
    method = Method.PROPORTIONAL
    try:
        method = Method(method_raw)
    except ValueError:
        choices = ", ".join(m.value for m in Method)
        problems.append(PolicyProblem("method", f"expected one of {choices}, found {method_raw!r}"))
    cap = None
    if data.get("cap_percent") is not None:
        cap = _decimal(data["cap_percent"], "cap_percent", problems)
    half_life = None
    if data.get("half_life_days") is not None:
        half_life = _decimal(data["half_life_days"], "half_life_days", problems)
    minimum = data.get("min_payout_minor", 0)
    if isinstance(minimum, bool) or not isinstance(minimum, int) or minimum < 0:
        problems.append(
            PolicyProblem(
                "min_payout_minor", f"expected an integer >= 0 (minor units), found {minimum!r}"
            )
        )
        minimum = 0
    weights = Weights()
    raw_weights = data.get("weights", {})
    if not isinstance(raw_weights, Mapping):
        problems.append(PolicyProblem("weights", "expected an object of measure: weight"))
    else:
        values: dict[str, Decimal] = {}
        for key, value in raw_weights.items():
            if key not in _WEIGHT_KEYS:
                problems.append(
                    PolicyProblem(
                        f"weights.{key}",
                        f"unknown measure: expected one of {', '.join(sorted(_WEIGHT_KEYS))}",
                    )
                )
                continue
            found = _decimal(value, f"weights.{key}", problems)
            if found is not None:
                values[key] = found
        try:
            weights = Weights(**values)
        except AllocationError as exc:
            problems.append(PolicyProblem("weights", str(exc)))
    line_cap = data.get("line_cap", DEFAULT_LINE_CAP)
    if isinstance(line_cap, bool) or not isinstance(line_cap, int) or line_cap < 1:
        problems.append(PolicyProblem("line_cap", f"expected an integer >= 1, found {line_cap!r}"))
        line_cap = DEFAULT_LINE_CAP
    aliases = data.get("aliases", {})
    if not isinstance(aliases, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) and k.strip() and v.strip()
        for k, v in aliases.items()
    ):
        problems.append(
            PolicyProblem("aliases", 'expected {"alias@email": "canonical@email", ...}')
        )
        aliases = {}
    bots = data.get("bots", [])
    if not isinstance(bots, list) or not all(isinstance(b, str) and b.strip() for b in bots):
        problems.append(PolicyProblem("bots", 'expected a list of patterns, e.g. ["ci-*"]'))
        bots = []
    branch = data.get("branch")
    if branch is not None and (not isinstance(branch, str) or not branch.strip()):
        problems.append(PolicyProblem("branch", "expected a branch name or null"))
        branch = None
    for name, value, low in (
        ("foundation_share_percent", share, Decimal(0)),
        ("cap_percent", cap, None),
    ):
        if value is not None and not (
            (value >= low if low is not None else value > 0) and value <= 100
        ):
            bound = "from 0 to 100" if low is not None else "above 0, at most 100"
            problems.append(PolicyProblem(name, f"expected a percentage {bound}, found {value}"))
    if half_life is not None and half_life <= 0:
        problems.append(PolicyProblem("half_life_days", f"expected days > 0, found {half_life}"))
    allocation = Policy()
    if not problems:
        try:
            allocation = Policy(
                foundation_share=share if share is not None else Decimal(0),
                method=method,
                cap_percent=cap,
                min_payout_minor=minimum,
                half_life_days=half_life,
                weights=weights,
            )
        except AllocationError as exc:
            problems.append(PolicyProblem("policy", str(exc)))
    if problems:
        raise PolicyError(problems)
    return PayoutPolicy(
        currency=currency,
        allocation=allocation,
        line_cap=line_cap,
        aliases=MappingProxyType({k.strip(): v.strip() for k, v in aliases.items()}),
        bots=tuple(b.strip() for b in bots),
        branch=branch.strip() if branch else None,
    )
