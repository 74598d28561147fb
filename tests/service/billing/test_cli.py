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
    first = runner.invoke(billing, ["run", "--period", "2026-11", "--obligations", owed], env=env)
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
