"""Checks of a commons registration with the pure parsers of ``licences``: the licence
expression (:mod:`licences.expressions`) and the reciprocity schedule
(:mod:`licences.schedule`). Every problem is returned, each with its field path."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from licences.errors import ExpressionError
from licences.expressions import parse_expression
from licences.schedule import ScheduleError, parse_schedule
from service.api.schemas import CommonsCreate, MatchRules

__all__ = ["FieldIssue", "ValidCommons", "validate_commons"]

_PURL_PATTERN = re.compile(r"^pkg:[a-z][a-z0-9.+-]*/\S+$")
_URL_SCHEMES = {"http", "https", "git", "ssh", "file", "git+https", "git+ssh"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True, slots=True)
class FieldIssue:
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class ValidCommons:
    name: str
    licence: str  # normalised expression
    payee: str
    repositories: tuple[str, ...]
    match: MatchRules  # licence ids normalised
    reciprocity: dict[str, Any] | None  # as submitted (checked)


def _expression(text: str, field: str, issues: list[FieldIssue]) -> str | None:
    try:
        return parse_expression(text, strict=True).expression
    except ExpressionError as exc:
        issues.append(FieldIssue(field, str(exc)))
        return None


def _repository(text: str, field: str, issues: list[FieldIssue]) -> None:
    if _CONTROL.search(text):
        issues.append(FieldIssue(field, "control characters are not allowed in a repository"))
    elif "://" in text:
        scheme = text.split("://", 1)[0].lower()
        if scheme not in _URL_SCHEMES:
            issues.append(
                FieldIssue(
                    field,
                    f"unsupported URL scheme {scheme!r}: use one of "
                    f"{', '.join(sorted(_URL_SCHEMES))}, or a local path",
                )
            )


def validate_commons(body: CommonsCreate, default_payee: str) -> ValidCommons | list[FieldIssue]:
    issues: list[FieldIssue] = []
    licence = _expression(body.licence, "licence", issues)
    for n, repo in enumerate(body.repositories):
        _repository(repo, f"repositories[{n}]", issues)
    for n, pattern in enumerate(body.match.purls):
        if not _PURL_PATTERN.match(pattern):
            issues.append(
                FieldIssue(
                    f"match.purls[{n}]",
                    f"{pattern!r} is not a package URL pattern: write pkg:TYPE/NAME, "
                    "with * for any run of characters (e.g. pkg:pypi/geo-commons*)",
                )
            )
    match_licences: list[str] = []
    for n, licence_id in enumerate(body.match.licences):
        normalised = _expression(licence_id, f"match.licences[{n}]", issues)
        if normalised is not None:
            match_licences.append(normalised)
    payee = body.payee or default_payee
    if body.reciprocity is not None:
        table = {"name": body.name, "payee": payee, "reciprocity": body.reciprocity}
        try:
            parse_schedule({"commons": table}, source="request body")
        except ScheduleError as exc:
            for p in exc.problems:
                message = f"expected {p.expected}, found {p.found}"
                if p.hint:
                    message += f" (fix: {p.hint})"
                issues.append(FieldIssue(p.field.removeprefix("commons."), message))
    if issues or licence is None:
        return issues
    return ValidCommons(
        name=body.name,
        licence=licence,
        payee=payee,
        repositories=tuple(body.repositories),
        match=MatchRules(
            purls=body.match.purls, packages=body.match.packages, licences=match_licences
        ),
        reciprocity=body.reciprocity,
    )
