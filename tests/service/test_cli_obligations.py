"""End to end: ``copyfair obligations`` and obligations in ``copyfair scan``, on real
temporary trees and git repositories (the full-text matcher is faked)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from service.cli import main
from service.cli.obligations_cmd import obligations
from tests.scanners.pipeline_fixtures import backdate, install_fakes, make_repo, write

SCHEDULE = """\
[commons]
name = "Geo Commons Library"
payee = "geo-commons-foundation"

[commons.reciprocity]
model = "per-developer"
currency = "EUR"
amount_per_developer_year = 2000
minimum_year = 500
cap_year = 50000
"""

FOR_PROFIT = """\
[organisation]
name = "Acme Analytics GmbH"
legal_form = "for-profit"
profits_to_workers = false
employs_wage_labour = true
headcount = 50
developers = 10
revenue = { amount = 12000000, currency = "EUR", year = 2025 }

[use]
kinds = ["saas", "distribution"]
commercial = true
"""

WORKER_COOP = """\
[organisation]
name = "Cooperativa Tessitori Digitali"
legal_form = "worker-cooperative"
worker_owned = true
profits_to_workers = true
employs_wage_labour = false
headcount = 18
developers = 11

[use]
kinds = ["saas", "distribution"]
commercial = true
"""

AS_OF = ("--as-of", "2026-11-23")


@pytest.fixture(autouse=True)
def _fakes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_fakes(monkeypatch)
    monkeypatch.setenv("COPYFAIR_CACHE_DIR", str(tmp_path / "cache"))


def make_tree(root: Path, profile: str | None) -> Path:
    """A project vendoring a PPL component that ships its foundation's schedule."""
    write(root, "main.py", "print('hello')\n")
    write(root, "vendor/geo/LICENSE", "SPDX-License-Identifier: PPL\n")
    write(root, "vendor/geo/copyfair.toml", SCHEDULE)
    write(root, "vendor/geo/geo.py", "def area(): return 0\n")
    if profile is not None:
        write(root, "copyfair.toml", profile)
    backdate(root)
    return root


