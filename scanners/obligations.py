"""Obligations of a scanned project: profile, usage, schedules and the engine, assembled.

``with_obligations(report, request) -> ProjectReport``: the report with its
:class:`ObligationsReport` (the usage assessment, one obligation per (component, licence,
kind), the totals). Reads only declared files: the entity profile (``copyfair.toml`` at
the scanned root, or ``--profile FILE``) and the reciprocity schedules that components
ship (``copyfair.toml`` / ``COPYFAIR.toml`` at a component's root, found among the paths
the walk already listed). Usage signals come from those same paths
(:func:`scanners.usage.usage_signals_from_files`, git history bounded); nothing is walked
again. The decisions are :func:`licences.obligations.compute_obligations`'s, pure.

What is assessed: every component except the scanned project itself (the user's own
work: its licence is a usage signal, not something it owes). A component whose schedule
file cannot be read or is invalid is priced without a schedule (a commercial licence is
still required) and the problem is reported in ``problems``; an invalid *profile* is an
error (:class:`licences.profile.ProfileError`, :class:`DeclarationFileError`): the
user's own declaration must be right before anything is computed.
"""

from __future__ import annotations

import os
import posixpath
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from licences.obligations import (
    ComponentInput,
    Obligation,
    compute_obligations,
    fails_policy,
    totals,
    usage_to_dict,
)
from licences.period import Period
from licences.profile import DeclarationError, Profile, parse_profile
from licences.schedule import Schedule, has_schedule, parse_schedule
from licences.usage import Signal, UsageAssessment
from scanners.errors import ScannerError
from scanners.inventory.model import Component, ComponentKind
from scanners.model import Evidence
from scanners.obligations_request import ObligationsRequest
from scanners.policy import toml_error

if TYPE_CHECKING:
    from scanners.project import ProjectReport

__all__ = [
    "PROFILE_NAME",
    "SCHEDULE_NAMES",
    "DeclarationFileError",
    "ObligationsReport",
    "ObligationsRequest",
    "assess_obligations",
    "component_inputs",
    "find_schedules",
    "load_profile",
    "read_toml",
    "scan_detector",
    "with_obligations",
]

PROFILE_NAME = "copyfair.toml"
SCHEDULE_NAMES = ("copyfair.toml", "COPYFAIR.toml")
MAX_DECLARATION_BYTES = 1024 * 1024
_PROFILE_TABLES = frozenset({"organisation", "organization", "use", "contributions"})


class DeclarationFileError(ScannerError):
    """A declared TOML file (profile or schedule) that cannot be read or parsed; the
    message names the file, and the line and column of a syntax error."""

    def __init__(self, path: str, message: str, line: int | None = None, column: int | None = None):
        where = path if line is None else f"{path}:{line}:{column}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.column = column


