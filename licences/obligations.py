"""The obligations engine: what each component's licence asks of this use, and why.

Pure and deterministic: components (id, licence expression, optional schedule), the usage
assessment, the optional declared profile, the report's period and a reference date in;
one :class:`Obligation` per (component, licence, kind) out, each with a reason that names
the licence clause and the facts it rests on.

How a licence is read
    Its terms (``licences/data/terms/<id>.toml``), or, when it has none, the default terms
    of its category (``licences/data/terms/defaults/<category>.toml``). A rule is
    *triggered* when one of the uses (``usage.uses``, mapped to the licence's words by
    :data:`USE_MAP`) is among its ``uses`` and its ``purpose`` matches the commercial
    answer; it *applies* when its ``applies_if`` facts hold; the user is *exempt* when every
    condition of one exemption holds. A fact nobody declared is unknown: a rule that
    depends on it is ``needs-declaration`` — never silently exempt.

Statuses
    ``owed`` (triggered, applies, no exemption), ``exempt`` (an exemption holds),
    ``not-triggered`` (the use or purpose does not trigger it, or it does not apply to
    this user), ``needs-declaration`` (a fact needed to decide is missing; the reason says
    which field to declare). When several rules of one licence give the same kind, the
    strongest status wins (owed > needs-declaration > exempt > not-triggered).

Money
    A commercial licence that the component's schedule prices becomes a
    ``reciprocity-payment`` with an amount (see :mod:`licences.schedule`); without a
    schedule it is ``commercial-licence-required`` with no amount and the licensor as
    payee. Amounts are non-negative integers of minor units; exempt and not-triggered
    money lines carry 0; ``needs-declaration`` carries none (unknown).

Expressions
    ``A AND B``: the obligations of both. ``A OR B``: the least burdensome option (by
    :func:`burden`), said in the reason. ``A WITH E``: those of A and of E.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from license_expression import AND, OR, LicenseSymbol, LicenseWithExceptionSymbol, Licensing

from licences.catalog import Catalog, Kind, Licence, load_catalog
from licences.categories import Category
from licences.errors import CatalogDataError, DataProblem
from licences.money import format_minor, prorate
from licences.period import Period
from licences.profile import Profile
from licences.schedule import Missing, Schedule, annual_price
from licences.terms import (
    Condition,
    Exemption,
    Fact,
    Op,
    Owed,
    Purpose,
    Rule,
    Terms,
    Use,
    load_default_terms,
)
from licences.usage import Commercial, UsageAssessment, UseKind

__all__ = [
    "OWED_KIND",
    "ComponentInput",
    "Obligation",
    "ObligationKind",
    "Status",
    "USE_MAP",
    "burden",
    "compute_obligations",
    "default_terms",
    "describe",
    "fails_policy",
    "totals",
    "usage_to_dict",
]


class ObligationKind(StrEnum):
    ATTRIBUTION = "attribution"
    SHARE_ALIKE = "share-alike"
    SOURCE_OFFER = "source-offer"
    RECIPROCITY_PAYMENT = "reciprocity-payment"
    COMMERCIAL_LICENCE_REQUIRED = "commercial-licence-required"
    CONTRIBUTE_BACK = "contribute-back"
    PROHIBITED = "prohibited"
    REVIEW = "review"


class Status(StrEnum):
    OWED = "owed"
    EXEMPT = "exempt"
    NOT_TRIGGERED = "not-triggered"
    NEEDS_DECLARATION = "needs-declaration"


MONEY_KINDS = frozenset(
    {ObligationKind.RECIPROCITY_PAYMENT, ObligationKind.COMMERCIAL_LICENCE_REQUIRED}
)
# What fails `--fail-on obligations` (owed or needs-declaration); `:all` adds the duties.
POLICY_KINDS = frozenset(
    {
        ObligationKind.RECIPROCITY_PAYMENT,
        ObligationKind.COMMERCIAL_LICENCE_REQUIRED,
        ObligationKind.PROHIBITED,
        ObligationKind.REVIEW,
    }
)
_FAILING = frozenset({Status.OWED, Status.NEEDS_DECLARATION})
_STATUS_STRENGTH = {
    Status.NOT_TRIGGERED: 0,
    Status.EXEMPT: 1,
    Status.NEEDS_DECLARATION: 2,
    Status.OWED: 3,
}
_KIND_ORDER = {k: n for n, k in enumerate(ObligationKind)}

# The profile's kinds of use, in the words licences use.
USE_MAP: dict[UseKind, frozenset[Use]] = {
    UseKind.DISTRIBUTION: frozenset(
        {Use.USE, Use.REPRODUCE, Use.DISTRIBUTE, Use.MODIFY, Use.DISTRIBUTE_ADAPTATION}
    ),
    UseKind.SAAS: frozenset({Use.USE, Use.REPRODUCE, Use.MODIFY, Use.NETWORK_SERVICE}),
    UseKind.INTERNAL: frozenset({Use.USE, Use.REPRODUCE, Use.MODIFY}),
    UseKind.AI_TRAINING: frozenset({Use.USE, Use.REPRODUCE, Use.MODIFY, Use.AI_TRAINING}),
    UseKind.RESEARCH: frozenset({Use.USE, Use.REPRODUCE, Use.MODIFY}),
    UseKind.PERSONAL: frozenset({Use.USE, Use.REPRODUCE, Use.MODIFY}),
}

OWED_KIND: dict[Owed, ObligationKind] = {
    Owed.ATTRIBUTION: ObligationKind.ATTRIBUTION,
    Owed.LICENCE_NOTICE: ObligationKind.ATTRIBUTION,
    Owed.NOTICE_OF_CHANGES: ObligationKind.ATTRIBUTION,
    Owed.SHARE_ALIKE: ObligationKind.SHARE_ALIKE,
    Owed.NO_ADDITIONAL_RESTRICTIONS: ObligationKind.ATTRIBUTION,  # pass the licence on as is
    Owed.SOURCE_OFFER: ObligationKind.SOURCE_OFFER,
    Owed.COMMERCIAL_LICENCE: ObligationKind.COMMERCIAL_LICENCE_REQUIRED,
    Owed.PAYMENT: ObligationKind.COMMERCIAL_LICENCE_REQUIRED,
    Owed.PROHIBITED: ObligationKind.PROHIBITED,
    Owed.CONTRIBUTE_BACK: ObligationKind.CONTRIBUTE_BACK,
    Owed.REVIEW: ObligationKind.REVIEW,
}

# Where each fact is declared, for "needs-declaration" reasons.
FACT_FIELD: dict[Fact, str] = {
    Fact.LEGAL_FORM: "organisation.legal_form",
    Fact.WORKER_OWNED: "organisation.worker_owned",
    Fact.SURPLUS_TO_WORKERS: "organisation.profits_to_workers",
    Fact.EMPLOYS_WAGE_LABOUR: "organisation.employs_wage_labour",
    Fact.PRIVATELY_OWNED: "organisation.privately_owned",
    Fact.MILITARY_OR_POLICE: "organisation.military_or_police",
    Fact.HEADCOUNT: "organisation.headcount",
    Fact.ANNUAL_REVENUE: "organisation.revenue",
    Fact.SECTOR: "organisation.sectors",
    Fact.MONTHLY_ACTIVE_USERS: "organisation.monthly_active_users",
    Fact.COMMERCIAL_USE_DAYS: "use.commercial_since",
    Fact.COMPETING_USE: "use.competing",
    Fact.MANAGED_SERVICE: "use.managed_service",
}
_FLAG_FIELD = {
    Fact.WORKER_OWNED: "worker_owned",
    Fact.SURPLUS_TO_WORKERS: "profits_to_workers",
    Fact.EMPLOYS_WAGE_LABOUR: "employs_wage_labour",
    Fact.PRIVATELY_OWNED: "privately_owned",
    Fact.MILITARY_OR_POLICE: "military_or_police",
}


# --- inputs and outputs ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ComponentInput:
    """What the engine needs of a component. ``names`` are the keys a profile's in-kind
    ``contributions.commits`` may use for it (purl, name, repository URL); ``commits`` is
    the number of commits by the organisation's people merged into it in the period, when
    measured (it overrides the profile's count)."""

    id: str
    licence: str  # a normalised SPDX expression, or NOASSERTION / NONE
    schedule: Schedule | None = None
    licensor: str | None = None  # who grants a commercial licence (copyright holder)
    names: tuple[str, ...] = ()
    commits: int | None = None


@dataclass(frozen=True, slots=True)
class Obligation:
    component_id: str
    licence: str
    kind: ObligationKind
    status: Status
    reason: str
    period: Period
    amount_minor: int | None = None
    currency: str | None = None
    payee: str | None = None
    clause: str | None = None  # "<licence> <ref>" of the clause it rests on

    def to_dict(self) -> dict[str, object]:
        return {
            "component_id": self.component_id,
            "licence": self.licence,
            "kind": str(self.kind),
            "status": str(self.status),
            "reason": self.reason,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "period": self.period.to_dict(),
            "payee": self.payee,
            "clause": self.clause,
        }


# --- default terms by category ------------------------------------------------------------


@cache
def _load_defaults() -> tuple[dict[str, Terms], list[DataProblem]]:
    return load_default_terms()


def default_terms_problems() -> list[DataProblem]:
    """Every problem in the packaged category defaults (empty when valid)."""
    return list(_load_defaults()[1])


def default_terms(category: Category) -> Terms | None:
    """The default terms of a category (None: the category owes nothing by default)."""
    terms, problems = _load_defaults()
    if problems:
        raise CatalogDataError(problems)
    return terms.get(category.value)


# --- facts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    usage: UsageAssessment
    profile: Profile | None
    period: Period
    reference: date
    uses: frozenset[Use]

    def fact(self, cond: Condition) -> object:
        """The value of a condition's fact, or None when unknown."""
        p = self.profile
        if p is None:
            return None
        f = cond.fact
        if f in _FLAG_FIELD:
            return p.flag(_FLAG_FIELD[f])
        if f is Fact.LEGAL_FORM:
            return p.legal_form.value if p.legal_form else None
        if f is Fact.SECTOR:
            sectors = p.all_sectors()
            return tuple(s.value for s in sectors) if sectors or p.legal_form else None
        if f is Fact.HEADCOUNT:
            return p.headcount
        if f is Fact.MONTHLY_ACTIVE_USERS:
            return p.monthly_active_users
        if f is Fact.ANNUAL_REVENUE:
            if p.revenue is None or cond.currency is None:
                return None
            money = p.revenue.in_currency(cond.currency)
            return money.amount_minor if money else None
        if f is Fact.COMMERCIAL_USE_DAYS:
            if p.commercial_since is None:
                return None
            end = min(self.period.stop, max(self.reference, self.period.start))
            return max(0, (end - p.commercial_since).days)
        if f is Fact.COMPETING_USE:
            return p.competing
        if f is Fact.MANAGED_SERVICE:
            return p.managed_service
        return None  # pragma: no cover - every fact is handled above


def _holds(cond: Condition, value: object) -> bool | None:
    """Whether ``cond`` holds for ``value`` (None when the value is unknown)."""
    if value is None:
        return None
    op, want = cond.op, cond.value
    if isinstance(value, tuple):  # a set-valued fact (sectors): any member matches
        wanted = set(want) if isinstance(want, tuple) else {want}
        hit = bool(wanted & set(value))
        return hit if op in (Op.EQ, Op.IN) else not hit
    if op is Op.EQ:
        return value == want
    if op is Op.NE:
        return value != want
    if op is Op.IN:
        return isinstance(want, tuple) and value in want
    if op is Op.NOT_IN:
        return isinstance(want, tuple) and value not in want
    if not isinstance(value, int) or not isinstance(want, int):
        return None
    return {
        Op.LT: value < want,
        Op.LE: value <= want,
        Op.GT: value > want,
        Op.GE: value >= want,
    }[op]


def _show(cond: Condition, value: object) -> str:
    name = cond.fact.value
    want = cond.value
    if cond.fact is Fact.ANNUAL_REVENUE and isinstance(want, int) and cond.currency:
        want_text = format_minor(want, cond.currency)
        found = format_minor(value, cond.currency) if isinstance(value, int) else "not declared"
    else:
        want_text = (
            "[" + ", ".join(want) + "]"
            if isinstance(want, tuple)
            else str(want).lower()
            if isinstance(want, bool)
            else str(want)
        )
        if value is None:
            found = "not declared"
        elif isinstance(value, tuple):
            found = "[" + ", ".join(value) + "]" if value else "none"
        else:
            found = str(value).lower() if isinstance(value, bool) else str(value)
    return f"{name} {cond.op.value} {want_text} (is {found})"


def _all(conds: Iterable[Condition], ctx: _Context) -> tuple[bool | None, list[str], list[str]]:
    """(all hold? None if unknown), the descriptions, the fields to declare."""
    state: bool | None = True
    shown: list[str] = []
    missing: list[str] = []
    for cond in conds:
        value = ctx.fact(cond)
        held = _holds(cond, value)
        shown.append(_show(cond, value))
        if held is False:
            state = False
        elif held is None:
            if state is True:
                state = None
            field_name = FACT_FIELD[cond.fact]
            if cond.fact is Fact.ANNUAL_REVENUE and cond.currency:
                field_name += f" (in {cond.currency}, or revenue.equivalents.{cond.currency})"
            missing.append(field_name)
    return state, shown, missing


# --- one rule ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Finding:
    kind: ObligationKind
    status: Status
    reason: str
    clause: str
    rule_id: str


def _clause(licence: str, ref: str) -> str:
    return f"{licence} {ref}" if ref else licence


def _quote(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 3]}..."'


