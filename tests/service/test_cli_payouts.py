"""``copyfair payouts preview`` on a real git history."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from licences.allocation import Method
from service.cli.payouts_cmd import parse_aliases, parse_weights, payouts
from tests.scanners.contributions.repos import commons_repo


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("payouts") / "commons"
    commons_repo(root)
    return root


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(payouts, ["preview", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _json(repo: Path, *args: str) -> dict[str, Any]:
    code, out, err = _run("--repo", str(repo), "--period", "2026-11", "--json", *args)
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def _balanced(data: dict[str, Any]) -> bool:
    paid = sum(p["amount_minor"] for p in data["payouts"])
    return bool(
        paid + data["foundation_share_minor"] + data["carried_minor"] + data["unclaimed_minor"]
        == data["pool_minor"]
    )


def test_json_preview_shares_the_pool_by_score(repo: Path) -> None:
    data = _json(repo, "--pool", "1000", "--currency", "EUR", "--foundation-share", "10")
    assert data["pool_minor"] == 100_000
    assert data["currency"] == "EUR"
    assert data["foundation_share_minor"] == 10_000
    assert data["carried_minor"] == 0
    scores = {p["commoner"]: p["score"] for p in data["payouts"]}
    # commits + 0.01 per changed line (capped at 1,000 per commit), co-authors split
    assert scores == {
        "carol@example.org": "12.02",
        "alice@example.org": "1.55",
        "bob@example.org": "1.54",
        "dave@example.org": "1.05",
    }
    amounts = {p["commoner"]: p["amount_minor"] for p in data["payouts"]}
    assert sum(amounts.values()) == 90_000
    assert amounts["carol@example.org"] == round(90_000 * 12.02 / 16.16)
    assert [p["commoner"] for p in data["payouts"]][0] == "carol@example.org"
    assert data["payouts"][0]["name"] == "Carol"
    assert {"commoner", "score", "amount_minor"} <= set(data["payouts"][0])
    assert data["period"] == {"start": "2026-11-01", "end": "2026-11-30"}
    assert data["repositories"][0]["ref_source"] == "main"
    assert data["version"] == 1 and data["preview"] is True
    assert _balanced(data)


def test_options_cap_quadratic_and_minimum_payout(repo: Path) -> None:
    capped = _json(repo, "--pool", "100", "--cap-percent", "40")
    assert max(p["amount_minor"] for p in capped["payouts"]) == capped["cap_minor"] == 4_000
    quadratic = _json(repo, "--pool", "100", "--method", "quadratic")
    carol = next(p for p in quadratic["payouts"] if p["commoner"] == "carol@example.org")
    assert carol["amount_minor"] < 5_000  # sqrt softens Carol's vendored commit
    minimum = _json(repo, "--pool", "100", "--min-payout", "15")
    assert [p["commoner"] for p in minimum["payouts"]] == ["carol@example.org"]
    assert minimum["carried_minor"] == sum(p["amount_minor"] for p in minimum["carried"]) > 0
    for data in (capped, quadratic, minimum):
        assert _balanced(data)


@pytest.mark.parametrize("method", list(Method))
def test_every_method_is_accepted(repo: Path, method: Method) -> None:
    data = _json(repo, "--pool", "10", "--method", method.value)
    assert data["policy"]["method"] == method.value
    assert _balanced(data)


def test_half_life_counts_older_contributions_decayed(repo: Path) -> None:
    plain = _json(repo, "--pool", "100")
    decayed = _json(repo, "--pool", "100", "--half-life", "30")
    bob_plain = next(c for c in plain["commoners"] if c["id"] == "bob@example.org")
    bob_decayed = next(c for c in decayed["commoners"] if c["id"] == "bob@example.org")
    assert bob_decayed["contributions"] == bob_plain["contributions"] + 1  # October counts
    assert Decimal(bob_decayed["score"]) < Decimal(bob_plain["score"]) + Decimal("1.02")


def test_contributions_are_listed_on_request(repo: Path) -> None:
    assert "contributions" not in _json(repo, "--pool", "1")
    data = _json(repo, "--pool", "1", "--with-contributions", "--alias", "dave@example.org=c@x")
    assert len(data["contributions"]) == 6
    assert "c@x" in {c["id"] for c in data["commoners"]}


def test_text_output(repo: Path) -> None:
    code, out, _ = _run("--repo", str(repo), "--period", "2026-11", "--pool", "1000")
    assert code == 0
    assert "nothing is paid" in out
    assert "EUR 1,000.00" in out
    assert "Carol" in out and "carol@example.org" in out


def test_an_empty_period_carries_everything(repo: Path) -> None:
    data = _json(repo, "--pool", "5", "--period", "2020")  # the later --period wins
    assert data["payouts"] == [] and data["carried_minor"] == 500
    code, out, _ = _run("--repo", str(repo), "--period", "2020", "--pool", "5")
    assert code == 0 and "No payout" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--commons", "c1", "--period", "2026-11"], "not a commons id"),
        (["--commons", "c1", "REPO", "--period", "2026-11"], "drop --repo"),
        (["--period", "2026-11", "--pool", "1"], "--repo"),
        (["REPO", "--period", "2026-11"], "--pool"),
        (["REPO", "--period", "2026-13", "--pool", "1"], "month"),
        (["REPO", "--period", "2026", "--pool", "1.234"], "decimals"),
        (["REPO", "--period", "2026", "--pool", "1", "--currency", "XYZ"], "currency"),
        (["REPO", "--period", "2026", "--pool", "1", "--foundation-share", "120"], "percent"),
        (["REPO", "--period", "2026", "--pool", "1", "--weights", "stars=2"], "MEASURE"),
        (["REPO", "--period", "2026", "--pool", "1", "--alias", "x"], "ALIAS"),
        (["REPO", "--period", "2026", "--pool", "1", "--half-life", "abc"], "half-life"),
    ],
)
def test_input_errors_exit_2(repo: Path, args: list[str], message: str) -> None:
    args = [x for a in args for x in (["--repo", str(repo)] if a == "REPO" else [a])]
    code, _, err = _run(*args)
    assert code == 2
    assert message in err


def test_not_a_repository_exits_2(tmp_path: Path) -> None:
    code, _, err = _run("--repo", str(tmp_path), "--period", "2026", "--pool", "1")
    assert code == 2
    assert "not a git repository" in err


def test_parsers() -> None:
    weights = parse_weights("commits=2, lines=0.5,surviving=0.001")
    assert (weights.commits, weights.changed_lines, weights.surviving_lines) == (
        Decimal(2),
        Decimal("0.5"),
        Decimal("0.001"),
    )
    assert parse_weights("").commits == 1
    assert parse_aliases(["Old@X.org = new@x.org"]) == {"Old@X.org": "new@x.org"}


def test_a_surviving_lines_weight_turns_blame_on(repo: Path) -> None:
    data = _json(repo, "--pool", "1", "--weights", "commits=0,lines=0,surviving=1")
    assert data["repositories"][0]["blame"]["complete"] is True
    carol = next(c for c in data["commoners"] if c["id"] == "carol@example.org")
    assert carol["measures"]["surviving_lines"] == "5002"  # .mailmap + the vendored dump
    assert carol["score"] == "5002"
    assert _json(repo, "--pool", "1")["repositories"][0]["blame"] is None


def _service_database(tmp_path: Path, repo: Path) -> tuple[str, str, str]:
    """A migrated SQLite database with a commons over ``repo``, its pool funded in
    November 2026: (database URL, commons id, Alice's commoner id)."""
    import asyncio
    from datetime import UTC, datetime

    from service.db.engine import create_engine, create_session_factory
    from service.db.migrate import upgrade
    from service.settings import Settings
    from tests.service.payouts.conftest import make_world, pay_into_pool

    url = f"sqlite+aiosqlite:///{tmp_path}/copyfair.db"

    async def build() -> tuple[str, str]:
        engine = create_engine(Settings(database_url=url))
        try:
            await upgrade(engine)
            sessions = create_session_factory(engine)
            world = await make_world(
                sessions,
                repo,
                policy={"foundation_share_percent": "10", "min_payout_minor": 100},
            )
            async with sessions() as session:
                when = datetime(2026, 11, 20, tzinfo=UTC)
                await pay_into_pool(
                    session, str(world.commons_id), str(world.company_id), 20_000, when
                )
                await session.commit()
            return str(world.commons_id), str(world.people["Alice"])
        finally:
            await engine.dispose()

    commons_id, alice = asyncio.run(build())
    return url, commons_id, alice


def test_preview_and_run_of_a_registered_commons(tmp_path: Path, repo: Path) -> None:
    url, commons_id, alice = _service_database(tmp_path, repo)
    env = {"COPYFAIR_DATABASE_URL": url, "COPYFAIR_PAYOUT_PROVIDER": "manual"}
    runner = CliRunner(env=env)
    preview_result = runner.invoke(
        payouts,
        ["preview", "--commons", commons_id, "--period", "2026-11", "--json"],
        catch_exceptions=False,
    )
    assert preview_result.exit_code == 0, preview_result.stderr
    previewed = json.loads(preview_result.stdout)
    assert previewed["pool_minor"] == 20_000 and previewed["foundation_share_minor"] == 2_000
    assert previewed["skipped"] == [
        {"repository": "https://github.com/geo/geo-commons", "reason": "not a local directory"}
    ]
    assert _balanced(previewed)

    first = runner.invoke(
        payouts, ["run", "--commons", commons_id, "--period", "2026-11", "--json"]
    )
    assert first.exit_code == 0, first.stderr
    ran = json.loads(first.stdout)
    assert ran["resumed"] is False and ran["status"] == "finished"
    assert ran["pool_minor"] == 20_000
    by_commoner = {p["commoner_id"]: p for p in ran["paid_now"]}
    assert by_commoner[alice]["transfer"].startswith("manual-payout-")
    # the same split as the preview, where everyone was payable
    amounts = {p["commoner"]: p["amount_minor"] for p in previewed["payouts"]}
    assert by_commoner[alice]["amount_minor"] == amounts["alice@example.org"]

    again = runner.invoke(payouts, ["run", "--commons", commons_id, "--period", "2026-11"])
    assert again.exit_code == 0
    assert "resumed" in again.stdout and "Transfers made now     0" in again.stdout
    after = runner.invoke(
        payouts, ["preview", "--commons", commons_id, "--period", "2026-11", "--json"]
    )
    assert json.loads(after.stdout)["pool_minor"] == 0  # paid out: nothing left to share

    missing = runner.invoke(
        payouts, ["run", "--commons", "00000000-0000-0000-0000-000000000000", "--period", "2026-11"]
    )
    assert missing.exit_code == 2 and "no commons" in missing.stderr
    bad = runner.invoke(payouts, ["run", "--commons", commons_id, "--period", "2026-11-01:x"])
    assert bad.exit_code == 2 and "Error:" in bad.stderr


def test_run_refused_where_pools_go_to_the_foundations_and_mark_made(
    tmp_path: Path, repo: Path
) -> None:
    url, commons_id, alice = _service_database(tmp_path, repo)
    base = {"COPYFAIR_DATABASE_URL": url, "COPYFAIR_PAYOUT_PROVIDER": "manual"}
    for mode in ("manual", "stripe"):
        env = {**base, "COPYFAIR_FOUNDATION_TRANSFERS": mode, "COPYFAIR_STRIPE_API_KEY": "sk_x"}
        refused = CliRunner(env=env).invoke(
            payouts, ["run", "--commons", commons_id, "--period", "2026-11"]
        )
        assert refused.exit_code == 2
        assert f"COPYFAIR_FOUNDATION_TRANSFERS={mode}" in refused.stderr
        assert "foundation's own deployment" in refused.stderr

    runner = CliRunner(env={**base, "COPYFAIR_FOUNDATION_TRANSFERS": "none"})
    ran = runner.invoke(payouts, ["run", "--commons", commons_id, "--period", "2026-11", "--json"])
    assert ran.exit_code == 0, ran.stderr
    line = next(p for p in json.loads(ran.stdout)["paid_now"] if p["commoner_id"] == alice)
    made = runner.invoke(payouts, ["mark-made", line["line_id"], "--reference", "BANK-7"])
    assert made.exit_code == 0, made.stderr
    assert made.stdout.strip() == f"{line['line_id']}: made"
    twice = runner.invoke(payouts, ["mark-made", line["line_id"], "--reference", "BANK-7"])
    assert twice.stdout.strip() == f"{line['line_id']}: already made"
    not_a_line = runner.invoke(payouts, ["mark-made", "nope", "--reference", "x"])
    assert not_a_line.exit_code == 2 and "not a payout line id" in not_a_line.stderr
    unknown = runner.invoke(
        payouts, ["mark-made", "00000000-0000-0000-0000-000000000000", "--reference", "x"]
    )
    assert unknown.exit_code == 2 and "no payout line" in unknown.stderr
