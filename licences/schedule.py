"""A commons' reciprocity schedule: who collects, and what commercial use costs.

Set by the commons' for-benefit foundation and shipped in the component (``[commons]`` of
its ``copyfair.toml`` / ``COPYFAIR.toml``) or held by the service. The reading is done by
the scanners / service layers; this module checks and converts the mapping (every problem
at once, :class:`ScheduleError`) and prices a year of commercial use for a profile.

Format::

    [commons]
    name = "Geo Commons Library"
    payee = "geo-commons-foundation"        # id of the foundation that collects (required)
    payee_name = "Geo Commons Foundation"   # optional display name
    url = "https://geo-commons.example/reciprocity"   # optional
    licences = ["PPL"]                      # optional: the licences this schedule prices

    [commons.reciprocity]
    model = "per-developer"                 # per-developer | revenue-share | flat | tiered
    currency = "EUR"
    amount_per_developer_year = 2000        # per-developer (major units, decimals allowed)
    # revenue_share_percent = "0.5"         # revenue-share, of the declared annual revenue
    # flat_amount_year = 10000              # flat
    # tiers = [{ max_revenue = 1000000, amount_year = 1000 }, { amount_year = 20000 }]
    #         or by headcount: [{ max_headcount = 10, amount_year = 500 }, ...]
    minimum_year = 500
    cap_year = 50000

    [commons.reciprocity.in_kind]           # credits for commits merged into the commons
    value_per_commit = 100                  # by the organisation's people
    cap_year = 5000                         # at most this much credit per year

Pricing order (stated in every reason): the model's annual amount, then ``minimum_year``
and ``cap_year``; pro-rated to the period by days (:func:`licences.money.prorate`); then
in-kind credits (commits in the period x value, at most the pro-rated credit cap and never
more than what is due). Amounts never go below zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from licences.money import Money, apply_rate, format_minor
from licences.profile import DeclarationError, FieldReader, Profile

__all__ = [
    "InKindCredit",
    "Missing",
    "Model",
    "Quote",
    "Reciprocity",
    "Schedule",
    "ScheduleError",
    "Tier",
    "TierBasis",
    "annual_price",
    "has_schedule",
    "parse_schedule",
]


class ScheduleError(DeclarationError):
    what = "reciprocity schedule"


class Model(StrEnum):
    PER_DEVELOPER = "per-developer"
    REVENUE_SHARE = "revenue-share"
    FLAT = "flat"
    TIERED = "tiered"


class TierBasis(StrEnum):
    REVENUE = "revenue"
    HEADCOUNT = "headcount"


@dataclass(frozen=True, slots=True)
class Tier:
    """Applies when the basis is at most ``up_to`` (minor units of revenue, or people);
    ``up_to`` None is the last, open tier."""

    up_to: int | None
    amount_year: Money


@dataclass(frozen=True, slots=True)
class InKindCredit:
    value_per_commit: Money
    cap_year: Money | None = None


@dataclass(frozen=True, slots=True)
class Reciprocity:
    model: Model
    currency: str
    amount_per_developer_year: Money | None = None
    revenue_share_percent: Decimal | None = None
    flat_amount_year: Money | None = None
    tiers: tuple[Tier, ...] = ()
    tier_basis: TierBasis | None = None
    minimum_year: Money | None = None
    cap_year: Money | None = None
    in_kind: InKindCredit | None = None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"model": str(self.model), "currency": self.currency}
        if self.amount_per_developer_year:
            out["amount_per_developer_year_minor"] = self.amount_per_developer_year.amount_minor
        if self.revenue_share_percent is not None:
            out["revenue_share_percent"] = str(self.revenue_share_percent)
        if self.flat_amount_year:
            out["flat_amount_year_minor"] = self.flat_amount_year.amount_minor
        if self.tiers:
            out["tier_basis"] = str(self.tier_basis)
            out["tiers"] = [
                {"up_to": t.up_to, "amount_year_minor": t.amount_year.amount_minor}
                for t in self.tiers
            ]
        if self.minimum_year:
            out["minimum_year_minor"] = self.minimum_year.amount_minor
        if self.cap_year:
            out["cap_year_minor"] = self.cap_year.amount_minor
        if self.in_kind:
            out["in_kind"] = {
                "value_per_commit_minor": self.in_kind.value_per_commit.amount_minor,
                "cap_year_minor": self.in_kind.cap_year.amount_minor
                if self.in_kind.cap_year
                else None,
            }
        return out


@dataclass(frozen=True, slots=True)
class Schedule:
    name: str
    payee: str
    source: str = "copyfair.toml"
    payee_name: str | None = None
    url: str | None = None
    licences: tuple[str, ...] = ()  # empty: prices every licence of the component
    reciprocity: Reciprocity | None = None  # None: no price set (a licence is still needed)

    def prices(self, licence: str) -> bool:
        return not self.licences or licence.lower() in {x.lower() for x in self.licences}

    def to_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "payee": self.payee,
            "payee_name": self.payee_name,
            "url": self.url,
            "licences": list(self.licences),
            "reciprocity": self.reciprocity.to_dict() if self.reciprocity else None,
            "source": self.source,
        }


# --- reading -----------------------------------------------------------------------------

_COMMONS_KEYS = {"name", "payee", "payee_name", "url", "licences", "reciprocity"}
_REC_KEYS = {
    "model",
    "currency",
    "amount_per_developer_year",
    "revenue_share_percent",
    "flat_amount_year",
    "tiers",
    "minimum_year",
    "cap_year",
    "in_kind",
}
_MODEL_KEY = {
    Model.PER_DEVELOPER: "amount_per_developer_year",
    Model.REVENUE_SHARE: "revenue_share_percent",
    Model.FLAT: "flat_amount_year",
    Model.TIERED: "tiers",
}


def has_schedule(data: Mapping[str, Any]) -> bool:
    """Whether a ``copyfair.toml`` mapping carries a ``[commons]`` table."""
    return "commons" in data


def _tiers(
    r: FieldReader, rec: Mapping[str, Any], currency: str | None, path: str
) -> tuple[tuple[Tier, ...], TierBasis | None]:
    raw = rec.get("tiers")
    where = f"{path}.tiers"
    example = "[{ max_revenue = 1000000, amount_year = 1000 }, { amount_year = 20000 }]"
    if not isinstance(raw, list) or not raw:
        r.problem(where, "a non-empty array of tiers", raw, f"write tiers = {example}")
        return (), None
    tiers: list[Tier] = []
    bases: set[TierBasis] = set()
    previous: int | None = None
    for n, item in enumerate(raw):
        at = f"{where}[{n}]"
        if not isinstance(item, dict):
            r.problem(at, "a table { max_revenue|max_headcount = ..., amount_year = ... }", item)
            continue
        r.keys(item, at, {"max_revenue", "max_headcount", "amount_year"}, ("amount_year",))
        amount = r.money(item, "amount_year", currency, at)
        up_to: int | None = None
        if "max_revenue" in item and "max_headcount" in item:
            r.problem(at, "max_revenue or max_headcount, not both", "<both>")
        elif "max_revenue" in item:
            bases.add(TierBasis.REVENUE)
            money = r.money(item, "max_revenue", currency, at)
            up_to = money.amount_minor if money else None
        elif "max_headcount" in item:
            bases.add(TierBasis.HEADCOUNT)
            up_to = r.count(item, "max_headcount", at)
        last = n == len(raw) - 1
        has_limit = "max_revenue" in item or "max_headcount" in item
        if not has_limit and not last:
            r.problem(
                at,
                "a limit (max_revenue or max_headcount): only the last tier is open",
                "<no limit>",
            )
        if up_to is not None and previous is not None and up_to <= previous:
            r.problem(at, f"a limit above the previous tier's ({previous})", up_to)
        if has_limit and last:
            r.problem(
                at,
                "no limit on the last tier (it covers everything above)",
                up_to,
                "add a last tier with only amount_year",
            )
        if up_to is not None:
            previous = up_to
        if amount is not None:
            tiers.append(Tier(up_to, amount))
    if len(bases) > 1:
        r.problem(where, "tiers all by revenue or all by headcount", "<both kinds of limit>")
    basis = next(iter(bases)) if len(bases) == 1 else TierBasis.REVENUE
    return tuple(tiers), basis


def _reciprocity(r: FieldReader, raw: object, path: str) -> Reciprocity | None:
    if not isinstance(raw, dict):
        r.problem(path, "a table", raw, f"write [{path}]")
        return None
    r.keys(raw, path, _REC_KEYS, ("model", "currency"))
    model = r.choice(raw, "model", path, Model)
    currency = r.currency(raw, "currency", path)
    for m, key in _MODEL_KEY.items():
        if model is not None and m is not model and key in raw:
            r.problem(
                f"{path}.{key}",
                f"no {key} with model {model.value!r}",
                raw[key],
                f"remove it or set model = {m.value!r}",
            )
    if model is not None and _MODEL_KEY[model] not in raw:
        r.problem(
            f"{path}.{_MODEL_KEY[model]}",
            f"a value (required by model {model.value!r})",
            "<missing>",
        )
    per_dev = r.money(raw, "amount_per_developer_year", currency, path)
    flat = r.money(raw, "flat_amount_year", currency, path)
    percent = r.decimal(raw, "revenue_share_percent", path)
    if percent is not None and percent > 100:
        r.problem(f"{path}.revenue_share_percent", "a percentage between 0 and 100", percent)
    tiers: tuple[Tier, ...] = ()
    basis: TierBasis | None = None
    if model is Model.TIERED and "tiers" in raw:
        tiers, basis = _tiers(r, raw, currency, path)
    minimum = r.money(raw, "minimum_year", currency, path)
    cap = r.money(raw, "cap_year", currency, path)
    if minimum and cap and minimum.amount_minor > cap.amount_minor:
        r.problem(f"{path}.minimum_year", f"at most cap_year ({cap})", str(minimum))
    in_kind: InKindCredit | None = None
    if "in_kind" in raw:
        ik_path = f"{path}.in_kind"
        ik = raw["in_kind"]
        if not isinstance(ik, dict):
            r.problem(ik_path, "a table { value_per_commit = ..., cap_year = ... }", ik)
        else:
            r.keys(ik, ik_path, {"value_per_commit", "cap_year"}, ("value_per_commit",))
            value = r.money(ik, "value_per_commit", currency, ik_path)
            ik_cap = r.money(ik, "cap_year", currency, ik_path)
            if value is not None:
                in_kind = InKindCredit(value, ik_cap)
    if model is None or currency is None:
        return None
    return Reciprocity(
        model=model,
        currency=currency,
        amount_per_developer_year=per_dev,
        revenue_share_percent=percent,
        flat_amount_year=flat,
        tiers=tiers,
        tier_basis=basis,
        minimum_year=minimum,
        cap_year=cap,
        in_kind=in_kind,
    )


def parse_schedule(data: Mapping[str, Any], source: str = "copyfair.toml") -> Schedule:
    """Check and convert the ``[commons]`` table of a ``copyfair.toml`` mapping.

    Raises :class:`ScheduleError` listing every problem found."""
    r = FieldReader(source)
    commons = data.get("commons")
    if not isinstance(commons, dict):
        r.problem("commons", "a [commons] table", commons if "commons" in data else "<missing>")
        raise ScheduleError(r.problems)
    path = "commons"
    r.keys(commons, path, _COMMONS_KEYS, ("name", "payee"))
    name = r.text(commons, "name", path)
    payee = r.text(commons, "payee", path)
    reciprocity = (
        _reciprocity(r, commons["reciprocity"], f"{path}.reciprocity")
        if "reciprocity" in commons
        else None
    )
    schedule = Schedule(
        name=name or "",
        payee=payee or "",
        source=source,
        payee_name=r.text(commons, "payee_name", path),
        url=r.text(commons, "url", path),
        licences=r.strings(commons, "licences", path),
        reciprocity=reciprocity,
    )
    if r.problems:
        raise ScheduleError(r.problems)
    return schedule


# --- pricing -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Quote:
    """A year of commercial use, priced: ``annual`` after minimum and cap, with the words
    that explain it (``basis``)."""

    annual: Money
    basis: str


@dataclass(frozen=True, slots=True)
class Missing:
    """The price cannot be computed: which profile fields must be declared, and why."""

    fields: tuple[str, ...]
    why: str


def _money(amount_minor: int, currency: str) -> str:
    return format_minor(amount_minor, currency)


def _revenue_in(profile: Profile | None, currency: str) -> Money | None:
    if profile is None or profile.revenue is None:
        return None
    return profile.revenue.in_currency(currency)


def annual_price(rec: Reciprocity, profile: Profile | None) -> Quote | Missing:
    """The annual amount ``rec`` charges the organisation of ``profile`` (before pro-rating
    and in-kind credits), or what is missing to compute it."""
    cur = rec.currency
    gross: int
    basis: str
    if rec.model is Model.FLAT:
        assert rec.flat_amount_year is not None
        gross = rec.flat_amount_year.amount_minor
        basis = f"flat fee of {rec.flat_amount_year} a year"
    elif rec.model is Model.PER_DEVELOPER:
        assert rec.amount_per_developer_year is not None
        if profile is None or profile.developers is None:
            return Missing(
                ("organisation.developers",),
                "the schedule charges per developer and the number of developers is not declared",
            )
        gross = rec.amount_per_developer_year.amount_minor * profile.developers
        basis = f"{profile.developers} developer(s) x {rec.amount_per_developer_year} a year"
    elif rec.model is Model.REVENUE_SHARE:
        assert rec.revenue_share_percent is not None
        revenue = _revenue_in(profile, cur)
        if revenue is None:
            return Missing(
                ("organisation.revenue",),
                f"the schedule charges a share of revenue and no annual revenue in {cur} is "
                f"declared (declare it, or add equivalents = {{ {cur} = ... }})",
            )
        gross = apply_rate(revenue.amount_minor, Fraction(rec.revenue_share_percent) / 100)
        basis = (
            f"{rec.revenue_share_percent}% of declared annual revenue {revenue} "
            "(rounded half to even)"
        )
    else:
        if rec.tier_basis is TierBasis.HEADCOUNT:
            if profile is None or profile.headcount is None:
                return Missing(
                    ("organisation.headcount",),
                    "the schedule's tiers are by headcount and the headcount is not declared",
                )
            measure = profile.headcount
            shown = f"headcount {measure}"
        else:
            revenue = _revenue_in(profile, cur)
            if revenue is None:
                return Missing(
                    ("organisation.revenue",),
                    f"the schedule's tiers are by revenue and no annual revenue in {cur} is "
                    "declared",
                )
            measure = revenue.amount_minor
            shown = f"annual revenue {revenue}"
        tier = next(t for t in rec.tiers if t.up_to is None or measure <= t.up_to)
        gross = tier.amount_year.amount_minor
        limit = (
            "the open top tier"
            if tier.up_to is None
            else "the tier up to "
            + (
                _money(tier.up_to, cur)
                if rec.tier_basis is not TierBasis.HEADCOUNT
                else f"{tier.up_to} people"
            )
        )
        basis = f"{shown} falls in {limit}: {tier.amount_year} a year"
    annual = gross
    if rec.minimum_year is not None and annual < rec.minimum_year.amount_minor:
        annual = rec.minimum_year.amount_minor
        basis += f", raised to the minimum of {rec.minimum_year}"
    if rec.cap_year is not None and annual > rec.cap_year.amount_minor:
        annual = rec.cap_year.amount_minor
        basis += f", capped at {rec.cap_year}"
    return Quote(Money(annual, cur), basis)
