"""Contribution accounting over git history: who made a commons, by how much.

:func:`read_contributions` reads one or more repositories of a commons and returns a
:class:`ContributionReport`:

- only commits reachable from the default branch count (validated work; see
  :func:`~scanners.contributions.history.default_branch` for how it is chosen), merges
  excluded (a merge is not new work), dated by their committer date in UTC;
- each commit credits its author and its ``Co-authored-by`` trailers, equally; identities
  go through git's ``.mailmap``, then the commons' aliases; bots are excluded
  (:mod:`scanners.contributions.identities`); a commit present in several repositories
  counts once;
- measures: the commit itself, its changed lines (added + deleted over text files, binary
  files 0) capped per commit (:data:`DEFAULT_LINE_CAP`) so that vendored dumps and mass
  reformatting do not dominate, and, when asked (``blame=True``, bounded), the lines of
  the current tree it last wrote.

One ``git log --numstat`` per repository reads the whole history (a 10k-commit repository
takes about a second); :meth:`ContributionReport.credits` feeds
:func:`licences.allocation.score_credits`.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from scanners.contributions.blame import (
    DEFAULT_MAX_FILES,
    DEFAULT_TIMEOUT_S,
    BlameSummary,
    surviving_lines,
)
from scanners.contributions.history import (
    Branch,
    RawCommit,
    RefSource,
    default_branch,
    map_contacts,
    open_repository,
    read_log,
    repository_path,
)
from scanners.contributions.identities import (
    DEFAULT_BOT_PATTERNS,
    Identity,
    IdentityRules,
)
from scanners.contributions.model import (
    DEFAULT_LINE_CAP,
    Commoner,
    Contribution,
    ContributionReport,
    RepositoryHistory,
)
from scanners.errors import TargetError


@dataclass(frozen=True, slots=True)
class ContributionOptions:
    """What to read and how to count it."""

    since: date | None = None  # first day counted (None: from the first commit)
    until: date | None = None  # first day NOT counted (None: up to the branch head)
    line_cap: int = DEFAULT_LINE_CAP
    rules: IdentityRules = field(default_factory=IdentityRules)
    ref: str | None = None  # the branch to read instead of the default branch
    blame: bool = False
    blame_max_files: int = DEFAULT_MAX_FILES
    blame_timeout_s: float = DEFAULT_TIMEOUT_S

    def __post_init__(self) -> None:
        if self.line_cap < 1:
            raise ValueError(f"line_cap must be >= 1, found {self.line_cap}")
        if self.since is not None and self.until is not None and self.until <= self.since:
            raise ValueError(f"the window ends ({self.until}) before it starts ({self.since})")


@dataclass(frozen=True, slots=True)
class Built:
    """What :func:`build_contributions` makes of one repository's commits."""

    contributions: tuple[Contribution, ...]
    names: Mapping[str, Counter[str]]  # commoner id -> names seen
    emails: Mapping[str, frozenset[str]]  # commoner id -> emails seen
    bots: frozenset[str]
    bot_commits: int


def build_contributions(
    commits: Iterable[RawCommit],
    *,
    repository: str,
    contacts: Mapping[str, Identity],
    rules: IdentityRules,
    line_cap: int,
    since: date | None = None,
    until: date | None = None,
) -> Built:
    """Contributions from parsed commits (pure). ``contacts`` maps each co-author trailer
    as written to its identity after .mailmap (unparseable trailers are absent and
    ignored)."""
    names: dict[str, Counter[str]] = defaultdict(Counter)
    emails: dict[str, set[str]] = defaultdict(set)
    bots: set[str] = set()
    bot_commits = 0
    out: list[Contribution] = []
    for commit in commits:
        if commit.merge:
            continue
        if (since is not None and commit.day < since) or (
            until is not None and commit.day >= until
        ):
            continue
        identities = [commit.author]
        identities += [contacts[c] for c in commit.co_authors if c in contacts]
        credited: list[str] = []
        for identity in identities:
            if rules.is_bot(identity):
                bots.add(identity.contact)
                continue
            commoner = rules.resolve(identity)
            if commoner not in credited:
                credited.append(commoner)
            names[commoner][identity.name.strip()] += 1
            if identity.email.strip():
                emails[commoner].add(identity.email.strip().lower())
        if not credited:
            bot_commits += 1
            continue
        out.append(
            Contribution(
                commit=commit.sha,
                repository=repository,
                day=commit.day,
                commoners=tuple(credited),
                changed_lines=commit.changed_lines,
                counted_lines=min(commit.changed_lines, line_cap),
                binary_files=commit.binary_files,
            )
        )
    return Built(
        tuple(out),
        dict(names),
        {k: frozenset(v) for k, v in emails.items()},
        frozenset(bots),
        bot_commits,
    )