def run_obligations(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(obligations, [*args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_scan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["scan", "-j", "1", *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def lines_of(doc: dict[str, object], kind: str) -> list[dict[str, object]]:
    found = doc["obligations"]
    assert isinstance(found, list)
    return [o for o in found if o["kind"] == kind]


def test_for_profit_owes_the_schedule_pro_rated(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", FOR_PROFIT)
    # March 2026: 31 of 365 days of 10 developers x EUR 2,000 = EUR 1,698.63
    code, out, _ = run_obligations(str(root), "--format", "json", "--period", "2026-03", *AS_OF)
    assert code == 0
    doc = json.loads(out)
    (payment,) = lines_of(doc, "reciprocity-payment")
    assert payment["status"] == "owed"
    assert payment["amount_minor"] == 169_863 and payment["currency"] == "EUR"
    assert payment["payee"] == "geo-commons-foundation"
    assert payment["period"] == {"start": "2026-03-01", "end": "2026-03-31"}
    assert "PPL" in str(payment["reason"]) and "vendor/geo/copyfair.toml" in str(payment["reason"])
    assert doc["obligations_totals"] == [{"currency": "EUR", "amount_minor": 169_863}]
    usage = doc["usage"]
    assert usage["commercial"] == "yes" and usage["profile"]["name"] == "Acme Analytics GmbH"
    # The whole year: exactly the annual amount.
    code, out, _ = run_obligations(str(root), "--format", "json", "--period", "2026", *AS_OF)
    (payment,) = lines_of(json.loads(out), "reciprocity-payment")
    assert payment["amount_minor"] == 2_000_000


def test_the_text_explains_each_line_owed_first(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", FOR_PROFIT)
    code, out, _ = run_obligations(str(root), "--period", "2026", *AS_OF)
    assert code == 0
    assert "Entity: Acme Analytics GmbH (for-profit), declared in copyfair.toml." in out
    assert "Owed in the period: EUR 20,000.00." in out
    assert "geo (vendored, vendor/geo): PPL" in out
    assert "reciprocity-payment owed EUR 20,000.00 to geo-commons-foundation" in out
    assert [x for x in out.splitlines() if x.startswith("      ") and len(x) > 88] == []


def test_a_worker_cooperative_is_exempt(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", WORKER_COOP)
    code, out, _ = run_obligations(str(root), "--format", "json", *AS_OF)
    assert code == 0
    (payment,) = lines_of(json.loads(out), "reciprocity-payment")
    assert payment["status"] == "exempt" and payment["amount_minor"] == 0
    assert json.loads(out)["obligations_totals"] == []
    # Exempt from payment: --fail-on obligations passes; duties fail only with :all.
    code, _, err = run_scan(str(root), "--fail-on", "obligations", *AS_OF)
    assert code == 0 and "Policy failed" not in err
    code, _, err = run_scan(str(root), "--fail-on", "obligations:all", *AS_OF)
    assert code == 1 and "attribution owed" in err


def test_without_a_profile_payment_needs_declaration(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", None)
    code, out, _ = run_obligations(str(root), "--format", "json", *AS_OF)
    assert code == 0
    doc = json.loads(out)
    (payment,) = lines_of(doc, "reciprocity-payment")
    assert payment["status"] == "needs-declaration" and payment["amount_minor"] is None
    assert doc["usage"]["profile"] is None
    code, out, err = run_scan(str(root), "--fail-on", "obligations", *AS_OF)
    assert code == 1
    assert out.startswith("Scanned")  # the report is still written
    assert "1 obligation owed or to be declared (obligations)" in err
    assert "geo (vendored, vendor/geo): PPL: reciprocity-payment needs-declaration" in err


def test_fail_on_obligations_with_a_payment_owed(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", FOR_PROFIT)
    code, out, err = run_scan(str(root), "--fail-on", "obligations", *AS_OF)
    assert code == 1 and "reciprocity-payment owed" in err
    assert "To settle (1):" in out  # the text report shows the obligations section
    # Without --fail-on obligations what is owed never changes the exit code.
    code, _, err = run_scan(str(root), "--format", "json", *AS_OF)
    assert code == 0 and err == ""


def test_a_bad_profile_exits_2_naming_every_field(tmp_path: Path) -> None:
    bad = FOR_PROFIT.replace('"for-profit"', '"corporation"').replace(
        "headcount = 50", "headcount = -3"
    )
    root = make_tree(tmp_path / "t", bad)
    for run in (run_obligations, run_scan):
        code, _, err = run(str(root), *AS_OF)
        assert code == 2
        assert "organisation.legal_form" in err and "organisation.headcount" in err
        assert "expected" in err and "found" in err


def test_invalid_toml_in_the_profile_exits_2_with_line_and_column(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", '[organisation]\nname = "x"\nheadcount = = 3\n')
    code, _, err = run_scan(str(root), "--format", "json", *AS_OF)
    assert code == 2 and "copyfair.toml:3:" in err and "invalid TOML" in err


def test_an_explicit_profile_and_a_bad_period(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", None)
    profile = write(tmp_path, "acme.toml", FOR_PROFIT)
    code, out, _ = run_scan(
        str(root), "--format", "json", "--profile", str(profile), "--period", "2026", *AS_OF
    )
    assert code == 0
    (payment,) = lines_of(json.loads(out), "reciprocity-payment")
    assert payment["status"] == "owed" and payment["amount_minor"] == 2_000_000
    code, _, err = run_scan(str(root), "--period", "2026-13")
    assert code == 2 and "--period" in err
    code, _, err = run_obligations(str(root), "--as-of", "yesterday")
    assert code == 2 and "--as-of" in err


def test_plain_text_scan_skips_the_obligations(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", FOR_PROFIT)
    code, out, _ = run_scan(str(root))
    assert code == 0 and "Obligations for" not in out
    code, out, _ = run_scan(str(root), "--period", "2026")
    assert code == 0 and "Obligations for 2026-01-01 to 2026-12-31" in out


def test_markdown_shows_what_is_owed(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", FOR_PROFIT)
    code, out, _ = run_scan(str(root), "--format", "markdown", "--period", "2026", *AS_OF)
    assert code == 0
    assert "### Obligations 2026-01-01 to 2026-12-31" in out
    assert "| geo | PPL | reciprocity-payment | owed | EUR 20,000.00 |" in out


def test_a_git_repository_gives_usage_signals(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "repo", None)
    repo = make_repo(root)
    repo.index.add(["main.py", "vendor/geo/LICENSE", "vendor/geo/copyfair.toml"])
    repo.index.commit("first")
    code, out, _ = run_obligations(str(root), "--format", "json", *AS_OF)
    assert code == 0
    doc = json.loads(out)
    assert "git history" not in " ".join(map(str, doc["obligations_problems"]))
    assert doc["usage"]["commercial"] in ("yes", "no", "unknown")
    # The untracked vendor/geo/geo.py is not part of the scan: only tracked files are.
    (payment,) = lines_of(doc, "reciprocity-payment")
    assert payment["status"] == "needs-declaration"


def test_a_revision_is_assessed_from_its_own_files(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "repo", WORKER_COOP)
    repo = make_repo(root)
    repo.index.add(["main.py", "copyfair.toml", "vendor/geo/LICENSE", "vendor/geo/copyfair.toml"])
    repo.index.commit("coop")
    write(root, "copyfair.toml", FOR_PROFIT)  # uncommitted: not in the revision
    code, out, _ = run_scan(str(root), "--rev", "HEAD", "--format", "json", *AS_OF)
    assert code == 0
    (payment,) = lines_of(json.loads(out), "reciprocity-payment")
    assert payment["status"] == "exempt"


def test_fail_on_obligations_from_the_policy_in_copyfair_toml(tmp_path: Path) -> None:
    root = make_tree(tmp_path / "t", FOR_PROFIT + '\n[policy]\nfail-on = ["obligations"]\n')
    code, out, err = run_scan(str(root), *AS_OF)
    assert code == 1
    assert "copyfair.toml and --fail-on" in err and "reciprocity-payment owed" in err
    assert "Obligations for 2026-01-01 to 2026-12-31" in out
