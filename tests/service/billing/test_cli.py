"""``copyfair ledger check`` and ``copyfair billing run / mark-paid / reconcile`` on a
migrated SQLite database (the manual gateway)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli.billing_cmd import billing
from service.cli.ledger_cmd import ledger


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "COPYFAIR_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/cli.db",
        "COPYFAIR_BILLING_GATEWAY": "manual",
    }


def _obligations(tmp_path: Path) -> Path:
    path = tmp_path / "owed.json"
    rows = [
        {"id": "ob-1", "company_id": "acme", "commons_id": "geo", "amount_minor": 1200,
         "currency": "EUR", "period": "2026-11"},
        {"id": "ob-2", "company_id": "globex", "commons_id": "geo", "amount_minor": 800,
         "currency": "EUR", "period": "2026-11"},
    ]  # fmt: skip
    path.write_text(json.dumps(rows))
    return path


def test_run_mark_paid_reconcile_and_check(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    owed = str(_obligations(tmp_path))
    first = runner.invoke(billing, ["run", "--period", "2026-11", "--source", owed], env=env)
    assert first.exit_code == 0, first.output
    assert "2 invoice(s) created, 2 line(s) added" in first.output
    again = runner.invoke(billing, ["run", "--period", "2026-11", "--obligations", owed], env=env)
    assert "0 invoice(s) created, 0 line(s) added, 2 already billed" in again.output

    paid = runner.invoke(billing, ["mark-paid", "--all", "--period", "2026-11"], env=env)
    assert paid.exit_code == 0, paid.output
    assert paid.output.count(": paid") == 2
    invoice_id = paid.output.split(":")[0]
    twice = runner.invoke(billing, ["mark-paid", invoice_id], env=env)
    assert twice.exit_code == 0 and "already paid" in twice.output

    reconciled = runner.invoke(billing, ["reconcile"], env=env)
    assert reconciled.exit_code == 0, reconciled.output
    checked = runner.invoke(ledger, ["check"], env=env)
    assert checked.exit_code == 0, checked.output
    assert "ok: 4 transaction(s)" in checked.output


def test_mark_paid_usage_errors(env: dict[str, str]) -> None:
    runner = CliRunner()
    assert runner.invoke(billing, ["mark-paid"], env=env).exit_code == 2
    assert runner.invoke(billing, ["mark-paid", "--all"], env=env).exit_code == 2
    unknown = runner.invoke(billing, ["mark-paid", "not-a-uuid"], env=env)
    assert unknown.exit_code == 2 and "not an invoice id" in unknown.output


def test_a_stripe_gateway_without_a_key_is_refused(env: dict[str, str], tmp_path: Path) -> None:
    env = {**env, "COPYFAIR_BILLING_GATEWAY": "stripe"}
    result = CliRunner().invoke(billing, ["reconcile"], env=env)
    assert result.exit_code == 2
    assert "COPYFAIR_STRIPE_API_KEY" in result.output


def _store(env: dict[str, str]) -> list[object]:
    """Stored obligations in the CLI's (migrated) database."""
    import asyncio

    from service.db.engine import open_database
    from service.settings import Settings
    from tests.service.billing.store_rows import Row, make_world, store_obligations

    async def work() -> list[object]:
        settings = Settings(database_url=env["COPYFAIR_DATABASE_URL"])
        async with open_database(settings) as sessions:
            world = await make_world(sessions)
            rows = [
                Row(world.acme, world.commons["geo"], 1200),
                Row(world.globex, world.commons["tiles"], 800),
                Row(world.acme, world.commons["geo"], 900, status="exempt"),
            ]
            return [world, *await store_obligations(sessions, world, rows)]

    return asyncio.run(work())


