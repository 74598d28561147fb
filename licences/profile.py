"""The declared entity profile: who uses the components, and how.

Read from ``copyfair.toml`` at the scanned root (or ``--profile FILE``); the reading is
done by the service layer, this module checks and converts the mapping that ``tomllib``
returns. Every problem is reported at once (:class:`ProfileError`), each with the field
path, what was expected, what was found and how to fix it.

Format (every key optional unless noted; unknown keys are errors)::

    [organisation]
    name = "Acme Analytics GmbH"
    legal_form = "for-profit"      # see LegalForm
    worker_owned = false           # owned and operated by its workers (default from legal_form)
    profits_to_workers = false     # all surplus goes to the worker-owners
                                   # (alias: surplus_to_workers)
    employs_wage_labour = true     # profits from the labour of waged employees
    privately_owned = true
    military_or_police = false     # military or law enforcement, or working for them
    sectors = ["public-research"]  # see Sector: what PolyForm Noncommercial exempts
    headcount = 250                # employees + independent contractors, affiliates included
    developers = 40                # people who write software (per-developer pricing)
    revenue = { amount = 12000000, currency = "EUR", year = 2025, equivalents = { USD = 13000000 } }
    monthly_active_users = 40000
    domains = ["acme.example"]     # email domains of its people
    affiliates = ["Acme Holding AG"]  # counted in headcount and revenue

    [use]
    kinds = ["saas", "distribution"]  # see licences.usage.UseKind
    commercial = true              # the use is commercial (else inferred)
    commercial_since = 2026-01-15  # start of commercial use (trials)
    competing = false              # the product competes with a component's licensor
    managed_service = false        # offers a component itself as a hosted/managed service

    [contributions]                # in-kind contributions to commons
    repositories = ["https://github.com/geo/geo-commons"]
    domains = ["acme.example"]     # defaults to organisation.domains
    commits = [{ component = "pkg:pypi/geo-commons", count = 12 }]  # merged commits
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeVar

from licences.errors import LicenceError
from licences.money import Money, MoneyError, is_currency, to_minor
from licences.terms import LegalForm, Sector
from licences.usage import UseKind

__all__ = [
    "CommitCredit",
    "Contributions",
    "DeclarationError",
    "FieldProblem",
    "FieldReader",
    "LegalForm",
    "Profile",
    "ProfileError",
    "Revenue",
    "Sector",
    "parse_profile",
]


# What a legal form implies when the profile does not say (None = cannot be implied).
_FORM_DEFAULTS: dict[LegalForm, dict[str, bool | None]] = {
    LegalForm.FOR_PROFIT: {
        "worker_owned": False,
        "profits_to_workers": False,
        "employs_wage_labour": True,
        "privately_owned": True,
    },
    LegalForm.COMPANY: {
        "worker_owned": False,
        "profits_to_workers": False,
        "employs_wage_labour": True,
        "privately_owned": True,
    },
    LegalForm.WORKER_COOPERATIVE: {
        "worker_owned": True,
        "employs_wage_labour": False,
        "privately_owned": True,
    },
    LegalForm.COOPERATIVE: {"privately_owned": True},
    LegalForm.COLLECTIVE: {},
    LegalForm.SOLE_TRADER: {"privately_owned": True},
    LegalForm.PARTNERSHIP: {"privately_owned": True},
    LegalForm.NON_PROFIT: {
        "worker_owned": False,
        "employs_wage_labour": False,
        "privately_owned": False,
    },
    LegalForm.CHARITY: {
        "worker_owned": False,
        "employs_wage_labour": False,
        "privately_owned": False,
    },
    LegalForm.EDUCATIONAL: {"worker_owned": False, "employs_wage_labour": False},
    LegalForm.PUBLIC_BODY: {
        "worker_owned": False,
        "employs_wage_labour": False,
        "privately_owned": False,
    },
    LegalForm.INDIVIDUAL: {
        "worker_owned": True,
        "profits_to_workers": True,
        "employs_wage_labour": False,
        "privately_owned": False,
    },
}  # fmt: skip

_FORM_SECTORS: dict[LegalForm, Sector] = {
    LegalForm.CHARITY: Sector.CHARITABLE,
    LegalForm.EDUCATIONAL: Sector.EDUCATIONAL,
    LegalForm.PUBLIC_BODY: Sector.GOVERNMENT,
}

FLAGS = (
    "worker_owned",
    "profits_to_workers",
    "employs_wage_labour",
    "privately_owned",
    "military_or_police",
)


@dataclass(frozen=True, slots=True)
class Revenue:
    """Annual revenue (affiliates included) in one currency, with optional equivalents in
    other currencies (for thresholds written in another currency, e.g. USD 1,000,000)."""

    amount: Money
    year: int | None = None
    equivalents: tuple[Money, ...] = ()

    def in_currency(self, currency: str) -> Money | None:
        """The revenue in ``currency`` if declared in it (never converted by us)."""
        for money in (self.amount, *self.equivalents):
            if money.currency == currency:
                return money
        return None

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {**self.amount.to_dict(), "year": self.year}
        if self.equivalents:
            out["equivalents"] = {m.currency: m.amount_minor for m in self.equivalents}
        return out


@dataclass(frozen=True, slots=True)
class CommitCredit:
    """Commits by the organisation's people merged into a component's commons."""

    component: str  # a component id, purl, name or repository URL
    count: int

    def to_dict(self) -> dict[str, object]:
        return {"component": self.component, "count": self.count}


@dataclass(frozen=True, slots=True)
class Contributions:
    repositories: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    commits: tuple[CommitCredit, ...] = ()

    def commits_for(self, keys: Iterable[str]) -> int:
        wanted = {k.lower() for k in keys if k}
        return sum(c.count for c in self.commits if c.component.lower() in wanted)

    def to_dict(self) -> dict[str, object]:
        return {
            "repositories": list(self.repositories),
            "domains": list(self.domains),
            "commits": [c.to_dict() for c in self.commits],
        }


@dataclass(frozen=True, slots=True)
class Profile:
    """The declared facts about the using organisation. ``None`` means not declared (an
    unknown, never a silent default); :meth:`flag` adds what the legal form implies."""

    source: str = "profile"
    name: str | None = None
    legal_form: LegalForm | None = None
    worker_owned: bool | None = None
    profits_to_workers: bool | None = None
    employs_wage_labour: bool | None = None
    privately_owned: bool | None = None
    military_or_police: bool | None = None
    sectors: tuple[Sector, ...] = ()
    headcount: int | None = None
    developers: int | None = None
    revenue: Revenue | None = None
    monthly_active_users: int | None = None
    domains: tuple[str, ...] = ()
    affiliates: tuple[str, ...] = ()
    uses: tuple[UseKind, ...] = ()
    commercial: bool | None = None
    commercial_since: date | None = None
    competing: bool | None = None
    managed_service: bool | None = None
    contributions: Contributions = field(default_factory=Contributions)

    def flag(self, name: str) -> bool | None:
        """A yes/no fact (one of :data:`FLAGS`): declared, else implied by the legal form,
        else None."""
        if name not in FLAGS:
            raise KeyError(name)
        declared: bool | None = getattr(self, name)
        if declared is not None or self.legal_form is None:
            return declared
        return _FORM_DEFAULTS[self.legal_form].get(name)

    def all_sectors(self) -> tuple[Sector, ...]:
        """Declared sectors plus the one the legal form implies (charity → charitable...)."""
        implied = _FORM_SECTORS.get(self.legal_form) if self.legal_form else None
        if implied is None or implied in self.sectors:
            return self.sectors
        return (*self.sectors, implied)

    def to_dict(self) -> dict[str, object]:
        return {
            "source": self.source,
            "name": self.name,
            "legal_form": str(self.legal_form) if self.legal_form else None,
            **{flag: self.flag(flag) for flag in FLAGS},  # declared, else implied
            "sectors": [str(s) for s in self.all_sectors()],
            "headcount": self.headcount,
            "developers": self.developers,
            "revenue": self.revenue.to_dict() if self.revenue else None,
            "monthly_active_users": self.monthly_active_users,
            "domains": list(self.domains),
            "affiliates": list(self.affiliates),
            "uses": [str(u) for u in self.uses],
            "commercial": self.commercial,
            "commercial_since": self.commercial_since.isoformat()
            if self.commercial_since
            else None,
            "competing": self.competing,
            "managed_service": self.managed_service,
            "contributions": self.contributions.to_dict(),
        }


# --- errors ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One problem in a declaration: the field path, what was expected, what was found,
    and how to fix it."""

    source: str
    field: str
    expected: str
    found: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.source}: {self.field}: expected {self.expected}, found {self.found}"
        return f"{text} (fix: {self.hint})" if self.hint else text


