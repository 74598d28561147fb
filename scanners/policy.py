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
The words ``obligations`` and ``obligations:all`` (in ``--fail-on`` or ``fail-on``) are
not licence rules: they ask the obligations engine to fail the run
(:class:`ObligationsMode`): ``obligations`` when a reciprocity payment, a commercial
licence, a prohibition or a review is owed or needs declaration; ``obligations:all`` also
for duties (attribution, share-alike, source offer, contribute back).

Pure apart from :func:`load_policy`, which reads one TOML file.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from scanners.errors import ScannerError

if TYPE_CHECKING:
    from scanners.inventory.model import Component

RESERVED = frozenset({"obligations"})


class ObligationsMode(StrEnum):
    """What ``--fail-on obligations[:all]`` fails on (see the module doc)."""

    PAYMENTS = "obligations"
    ALL = "obligations:all"


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
    obligations: ObligationsMode | None = None  # --fail-on obligations[:all]

    @property
    def empty(self) -> bool:
        """No licence rule (``obligations`` is not one: see :attr:`obligations`)."""
        return not self.deny and not self.allow

    def __add__(self, other: Policy) -> Policy:
        modes = {self.obligations, other.obligations}
        mode = (
            ObligationsMode.ALL
            if ObligationsMode.ALL in modes
            else self.obligations or other.obligations
        )
        return Policy(self.deny + other.deny, self.allow + other.allow, mode)


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
    prefix, sep, value = raw.partition(":")
    if prefix.strip().lower() in RESERVED:
        raise PolicyError(f"{origin}: {raw!r}: use obligations or obligations:all")
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


def obligations_mode(text: str) -> ObligationsMode | None:
    """``obligations`` / ``obligations:all`` (any case, spaces around ``:``), else None."""
    prefix, sep, value = text.strip().partition(":")
    word = prefix.strip().lower() + (":" + value.strip().lower() if sep else "")
    try:
        return ObligationsMode(word)
    except ValueError:
        return None


def _policy_of(parts: Iterable[str], origin: str) -> Policy:
    """Deny rules and the obligations mode from rule texts."""
    policy = Policy()
    for part in parts:
        mode = obligations_mode(part)
        if mode is not None:
            policy = policy + Policy(obligations=mode)
        else:
            policy = policy + Policy(deny=(parse_rule(part, origin),))
    return policy


def parse_fail_on(specs: Iterable[str], origin: str = "--fail-on") -> Policy:
    """Deny rules (and ``obligations[:all]``) from ``--fail-on`` values (each a
    comma-separated list)."""
    return _policy_of((part for spec in specs for part in spec.split(",")), origin)


def _parts(value: object, origin: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PolicyError(f"{origin}: expected a list of rules (strings)")
    return [part for v in value for part in v.split(",")]


def _rules(value: object, origin: str) -> list[Rule]:
    return [parse_rule(part, origin) for part in _parts(value, origin)]


def policy_from_table(table: dict[str, object], origin: str) -> Policy:
    unknown = set(table) - {"fail-on", "fail_on", "deny", "allow"}
    if unknown:
        raise PolicyError(f"{origin}: unknown keys {sorted(unknown)} (use fail-on, deny, allow)")
    policy = Policy()
    for key in ("fail-on", "fail_on"):
        if key in table:
            policy = policy + _policy_of(_parts(table[key], f"{origin} {key}"), f"{origin} {key}")
    if "deny" in table:
        policy = policy + Policy(deny=tuple(_rules(table["deny"], f"{origin} deny")))
    allow = _rules(table["allow"], f"{origin} allow") if "allow" in table else []
    return policy + Policy(allow=tuple(allow))


_TOML_AT = re.compile(r"^(?P<message>.*?)\s*\(at line (?P<line>\d+), column (?P<column>\d+)\)\s*$")
_TOML_END = re.compile(r"^(?P<message>.*?)\s*\(at end of document\)\s*$")


def toml_error(exc: tomllib.TOMLDecodeError, text: str) -> tuple[str, int | None, int | None]:
    """(message, line, column) of a TOML syntax error (the end of the document gives its
    last line and column); line and column are None when the message has neither."""
    message = str(exc)
    at = _TOML_AT.match(message)
    if at:
        return at["message"], int(at["line"]), int(at["column"])
    end = _TOML_END.match(message)
    if end:
        return end["message"], text.count("\n") + 1, len(text) - text.rfind("\n")
    return message, None, None


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
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"{path}: cannot read: {exc}") from None
    try:
        data: object = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_error(exc, text)
        where = f"{path}:{line}:{column}" if line is not None else str(path)
        raise PolicyError(f"{where}: invalid TOML: {message}") from None
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
    from scanners.inventory.model import NOASSERTION

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