def test_run_reads_the_stored_obligations_by_default(env: dict[str, str]) -> None:
    from tests.service.billing.store_rows import World

    world, *_ = _store(env)
    assert isinstance(world, World)
    runner = CliRunner()
    scoped = runner.invoke(
        billing,
        ["run", "--period", "2026-11", "--foundation", str(world.other_foundation)],
        env=env,
    )
    assert scoped.exit_code == 0, scoped.output
    assert "1 invoice(s) created, 1 line(s) added" in scoped.output
    rest = runner.invoke(billing, ["run", "--period", "2026-11"], env=env)
    assert rest.exit_code == 0, rest.output
    assert "1 invoice(s) created, 1 line(s) added" in rest.output
    paid = runner.invoke(billing, ["mark-paid", "--all", "--period", "2026-11"], env=env)
    assert paid.output.count(": paid") == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13"], "YYYY-MM"),
        (["--period", "2026-11", "--foundation", "geo"], "not an organisation id"),
    ],
)
def test_run_usage_errors(env: dict[str, str], args: list[str], message: str) -> None:
    result = CliRunner().invoke(billing, ["run", *args], env=env)
    assert result.exit_code == 2
    assert message in result.output


def test_run_refuses_a_source_that_is_not_a_list_of_obligations(
    env: dict[str, str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"id": "ob-1", "company_id": "acme"}]))
    result = CliRunner().invoke(
        billing, ["run", "--period", "2026-11", "--source", str(bad)], env=env
    )
    assert result.exit_code == 2
    assert "each item needs id, company_id, commons_id" in result.output


def test_funds_go_to_the_foundations_after_payment(env: dict[str, str]) -> None:
    from service.cli.admin_cmd import admin
    from tests.service.billing.store_rows import World

    world, *_ = _store(env)
    assert isinstance(world, World)
    runner = CliRunner()
    bad = runner.invoke(admin, ["set-payout-account", str(world.geo_foundation), "ba_123"], env=env)
    assert bad.exit_code == 2 and "not a Stripe connected account id" in bad.output
    company = runner.invoke(admin, ["set-payout-account", str(world.acme), "acct_1X"], env=env)
    assert company.exit_code == 2 and "only a foundation" in company.output
    ok = runner.invoke(
        admin, ["set-payout-account", str(world.geo_foundation), "acct_1Geo"], env=env
    )
    assert ok.exit_code == 0 and "payout account acct_1Geo" in ok.output

    env = {**env, "COPYFAIR_FOUNDATION_TRANSFERS": "manual"}
    ran = runner.invoke(billing, ["run", "--period", "2026-11"], env=env)
    assert ran.exit_code == 0, ran.output
    assert "0 planned, 0 sent" in ran.output  # nothing paid yet
    paid = runner.invoke(billing, ["mark-paid", "--all", "--period", "2026-11"], env=env)
    assert paid.exit_code == 0, paid.output
    # geo's 1200 is recorded to be sent by hand; tiles' foundation has no account: held
    assert "1 planned, 0 sent, 1 to make by hand, 1 held" in paid.output
    assert "set-payout-account" in paid.output
    again = runner.invoke(billing, ["transfer"], env=env)
    assert again.exit_code == 1  # still held
    assert "0 planned, 0 sent, 0 to make by hand, 1 held" in again.output

    listed = runner.invoke(billing, ["transfers", "--status", "manual"], env=env)
    assert listed.exit_code == 0 and "1200 EUR -> acct_1Geo" in listed.output
    transfer_id = listed.output.split()[0]
    made = runner.invoke(billing, ["transfer-made", transfer_id, "--reference", "BANK-77"], env=env)
    assert made.exit_code == 0 and f"{transfer_id}: made" in made.output
    twice = runner.invoke(billing, ["transfer-made", transfer_id, "--reference", "B"], env=env)
    assert "already made" in twice.output
    checked = runner.invoke(ledger, ["check"], env=env)
    assert checked.exit_code == 0, checked.output

    none = runner.invoke(
        billing, ["transfer"], env={**env, "COPYFAIR_FOUNDATION_TRANSFERS": "none"}
    )
    assert none.exit_code == 2 and "stay in the commons' pools" in none.output
    wrong = runner.invoke(billing, ["transfer"], env={**env, "COPYFAIR_FOUNDATION_TRANSFERS": "x"})
    assert wrong.exit_code == 2 and "use one of none, manual, stripe" in wrong.output
