"""Licence policy for CI: which components make ``copyfair scan`` fail, and why.

Rules name a licence id (``licence:GPL-3.0-only`` or a bare ``GPL-3.0-only``) or a
category (``category:copyfair``, ``category:unknown``). A policy has ``deny`` rules
(``--fail-on`` adds to them) and ``allow`` rules:

- a licence id that matches an ``allow`` rule is accepted, whatever ``deny`` says;
- otherwise it fails when it matches a ``deny`` rule, or when ``allow`` rules exist and
  it matches none of them (an allow list is exhaustive);
- an expression is accepted when it can be satisfied: ``A OR B`` when A or B is
  accepted (the user may choose), ``A AND B`` when both are; ``A WITH E`` as A;
- ``NOASSERTION`` (or an id the catalog does not know) has category ``unknown``.

Policy files: ``[tool.copyfair]`` in ``pyproject.toml`` or ``[policy]`` in
``copyfair.toml``, with the keys ``fail-on``, ``deny`` and ``allow`` (lists of rules).
``--fail-on obligations`` is reserved for the obligations engine (issue 4).

Pure apart from :func:`load_policy`, which reads one TOML file.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from scanners.errors import ScannerError
from scanners.inventory.model import NOASSERTION, Component

RESERVED = frozenset({"obligations"})


class PolicyError(ScannerError):
    """A policy rule or policy file that cannot be understood."""


class RuleKind(StrEnum):
    LICENCE = "licence"
    CATEGORY = "category"


@dataclass(frozen=True, slots=True)
class Rule:
    kind: RuleKind
    value: str
    origin: str = "--fail-on"  # where the rule was written

    def __str__(self) -> str:
        return f"{self.kind}:{self.value}"


@dataclass(frozen=True, slots=True)
class Policy:
    deny: tuple[Rule, ...] = ()
    allow: tuple[Rule, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.deny and not self.allow

    def __add__(self, other: Policy) -> Policy:
        return Policy(self.deny + other.deny, self.allow + other.allow)


@dataclass(frozen=True, slots=True)
class Violation:
    component: Component
    reasons: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, object]:
        return {
            "component": self.component.id,
            "name": self.component.name,
            "version": self.component.version,
            "licence": self.component.licence,
            "reasons": list(self.reasons),
        }


_CATEGORIES = frozenset(
    {
        "copyfair",
        "noncommercial",
        "source-available",
        "copyleft",
        "weak-copyleft",
        "permissive",
        "public-domain",
        "proprietary",
        "ethical",
        "unknown",
    }
)


def parse_rule(text: str, origin: str = "--fail-on") -> Rule:
    """``category:X`` | ``licence:ID`` (also ``license:ID``) | a bare licence id."""
    raw = text.strip()
    if not raw:
        raise PolicyError(f"{origin}: empty rule")
    if raw.lower() in RESERVED:
        raise PolicyError(
            f"{origin}: {raw!r} is reserved for the obligations engine, which is not available yet"
        )
    prefix, sep, value = raw.partition(":")
    if not sep:
        return Rule(RuleKind.LICENCE, raw, origin)
    prefix = prefix.strip().lower()
    value = value.strip()
    if prefix == "category":
        if value not in _CATEGORIES:
            known = ", ".join(sorted(_CATEGORIES))
            raise PolicyError(f"{origin}: unknown category {value!r} (one of: {known})")
        return Rule(RuleKind.CATEGORY, value, origin)
    if prefix in ("licence", "license", "id"):
        if not value:
            raise PolicyError(f"{origin}: {raw!r} names no licence")
        return Rule(RuleKind.LICENCE, value, origin)
    if prefix == "licenseref" or raw.startswith(("LicenseRef-", "DocumentRef-")):
        return Rule(RuleKind.LICENCE, raw, origin)
    raise PolicyError(f"{origin}: {raw!r}: use category:NAME or licence:ID")


def parse_fail_on(specs: Iterable[str], origin: str = "--fail-on") -> Policy:
    """Deny rules from ``--fail-on`` values (each a comma-separated list)."""
    rules = [parse_rule(part, origin) for spec in specs for part in spec.split(",")]
    return Policy(deny=tuple(rules))


def _rules(value: object, origin: str) -> list[Rule]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{origin}: expected a list of rules (strings)")
    return [parse_rule(part, origin) for v in value for part in v.split(",")]


def policy_from_table(table: dict[str, object], origin: str) -> Policy:
    unknown = set(table) - {"fail-on", "fail_on", "deny", "allow"}
    if unknown:
        raise PolicyError(f"{origin}: unknown keys {sorted(unknown)} (use fail-on, deny, allow)")
    deny: list[Rule] = []
    for key in ("fail-on", "fail_on", "deny"):
        if key in table:
            deny += _rules(table[key], f"{origin} {key}")
    allow = _rules(table["allow"], f"{origin} allow") if "allow" in table else []
    return Policy(tuple(deny), tuple(allow))


def load_policy(directory: Path) -> tuple[Policy, str | None]:
    """The policy in ``directory``: ``copyfair.toml`` ``[policy]``, else ``pyproject.toml``
    ``[tool.copyfair]``; (empty policy, None) when neither has one. Raises PolicyError."""
    for name, keys in (("copyfair.toml", ("policy",)), ("pyproject.toml", ("tool", "copyfair"))):
        path = directory / name
        if not path.is_file():
            continue
        return load_policy_file(path, keys)
    return Policy(), None


def load_policy_file(path: Path, keys: Sequence[str] | None = None) -> tuple[Policy, str | None]:
    """The policy table of one TOML file (``keys`` default from its name)."""
    if keys is None:
        keys = ("tool", "copyfair") if path.name == "pyproject.toml" else ("policy",)
    try:
        data: object = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: invalid TOML: {exc}") from None
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return Policy(), None
        data = data[key]
    if not isinstance(data, dict):
        raise PolicyError(f"{path}: [{'.'.join(keys)}] must be a table")
    origin = f"{path.name} [{'.'.join(keys)}]"
    return policy_from_table(data, origin), str(path)


# --- evaluation -----------------------------------------------------------------------

CategoryOf = Callable[[str], str]  # licence id -> category


def _leaf(licence_id: str, policy: Policy, category_of: CategoryOf) -> str | None:
    """Why one licence id is refused, or None when it is accepted."""
    category = category_of(licence_id)

    def matches(rule: Rule) -> bool:
        if rule.kind is RuleKind.CATEGORY:
            return rule.value == category
        return rule.value.lower() == licence_id.lower()

    if any(matches(r) for r in policy.allow):
        return None
    denied = [r for r in policy.deny if matches(r)]
    if denied:
        rule = denied[0]
        return f"{licence_id} ({category}) matches {rule} (from {rule.origin})"
    if policy.allow:
        return f"{licence_id} ({category}) is not in the allow list"
    return None


def _evaluate(node: object, policy: Policy, category_of: CategoryOf) -> list[str]:
    """Reasons the expression tree ``node`` cannot be satisfied ([] when it can)."""
    from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol

    if isinstance(node, LicenseWithExceptionSymbol):
        return _evaluate(node.license_symbol, policy, category_of)
    if isinstance(node, LicenseSymbol):
        why = _leaf(str(node.key), policy, category_of)
        return [why] if why else []
    if isinstance(node, OR):
        options = [_evaluate(arg, policy, category_of) for arg in node.args]
        if any(not o for o in options):
            return []
        return [r for o in options for r in o]
    if isinstance(node, AND):
        return [r for arg in node.args for r in _evaluate(arg, policy, category_of)]
    return [f"cannot evaluate {node}"]


def check_component(
    component: Component, policy: Policy, category_of: CategoryOf
) -> Violation | None:
    if policy.empty:
        return None
    if component.licence == NOASSERTION:
        why = _leaf(NOASSERTION, policy, lambda _id: "unknown")
        if why is None:
            return None
        detail = f" ({component.licence_reason})" if component.licence_reason else ""
        return Violation(component, (f"licence unknown{detail}: {why}",))
    from license_expression import ExpressionError, Licensing

    try:
        tree = Licensing().parse(component.licence)
    except ExpressionError as exc:
        return Violation(component, (f"cannot parse licence {component.licence!r}: {exc}",))
    reasons = _evaluate(tree, policy, category_of)
    return Violation(component, tuple(dict.fromkeys(reasons))) if reasons else None


def evaluate(
    components: Iterable[Component], policy: Policy, category_of: CategoryOf
) -> list[Violation]:
    """Every component the policy refuses, with the reasons."""
    out: list[Violation] = []
    for component in components:
        violation = check_component(component, policy, category_of)
        if violation is not None:
            out.append(violation)
    return out


def catalog_category(licence_id: str) -> str:
    """The catalog's category of one licence id (``unknown`` when it does not know it)."""
    from scanners.inventory import licence_category

    return str(licence_category(licence_id))
