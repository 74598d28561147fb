"""Contribution accounting over real git histories (GitPython, in tmp_path)."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest
from git import Repo

from licences.allocation import Measures
from scanners.contributions import (
    ContributionOptions,
    IdentityRules,
    RefSource,
    read_contributions,
)
from scanners.contributions.blame import count_porcelain
from scanners.contributions.history import parse_log
from scanners.contributions.identities import Identity, parse_contact
from scanners.errors import TargetError
from tests.scanners.contributions.repos import (
    ALICE,
    BOB,
    CAROL,
    MALLORY,
    commit,
    commons_repo,
    lines,
    new_repo,
)

NOVEMBER = ContributionOptions(since=date(2026, 11, 1), until=date(2026, 12, 1))


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("commons") / "repo"
    _, ids = commons_repo(root)
    return root, ids


def test_counts_only_validated_human_work_in_the_period(
    golden: tuple[Path, dict[str, str]],
) -> None:
    root, ids = golden
    report = read_contributions([root], NOVEMBER)
    counted = {c.commit for c in report.contributions}
    assert counted == {
        ids[k] for k in ("mailmap", "alice_old", "pair", "vendored", "binary", "topic")
    }
    # not counted: the merge, the unmerged side branch, the bot, outside the period
    assert not counted & {ids[k] for k in ("merge", "side", "bot", "october", "december")}
    (history,) = report.repositories
    assert history.ref == "refs/heads/main"
    assert history.ref_source is RefSource.MAIN
    assert history.bot_commits == 1
    assert history.commits_counted == 6
    assert report.bots == ("dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>",)


def test_mailmap_and_co_authors_merge_and_split_the_credit(
    golden: tuple[Path, dict[str, str]],
) -> None:
    root, ids = golden
    report = read_contributions([root], NOVEMBER)
    by_id = {c.commit: c for c in report.contributions}
    assert by_id[ids["alice_old"]].commoners == ("alice@example.org",)  # .mailmap
    # Bob's old address in the trailer is mapped too; Alice listed twice counts once
    assert by_id[ids["pair"]].commoners == ("alice@example.org", "bob@example.org")
    assert by_id[ids["pair"]].day == date(2026, 11, 6)  # committer date in UTC
    totals = report.totals()
    assert totals["alice@example.org"] == Measures(Fraction(3, 2), Fraction(5))
    assert totals["bob@example.org"] == Measures(Fraction(3, 2), Fraction(4))
    assert totals["dave@example.org"] == Measures(Fraction(1), Fraction(5))
    names = {c.id: c.name for c in report.commoners}
    assert names["alice@example.org"] == "Alice"
    assert set(names) == {
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
        "dave@example.org",
    }


def test_changed_lines_are_capped_per_commit_and_binary_files_count_zero(
    golden: tuple[Path, dict[str, str]],
) -> None:
    root, ids = golden
    by_id = {c.commit: c for c in read_contributions([root], NOVEMBER).contributions}
    vendored = by_id[ids["vendored"]]
    assert (vendored.changed_lines, vendored.counted_lines) == (5_000, 1_000)
    binary = by_id[ids["binary"]]
    assert (binary.changed_lines, binary.binary_files) == (2, 1)
    capped = ContributionOptions(since=date(2026, 11, 1), until=date(2026, 12, 1), line_cap=10)
    by_id = {c.commit: c for c in read_contributions([root], capped).contributions}
    assert by_id[ids["vendored"]].counted_lines == 10


def test_aliases_and_bot_patterns_of_the_commons(golden: tuple[Path, dict[str, str]]) -> None:
    root, _ = golden
    rules = IdentityRules.of({"Dave@Example.org": "carol@example.org"}, ["bob*"])
    options = ContributionOptions(since=date(2026, 11, 1), until=date(2026, 12, 1), rules=rules)
    report = read_contributions([root], options)
    totals = report.totals()
    assert "dave@example.org" not in totals
    assert totals["carol@example.org"].commits == 3
    assert "bob@example.org" not in totals  # configured as a bot
    pair = next(c for c in report.contributions if len(c.credits()) == 1 and c.counted_lines == 4)
    assert pair.commoners == ("alice@example.org",)  # the human co-author keeps it all
    assert report.repositories[0].bot_commits == 2  # dependabot, and Bob's binary commit


def test_surviving_lines_by_blame(golden: tuple[Path, dict[str, str]]) -> None:
    root, ids = golden
    options = ContributionOptions(since=date(2026, 11, 1), until=date(2026, 12, 1), blame=True)
    report = read_contributions([root], options)
    by_id = {c.commit: c for c in report.contributions}
    assert by_id[ids["alice_old"]].surviving_lines == 3  # December rewrote only line 4
    assert by_id[ids["vendored"]].surviving_lines == 5_000
    assert by_id[ids["binary"]].surviving_lines == 2
    assert report.totals()["bob@example.org"].surviving_lines == 4  # 2 + half of pair's 4
    blame = report.repositories[0].blame
    assert blame is not None and blame.complete
    assert blame.files_total == 7  # of 8 files: logo.png is binary
    bounded = ContributionOptions(blame=True, blame_max_files=1)
    summary = read_contributions([root], bounded).repositories[0].blame
    assert summary is not None
    assert (summary.files_blamed, summary.complete) == (1, False)


def test_a_clone_reads_origin_head_and_ignores_unpushed_work(
    golden: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    root, ids = golden
    clone = Repo.clone_from(str(root), tmp_path / "clone")
    with clone.config_writer() as config:
        config.set_value("commit", "gpgsign", "false")
    local = commit(clone, MALLORY, "2026-11-20T08:00:00+00:00", {"local.txt": "x\n"})
    report = read_contributions([tmp_path / "clone", root], NOVEMBER)
    first, second = report.repositories
    assert first.ref_source is RefSource.ORIGIN_HEAD
    assert first.ref == "refs/remotes/origin/main"
    assert local not in {c.commit for c in report.contributions}
    assert second.commits_counted == 0  # the same commits count once across repositories
    assert len(report.contributions) == 6


@pytest.mark.parametrize(
    ("branch", "source"), [("master", RefSource.MASTER), ("trunk", RefSource.HEAD)]
)
def test_default_branch_fallbacks(tmp_path: Path, branch: str, source: RefSource) -> None:
    repo = new_repo(tmp_path / "r", branch)
    commit(repo, ALICE, "2026-11-02T10:00:00+00:00", {"a.txt": lines(2)})
    report = read_contributions([tmp_path / "r"])
    assert report.repositories[0].ref_source is source
    assert report.totals()["alice@example.org"].commits == 1


def test_an_explicit_branch_is_read_instead(golden: tuple[Path, dict[str, str]]) -> None:
    root, ids = golden
    report = read_contributions([root], ContributionOptions(ref="side"))
    assert report.repositories[0].ref_source is RefSource.EXPLICIT
    assert ids["side"] in {c.commit for c in report.contributions}
    with pytest.raises(TargetError, match="nope"):
        read_contributions([root], ContributionOptions(ref="nope"))


def test_not_a_repository_or_empty_is_a_target_error(tmp_path: Path) -> None:
    with pytest.raises(TargetError, match="not a git repository"):
        read_contributions([tmp_path])
    new_repo(tmp_path / "empty")
    with pytest.raises(TargetError, match="no commits"):
        read_contributions([tmp_path / "empty"])


def test_statement_lists_the_contributions_of_one_commoner(
    golden: tuple[Path, dict[str, str]],
) -> None:
    root, ids = golden
    report = read_contributions([root], NOVEMBER)
    assert {c.commit for c in report.of("bob@example.org")} == {ids["pair"], ids["binary"]}
    data = report.to_dict()
    assert data["totals"]["alice@example.org"] == {  # type: ignore[index]
        "commits": "1.5",
        "changed_lines": "5",
        "surviving_lines": "0",
    }


# --- pure parts -------------------------------------------------------------------------


def test_parse_log_reads_numstat_binary_and_trailers() -> None:
    text = (
        "\x1e" + "a" * 40 + "\x1f" + "p" * 40 + "\x1fAnn\x1fann@x.org\x1f2026-11-05T23:30:00-02:00"
        "\x1fBo <bo@x.org>\x1dCy <cy@x.org>\n\n3\t1\tsrc/a.py\n-\t-\timg.png\n10\t0\tb.txt\n"
        "\x1e" + "b" * 40 + "\x1f1 2\x1fMe\x1fme@x.org\x1f2026-11-01T00:00:00+00:00\x1f\n"
    )
    first, merge = parse_log(text)
    assert first.author == Identity("Ann", "ann@x.org")
    assert (first.changed_lines, first.binary_files) == (14, 1)
    assert first.co_authors == ("Bo <bo@x.org>", "Cy <cy@x.org>")
    assert first.day == date(2026, 11, 6)
    assert merge.merge and merge.changed_lines == 0


def test_contacts_and_bots() -> None:
    assert parse_contact("Jane Doe <jane@x.org>") == Identity("Jane Doe", "jane@x.org")
    assert parse_contact("no email here") is None
    rules = IdentityRules.of(extra_bots=["ci-*"])
    assert rules.is_bot(Identity("renovate[bot]", "29139614+renovate[bot]@users.noreply"))
    assert rules.is_bot(Identity("github-actions", "41898282+github-actions@users.noreply"))
    assert rules.is_bot(Identity("Release", "ci-release@x.org"))
    assert not rules.is_bot(Identity(BOB.name or "", BOB.email or ""))
    loop = IdentityRules.of({"a@x": "b@x", "b@x": "a@x"})
    assert loop.resolve(Identity("A", "a@x")) in {"a@x", "b@x"}  # a loop ends
    assert IdentityRules.of().resolve(Identity("Nameless", "")) == "name:Nameless"


def test_count_porcelain_counts_lines_per_commit() -> None:
    a, b = "a" * 40, "b" * 40
    text = (
        f"{a} 1 1 2\nauthor X\nfilename f\n\tline 1\n{a} 2 2\n\tline 2\n"
        f"{b} 1 3 1\nauthor Y\nprevious {a} f\nfilename f\n\t{a} 9 9 looks like a header\n"
    )
    assert count_porcelain(text) == {a: 2, b: 1}


def test_carol_is_credited_for_the_mailmap_commit(golden: tuple[Path, dict[str, str]]) -> None:
    root, ids = golden
    by_id = {c.commit: c for c in read_contributions([root], NOVEMBER).contributions}
    assert by_id[ids["mailmap"]].commoners == (CAROL.email,)


def test_moving_a_file_is_not_writing_it(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "r")
    commit(repo, ALICE, "2026-11-02T10:00:00+00:00", {"old/a.txt": lines(300, "a")})
    repo.index.move(["old/a.txt", "new-a.txt"])
    moved = repo.index.commit("move", author=BOB, committer=BOB)
    by_id = {c.commit: c for c in read_contributions([tmp_path / "r"]).contributions}
    assert by_id[moved.hexsha].changed_lines == 0
    assert sum(c.changed_lines for c in by_id.values()) == 300