def _uses_text(ctx: _Context) -> str:
    uses = ", ".join(u.value for u in ctx.usage.uses)
    return uses or "none declared or inferred"


def _commercial_text(ctx: _Context) -> str:
    how = "declared" if ctx.usage.declared else "inferred"
    return f"commercial use: {ctx.usage.commercial.value} ({how})"


def _evaluate_rule(
    licence_id: str, rule: Rule, ctx: _Context, default_for: str | None, via: str = ""
) -> list[_Finding]:
    if default_for is None:
        clause = _clause(licence_id, rule.clause.ref)
        cites = f"{clause} {_quote(rule.clause.quote)}"
    else:
        clause = f"{licence_id} ({default_for} default)"
        typical = rule.clause.ref.removeprefix("typical: ")
        cites = (
            f"{licence_id} has no terms of its own{via}: default for {default_for} "
            f"licences, typical wording {typical} {_quote(rule.clause.quote)}"
        )
    head = f"{rule.summary} ({cites})."
    missing: list[str] = []
    facts: list[str] = []
    # 1. does a use trigger it?
    use_state: bool | None
    if Use.ANY in rule.uses:  # any use at all: the component is there to be used
        use_state = True
    else:
        use_state = bool(ctx.uses & set(rule.uses)) if ctx.usage.uses else None
    if use_state is None:
        missing.append("use.kinds")
    facts.append(f"uses: {_uses_text(ctx)}")
    # 2. does the purpose match?
    purpose_state: bool | None = True
    if rule.purpose is not Purpose.ANY:
        facts.append(_commercial_text(ctx))
        commercial = ctx.usage.commercial
        if commercial is Commercial.UNKNOWN:
            purpose_state = None
            missing.append("use.commercial (or the facts that show it)")
        else:
            purpose_state = (commercial is Commercial.YES) == (rule.purpose is Purpose.COMMERCIAL)
    # 3. does it apply to this user?
    applies, applies_shown, applies_missing = _all(rule.applies_if, ctx)
    if rule.applies_if:
        facts.append("applies if " + " and ".join(applies_shown))
    kinds = _kinds(rule)

    def findings(status: Status, why: str) -> list[_Finding]:
        return [_Finding(k, status, f"{head} {why}", clause, rule.id) for k in kinds]

    if use_state is False:
        wanted = ", ".join(u.value for u in rule.uses)
        return findings(
            Status.NOT_TRIGGERED,
            f"Not triggered: the uses ({_uses_text(ctx)}) do not include {wanted}.",
        )
    if purpose_state is False:
        return findings(
            Status.NOT_TRIGGERED,
            f"Not triggered: the rule is about {rule.purpose.value} use and the "
            f"{_commercial_text(ctx)}.",
        )
    if applies is False:
        return findings(
            Status.NOT_TRIGGERED,
            "Does not apply to this user: " + "; ".join(applies_shown) + ".",
        )
    missing += applies_missing
    # 4. is the user exempt?
    unknown_exemptions: list[tuple[Exemption, list[str]]] = []
    refused: list[str] = []
    for ex in rule.exemptions:
        held, shown, ex_missing = _all(ex.when, ctx)
        ex_clause = _clause(licence_id, ex.clause.ref)
        if held is True:
            return findings(
                Status.EXEMPT,
                f"Exempt under {ex_clause} ({ex.id}): {ex.summary} Facts: "
                + "; ".join(shown)
                + ".",
            )
        if held is None:
            unknown_exemptions.append((ex, ex_missing))
        else:
            refused.append(f"{ex.id} ({ex_clause}) needs " + " and ".join(shown))
    for _, ex_missing in unknown_exemptions:
        missing += ex_missing
    if missing:
        fields = ", ".join(dict.fromkeys(missing))
        could = (
            " Could be exempt: " + ", ".join(ex.id for ex, _ in unknown_exemptions) + "."
            if unknown_exemptions
            else ""
        )
        return findings(
            Status.NEEDS_DECLARATION,
            f"Cannot decide without: {fields} (declare them in copyfair.toml).{could} "
            f"Known: {'; '.join(facts)}.",
        )
    why = "Owed: " + "; ".join(facts) + "."
    if refused:
        why += " Not exempt: " + "; ".join(refused) + "."
    return findings(Status.OWED, why)


