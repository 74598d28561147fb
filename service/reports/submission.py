"""Reading a submitted usage report: the JSON of ``copyfair scan --format json``.

Only what the derivation needs is read, and checked: the components (id, name, purl,
path, kind, licence, evidence) and the declared usage (``usage.commercial``,
``usage.uses``, ``usage.declared`` and ``usage.profile``, the entity profile as
``copyfair scan`` writes it). The client's ``obligations`` and amounts are never read.
Every problem is returned with the field path that names it (``scan.components[3].id``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from licences.money import exponent, is_currency
from licences.profile import DeclarationError, Profile, parse_profile
from licences.usage import Commercial, UsageAssessment, UseKind

__all__ = [
    "MAX_COMPONENTS",
    "MAX_EVIDENCE",
    "Problem",
    "ReportedComponent",
    "SubmissionError",
    "Submission",
    "default_project",
    "read_submission",
]

MAX_COMPONENTS = 50_000
MAX_EVIDENCE = 20  # per component, kept on each obligation
MAX_ID = 1000
_ROOT_PATHS = (".", "")
_USERINFO = re.compile(r"^([a-z][a-z0-9+.-]*://)[^/@]*@", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Problem:
    field: str
    message: str


class SubmissionError(ValueError):
    """The submitted scan cannot be read; ``problems`` names every field at fault."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


@dataclass(frozen=True, slots=True)
class ReportedComponent:
    id: str
    name: str | None
    purl: str | None
    path: str | None
    kind: str | None
    licence: str
    evidence: tuple[dict[str, object], ...]

    @property
    def is_project_root(self) -> bool:
        """The scanned project itself: its licence is the user's own, not a use."""
        return self.kind == "project" and (self.path or "") in _ROOT_PATHS


@dataclass(frozen=True, slots=True)
class Submission:
    components: tuple[ReportedComponent, ...]
    usage: UsageAssessment
    profile: Profile | None
    target: str | None
    git_remote: str | None


def _text(raw: Mapping[str, Any], key: str, where: str, problems: list[Problem]) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        problems.append(Problem(f"{where}.{key}", f"expected a string, found {value!r:.60}"))
        return None
    if len(value) > MAX_ID:
        problems.append(Problem(f"{where}.{key}", f"longer than {MAX_ID} characters"))
        return None
    return value


def _evidence(raw: object, licence: str) -> tuple[dict[str, object], ...]:
    """The component's evidence as (file, line, method, licence, detail), bounded."""
    if not isinstance(raw, list):
        return ()
    out: list[dict[str, object]] = []
    for item in raw[:MAX_EVIDENCE]:
        if not isinstance(item, dict):
            continue
        line = item.get("line", item.get("start_line"))
        entry: dict[str, object] = {
            "file": str(item.get("path", ""))[:1000] or None,
            "line": line if isinstance(line, int) and not isinstance(line, bool) else None,
            "method": str(item.get("method", "unknown"))[:100],
            "licence": str(item.get("licence") or licence)[:1000],
        }
        if isinstance(item.get("detail"), str):
            entry["detail"] = item["detail"][:500]
        out.append(entry)
    return tuple(out)


def _components(raw: object, problems: list[Problem]) -> tuple[ReportedComponent, ...]:
    if not isinstance(raw, list):
        problems.append(
            Problem(
                "scan.components",
                "expected the list of components of `copyfair scan --format json`",
            )
        )
        return ()
    if len(raw) > MAX_COMPONENTS:
        problems.append(
            Problem(
                "scan.components",
                f"{len(raw)} components: at most {MAX_COMPONENTS} per report; split the "
                "project into several reports",
            )
        )
        return ()
    out: list[ReportedComponent] = []
    for n, item in enumerate(raw):
        where = f"scan.components[{n}]"
        if not isinstance(item, dict):
            problems.append(Problem(where, "expected a JSON object"))
            continue
        before = len(problems)
        component_id = _text(item, "id", where, problems)
        licence = _text(item, "licence", where, problems)
        if component_id is None and len(problems) == before:
            problems.append(Problem(f"{where}.id", "this field is required"))
        name = _text(item, "name", where, problems)
        purl = _text(item, "purl", where, problems)
        path = _text(item, "path", where, problems)
        kind = _text(item, "kind", where, problems)
        if len(problems) > before or component_id is None:
            continue
        licence = (licence or "NOASSERTION").strip() or "NOASSERTION"
        out.append(
            ReportedComponent(
                component_id,
                name,
                purl,
                path,
                kind,
                licence,
                _evidence(item.get("evidence"), licence),
            )
        )
        if len(problems) >= 20:
            break
    return tuple(out)


def _major(amount_minor: object, currency: str) -> Decimal | object:
    if isinstance(amount_minor, int) and not isinstance(amount_minor, bool):
        return Decimal(amount_minor).scaleb(-exponent(currency))
    return amount_minor  # parse_profile reports it


