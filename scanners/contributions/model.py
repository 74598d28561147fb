"""What contribution accounting reports: contributions, commoners, the history read."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from licences.allocation import Credit, Measures
from scanners.contributions.blame import BlameSummary
from scanners.contributions.history import RefSource

DEFAULT_LINE_CAP = 1_000  # changed lines counted per commit at most


@dataclass(frozen=True, slots=True)
class Contribution:
    """One commit of the validated history, with the commoners it credits (author first,
    then co-authors; bots removed) and its measures. The credit is split equally."""

    commit: str
    repository: str
    day: date
    commoners: tuple[str, ...]
    changed_lines: int  # added + deleted over text files, before the cap
    counted_lines: int  # min(changed_lines, line cap)
    binary_files: int
    surviving_lines: int = 0  # lines of the current tree it last wrote (when blamed)

    @property
    def measures(self) -> Measures:
        return Measures(Fraction(1), Fraction(self.counted_lines), Fraction(self.surviving_lines))

    def credits(self) -> tuple[Credit, ...]:
        if not self.commoners:
            return ()
        share = self.measures.scaled(Fraction(1, len(self.commoners)))
        return tuple(Credit(c, self.day, share) for c in self.commoners)

    def to_dict(self) -> dict[str, object]:
        return {
            "commit": self.commit,
            "repository": self.repository,
            "date": self.day.isoformat(),
            "commoners": list(self.commoners),
            "changed_lines": self.changed_lines,
            "counted_lines": self.counted_lines,
            "binary_files": self.binary_files,
            "surviving_lines": self.surviving_lines,
        }


@dataclass(frozen=True, slots=True)
class Commoner:
    """A merged identity: id (canonical email), the name most used, every email seen."""

    id: str
    name: str
    emails: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"id": self.id, "name": self.name, "emails": list(self.emails)}


@dataclass(frozen=True, slots=True)
class RepositoryHistory:
    """Which history of one repository was read."""

    path: str
    ref: str
    ref_source: RefSource
    head: str
    commits_read: int  # non-merge commits reachable from ref
    commits_counted: int  # in the window, with at least one human commoner
    bot_commits: int  # in the window, credited to bots only
    blame: BlameSummary | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "path": self.path,
            "ref": self.ref,
            "ref_source": self.ref_source.value,
            "head": self.head,
            "commits_read": self.commits_read,
            "commits_counted": self.commits_counted,
            "bot_commits": self.bot_commits,
            "blame": None if self.blame is None else self.blame.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class ContributionReport:
    """Contributions of a commons in a window ``[since, until)`` (None: unbounded)."""

    since: date | None
    until: date | None
    line_cap: int
    repositories: tuple[RepositoryHistory, ...]
    contributions: tuple[Contribution, ...]  # newest first, per repository in order
    commoners: tuple[Commoner, ...]  # sorted by id
    bots: tuple[str, ...]  # identities excluded as bots ("Name <email>"), sorted

    def credits(self) -> tuple[Credit, ...]:
        return tuple(credit for c in self.contributions for credit in c.credits())

    def totals(self) -> dict[str, Measures]:
        """Measures per commoner over the whole window (no decay)."""
        totals: dict[str, Measures] = defaultdict(Measures)
        for credit in self.credits():
            totals[credit.commoner] = totals[credit.commoner] + credit.measures
        return dict(sorted(totals.items()))

    def of(self, commoner: str) -> tuple[Contribution, ...]:
        """The contributions that credit ``commoner`` (for a statement)."""
        return tuple(c for c in self.contributions if commoner in c.commoners)

    def to_dict(self) -> dict[str, object]:
        return {
            "since": None if self.since is None else self.since.isoformat(),
            "until": None if self.until is None else self.until.isoformat(),
            "line_cap": self.line_cap,
            "repositories": [r.to_dict() for r in self.repositories],
            "commoners": [c.to_dict() for c in self.commoners],
            "totals": {k: v.to_dict() for k, v in self.totals().items()},
            "bots": list(self.bots),
            "contributions": [c.to_dict() for c in self.contributions],
        }