def _kinds(rule: Rule) -> list[ObligationKind]:
    return list(dict.fromkeys(OWED_KIND[o] for o in rule.owes))


# --- one licence -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _LicenceResult:
    """The findings for one licence id, merged per kind (component-independent)."""

    licence: str
    by_kind: tuple[_Finding, ...]
    conversion: str | None = None


def _review(licence: str, why: str) -> _LicenceResult:
    return _LicenceResult(
        licence, (_Finding(ObligationKind.REVIEW, Status.OWED, why, licence, "review"),)
    )


def _evaluate_licence(
    licence_id: str, catalog: Catalog, ctx: _Context, exception_id: str | None = None
) -> _LicenceResult:
    """The findings of one licence id; ``exception_id`` is the exception it is used WITH
    (a linking or runtime exception turns a copyleft licence without terms of its own into
    the weaker category of the exception)."""
    upper = licence_id.upper()
    if upper in ("NOASSERTION", "NONE"):
        what = "could not be determined" if upper == "NOASSERTION" else "is declared as NONE"
        return _review(
            licence_id,
            f"The licence {what}: nothing may be assumed about what this use may do or owes. "
            "Find the licence (or ask the licensor) and review.",
        )
    base = licence_id[:-1] if licence_id.endswith("+") else licence_id
    licence: Licence | None = catalog.get(base)
    if licence is None:
        return _review(
            licence_id,
            f"{licence_id} is not in the licence catalog: its terms are unknown. Review the "
            "licence text.",
        )
    terms = licence.terms
    if terms is None and licence.kind is Kind.EXCEPTION:
        return _LicenceResult(licence.id, ())  # it acts through the licence it is added to
    category = licence.category
    exception = catalog.get(exception_id) if exception_id else None
    if (
        terms is None
        and exception is not None
        and exception.terms is None
        and category is Category.COPYLEFT
        and exception.category in (Category.WEAK_COPYLEFT, Category.PERMISSIVE)
    ):
        category = exception.category
    default_for = None if terms is not None else category.value
    via = ""
    if terms is None:
        terms = default_terms(category)
        if category is not licence.category and exception is not None:
            via = f" and {exception.id} makes it {category.value}"
    if terms is None:
        return _LicenceResult(licence.id, ())
    merged: dict[ObligationKind, _Finding] = {}
    for rule in terms.rules:
        for finding in _evaluate_rule(licence.id, rule, ctx, default_for, via):
            old = merged.get(finding.kind)
            if old is None or _STATUS_STRENGTH[finding.status] > _STATUS_STRENGTH[old.status]:
                merged[finding.kind] = finding
    conversion = None
    if terms.conversion is not None:
        c = terms.conversion
        conversion = (
            f"Each version becomes {c.licence} at the latest {c.after_years} year(s) after "
            f"its publication ({_clause(licence.id, c.clause.ref)}); older versions may "
            "already be free of this obligation."
        )
    ordered = tuple(sorted(merged.values(), key=lambda f: _KIND_ORDER[f.kind]))
    return _LicenceResult(licence.id, ordered, conversion)