def _display_name(names: Counter[str], commoner: str) -> str:
    if not names:
        return commoner
    return min(names.items(), key=lambda item: (-item[1], item[0]))[0] or commoner


def _read_one(
    path: str | os.PathLike[str], options: ContributionOptions, seen: set[str]
) -> tuple[RepositoryHistory, list[Contribution], Built]:
    """One repository: its history, its contributions not in ``seen``, what was built."""
    repo = open_repository(path)
    try:
        where = str(repository_path(repo))
        branch: Branch = default_branch(repo, options.ref)
        commits = read_log(repo, branch)
        in_window = [
            c
            for c in commits
            if (options.since is None or c.day >= options.since)
            and (options.until is None or c.day < options.until)
        ]
        contacts = map_contacts(repo, (t for c in in_window for t in c.co_authors))
        built = build_contributions(
            in_window,
            repository=where,
            contacts=contacts,
            rules=options.rules,
            line_cap=options.line_cap,
        )
        fresh = [c for c in built.contributions if c.commit not in seen]
        summary: BlameSummary | None = None
        if options.blame and fresh:
            lines, summary = surviving_lines(
                repo,
                branch.head,
                max_files=options.blame_max_files,
                timeout_s=options.blame_timeout_s,
            )
            fresh = [replace(c, surviving_lines=lines.get(c.commit, 0)) for c in fresh]
    finally:
        repo.close()
    history = RepositoryHistory(
        path=where,
        ref=branch.ref,
        ref_source=branch.source,
        head=branch.head,
        commits_read=len(commits),
        commits_counted=len(fresh),
        bot_commits=built.bot_commits,
        blame=summary,
    )
    return history, fresh, built


def read_contributions(
    paths: Sequence[str | os.PathLike[str]], options: ContributionOptions | None = None
) -> ContributionReport:
    """Read the repositories of a commons (see the module docstring). Raises
    :class:`~scanners.errors.TargetError` for a path that is not a readable repository."""
    options = options or ContributionOptions()
    if not paths:
        raise TargetError("no repository to read")
    histories: list[RepositoryHistory] = []
    contributions: list[Contribution] = []
    seen: set[str] = set()
    names: dict[str, Counter[str]] = defaultdict(Counter)
    emails: dict[str, set[str]] = defaultdict(set)
    bots: set[str] = set()
    for path in paths:
        history, fresh, built = _read_one(path, options, seen)
        seen.update(c.commit for c in fresh)
        contributions.extend(fresh)
        for commoner, counter in built.names.items():
            names[commoner].update(counter)
        for commoner, found in built.emails.items():
            emails[commoner].update(found)
        bots.update(built.bots)
        histories.append(history)
    credited = {c for contribution in contributions for c in contribution.commoners}
    commoners = tuple(
        Commoner(c, _display_name(names[c], c), tuple(sorted(emails[c]))) for c in sorted(credited)
    )
    return ContributionReport(
        since=options.since,
        until=options.until,
        line_cap=options.line_cap,
        repositories=tuple(histories),
        contributions=tuple(contributions),
        commoners=commoners,
        bots=tuple(sorted(bots)),
    )


__all__ = [
    "DEFAULT_BOT_PATTERNS",
    "DEFAULT_LINE_CAP",
    "BlameSummary",
    "Commoner",
    "Contribution",
    "ContributionOptions",
    "ContributionReport",
    "Identity",
    "IdentityRules",
    "RefSource",
    "RepositoryHistory",
    "build_contributions",
    "read_contributions",
]
