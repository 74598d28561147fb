from __future__ import annotations

from pathlib import Path

import pytest
from git import Repo

from scanners.usage.gitsignals import (
    Author,
    DomainClass,
    History,
    classify_domain,
    commit_signals,
    domain_of,
    read_commit_authors,
)
from scanners.usage.signals import SignalKind

from .git_helpers import commit_all, make_repo

ACME = ("Ada Acme", "ada@acme-analytics.com")
GMAIL = ("Bob Hobby", "bob@gmail.com")
NOREPLY = ("Cy", "12345+cy@users.noreply.github.com")
ETH = ("Dee Student", "dee@student.ethz.ch")
BOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")


@pytest.mark.parametrize(
    ("domain", "expected"),
    [
        ("acme-analytics.com", DomainClass.COMPANY),
        ("gmail.com", DomainClass.WEBMAIL),
        ("users.noreply.github.com", DomainClass.WEBMAIL),
        ("proton.me", DomainClass.WEBMAIL),
        ("cs.stanford.edu", DomainClass.ACADEMIC),
        ("ox.ac.uk", DomainClass.ACADEMIC),
        ("student.ethz.ch", DomainClass.ACADEMIC),
        ("informatik.uni-hamburg.de", DomainClass.ACADEMIC),
        ("univ-lyon1.fr", DomainClass.ACADEMIC),
        ("digital.cabinet-office.gov.uk", DomainClass.PUBLIC),
        ("apache.org", DomainClass.NONPROFIT),
        ("mail.acme.example", DomainClass.OWN),
    ],
)
def test_classify_domain(domain: str, expected: DomainClass) -> None:
    assert classify_domain(domain, own_domains=["acme.example"]) is expected


def test_domain_of() -> None:
    assert domain_of("Ada@ACME.Example.com") == "acme.example.com"
    assert domain_of("not-an-email") is None
    assert domain_of("root@localhost") == "localhost"


def test_read_commit_authors_newest_first_and_bounded(tmp_path: Path) -> None:
    make_repo(tmp_path, [GMAIL, ACME, ACME, NOREPLY])
    history = read_commit_authors(tmp_path, max_commits=3)
    assert history.note is None
    assert [a.email for a in history.authors] == [NOREPLY[1], ACME[1], ACME[1]]
    assert all(len(a.commit) == 40 for a in history.authors)


def test_not_a_repository_and_empty_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    # tmp_path is not inside a repository (pytest's base temp directory)
    assert read_commit_authors(plain).note == "not a git repository"
    empty = tmp_path / "empty"
    Repo.init(empty).close()
    history = read_commit_authors(empty)
    assert history.authors == ()
    assert history.note is not None and "no commits" in history.note


def test_subdirectory_reads_only_its_history(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, [GMAIL, GMAIL], subdir="docs")
    commit_all(repo, [ACME], subdir="service")
    history = read_commit_authors(tmp_path / "service")
    assert [a.email for a in history.authors] == [ACME[1]]


def test_company_domain_signal(tmp_path: Path) -> None:
    make_repo(tmp_path, [ACME] * 6 + [GMAIL] * 3 + [NOREPLY] + [BOT] * 5)
    signals = commit_signals(read_commit_authors(tmp_path))
    assert [s.kind for s in signals] == [SignalKind.COMPANY_COMMITS]
    signal = signals[0]
    assert "6 of 10 recent commits (60 %)" in signal.evidence  # the bot is not counted
    assert "acme-analytics.com" in signal.evidence
    assert 0.3 < signal.weight <= 0.6


def test_webmail_only_history_gives_nothing(tmp_path: Path) -> None:
    make_repo(tmp_path, [GMAIL, NOREPLY, GMAIL])
    assert commit_signals(read_commit_authors(tmp_path)) == []


def test_own_domains_are_not_company_signals() -> None:
    history = History(tuple(Author(f"{i:040d}", *ACME) for i in range(4)))
    signals = commit_signals(history, own_domains=["acme-analytics.com"])
    assert [(s.kind, s.weight) for s in signals] == [(SignalKind.ORGANISATION_COMMITS, 0.0)]
    assert "4 of 4" in signals[0].evidence


def test_academic_history_is_a_negative_signal() -> None:
    authors = [ETH] * 8 + [GMAIL] * 2
    history = History(tuple(Author(f"{i:040d}", n, e) for i, (n, e) in enumerate(authors)))
    signals = commit_signals(history)
    assert [s.kind for s in signals] == [SignalKind.ACADEMIC_COMMITS]
    assert signals[0].weight < 0
    assert "student.ethz.ch" in signals[0].evidence


def test_drive_by_company_commit_is_ignored() -> None:
    authors = [ACME] + [GMAIL] * 49
    history = History(tuple(Author(f"{i:040d}", n, e) for i, (n, e) in enumerate(authors)))
    assert commit_signals(history) == []