# --- expressions -------------------------------------------------------------------------


@cache
def _licensing() -> Licensing:
    return Licensing()


@dataclass(frozen=True, slots=True)
class _Option:
    """One way to comply with an expression: the licence results it brings in."""

    results: tuple[_LicenceResult, ...]
    note: str = ""


_BURDEN = {
    ObligationKind.PROHIBITED: 10_000,
    ObligationKind.COMMERCIAL_LICENCE_REQUIRED: 1_000,
    ObligationKind.RECIPROCITY_PAYMENT: 1_000,
    ObligationKind.REVIEW: 300,
    ObligationKind.CONTRIBUTE_BACK: 100,
    ObligationKind.SOURCE_OFFER: 30,
    ObligationKind.SHARE_ALIKE: 20,
    ObligationKind.ATTRIBUTION: 1,
}


def burden(results: Iterable[_LicenceResult]) -> int:
    """How heavy an option is: owed lines count fully, needs-declaration lines most of it."""
    total = 0
    for result in results:
        for f in result.by_kind:
            if f.status is Status.OWED:
                total += _BURDEN[f.kind]
            elif f.status is Status.NEEDS_DECLARATION:
                total += _BURDEN[f.kind] * 9 // 10
    return total


def _options(node: Any, evaluate: Any) -> list[_Option]:
    if isinstance(node, LicenseWithExceptionSymbol):
        exception = node.exception_symbol.key
        return [_Option((evaluate(node.license_symbol.key, exception), evaluate(exception)))]
    if isinstance(node, LicenseSymbol):
        return [_Option((evaluate(node.key),))]
    if isinstance(node, OR):
        choices = [_combine(_options(arg, evaluate)) for arg in node.args]
        ranked = sorted(range(len(choices)), key=lambda i: (burden(choices[i].results), i))
        best = choices[ranked[0]]
        others = [" + ".join(r.licence for r in choices[i].results) for i in ranked[1:]]
        chosen = " + ".join(r.licence for r in best.results)
        note = (
            f"Chosen option of an OR: {chosen}, the least burdensome for this use "
            f"(instead of {', '.join(others)})."
        )
        return [_Option(best.results, (best.note + " " + note).strip())]
    if isinstance(node, AND):
        out: list[_Option] = []
        for arg in node.args:
            out += _options(arg, evaluate)
        return out
    raise ValueError(f"unsupported licence expression element {node!r}")