class DeclarationError(LicenceError, ValueError):
    """A declared file (profile, schedule) is invalid; ``problems`` lists every problem."""

    what = "declaration"

    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the {self.what}:\n  "
            + "\n  ".join(str(p) for p in problems)
        )
        self.problems = problems


class ProfileError(DeclarationError):
    what = "entity profile"


# --- reading -----------------------------------------------------------------------------

_E = TypeVar("_E", bound=StrEnum)
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _found(value: object) -> str:
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return f"a list {value!r}" if len(repr(value)) < 60 else "a list"
    return f"{type(value).__name__} {value!r}" if not isinstance(value, str) else repr(value)


class FieldReader:
    """Reads typed fields from nested mappings, collecting every problem."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[FieldProblem] = []

    def problem(self, path: str, expected: str, found: object, hint: str = "") -> None:
        shown = found if isinstance(found, str) and found.startswith("<") else _found(found)
        self.problems.append(FieldProblem(self.source, path, expected, shown, hint))

    def table(self, raw: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        value = raw.get(key, {})
        if not isinstance(value, dict):
            self.problem(_join(path, key), "a table", value, f"write [{_join(path, key)}]")
            return {}
        return value

    def keys(
        self,
        raw: Mapping[str, Any],
        path: str,
        allowed: Iterable[str],
        required: Iterable[str] = (),
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        allowed_set = set(allowed)
        for key in raw:
            if key not in allowed_set:
                near = (aliases or {}).get(key) or _closest(key, allowed_set)
                self.problem(
                    _join(path, key),
                    "one of " + ", ".join(sorted(allowed_set)),
                    f"<unknown key {key!r}>",
                    f"did you mean {near!r}?" if near else "remove it",
                )
        for key in required:
            if key not in raw:
                self.problem(
                    _join(path, key), "a value (required)", "<missing>", f"add {key} = ..."
                )

    def text(self, raw: Mapping[str, Any], key: str, path: str) -> str | None:
        if key not in raw:
            return None
        value = raw[key]
        if not isinstance(value, str) or not value.strip():
            self.problem(_join(path, key), "a non-empty string", value)
            return None
        return value.strip()

    def boolean(self, raw: Mapping[str, Any], key: str, path: str) -> bool | None:
        if key not in raw:
            return None
        value = raw[key]
        if not isinstance(value, bool):
            self.problem(_join(path, key), "true or false", value, "write true or false, unquoted")
            return None
        return value

    def count(self, raw: Mapping[str, Any], key: str, path: str, *, minimum: int = 0) -> int | None:
        if key not in raw:
            return None
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            self.problem(
                _join(path, key),
                f"a whole number >= {minimum}",
                value,
                "write an unquoted integer such as 250",
            )
            return None
        return value

    def choice(self, raw: Mapping[str, Any], key: str, path: str, enum: type[_E]) -> _E | None:
        if key not in raw:
            return None
        value = raw[key]
        try:
            return enum(value)
        except ValueError:
            choices = [e.value for e in enum]
            near = _closest(str(value), set(choices))
            self.problem(
                _join(path, key),
                "one of " + ", ".join(choices),
                value,
                f"did you mean {near!r}?" if near else "",
            )
            return None

    def choices(
        self, raw: Mapping[str, Any], key: str, path: str, enum: type[_E]
    ) -> tuple[_E, ...]:
        values = self.strings(raw, key, path)
        out: list[_E] = []
        for n, value in enumerate(values):
            try:
                member = enum(value)
            except ValueError:
                choices = [e.value for e in enum]
                near = _closest(value, set(choices))
                self.problem(
                    f"{_join(path, key)}[{n}]",
                    "one of " + ", ".join(choices),
                    value,
                    f"did you mean {near!r}?" if near else "",
                )
                continue
            if member not in out:
                out.append(member)
        return tuple(out)

    def strings(self, raw: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        if key not in raw:
            return ()
        value = raw[key]
        if not isinstance(value, list):
            self.problem(_join(path, key), "a list of strings", value, f'write {key} = ["..."]')
            return ()
        out: list[str] = []
        for n, item in enumerate(value):
            if not isinstance(item, str) or not item.strip():
                self.problem(f"{_join(path, key)}[{n}]", "a non-empty string", item)
            else:
                out.append(item.strip())
        return tuple(out)

    def day(self, raw: Mapping[str, Any], key: str, path: str) -> date | None:
        if key not in raw:
            return None
        value = raw[key]
        if isinstance(value, date) and not hasattr(value, "hour"):
            return value
        if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                pass
        self.problem(_join(path, key), "an ISO date YYYY-MM-DD", value, "write e.g. 2026-01-15")
        return None

    def money(
        self, raw: Mapping[str, Any], amount_key: str, currency: str | None, path: str
    ) -> Money | None:
        """``raw[amount_key]`` in major units of ``currency`` (decimals allowed, exact)."""
        if amount_key not in raw or currency is None:
            return None
        value = raw[amount_key]
        try:
            money = Money(to_minor(value, currency), currency)
        except MoneyError as exc:
            self.problem(
                _join(path, amount_key),
                f'an amount in major units of {currency} (e.g. 1000 or "12.50")',
                value,
                str(exc),
            )
            return None
        if money.amount_minor < 0:
            self.problem(_join(path, amount_key), "an amount >= 0", value)
            return None
        return money

    def currency(self, raw: Mapping[str, Any], key: str, path: str) -> str | None:
        if key not in raw:
            return None
        value = raw[key]
        if not is_currency(value):
            hint = (
                f"write it in capitals: {value.upper()!r}"
                if isinstance(value, str) and is_currency(value.upper())
                else "an ISO 4217 code such as EUR, USD, GBP, CHF or JPY"
            )
            self.problem(_join(path, key), "an ISO 4217 currency code", value, hint)
            return None
        return str(value)

    def decimal(self, raw: Mapping[str, Any], key: str, path: str) -> Decimal | None:
        if key not in raw:
            return None
        value = raw[key]
        from licences.money import to_decimal

        try:
            result = to_decimal(value)
        except MoneyError:
            self.problem(_join(path, key), 'a decimal number such as "0.5"', value)
            return None
        if result < 0:
            self.problem(_join(path, key), "a number >= 0", value)
            return None
        return result


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _closest(word: str, choices: set[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return found[0] if found else None


# --- the profile -------------------------------------------------------------------------

_TOP_LEVEL = {"organisation", "use", "contributions"}
# Other tables a copyfair.toml may hold, read by other parts of copyfair.
_OTHER_TABLES = {"commons", "scan", "policy", "report", "service"}
_ORG_KEYS = {
    "name",
    "legal_form",
    "worker_owned",
    "profits_to_workers",
    "surplus_to_workers",
    "employs_wage_labour",
    "privately_owned",
    "military_or_police",
    "sectors",
    "headcount",
    "developers",
    "revenue",
    "monthly_active_users",
    "domains",
    "affiliates",
}
_USE_KEYS = {"kinds", "commercial", "commercial_since", "competing", "managed_service"}
_CONTRIB_KEYS = {"repositories", "domains", "commits"}


def _revenue(r: FieldReader, org: Mapping[str, Any]) -> Revenue | None:
    if "revenue" not in org:
        return None
    path = "organisation.revenue"
    raw = org["revenue"]
    if not isinstance(raw, dict):
        r.problem(
            path,
            "a table { amount = ..., currency = ..., year = ... }",
            raw,
            'write revenue = { amount = 12000000, currency = "EUR", year = 2025 }',
        )
        return None
    r.keys(
        raw, path, {"amount", "currency", "year", "equivalents"}, required=("amount", "currency")
    )
    currency = r.currency(raw, "currency", path)
    amount = r.money(raw, "amount", currency, path)
    year = r.count(raw, "year", path, minimum=1900)
    equivalents: list[Money] = []
    eq_raw = raw.get("equivalents", {})
    if not isinstance(eq_raw, dict):
        r.problem(f"{path}.equivalents", "a table of currency = amount", eq_raw)
    else:
        for code in eq_raw:
            if not is_currency(code):
                r.problem(f"{path}.equivalents.{code}", "an ISO 4217 currency code", code)
                continue
            money = r.money(eq_raw, code, code, f"{path}.equivalents")
            if money is not None:
                equivalents.append(money)
    if amount is None:
        return None
    return Revenue(amount, year, tuple(equivalents))


def _domains(r: FieldReader, raw: Mapping[str, Any], path: str) -> tuple[str, ...]:
    out: list[str] = []
    for n, value in enumerate(r.strings(raw, "domains", path)):
        domain = value.lower().lstrip("@")
        if not _DOMAIN.fullmatch(domain):
            r.problem(f"{path}.domains[{n}]", "an email domain such as 'acme.example'", value)
        else:
            out.append(domain)
    return tuple(out)


def _contributions(
    r: FieldReader, raw: Mapping[str, Any], org_domains: tuple[str, ...]
) -> Contributions:
    path = "contributions"
    r.keys(raw, path, _CONTRIB_KEYS)
    commits: list[CommitCredit] = []
    raw_commits = raw.get("commits", [])
    if not isinstance(raw_commits, list):
        r.problem(f"{path}.commits", "an array of { component = ..., count = ... }", raw_commits)
        raw_commits = []
    for n, item in enumerate(raw_commits):
        where = f"{path}.commits[{n}]"
        if not isinstance(item, dict):
            r.problem(where, "a table { component = ..., count = ... }", item)
            continue
        r.keys(item, where, {"component", "count"}, required=("component", "count"))
        component = r.text(item, "component", where)
        count = r.count(item, "count", where)
        if component is not None and count is not None:
            commits.append(CommitCredit(component, count))
    domains = _domains(r, raw, path) if "domains" in raw else org_domains
    return Contributions(r.strings(raw, "repositories", path), domains, tuple(commits))


def parse_profile(data: Mapping[str, Any], source: str = "copyfair.toml") -> Profile:
    """Check and convert a profile mapping (what ``tomllib`` returns for ``copyfair.toml``).

    Raises :class:`ProfileError` listing every problem found."""
    r = FieldReader(source)
    r.keys(data, "", _TOP_LEVEL | _OTHER_TABLES, aliases={"organization": "organisation"})
    org = r.table(data, "organisation", "")
    use = r.table(data, "use", "")
    contrib = r.table(data, "contributions", "")
    r.keys(org, "organisation", _ORG_KEYS, aliases={"legal_status": "legal_form"})
    r.keys(use, "use", _USE_KEYS, aliases={"uses": "kinds", "kind": "kinds"})
    p = "organisation"
    profits = r.boolean(org, "profits_to_workers", p)
    surplus = r.boolean(org, "surplus_to_workers", p)
    if profits is not None and surplus is not None and profits != surplus:
        r.problem(
            f"{p}.surplus_to_workers",
            "the same value as profits_to_workers (they are the same fact)",
            surplus,
            "keep only one of them",
        )
    headcount = r.count(org, "headcount", p)
    developers = r.count(org, "developers", p)
    if headcount is not None and developers is not None and developers > headcount:
        r.problem(
            f"{p}.developers",
            f"at most the headcount ({headcount})",
            developers,
            "headcount counts everyone, developers included",
        )
    legal_form = r.choice(org, "legal_form", p, LegalForm)
    domains = _domains(r, org, p)
    profile = Profile(
        source=source,
        name=r.text(org, "name", p),
        legal_form=legal_form,
        worker_owned=r.boolean(org, "worker_owned", p),
        profits_to_workers=profits if profits is not None else surplus,
        employs_wage_labour=r.boolean(org, "employs_wage_labour", p),
        privately_owned=r.boolean(org, "privately_owned", p),
        military_or_police=r.boolean(org, "military_or_police", p),
        sectors=r.choices(org, "sectors", p, Sector),
        headcount=headcount,
        developers=developers,
        revenue=_revenue(r, org),
        monthly_active_users=r.count(org, "monthly_active_users", p),
        domains=domains,
        affiliates=r.strings(org, "affiliates", p),
        uses=r.choices(use, "kinds", "use", UseKind),
        commercial=r.boolean(use, "commercial", "use"),
        commercial_since=r.day(use, "commercial_since", "use"),
        competing=r.boolean(use, "competing", "use"),
        managed_service=r.boolean(use, "managed_service", "use"),
        contributions=_contributions(r, contrib, domains),
    )
    if legal_form is LegalForm.WORKER_COOPERATIVE and profile.worker_owned is False:
        r.problem(
            f"{p}.worker_owned",
            "true (or absent) for a worker-cooperative",
            False,
            'use legal_form = "cooperative" if the workers do not own it',
        )
    if r.problems:
        raise ProfileError(r.problems)
    return profile
