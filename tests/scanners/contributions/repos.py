"""Real git repositories for the contribution tests, made with GitPython in tmp_path."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from git import Actor, Repo

ALICE_OLD = Actor("alice", "alice@old.example")  # mapped to Alice <alice@example.org>
ALICE = Actor("Alice", "alice@example.org")
BOB = Actor("Bob", "bob@example.org")
CAROL = Actor("Carol", "carol@example.org")
DAVE = Actor("Dave", "dave@example.org")
MALLORY = Actor("Mallory", "mallory@example.org")
DEPENDABOT = Actor("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
MERGER = Actor("Merger", "merger@example.org")

MAILMAP = (
    "Alice <alice@example.org> <alice@old.example>\nBob <bob@example.org> <bobby@home.example>\n"
)


def new_repo(root: Path, branch: str = "main") -> Repo:
    repo = Repo.init(root, initial_branch=branch)
    with repo.config_writer() as config:  # no global identity needed
        config.set_value("user", "name", "Test")
        config.set_value("user", "email", "test@example.invalid")
        config.set_value("commit", "gpgsign", "false")
    return repo


def commit(
    repo: Repo,
    author: Actor,
    when: str,
    files: dict[str, str | bytes],
    message: str = "change",
) -> str:
    """Write ``files`` and commit them by ``author`` at ``when`` (ISO, committer too)."""
    root = Path(repo.working_tree_dir or ".")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    repo.index.add(list(files))
    moment = datetime.fromisoformat(when)
    made = repo.index.commit(
        message, author=author, committer=author, author_date=moment, commit_date=moment
    )
    return str(made.hexsha)


def lines(count: int, tag: str = "line") -> str:
    return "".join(f"{tag} {i}\n" for i in range(count))


def commons_repo(root: Path) -> tuple[Repo, dict[str, str]]:
    """The golden history (committer dates in UTC), returns the repo and named commit ids.

    - october: Bob, 2 lines (before the period 2026-11)
    - mailmap: Carol adds .mailmap (1 line... 2 lines)
    - alice_old: alice@old.example (mapped to Alice), 3 lines
    - pair: Alice with ``Co-authored-by: Bob`` (and Bob's old address), 4 lines
    - bot: dependabot[bot], 1 line
    - vendored: Carol, 5,000 lines (counted 1,000)
    - binary: Bob, one binary file and 2 text lines
    - topic: Dave on a branch merged with --no-ff by Merger (the merge is not counted)
    - side: Mallory on a branch never merged
    - december: Alice, 1 line (after the period)
    """
    repo = new_repo(root)
    ids: dict[str, str] = {}
    ids["october"] = commit(repo, BOB, "2026-10-20T12:00:00+00:00", {"bob.txt": lines(2)})
    ids["mailmap"] = commit(repo, CAROL, "2026-11-01T09:00:00+00:00", {".mailmap": MAILMAP})
    ids["alice_old"] = commit(
        repo, ALICE_OLD, "2026-11-02T10:00:00+00:00", {"alice.txt": lines(3, "alice")}
    )
    ids["pair"] = commit(
        repo,
        ALICE,
        "2026-11-05T23:30:00-02:00",  # 2026-11-06 in UTC
        {"pair.txt": lines(4, "pair")},
        "pair work\n\nCo-authored-by: Bob <bobby@home.example>\n"
        "Co-authored-by: Alice <alice@example.org>\n",
    )
    ids["bot"] = commit(repo, DEPENDABOT, "2026-11-07T08:00:00+00:00", {"deps.txt": "x 1\n"})
    ids["vendored"] = commit(
        repo, CAROL, "2026-11-08T08:00:00+00:00", {"vendor/dump.js": lines(5_000, "v")}
    )
    ids["binary"] = commit(
        repo,
        BOB,
        "2026-11-09T08:00:00+00:00",
        {"logo.png": b"\x89PNG\r\n\x1a\n\0\0\0" * 50, "bob.txt": lines(2) + lines(2, "more")},
    )
    main = repo.active_branch
    topic = repo.create_head("topic")
    topic.checkout()
    ids["topic"] = commit(repo, DAVE, "2026-11-10T08:00:00+00:00", {"dave.txt": lines(5, "d")})
    main.checkout()
    when = "2026-11-11T08:00:00+00:00"
    repo.git.merge(
        "--no-ff",
        "topic",
        "-m",
        "merge topic",
        env={
            "GIT_AUTHOR_NAME": MERGER.name,
            "GIT_AUTHOR_EMAIL": MERGER.email,
            "GIT_COMMITTER_NAME": MERGER.name,
            "GIT_COMMITTER_EMAIL": MERGER.email,
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
        },
    )
    ids["merge"] = repo.head.commit.hexsha
    side = repo.create_head("side")
    side.checkout()
    ids["side"] = commit(repo, MALLORY, "2026-11-12T08:00:00+00:00", {"m.txt": lines(50, "m")})
    main.checkout()
    ids["december"] = commit(
        repo, ALICE, "2026-12-01T08:00:00+00:00", {"alice.txt": lines(4, "alice")}
    )
    return repo, ids