def _combine(options: list[_Option]) -> _Option:
    results: list[_LicenceResult] = []
    notes: list[str] = []
    for option in options:
        results += option.results
        if option.note:
            notes.append(option.note)
    return _Option(tuple(results), " ".join(notes))


def _resolve(expression: str, catalog: Catalog, ctx: _Context, cache_: dict[str, Any]) -> _Option:
    found = cache_.get(expression)
    if isinstance(found, _Option):
        return found

    def evaluate(key: str, exception: str | None = None) -> _LicenceResult:
        memo_key = f"\0{key}\0{exception or ''}"
        hit = cache_.get(memo_key)
        if not isinstance(hit, _LicenceResult):
            hit = _evaluate_licence(key, catalog, ctx, exception)
            cache_[memo_key] = hit
        return hit

    text = expression.strip()
    if not text or text.upper() in ("NOASSERTION", "NONE"):
        option = _Option((evaluate(text or "NOASSERTION"),))
    else:
        try:
            node = _licensing().parse(text, validate=False, strict=False)
        except Exception as exc:  # the library raises several unrelated types
            option = _Option(
                (_review(text, f"The licence expression {text!r} cannot be parsed ({exc})."),)
            )
        else:
            option = _combine(_options(node, evaluate)) if node is not None else _Option(())
    cache_[expression] = option
    return option


