"""Machine-readable reciprocity terms of a licence: the schema and its validation.

One TOML file per licence under ``licences/data/terms/<id>.toml``. A terms file says which
uses trigger each of the licence's conditions (``rule``), to whom a rule applies and who is
exempt under which facts (legal form, worker ownership, headcount, revenue, ...), what is
owed (attribution, share-alike, a commercial licence, a payment, ...), and the clause of the
licence each of these rests on (a section reference and a verbatim quote, checked against
the licence text).

Example::

    schema_version = 1
    licence = "PPL"
    summary = "..."

    [[rule]]
    id = "commercial-use"
    summary = "Commercial use needs a separate licence ..."
    uses = ["any"]
    purpose = "commercial"
    owes = ["commercial-licence"]
    clause = { ref = "4(c)", quote = "You may exercise the rights granted in Section 3 ..." }

    [[rule.exemption]]
    id = "worker-owned"
    summary = "..."
    when = [{ fact = "worker-owned", op = "eq", value = true }]
    clause = { ref = "4(c)(i)", quote = "..." }

Validation never stops at the first problem: :func:`parse_terms` returns every
:class:`~licences.errors.DataProblem` (file, field, what was expected, what was found).
The obligations engine will evaluate these terms; this module only defines and checks them.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from licences.categories import Category
from licences.errors import DataProblem
from licences.sources import DATA_DIR

TERMS_DIR = DATA_DIR / "terms"
DEFAULTS_DIR = TERMS_DIR / "defaults"  # category defaults: defaults/<category>.toml
SCHEMA_VERSION = 1


class Use(StrEnum):
    """What a user does with the work (the licence's rights, in plain words)."""

    ANY = "any"  # any exercise of the licensed rights
    USE = "use"  # run, read, consume
    REPRODUCE = "reproduce"
    DISTRIBUTE = "distribute"  # distribute or make available verbatim copies
    MODIFY = "modify"  # make adaptations
    DISTRIBUTE_ADAPTATION = "distribute-adaptation"
    PUBLIC_PERFORMANCE = "public-performance"  # display, perform, communicate to the public
    NETWORK_SERVICE = "network-service"  # let others interact with it over a network
    AI_TRAINING = "ai-training"  # use as training data for a machine-learning model


class Purpose(StrEnum):
    ANY = "any"
    # primarily intended for or directed toward commercial advantage or monetary compensation
    COMMERCIAL = "commercial"
    NONCOMMERCIAL = "noncommercial"


class Owed(StrEnum):
    """What a triggered, non-exempt rule requires."""

    ATTRIBUTION = "attribution"  # credit the author(s) / keep copyright notices
    LICENCE_NOTICE = "licence-notice"  # include the licence or its URI
    NOTICE_OF_CHANGES = "notice-of-changes"
    SHARE_ALIKE = "share-alike"  # adaptations under the same (or a compatible) licence
    SOURCE_OFFER = "source-offer"
    NO_ADDITIONAL_RESTRICTIONS = "no-additional-restrictions"  # no extra terms, no DRM
    COMMERCIAL_LICENCE = "commercial-licence"  # a separate licence from the licensor
    PAYMENT = "payment"  # a payment (royalty, fee) to the licensor or the commons
    PROHIBITED = "prohibited"  # not allowed at all under this licence
    CONTRIBUTE_BACK = "contribute-back"  # share your own software / changes publicly
    REVIEW = "review"  # depends on facts only a person can judge (a grant, a field of use)


class Fact(StrEnum):
    """A fact about the user (entity profile) that a condition can test."""

    LEGAL_FORM = "legal-form"
    WORKER_OWNED = "worker-owned"  # owned and operated by its workers
    SURPLUS_TO_WORKERS = "surplus-to-workers"  # all surplus distributed among the worker-owners
    EMPLOYS_WAGE_LABOUR = "employs-wage-labour"  # profits from the labour of salaried employees
    PRIVATELY_OWNED = "privately-owned"  # privately owned and managed
    MILITARY_OR_POLICE = "military-or-police"  # military or law enforcement, or working for them
    HEADCOUNT = "headcount"  # employees + independent contractors, affiliates included
    ANNUAL_REVENUE = "annual-revenue"  # integer minor units, with `currency`
    SECTOR = "sector"  # what kind of organisation (see Sector); a user may have several
    MONTHLY_ACTIVE_USERS = "monthly-active-users"
    COMMERCIAL_USE_DAYS = "commercial-use-days"  # days of commercial use by the period's end
    COMPETING_USE = "competing-use"  # the product competes with the licensor's
    MANAGED_SERVICE = "managed-service"  # offers the work itself as a hosted/managed service


class Sector(StrEnum):
    """What kind of organisation a user is, beyond its legal form (the organisations that
    PolyForm Noncommercial 1.0.0 and Prosperity let use the work)."""

    CHARITABLE = "charitable"
    EDUCATIONAL = "educational"
    PUBLIC_RESEARCH = "public-research"
    PUBLIC_SAFETY = "public-safety"
    PUBLIC_HEALTH = "public-health"
    ENVIRONMENTAL_PROTECTION = "environmental-protection"
    GOVERNMENT = "government"


class LegalForm(StrEnum):
    """The legal form of a user (the profile's ``organisation.legal_form``)."""

    FOR_PROFIT = "for-profit"  # a company run for its owners' profit (Inc., Ltd, GmbH, ...)
    INDIVIDUAL = "individual"
    WORKER_COOPERATIVE = "worker-cooperative"
    COOPERATIVE = "cooperative"
    COLLECTIVE = "collective"
    NON_PROFIT = "non-profit"
    CHARITY = "charity"
    EDUCATIONAL = "educational"
    PUBLIC_BODY = "public-body"
    SOLE_TRADER = "sole-trader"
    PARTNERSHIP = "partnership"
    COMPANY = "company"


class Op(StrEnum):
    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    IN = "in"
    NOT_IN = "not-in"


_BOOL_FACTS = {
    Fact.WORKER_OWNED,
    Fact.SURPLUS_TO_WORKERS,
    Fact.EMPLOYS_WAGE_LABOUR,
    Fact.PRIVATELY_OWNED,
    Fact.MILITARY_OR_POLICE,
    Fact.COMPETING_USE,
    Fact.MANAGED_SERVICE,
}
_INT_FACTS = {
    Fact.HEADCOUNT,
    Fact.ANNUAL_REVENUE,
    Fact.MONTHLY_ACTIVE_USERS,
    Fact.COMMERCIAL_USE_DAYS,
}
# Facts whose value is a name among a fixed set (tested with eq, ne, in, not-in).
_NAME_FACTS: dict[Fact, type[StrEnum]] = {Fact.LEGAL_FORM: LegalForm, Fact.SECTOR: Sector}
_ORDER_OPS = {Op.LT, Op.LE, Op.GT, Op.GE}
_SET_OPS = {Op.IN, Op.NOT_IN}

_E = TypeVar("_E", bound=StrEnum)

ConditionValue = bool | int | str | tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Clause:
    ref: str  # section reference in the licence, e.g. "4(c)"
    quote: str  # verbatim words of the licence ("..." separates omitted parts)


@dataclass(frozen=True, slots=True)
class Condition:
    fact: Fact
    op: Op
    value: ConditionValue
    currency: str | None = None  # ISO 4217, for annual-revenue


@dataclass(frozen=True, slots=True)
class Exemption:
    id: str
    summary: str
    when: tuple[Condition, ...]  # all must hold
    clause: Clause


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    summary: str
    uses: tuple[Use, ...]  # which uses trigger the rule
    purpose: Purpose
    owes: tuple[Owed, ...]
    clause: Clause
    applies_if: tuple[Condition, ...] = ()  # all must hold; empty = applies to everyone
    exemptions: tuple[Exemption, ...] = ()  # any one exempts


@dataclass(frozen=True, slots=True)
class Conversion:
    """The licence turns into another one after some time (BUSL's Change Date, FSL's second
    anniversary): ``licence`` is what it becomes, ``after_years`` after each version's
    publication (at the latest), per ``clause``."""

    licence: str
    after_years: int
    clause: Clause


@dataclass(frozen=True, slots=True)
class Terms:
    licence: str
    summary: str
    rules: tuple[Rule, ...]
    schema_version: int = SCHEMA_VERSION
    conversion: Conversion | None = None


# --- validation -------------------------------------------------------------------------

_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_CURRENCY = re.compile(r"[A-Z]{3}")


class _Reader:
    """Collects every problem while reading one file."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[DataProblem] = []

    def problem(self, field: str, expected: str, found: object) -> None:
        found_text = found if isinstance(found, str) and found.startswith("<") else repr(found)
        self.problems.append(DataProblem(self.file, field, expected, found_text))

    def keys(
        self, raw: Mapping[str, Any], where: str, required: set[str], optional: set[str]
    ) -> None:
        for key in raw:
            if key not in required | optional:
                self.problem(
                    f"{where}.{key}" if where else key,
                    "one of " + ", ".join(sorted(required | optional)),
                    f"<unknown key {key!r}>",
                )
        for key in sorted(required - raw.keys()):
            self.problem(f"{where}.{key}" if where else key, "a value (required)", "<missing>")

    def text(self, raw: Mapping[str, Any], key: str, where: str) -> str:
        value = raw.get(key)
        if key in raw and (not isinstance(value, str) or not value.strip()):
            self.problem(f"{where}.{key}" if where else key, "a non-empty string", value)
            return ""
        return value if isinstance(value, str) else ""

    def slug(self, raw: Mapping[str, Any], key: str, where: str) -> str:
        value = self.text(raw, key, where)
        if value and not _SLUG.fullmatch(value):
            self.problem(f"{where}.{key}", "a lower-case slug like 'commercial-use'", value)
        return value

    def enum_list(
        self, raw: Mapping[str, Any], key: str, where: str, enum: type[_E]
    ) -> tuple[_E, ...]:
        if key not in raw:
            return ()
        value = raw[key]
        field = f"{where}.{key}"
        choices = "a non-empty list of " + ", ".join(e.value for e in enum)
        if not isinstance(value, list) or not value:
            self.problem(field, choices, value)
            return ()
        out: list[_E] = []
        for n, item in enumerate(value):
            try:
                out.append(enum(item))
            except ValueError:
                self.problem(f"{field}[{n}]", "one of " + ", ".join(e.value for e in enum), item)
        return tuple(out)

    def table_list(self, raw: Mapping[str, Any], key: str, where: str) -> list[dict[str, Any]]:
        value = raw.get(key, [])
        if not isinstance(value, list):
            self.problem(f"{where}.{key}" if where else key, "an array of tables", value)
            return []
        out: list[dict[str, Any]] = []
        for n, item in enumerate(value):
            if isinstance(item, dict):
                out.append(item)
            else:
                self.problem(f"{where}.{key}[{n}]" if where else f"{key}[{n}]", "a table", item)
        return out

    def clause(self, raw: Mapping[str, Any], where: str) -> Clause:
        value = raw.get("clause")
        field = f"{where}.clause"
        if not isinstance(value, dict):
            if "clause" in raw:
                self.problem(field, "a table { ref = ..., quote = ... }", value)
            return Clause("", "")
        self.keys(value, field, {"ref", "quote"}, set())
        return Clause(self.text(value, "ref", field), self.text(value, "quote", field))

    def condition(self, raw: Mapping[str, Any], where: str) -> Condition | None:
        self.keys(raw, where, {"fact", "op", "value"}, {"currency"})
        try:
            fact = Fact(str(raw.get("fact")))
        except ValueError:
            if "fact" in raw:
                self.problem(
                    f"{where}.fact", "one of " + ", ".join(f.value for f in Fact), raw.get("fact")
                )
            return None
        try:
            op = Op(str(raw.get("op")))
        except ValueError:
            if "op" in raw:
                self.problem(
                    f"{where}.op", "one of " + ", ".join(o.value for o in Op), raw.get("op")
                )
            return None
        if "value" not in raw:
            return None
        value = raw["value"]
        field = f"{where}.value"
        currency = raw.get("currency")
        if fact is Fact.ANNUAL_REVENUE:
            if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
                self.problem(f"{where}.currency", "an ISO 4217 code like 'USD'", currency)
        elif currency is not None:
            self.problem(f"{where}.currency", f"no currency for fact {fact.value!r}", currency)
        if fact in _BOOL_FACTS:
            if op not in (Op.EQ, Op.NE):
                self.problem(f"{where}.op", f"eq or ne for yes/no fact {fact.value!r}", op.value)
            if not isinstance(value, bool):
                self.problem(field, f"true or false for fact {fact.value!r}", value)
                return None
            return Condition(fact, op, value)
        if fact in _INT_FACTS:
            if op in _SET_OPS:
                self.problem(
                    f"{where}.op", f"a comparison for number fact {fact.value!r}", op.value
                )
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                unit = {
                    Fact.ANNUAL_REVENUE: "minor units",
                    Fact.COMMERCIAL_USE_DAYS: "days",
                }.get(fact, "people")
                self.problem(field, f"a non-negative integer ({unit})", value)
                return None
            return Condition(fact, op, value, currency if isinstance(currency, str) else None)
        # a name fact: legal-form, sector
        names = {f.value for f in _NAME_FACTS[fact]}
        shown = ", ".join(f.value for f in _NAME_FACTS[fact])
        if op in _ORDER_OPS:
            self.problem(f"{where}.op", f"eq, ne, in or not-in for {fact.value}", op.value)
        if op in _SET_OPS:
            if not isinstance(value, list) or not value:
                self.problem(field, f"a non-empty list of {fact.value} values ({shown})", value)
                return None
            bad = [v for v in value if v not in names]
            for v in bad:
                self.problem(field, f"{fact.value} values among {shown}", v)
            return Condition(fact, op, tuple(str(v) for v in value))
        if value not in names:
            self.problem(field, f"a {fact.value} value among {shown}", value)
            return None
        return Condition(fact, op, str(value))

    def conditions(self, raw: Mapping[str, Any], key: str, where: str) -> tuple[Condition, ...]:
        out: list[Condition] = []
        for n, item in enumerate(self.table_list(raw, key, where)):
            cond = self.condition(item, f"{where}.{key}[{n}]")
            if cond is not None:
                out.append(cond)
        return tuple(out)


def parse_terms(data: Mapping[str, Any], file: str) -> tuple[Terms | None, list[DataProblem]]:
    """Check and convert one terms file's data; returns every problem found."""
    r = _Reader(file)
    r.keys(data, "", {"schema_version", "licence", "summary", "rule"}, {"conversion"})
    version = data.get("schema_version")
    if "schema_version" in data and version != SCHEMA_VERSION:
        r.problem("schema_version", f"{SCHEMA_VERSION}", version)
    licence = r.text(data, "licence", "")
    stem = Path(file).stem
    if licence and licence != stem:
        r.problem("licence", f"the file's name without .toml ({stem!r})", licence)
    summary = r.text(data, "summary", "")
    rules: list[Rule] = []
    rule_ids: set[str] = set()
    raw_rules = r.table_list(data, "rule", "")
    if "rule" in data and not raw_rules:
        r.problem("rule", "at least one [[rule]]", "none")
    for n, raw in enumerate(raw_rules):
        where = f"rule[{n}]"
        r.keys(
            raw,
            where,
            {"id", "summary", "uses", "owes", "clause"},
            {"purpose", "applies_if", "exemption"},
        )
        rule_id = r.slug(raw, "id", where)
        if rule_id in rule_ids:
            r.problem(f"{where}.id", "an id unique in the file", rule_id)
        rule_ids.add(rule_id)
        purpose = Purpose.ANY
        if "purpose" in raw:
            try:
                purpose = Purpose(raw["purpose"])
            except ValueError:
                r.problem(
                    f"{where}.purpose",
                    "one of " + ", ".join(p.value for p in Purpose),
                    raw["purpose"],
                )
        exemptions: list[Exemption] = []
        exemption_ids: set[str] = set()
        for m, ex in enumerate(r.table_list(raw, "exemption", where)):
            ex_where = f"{where}.exemption[{m}]"
            r.keys(ex, ex_where, {"id", "summary", "when", "clause"}, set())
            ex_id = r.slug(ex, "id", ex_where)
            if ex_id in exemption_ids:
                r.problem(f"{ex_where}.id", "an id unique in the rule", ex_id)
            exemption_ids.add(ex_id)
            when = r.conditions(ex, "when", ex_where)
            if "when" in ex and not when and isinstance(ex["when"], list) and not ex["when"]:
                r.problem(f"{ex_where}.when", "at least one condition", "[]")
            exemptions.append(
                Exemption(ex_id, r.text(ex, "summary", ex_where), when, r.clause(ex, ex_where))
            )
        rules.append(
            Rule(
                id=rule_id,
                summary=r.text(raw, "summary", where),
                uses=r.enum_list(raw, "uses", where, Use),
                purpose=purpose,
                owes=r.enum_list(raw, "owes", where, Owed),
                clause=r.clause(raw, where),
                applies_if=r.conditions(raw, "applies_if", where),
                exemptions=tuple(exemptions),
            )
        )
    conversion: Conversion | None = None
    raw_conversion = data.get("conversion")
    if raw_conversion is not None:
        if not isinstance(raw_conversion, dict):
            r.problem("conversion", "a table { licence, after_years, clause }", raw_conversion)
        else:
            r.keys(raw_conversion, "conversion", {"licence", "after_years", "clause"}, set())
            years = raw_conversion.get("after_years")
            if isinstance(years, bool) or not isinstance(years, int) or years < 1:
                r.problem("conversion.after_years", "a whole number of years >= 1", years)
                years = 0
            conversion = Conversion(
                r.text(raw_conversion, "licence", "conversion"),
                years,
                r.clause(raw_conversion, "conversion"),
            )
    if r.problems:
        return None, r.problems
    return (
        Terms(licence=licence, summary=summary, rules=tuple(rules), conversion=conversion),
        [],
    )


def load_terms_file(path: Path) -> tuple[Terms | None, list[DataProblem]]:
    name = f"terms/{path.name}"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return None, [DataProblem(name, "(file)", "a readable TOML file", str(exc))]
    return parse_terms(data, name)


def load_all_terms(directory: Path = TERMS_DIR) -> tuple[dict[str, Terms], list[DataProblem]]:
    """Every terms file in ``directory`` by licence id, and every problem found (including
    those of the category defaults in ``directory/defaults``, which are not returned)."""
    out: dict[str, Terms] = {}
    problems: list[DataProblem] = []
    for path in sorted(directory.glob("*.toml")):
        terms, found = load_terms_file(path)
        problems.extend(found)
        if terms is not None:
            out[terms.licence] = terms
    if (directory / "defaults").is_dir():
        problems.extend(load_default_terms(directory / "defaults")[1])
    return out, problems


def load_default_terms(
    directory: Path = DEFAULTS_DIR,
) -> tuple[dict[str, Terms], list[DataProblem]]:
    """The default terms of each licence category (``<category>.toml``; the file's
    ``licence`` is the category name), and every problem found. A category without a file
    owes nothing by default (public-domain)."""
    out: dict[str, Terms] = {}
    problems: list[DataProblem] = []
    categories = {c.value for c in Category}
    for path in sorted(directory.glob("*.toml")):
        name = f"terms/defaults/{path.name}"
        terms, found = load_terms_file(path)
        problems += [DataProblem(name, p.field, p.expected, p.found) for p in found]
        if terms is None:
            continue
        if terms.licence not in categories:
            problems.append(
                DataProblem(
                    name, "licence", "a category: " + ", ".join(sorted(categories)), terms.licence
                )
            )
            continue
        out[terms.licence] = terms
    return out, problems


# --- quotes against the licence text -----------------------------------------------------

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)


