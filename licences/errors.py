"""Errors raised by the licence catalog and its pure logic.

Hierarchy::

    LicenceError                 base of everything raised by ``licences``
    ├── ExpressionError          an SPDX expression that cannot be parsed, or (strict) an unknown id
    ├── UnknownLicenceError      an id that is not in the catalog (with close matches)
    └── CatalogDataError         the packaged data (index, categories, terms) is invalid or stale

:class:`DataProblem` is not an error but one validation finding; validators return every
problem they find (file, field, what was expected, what was found), never only the first.
"""

from __future__ import annotations

from dataclasses import dataclass


class LicenceError(Exception):
    """Base of the errors raised by the ``licences`` package."""


class ExpressionError(LicenceError, ValueError):
    """An SPDX licence expression is invalid.

    ``token`` and ``position`` (0-based character offset) locate the problem when known;
    ``suggestion`` is a proposed fix (e.g. the closest known id)."""

    def __init__(
        self,
        message: str,
        *,
        expression: str,
        token: str | None = None,
        position: int | None = None,
        suggestion: str | None = None,
    ) -> None:
        super().__init__(message)
        self.expression = expression
        self.token = token
        self.position = position
        self.suggestion = suggestion


class UnknownLicenceError(LicenceError, KeyError):
    """An id is not in the catalog; ``close_matches`` lists known ids that look like it."""

    def __init__(self, licence_id: str, close_matches: tuple[str, ...] = ()) -> None:
        hint = f" Did you mean: {', '.join(close_matches)}?" if close_matches else ""
        super().__init__(f"unknown licence id {licence_id!r}.{hint}")
        self.licence_id = licence_id
        self.close_matches = close_matches

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class CatalogDataError(LicenceError):
    """The packaged catalog data is invalid; ``problems`` holds every problem found."""

    def __init__(self, problems: list[DataProblem]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the licence catalog data:\n  "
            + "\n  ".join(str(p) for p in problems)
        )
        self.problems = problems


@dataclass(frozen=True, slots=True)
class DataProblem:
    """One problem in a packaged data file: where, what was expected, what was found."""

    file: str
    field: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.file}: {self.field}: expected {self.expected}, found {self.found}"