# --- money -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Money:
    kind: ObligationKind
    status: Status
    amount_minor: int | None
    currency: str | None
    payee: str | None
    note: str


def _commercial_window(profile: Profile | None, period: Period) -> Period | None:
    if profile is None or profile.commercial_since is None:
        return period
    if profile.commercial_since >= period.stop:
        return None
    return Period(max(period.start, profile.commercial_since), period.stop)


def _price(
    finding: _Finding,
    component: ComponentInput,
    licence: str,
    ctx: _Context,
) -> _Money:
    schedule = component.schedule
    licensor = component.licensor or "licensor"
    ask = component.licensor or "the licensor"
    status = finding.status
    if schedule is None or not schedule.prices(licence):
        amount = 0 if status in (Status.EXEMPT, Status.NOT_TRIGGERED) else None
        note = (
            ""
            if status is not Status.OWED
            else f" No reciprocity schedule prices this commons: ask {ask} for a "
            "commercial licence."
        )
        return _Money(
            ObligationKind.COMMERCIAL_LICENCE_REQUIRED, status, amount, None, licensor, note
        )
    rec = schedule.reciprocity
    if rec is None:
        amount = 0 if status in (Status.EXEMPT, Status.NOT_TRIGGERED) else None
        note = (
            f" {schedule.name} sets no price: ask {schedule.payee} for a commercial licence."
            if status is Status.OWED
            else ""
        )
        return _Money(
            ObligationKind.COMMERCIAL_LICENCE_REQUIRED, status, amount, None, schedule.payee, note
        )
    kind = ObligationKind.RECIPROCITY_PAYMENT
    cur = rec.currency
    if status in (Status.EXEMPT, Status.NOT_TRIGGERED):
        return _Money(kind, status, 0, cur, schedule.payee, "")
    if status is Status.NEEDS_DECLARATION:
        return _Money(kind, status, None, cur, schedule.payee, "")
    quote = annual_price(rec, ctx.profile)
    if isinstance(quote, Missing):
        return _Money(
            kind,
            Status.NEEDS_DECLARATION,
            None,
            cur,
            schedule.payee,
            f" Cannot price it: {quote.why}; declare {', '.join(quote.fields)}.",
        )
    window = _commercial_window(ctx.profile, ctx.period)
    if window is None:
        return _Money(
            kind,
            Status.NOT_TRIGGERED,
            0,
            cur,
            schedule.payee,
            " Commercial use starts after this period.",
        )
    annual = quote.annual.amount_minor
    due = prorate(annual, window.start, window.stop)
    note = f" {schedule.name} schedule ({schedule.source}): {quote.basis}"
    if window != Period.year(window.start.year):
        note += f"; pro-rated by days to {window}: {format_minor(due, cur)}"
    credit = 0
    if rec.in_kind is not None:
        commits = component.commits
        if commits is None and ctx.profile is not None:
            commits = ctx.profile.contributions.commits_for((component.id, *component.names))
        commits = commits or 0
        value = commits * rec.in_kind.value_per_commit.amount_minor
        limit = (
            prorate(rec.in_kind.cap_year.amount_minor, window.start, window.stop)
            if rec.in_kind.cap_year is not None
            else value
        )
        credit = min(value, limit, due)
        if commits:
            note += (
                f"; in-kind credit for {commits} merged commit(s) x "
                f"{rec.in_kind.value_per_commit}: -{format_minor(credit, cur)}"
            )
    amount = due - credit
    note += f"; due {format_minor(amount, cur)}."
    return _Money(kind, Status.OWED, amount, cur, schedule.payee, note)