def read_toml(path: Path, shown: str | None = None, *, in_tree: bool = False) -> dict[str, Any]:
    """The TOML mapping in ``path`` (at most :data:`MAX_DECLARATION_BYTES`); errors become
    :class:`DeclarationFileError` naming ``shown`` (default: the path), line and column.
    ``in_tree``: a file of the scanned (untrusted) tree: a symbolic link is not followed."""
    name = shown if shown is not None else str(path)
    flags = os.O_RDONLY | (getattr(os, "O_NOFOLLOW", 0) if in_tree else 0)
    try:
        fd = os.open(path, flags)
        with open(fd, "rb") as fh:
            raw = fh.read(MAX_DECLARATION_BYTES + 1)
    except OSError as exc:
        raise DeclarationFileError(name, f"cannot read: {exc.strerror or exc}") from None
    if len(raw) > MAX_DECLARATION_BYTES:
        raise DeclarationFileError(name, f"larger than {MAX_DECLARATION_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeclarationFileError(name, f"not UTF-8 (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message, line, column = toml_error(exc, text)
        raise DeclarationFileError(name, f"invalid TOML: {message}", line, column) from None


def load_profile(root: Path | None, explicit: Path | None = None) -> Profile | None:
    """The declared entity profile: ``explicit`` (``--profile FILE``), else
    ``copyfair.toml`` at ``root`` when it declares ``[organisation]``, ``[use]`` or
    ``[contributions]`` (a file with only ``[policy]`` or ``[commons]`` declares none).
    None when nothing is declared. Raises :class:`DeclarationFileError` (unreadable or
    invalid TOML, or an explicit file that declares nothing) and
    :class:`licences.profile.ProfileError` (every problem in the profile)."""
    if explicit is not None:
        data = read_toml(explicit)
        if not _PROFILE_TABLES.intersection(data):
            raise DeclarationFileError(
                str(explicit),
                "declares no profile: expected an [organisation] and/or [use] table "
                "(see examples/profile-for-profit.toml)",
            )
        return parse_profile(data, str(explicit))
    if root is None:
        return None
    path = root / PROFILE_NAME
    if not path.is_file():
        return None
    data = read_toml(path, PROFILE_NAME, in_tree=True)
    if not _PROFILE_TABLES.intersection(data):
        return None
    return parse_profile(data, PROFILE_NAME)


def _component_dir(component: Component) -> str | None:
    """The directory (relative, "" for the root) whose schedule file is the component's,
    or None when it has no folder of its own (a dependency read from a manifest)."""
    if component.kind is ComponentKind.DEPENDENCY:
        return None
    return "" if component.path in (".", "") else component.path.strip("/")


def find_schedules(
    root: Path | None, paths: Iterable[str], components: Sequence[Component]
) -> tuple[dict[str, Schedule], tuple[str, ...]]:
    """(schedule by component id, problems) for the components that ship a
    ``copyfair.toml`` / ``COPYFAIR.toml`` with a ``[commons]`` table at their root.

    Only the walked ``paths`` are considered (no directory is listed again). A file that
    cannot be read or parsed, or whose schedule is invalid, gives a problem (naming the
    file, and line and column for a syntax error) and no schedule."""
    if root is None:
        return {}, ()
    names = set(SCHEDULE_NAMES)
    by_dir: dict[str, list[str]] = {}
    for rel in paths:
        folder, base = posixpath.split(rel)
        if base in names:
            by_dir.setdefault(folder, []).append(rel)
    schedules: dict[str, Schedule] = {}
    problems: list[str] = []
    for component in components:
        directory = _component_dir(component)
        if directory is None or directory not in by_dir:
            continue
        for rel in sorted(by_dir[directory]):  # COPYFAIR.toml before copyfair.toml
            try:
                data = read_toml(root / rel, rel, in_tree=True)
            except DeclarationFileError as exc:
                problems.append(f"{exc} (schedule of {component.name} ignored)")
                continue
            if not has_schedule(data):
                continue
            try:
                schedules[component.id] = parse_schedule(data, rel)
            except DeclarationError as exc:
                problems.extend(f"{p} (schedule ignored)" for p in exc.problems)
            break
    return schedules, tuple(problems)


def component_inputs(
    components: Sequence[Component], schedules: Mapping[str, Schedule]
) -> list[ComponentInput]:
    """The engine's view of each component (the scanned project itself left out)."""
    out: list[ComponentInput] = []
    for c in components:
        if c.kind is ComponentKind.PROJECT and c.path in (".", ""):
            continue
        names = tuple(dict.fromkeys(n for n in (c.purl, c.name, c.path) if n))
        out.append(ComponentInput(c.id, c.licence, schedules.get(c.id), None, names))
    return out


@dataclass(frozen=True)
class ObligationsReport:
    """The usage assessment and the obligations of a report, with what went wrong."""

    usage: UsageAssessment
    profile: Profile | None
    period: Period
    reference: date
    obligations: tuple[Obligation, ...]
    schedules: Mapping[str, Schedule] = field(default_factory=dict)
    problems: tuple[str, ...] = ()  # schedule files ignored, usage files not read
    notes: tuple[str, ...] = ()

    @property
    def totals(self) -> dict[str, int]:
        """The amount owed per currency (minor units): the sum of the owed lines."""
        return totals(self.obligations)

    def failing(self, all_duties: bool = False) -> list[Obligation]:
        """What fails ``--fail-on obligations`` (``obligations:all`` with ``all_duties``)."""
        return fails_policy(self.obligations, all_duties)

    def to_dict(self) -> dict[str, object]:
        """The JSON report's top-level keys: ``usage``, ``obligations``, ``period``,
        ``reference_date``, ``totals`` (owed minor units per currency), ``problems``."""
        return {
            "usage": usage_to_dict(self.usage, self.profile),
            "obligations": [o.to_dict() for o in self.obligations],
            "obligations_period": self.period.to_dict(),
            "obligations_reference_date": self.reference.isoformat(),
            "obligations_totals": [
                {"currency": currency, "amount_minor": amount}
                for currency, amount in self.totals.items()
            ],
            "obligations_problems": list(self.problems),
        }


def scan_detector(report: ProjectReport) -> Callable[[str], Sequence[Evidence]]:
    """A detector for the usage signals that answers from the scan instead of detecting
    again: the root licence files and READMEs are read (small, bounded) to know which
    text is which file, and a text is given the evidence the scan found in that file
    (none when the scan found none). A text it does not know (a file changed since the
    scan) is detected afresh."""
    from scanners.usage.signals import is_licence_file, is_readme
    from scanners.usage.tree import MAX_FILE_SIZE

    by_path = {f.path: f.evidence for f in report.scan.files}
    known: dict[str, Sequence[Evidence]] = {}
    if report.root is not None:
        for rel in report.paths:
            if "/" in rel or not (is_licence_file(rel) or is_readme(rel)):
                continue
            try:
                fd = os.open(report.root / rel, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
                with open(fd, "rb") as fh:
                    data = fh.read(MAX_FILE_SIZE)
            except OSError:
                continue
            known[data.decode("utf-8", errors="replace")] = by_path.get(rel, ())

    def detect(text: str) -> Sequence[Evidence]:
        found = known.get(text)
        if found is not None:
            return found
        from scanners.detect import detect_text

        return detect_text(text)

    return detect


def assess_obligations(
    report: ProjectReport, request: ObligationsRequest, profile: Profile | None
) -> ObligationsReport:
    """The obligations of ``report`` for ``profile`` (already loaded: see
    :func:`load_profile`); usage signals from the walked paths and bounded git history."""
    from scanners.usage import assess_usage, usage_signals_from_files

    problems: list[str] = []
    notes: list[str] = []
    signals: tuple[Signal, ...] = ()
    if report.root is not None:
        own = profile.domains if profile is not None else ()
        found = usage_signals_from_files(
            report.root,
            report.paths,
            components=report.components,
            detect=scan_detector(report),
            own_domains=own,
            git=request.git,
            max_commits=request.max_commits,
        )
        signals = found.signals
        problems.extend(f"{s.path}: {s.reason} (not read for usage signals)" for s in found.skipped)
        notes.extend(found.notes)
    usage = assess_usage(signals, profile)
    schedules, schedule_problems = find_schedules(report.root, report.paths, report.components)
    problems.extend(schedule_problems)
    lines = compute_obligations(
        component_inputs(report.components, schedules),
        usage,
        profile,
        request.period,
        request.reference,
    )
    return ObligationsReport(
        usage=usage,
        profile=profile,
        period=request.period,
        reference=request.reference,
        obligations=tuple(lines),
        schedules=schedules,
        problems=tuple(problems),
        notes=tuple(notes),
    )


def with_obligations(report: ProjectReport, request: ObligationsRequest) -> ProjectReport:
    """``report`` with its obligations. Raises :class:`DeclarationFileError` and
    :class:`licences.profile.ProfileError` for a bad profile (nothing is computed)."""
    profile = load_profile(report.root, request.profile_file)
    return replace(report, obligations=assess_obligations(report, request, profile))