def _normalise_words(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    return " ".join(re.findall(r"[\w']+|[^\w\s]", text))


def quote_in_text(quote: str, text: str) -> bool:
    """Whether every part of ``quote`` ("..." separates parts) occurs in ``text``, in order,
    ignoring case, whitespace and the form of quotes and dashes."""
    haystack = _normalise_words(text)
    pos = 0
    for part in re.split(r"\.\.\.|\u2026", quote):
        needle = _normalise_words(part)
        if not needle:
            continue
        found = haystack.find(needle, pos)
        if found < 0:
            return False
        pos = found + len(needle)
    return True


def check_quotes(terms: Terms, licence_text: str, file: str) -> list[DataProblem]:
    """Problems for every clause quote that is not in the licence text."""
    problems: list[DataProblem] = []
    if terms.conversion is not None and not quote_in_text(
        terms.conversion.clause.quote, licence_text
    ):
        problems.append(
            DataProblem(
                file,
                "conversion.clause.quote",
                f"words quoted from the text of {terms.licence}",
                repr(terms.conversion.clause.quote[:80]),
            )
        )
    for n, rule in enumerate(terms.rules):
        clauses = [(f"rule[{n}].clause.quote", rule.clause)]
        clauses += [
            (f"rule[{n}].exemption[{m}].clause.quote", ex.clause)
            for m, ex in enumerate(rule.exemptions)
        ]
        for field, clause in clauses:
            if not quote_in_text(clause.quote, licence_text):
                short = clause.quote if len(clause.quote) <= 80 else clause.quote[:77] + "..."
                problems.append(
                    DataProblem(
                        file, field, f"words quoted from the text of {terms.licence}", repr(short)
                    )
                )
    return problems