# --- the engine --------------------------------------------------------------------------


def _uses(usage: UsageAssessment) -> frozenset[Use]:
    out: set[Use] = set()
    for kind in usage.uses:
        out |= USE_MAP[kind]
    return frozenset(out)


def _with_declared(usage: UsageAssessment, profile: Profile | None) -> UsageAssessment:
    """Fill what the assessment leaves open from the profile (normally already merged by
    the usage assessment): the uses when none are known, the commercial answer when it is
    unknown and the profile declares it."""
    if profile is None:
        return usage
    if not usage.uses and profile.uses:
        usage = replace(usage, uses=profile.uses)
    if usage.commercial is Commercial.UNKNOWN and profile.commercial is not None:
        answer = Commercial.YES if profile.commercial else Commercial.NO
        usage = replace(usage, commercial=answer, declared=True)
    return usage


def compute_obligations(
    components: Sequence[ComponentInput],
    usage: UsageAssessment,
    profile: Profile | None,
    period: Period,
    reference: date,
    *,
    catalog: Catalog | None = None,
) -> list[Obligation]:
    """One obligation per (component, licence, kind), in component order then licence
    order then kind order. Pure: same inputs, same output."""
    catalog = catalog if catalog is not None else load_catalog()
    usage = _with_declared(usage, profile)
    ctx = _Context(usage, profile, period, reference, _uses(usage))
    memo: dict[str, Any] = {}
    out: list[Obligation] = []
    for component in components:
        option = _resolve(component.licence, catalog, ctx, memo)
        seen: set[tuple[str, ObligationKind]] = set()
        for result in option.results:
            for finding in result.by_kind:
                kind, status = finding.kind, finding.status
                amount: int | None = None
                currency: str | None = None
                payee: str | None = None
                reason = finding.reason
                if kind in MONEY_KINDS:
                    money = _price(finding, component, result.licence, ctx)
                    kind, status = money.kind, money.status
                    amount, currency, payee = money.amount_minor, money.currency, money.payee
                    reason += money.note
                    if result.conversion and status is Status.OWED:
                        reason += " " + result.conversion
                if option.note:
                    reason += " " + option.note
                key = (result.licence, kind)
                if key in seen:
                    continue
                seen.add(key)
                out.append(
                    Obligation(
                        component_id=component.id,
                        licence=result.licence,
                        kind=kind,
                        status=status,
                        reason=reason,
                        period=period,
                        amount_minor=amount,
                        currency=currency,
                        payee=payee,
                        clause=finding.clause,
                    )
                )
    return out


