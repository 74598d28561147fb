"""Usage signals from the git history: who writes the code, by their email domains.

:func:`read_commit_authors` reads the authors of at most ``max_commits`` recent commits
with one ``git log`` call through GitPython (fast on large histories: no per-commit
object is built); :func:`commit_signals` is pure and turns them into signals:

- a company domain (not webmail, not a code-hosting platform, not academic, not a public
  body, not a ``.org``) that writes a real share of the commits → commercial hint;
- the organisation's own domains (the profile's ``domains``) → reported, weight 0 (the
  declared legal form decides);
- universities and public bodies writing a real share of the commits → non-commercial
  hint. Webmail authors and bots say nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from licences.usage import Signal
from scanners.usage.lists import DomainLists, domain_lists
from scanners.usage.signals import SignalKind

DEFAULT_MAX_COMMITS = 1000
# A domain must write at least this share of the counted commits to be a signal.
MIN_SHARE = 0.05
MAX_DOMAIN_SIGNALS = 5


class DomainClass(StrEnum):
    OWN = "own"  # one of the organisation's declared domains
    WEBMAIL = "webmail"  # webmail, code-hosting platform, placeholder
    ACADEMIC = "academic"
    PUBLIC = "public"
    NONPROFIT = "nonprofit"  # .org and similar
    COMPANY = "company"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Author:
    """The author of one commit (as .mailmap maps them)."""

    commit: str
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class History:
    """The authors of the recent commits, or why there are none (``note``)."""

    authors: tuple[Author, ...] = ()
    note: str | None = None
    max_commits: int = DEFAULT_MAX_COMMITS


def _matches(domain: str, entries: Iterable[str]) -> bool:
    return any(domain == e or domain.endswith("." + e) for e in entries)


def domain_of(email: str) -> str | None:
    email = email.strip().strip("<>").lower()
    if email.count("@") != 1:
        return None
    domain = email.rsplit("@", 1)[1].strip(".")
    if not domain or "." not in domain and domain not in ("localhost", "local"):
        return None
    return domain


def classify_domain(
    domain: str, own_domains: Sequence[str] = (), lists: DomainLists | None = None
) -> DomainClass:
    """What an email domain says about its owner."""
    lists = lists or domain_lists()
    domain = domain.lower()
    if _matches(domain, (d.lower().lstrip("@") for d in own_domains)):
        return DomainClass.OWN
    if _matches(domain, lists.webmail) or _matches(domain, lists.platforms):
        return DomainClass.WEBMAIL
    if "." not in domain:
        return DomainClass.INVALID
    if any(p.search(domain) for p in lists.academic):
        return DomainClass.ACADEMIC
    if any(p.search(domain) for p in lists.public):
        return DomainClass.PUBLIC
    if domain.rsplit(".", 1)[1] in lists.nonprofit_tlds:
        return DomainClass.NONPROFIT
    return DomainClass.COMPANY


def is_bot(author: Author) -> bool:
    local = author.email.split("@", 1)[0].lower()
    return (
        author.name.endswith("[bot]")
        or local.endswith("[bot]")
        or local in ("noreply", "no-reply", "bot", "ci", "jenkins", "buildbot")
    )


def read_commit_authors(root: Path, *, max_commits: int = DEFAULT_MAX_COMMITS) -> History:
    """The authors of at most ``max_commits`` recent commits touching ``root`` (the root
    may be a subdirectory of a repository). Not a repository, or no commits: an empty
    history with a note saying so."""
    if max_commits <= 0:
        return History(note="git history not read (max_commits is 0)", max_commits=0)
    from scanners.gitinfo import in_git_tree

    if not in_git_tree(Path(root)):  # without importing GitPython (slow to import)
        return History(note="not a git repository", max_commits=max_commits)
    from git import GitCommandError, InvalidGitRepositoryError, NoSuchPathError, Repo

    try:
        repo = Repo(root, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return History(note="not a git repository", max_commits=max_commits)
    try:
        working_tree = repo.working_tree_dir
        pathspec: list[str] = []
        if working_tree is not None:
            relative = Path(root).resolve().relative_to(Path(working_tree).resolve())
            if str(relative) != ".":
                pathspec = ["--", relative.as_posix()]
        out = repo.git.log(
            f"--max-count={max_commits}", "--no-merges", "--format=%H%x1f%aN%x1f%aE", *pathspec
        )
    except GitCommandError as exc:
        stderr = str(exc.stderr or "").strip()
        if "does not have any commits" in stderr or "bad default revision" in stderr:
            return History(note="the repository has no commits yet", max_commits=max_commits)
        return History(note=f"git log failed: {stderr or exc}", max_commits=max_commits)
    except ValueError as exc:  # root outside the working tree (should not happen)
        return History(note=f"cannot read the git history: {exc}", max_commits=max_commits)
    finally:
        repo.close()
    authors = []
    for line in out.splitlines():
        parts = line.split("\x1f")
        if len(parts) == 3:
            authors.append(Author(commit=parts[0], name=parts[1], email=parts[2]))
    return History(tuple(authors), max_commits=max_commits)


def _percent(count: int, total: int) -> str:
    return f"{count} of {total} recent commits ({100 * count / total:.0f} %)"


def commit_signals(
    history: History, own_domains: Sequence[str] = (), lists: DomainLists | None = None
) -> list[Signal]:
    """Signals from the email domains of the commit authors (bots and addresses without a
    domain are not counted)."""
    lists = lists or domain_lists()
    counted: list[tuple[Author, str, DomainClass]] = []
    classes: dict[str, DomainClass] = {}
    for author in history.authors:
        if is_bot(author):
            continue
        domain = domain_of(author.email)
        if domain is None:
            continue
        klass = classes.get(domain)
        if klass is None:
            klass = classes[domain] = classify_domain(domain, own_domains, lists)
        if klass is DomainClass.INVALID:
            continue
        counted.append((author, domain, klass))
    total = len(counted)
    if total == 0:
        return []
    out: list[Signal] = []
    by_domain = Counter(d for _, d, k in counted if k in (DomainClass.COMPANY, DomainClass.OWN))
    example: dict[str, Author] = {}
    for author, domain, _ in counted:
        example.setdefault(domain, author)
    own = [d for d in by_domain if classes[d] is DomainClass.OWN]
    own_count = sum(by_domain[d] for d in own)
    if own_count:
        out.append(
            Signal(
                SignalKind.ORGANISATION_COMMITS,
                0.0,
                f"git history: {_percent(own_count, total)} by the organisation's own "
                f"domains ({', '.join(sorted(own))})",
            )
        )
    companies = [
        (d, n) for d, n in by_domain.most_common() if d not in own and n / total >= MIN_SHARE
    ]
    for domain, count in companies[:MAX_DOMAIN_SIGNALS]:
        share = count / total
        first = example[domain]
        out.append(
            Signal(
                SignalKind.COMPANY_COMMITS,
                round(min(0.6, 0.1 + 0.5 * share), 3),
                f"git history: {_percent(count, total)} by authors at {domain}, a company "
                f"domain (e.g. commit {first.commit[:12]} by {first.name} <{first.email}>)",
            )
        )
    for klass, kind, what in (
        (DomainClass.ACADEMIC, SignalKind.ACADEMIC_COMMITS, "universities and institutes"),
        (DomainClass.PUBLIC, SignalKind.PUBLIC_COMMITS, "public bodies"),
    ):
        domains = Counter(d for _, d, k in counted if k is klass)
        count = sum(domains.values())
        if count and count / total >= 2 * MIN_SHARE:
            names = ", ".join(d for d, _ in domains.most_common(3))
            out.append(
                Signal(
                    kind,
                    -round(min(0.4, 0.5 * count / total), 3),
                    f"git history: {_percent(count, total)} by authors at {what} ({names})",
                )
            )
    return out