def _profile_mapping(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``Profile.to_dict()`` (what the JSON report carries) back into the tables of
    ``copyfair.toml``, so that :func:`licences.profile.parse_profile` checks it."""
    org_keys = (
        "name",
        "legal_form",
        "worker_owned",
        "profits_to_workers",
        "employs_wage_labour",
        "privately_owned",
        "military_or_police",
        "sectors",
        "headcount",
        "developers",
        "monthly_active_users",
        "domains",
        "affiliates",
    )
    org = {k: raw[k] for k in org_keys if raw.get(k) is not None}
    revenue = raw.get("revenue")
    if isinstance(revenue, dict) and is_currency(revenue.get("currency")):
        currency = str(revenue["currency"])
        table: dict[str, Any] = {
            "amount": _major(revenue.get("amount_minor"), currency),
            "currency": currency,
        }
        if revenue.get("year") is not None:
            table["year"] = revenue["year"]
        equivalents = revenue.get("equivalents")
        if isinstance(equivalents, dict):
            table["equivalents"] = {
                code: _major(value, code) if is_currency(code) else value
                for code, value in equivalents.items()
            }
        org["revenue"] = table
    elif revenue is not None:
        org["revenue"] = revenue  # parse_profile says what is wrong
    use = {
        key: raw[source]
        for key, source in (
            ("kinds", "uses"),
            ("commercial", "commercial"),
            ("commercial_since", "commercial_since"),
            ("competing", "competing"),
            ("managed_service", "managed_service"),
        )
        if raw.get(source) is not None
    }
    out: dict[str, Any] = {"organisation": org, "use": use}
    contributions = raw.get("contributions")
    if contributions is not None:
        out["contributions"] = contributions
    return out


_TOML_TO_JSON = {"use.kinds": "uses", "organisation.revenue.amount": "revenue.amount_minor"}


def _profile_field(field: str) -> str:
    """``organisation.headcount`` -> ``scan.usage.profile.headcount``."""
    if field in _TOML_TO_JSON:
        return f"scan.usage.profile.{_TOML_TO_JSON[field]}"
    for table in ("organisation.", "use."):
        if field.startswith(table):
            return f"scan.usage.profile.{field.removeprefix(table)}"
    return f"scan.usage.profile.{field}"


def _profile(raw: object, problems: list[Problem]) -> Profile | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem("scan.usage.profile", "expected a JSON object or null"))
        return None
    source = raw.get("source")
    try:
        return parse_profile(
            _profile_mapping(raw), source if isinstance(source, str) else "profile"
        )
    except DeclarationError as exc:
        for p in exc.problems:
            message = f"expected {p.expected}, found {p.found}"
            if p.hint:
                message += f" (fix: {p.hint})"
            problems.append(Problem(_profile_field(p.field), message))
        return None


def _usage(raw: object, problems: list[Problem]) -> tuple[UsageAssessment, Profile | None]:
    unknown = UsageAssessment(Commercial.UNKNOWN, (), 0.0)
    if raw is None:
        return unknown, None
    if not isinstance(raw, dict):
        problems.append(Problem("scan.usage", "expected a JSON object (or leave it out)"))
        return unknown, None
    commercial_raw = raw.get("commercial", "unknown")
    try:
        commercial = Commercial(commercial_raw)
    except ValueError:
        problems.append(
            Problem(
                "scan.usage.commercial",
                f'expected "yes", "no" or "unknown", found {commercial_raw!r:.60}',
            )
        )
        commercial = Commercial.UNKNOWN
    uses: list[UseKind] = []
    uses_raw = raw.get("uses", [])
    if not isinstance(uses_raw, list):
        problems.append(Problem("scan.usage.uses", "expected a list of kinds of use"))
        uses_raw = []
    for n, value in enumerate(uses_raw):
        try:
            uses.append(UseKind(value))
        except ValueError:
            problems.append(
                Problem(
                    f"scan.usage.uses[{n}]",
                    f"expected one of {', '.join(u.value for u in UseKind)}, found {value!r:.60}",
                )
            )
    declared = raw.get("declared", False)
    if not isinstance(declared, bool):
        problems.append(Problem("scan.usage.declared", "expected true or false"))
        declared = False
    confidence = raw.get("confidence", 0.0)
    if isinstance(confidence, bool) or not isinstance(confidence, int | float):
        confidence = 0.0
    usage = UsageAssessment(
        commercial,
        tuple(dict.fromkeys(uses)),
        min(1.0, max(0.0, float(confidence))),
        (),
        (),
        declared,
    )
    return usage, _profile(raw.get("profile"), problems)


def _git_remote(raw: object) -> str | None:
    if not isinstance(raw, dict):
        return None
    remote = raw.get("remote_url")
    if not isinstance(remote, str) or not remote.strip():
        return None
    return _USERINFO.sub(r"\1", remote.strip())[:500]  # never keep a token from the URL


def read_submission(scan: object) -> Submission:
    """The components and declared usage of ``scan``; raises :class:`SubmissionError`."""
    problems: list[Problem] = []
    if not isinstance(scan, dict):
        raise SubmissionError(
            [Problem("scan", "expected the JSON object of `copyfair scan --format json`")]
        )
    version = scan.get("schema_version")
    if version != "1":
        problems.append(
            Problem(
                "scan.schema_version",
                f'expected "1" (the JSON of `copyfair scan --format json`), found {version!r:.40}',
            )
        )
    components = _components(scan.get("components"), problems)
    usage, profile = _usage(scan.get("usage"), problems)
    if problems:
        raise SubmissionError(problems)
    target = scan.get("target")
    return Submission(
        components=components,
        usage=usage,
        profile=profile,
        target=target[:500] if isinstance(target, str) and target else None,
        git_remote=_git_remote(scan.get("git")),
    )


def default_project(submission: Submission) -> str:
    """The project a report is about when the request does not name it: the git remote
    (without credentials), else the name of the scanned project, else the target."""
    if submission.git_remote:
        return submission.git_remote
    for component in submission.components:
        if component.is_project_root and component.name:
            return component.name[:500]
    return submission.target or "default"