def totals(obligations: Iterable[Obligation]) -> dict[str, int]:
    """The amount owed per currency: the sum of the owed lines (nothing else)."""
    out: dict[str, int] = {}
    for o in obligations:
        if o.status is Status.OWED and o.amount_minor is not None and o.currency is not None:
            out[o.currency] = out.get(o.currency, 0) + o.amount_minor
    return dict(sorted(out.items()))


def fails_policy(obligations: Iterable[Obligation], all_duties: bool = False) -> list[Obligation]:
    """The obligations that fail ``--fail-on obligations``: a reciprocity payment, a
    commercial licence, a prohibition or a review that is owed or needs declaration; with
    ``all_duties`` (``obligations:all``) also attribution, share-alike, source-offer and
    contribute-back duties. An empty list passes."""
    return [
        o for o in obligations if o.status in _FAILING and (all_duties or o.kind in POLICY_KINDS)
    ]


def summary_counts(obligations: Iterable[Obligation]) -> Mapping[str, int]:
    """How many lines of each status (for a report's summary)."""
    counts = {s.value: 0 for s in Status}
    for o in obligations:
        counts[o.status.value] += 1
    return counts


def describe(obligation: Obligation) -> str:
    """One line in plain words, for ``copyfair obligations`` and the policy failure list."""
    o = obligation
    amount = ""
    if o.amount_minor is not None and o.currency is not None:
        amount = f" {format_minor(o.amount_minor, o.currency)}"
    payee = f" to {o.payee}" if o.payee and o.status is Status.OWED else ""
    head = f"{o.component_id}: {o.licence}: {o.kind.value} {o.status.value}{amount}{payee}"
    return f"{head} — {o.reason}"


def usage_to_dict(usage: UsageAssessment, profile: Profile | None) -> dict[str, object]:
    """The report's top-level ``usage`` object: the assessment plus the declared profile
    (``null`` when none was given)."""
    out = usage.to_dict()
    out["profile"] = profile.to_dict() if profile is not None else None
    return out
