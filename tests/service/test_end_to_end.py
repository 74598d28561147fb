# ruff: noqa: F811 - the api fixtures are imported by name and taken as parameters
"""The whole flow, on the real app (SQLite and PostgreSQL): a commons made with GitPython,
registered by its foundation; a company's project scanned with ``copyfair scan --format
json`` and reported; the owed reciprocity billed, paid net of a fee; the pool shared among
the commoners who claimed their emails; statements and the public ledger agreeing with the
journal to the minor unit.

The expected amounts are worked out here, independently of the code under test: the
pro-rated price from the schedule (days of the month over days of the year, rounded half to
even on the cumulative amounts), and the shares from the commits of each person.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi import FastAPI
from git import Actor
from httpx import AsyncClient

from service.api.routes.webhooks import BillingContext
from service.billing.config import BillingConfig
from service.billing.manual import ManualGateway
from service.cli import main
from service.ledger.store import balances, check
from tests.scanners.contributions.repos import commit, new_repo
from tests.scanners.pipeline_fixtures import backdate, install_fakes, write
from tests.service.api.conftest import (  # noqa: F401 - fixtures
    Tenant,
    app,
    client,
    company,
    database_url,
    foundation,
    make_commoner,
    postgres_url,
    settings,
    sqlite_template,
)
from tests.service.transfers_fake import RecordingProvider

pytestmark = pytest.mark.asyncio

ALICE_OLD = Actor("alice", "alice@old.example")  # .mailmap: Alice <alice@example.org>
ALICE = Actor("Alice", "alice@example.org")
BOB = Actor("Bob", "bob@example.org")
CAROL = Actor("Carol", "carol@example.org")
DAVE = Actor("Dave", "dave@example.org")
BOT = Actor("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")

DEVELOPERS = 20
PRICE_PER_DEVELOPER_YEAR = 2000  # EUR, major units
POOL = 300_000  # what the commons' pool receives: the price less the processor's fee
FOUNDATION_PERCENT = 10
MIN_PAYOUT = 50_000


def this_month() -> tuple[str, date, date]:
    """The current month (UTC) as ``YYYY-MM``, its first day and the first day after it:
    the ledger dates the payment now, and a payout run shares what reached the pool
    before the end of its month."""
    today = datetime.now(UTC).date()
    first = today.replace(day=1)
    after = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return f"{first:%Y-%m}", first, after


def half_even(value: Fraction) -> int:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def expected_price(first: date, after: date) -> int:
    """Pro-rated by days: the year's amount up to the end of the month less the year's
    amount up to its start, each rounded half to even (so that the months of a year add up
    to the annual amount exactly)."""
    annual_minor = DEVELOPERS * PRICE_PER_DEVELOPER_YEAR * 100
    year_start = date(first.year, 1, 1)
    days_in_year = (date(first.year + 1, 1, 1) - year_start).days

    def upto(day: date) -> int:
        days = min((day - year_start).days, days_in_year)
        return half_even(Fraction(annual_minor * days, days_in_year))

    return upto(after) - upto(first)


def make_commons(root: Path, first: date) -> Path:
    """The commons: PPL, three people who merged work this month (Alice under two emails
    joined by the .mailmap, Bob, Carol, Dave) and a bot, plus older work that does not
    count for this month."""
    repo = new_repo(root)
    day = f"{first:%Y-%m}"
    if first.month > 1:
        before = f"{first.year}-{first.month - 1:02d}-15T12:00:00+00:00"
        commit(repo, BOB, before, {"old.txt": "last month\n"})
    commit(repo, ALICE, f"{day}-01T09:00:00+00:00", {"LICENSE": "SPDX-License-Identifier: PPL\n"})
    commit(
        repo,
        ALICE,
        f"{day}-01T10:00:00+00:00",
        {".mailmap": "Alice <alice@example.org> <alice@old.example>\n"},
    )
    commit(repo, ALICE_OLD, f"{day}-02T10:00:00+00:00", {"geo/area.py": "def area(): ...\n"})
    commit(repo, BOB, f"{day}-02T11:00:00+00:00", {"geo/length.py": "def length(): ...\n"})
    commit(repo, BOB, f"{day}-03T11:00:00+00:00", {"geo/length.py": "def length(): 1\n"})
    commit(repo, CAROL, f"{day}-03T12:00:00+00:00", {"docs.md": "# Geo\n"})
    commit(repo, DAVE, f"{day}-04T12:00:00+00:00", {"geo/grid.py": "GRID = 1\n"})
    commit(repo, DAVE, f"{day}-04T13:00:00+00:00", {"geo/grid.py": "GRID = 2\n"})
    commit(repo, BOT, f"{day}-05T08:00:00+00:00", {"requirements.txt": "shapely==2.0\n"})
    return root


# Commits this month per person: Alice 3 (one under the old email), Bob 2, Carol 1, Dave 2;
# the bot and last month's commit do not count. Alice's first commit is the LICENSE.
COMMITS = {"alice": 3, "bob": 2, "carol": 1, "dave": 2}

FOR_PROFIT = f"""\
[organisation]
name = "Acme Analytics GmbH"
legal_form = "for-profit"
profits_to_workers = false
employs_wage_labour = true
headcount = 80
developers = {DEVELOPERS}
revenue = {{ amount = 12000000, currency = "EUR", year = 2025 }}

[use]
kinds = ["saas", "distribution"]
commercial = true
"""


def make_project(root: Path) -> Path:
    """A company's project that vendors the commons and declares it as a dependency."""
    write(root, "app.py", "import geo\n")
    write(root, "requirements.txt", "geo-commons==1.0\nrequests==2.31\n")
    write(root, "vendor/geo-commons/LICENSE", "SPDX-License-Identifier: PPL\n")
    write(root, "vendor/geo-commons/geo/area.py", "def area(): ...\n")
    write(root, "copyfair.toml", FOR_PROFIT)
    backdate(root)
    return root


def scan_json(path: Path, period: str) -> dict[str, Any]:
    result = CliRunner().invoke(
        main,
        ["scan", "-j", "1", str(path), "--format", "json", "--period", period],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    doc: dict[str, Any] = json.loads(result.stdout)
    return doc


@dataclass(frozen=True)
class Expected:
    period: str
    price: int
    fee: int
    foundation: int
    per_commit: int


def expected_amounts(period: str, first: date, after: date) -> Expected:
    price = expected_price(first, after)
    assert price > POOL, "the schedule's month is always above the pool chosen here"
    share = POOL * FOUNDATION_PERCENT // 100
    shared = POOL - share
    total_commits = sum(COMMITS.values())
    assert shared % total_commits == 0  # chosen so: every share is exact
    return Expected(period, price, price - POOL, share, shared // total_commits)


async def _claim(client: AsyncClient, who: Tenant, email: str, account: str | None) -> None:
    made = await client.post("/v1/me/claims", json={"email": email}, headers=who.headers)
    assert made.status_code == 201, made.text
    claim = made.json()
    verified = await client.post(
        f"/v1/me/claims/{claim['id']}/verify", json={"token": claim["token"]}, headers=who.headers
    )
    assert verified.status_code == 200 and verified.json()["status"] == "verified", verified.text
    if account is not None:
        connected = await client.put(
            "/v1/me/payout-account",
            json={"account": account, "alias": email.split("@")[0]},
            headers=who.headers,
        )
        assert connected.status_code == 200, connected.text


async def commons_journal(app: FastAPI, commons_id: str) -> dict[str, int]:
    """The balance of each account, of the postings about this commons only (the
    PostgreSQL database is shared by the tests of a session)."""
    async with app.state.services.sessions() as session:
        found = await balances(session, frozenset({commons_id}))
    return {b.account: b.amount_minor for b in found}


@pytest.fixture(autouse=True)
def _scanner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    install_fakes(monkeypatch)  # the full-text matcher (the SPDX tags decide here)
    monkeypatch.setenv("COPYFAIR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("COPYFAIR_FOUNDATION_TRANSFERS", raising=False)


async def collect(
    client: AsyncClient,
    app: FastAPI,
    foundation: Tenant,
    company: Tenant,
    tmp_path: Path,
    want: Expected,
    first: date,
) -> str:
    """Steps 1 to 4: the commons registered, the project scanned and reported, the owed
    payment billed and paid net of the fee. Returns the commons' id."""
    period = want.period
    commons_path = make_commons(tmp_path / "geo-commons", first)
    app.state.billing = BillingContext(BillingConfig(), ManualGateway())

    # 1. the foundation registers the commons, with its schedule and payout policy
    registered = await client.post(
        "/v1/commons",
        json={
            "name": "Geo Commons Library",
            "licence": "PPL",
            "payee": "geo-commons-foundation",
            "repositories": [str(commons_path)],
            "match": {"packages": ["geo-commons"]},
            "reciprocity": {
                "model": "per-developer",
                "currency": "EUR",
                "amount_per_developer_year": PRICE_PER_DEVELOPER_YEAR,
            },
        },
        headers=foundation.headers,
    )
    assert registered.status_code == 201, registered.text
    commons_id = registered.json()["id"]
    policy = await client.put(
        f"/v1/commons/{commons_id}/payouts/policy",
        json={
            "foundation_share_percent": str(FOUNDATION_PERCENT),
            "weights": {"commits": 1, "changed_lines": 0, "surviving_lines": 0},
            "min_payout_minor": MIN_PAYOUT,
        },
        headers=foundation.headers,
    )
    assert policy.status_code == 200, policy.text

    # 2. the company scans its project and reports it
    scan = scan_json(make_project(tmp_path / "analytics"), period)
    names = {c["name"] for c in scan["components"]}
    assert {"geo-commons", "requests"} <= names
    sent = await client.post(
        "/v1/reports",
        json={"scan": scan, "period": period, "project": "acme/analytics"},
        headers=company.headers,
    )
    assert sent.status_code == 201, sent.text

    # 3. what is owed: one payment for the commons, with its reason and evidence
    owed = await client.get(
        "/v1/obligations",
        params={"status": "owed", "period": period, "commons": commons_id},
        headers=company.headers,
    )
    assert owed.status_code == 200, owed.text
    payments = [o for o in owed.json()["items"] if o["kind"] == "reciprocity-payment"]
    carrying = [o for o in payments if o["amount_minor"]]
    assert len(carrying) == 1, payments
    payment = carrying[0]
    assert payment["amount_minor"] == want.price and payment["currency"] == "EUR"
    assert payment["licence"] == "PPL" and payment["clause"] == "PPL 4(b)"
    assert f"{DEVELOPERS} developer(s)" in payment["reason"]
    assert any(e["method"] == "commons-match" for e in payment["evidence"]), payment["evidence"]
    for other in payments:
        if other is not payment:  # the commons' other component says where it is counted
            assert other["amount_minor"] == 0 and "Counted once" in other["reason"]
    seen_by_foundation = await client.get(
        "/v1/obligations", params={"period": period}, headers=foundation.headers
    )
    assert payment["id"] in {o["id"] for o in seen_by_foundation.json()["items"]}

    # 4. billing: one invoice, paid by bank transfer with a fee
    started = await client.post(
        "/v1/billing/runs", json={"period": period}, headers=foundation.headers
    )
    assert started.status_code == 202, started.text
    run = await client.get(f"/v1/billing/runs/{started.json()['id']}", headers=foundation.headers)
    assert run.json()["status"] == "done", run.text
    invoices = (await client.get("/v1/invoices", headers=company.headers)).json()["items"]
    assert len(invoices) == 1
    invoice = invoices[0]
    assert invoice["total_minor"] == want.price
    assert [line["obligation_id"] for line in invoice["lines"]] == [payment["id"]]
    paid = await client.post(
        f"/v1/invoices/{invoice['id']}/payments",
        json={"reference": "BANK-0001", "amount_minor": want.price, "fee_minor": want.fee},
        headers=foundation.headers,
    )
    assert paid.status_code == 201, paid.text
    assert paid.json()["invoice"]["status"] == "paid"
    again = await client.post(
        f"/v1/invoices/{invoice['id']}/payments",
        json={"reference": "BANK-0001", "fee_minor": want.fee},
        headers=foundation.headers,
    )
    assert again.status_code == 200 and again.json()["recorded"] is False
    status = await client.get(f"/v1/obligations/{payment['id']}", headers=company.headers)
    assert status.json()["status"] == "paid"
    return str(commons_id)


async def test_from_a_scan_to_the_commoners_to_the_minor_unit(
    client: AsyncClient,
    app: FastAPI,
    foundation: Tenant,
    company: Tenant,
    tmp_path: Path,
) -> None:
    period, first, after = this_month()
    want = expected_amounts(period, first, after)
    app.state.foundation_transfers = None  # one deployment: the operator is the foundation
    commons_id = await collect(client, app, foundation, company, tmp_path, want, first)
    journal = await commons_journal(app, commons_id)
    assert journal[f"pool:{commons_id}"] == -POOL  # the pool, net of the fee

    # 5. commoners claim their emails; Dave never does (unclaimed)
    alice = await make_commoner(app, "Alice")
    bob = await make_commoner(app, "Bob")
    carol = await make_commoner(app, "Carol")
    await _claim(client, alice, "alice@example.org", "acct_alice")
    await _claim(client, bob, "bob@example.org", "acct_bob")
    await _claim(client, carol, "carol@example.org", "acct_carol")

    # 6. the payout run, through the provider
    provider = RecordingProvider()
    app.state.payout_provider = provider
    payout = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": period},
        headers=foundation.headers,
    )
    assert payout.status_code == 202, payout.text  # planned; paid in the background
    location = payout.headers["location"]
    assert location == f"/v1/commons/{commons_id}/payouts/runs/{payout.json()['id']}"
    followed = await client.get(location, headers=foundation.headers)
    assert followed.status_code == 200, followed.text
    result = followed.json()
    assert result["status"] == "finished" and result["progress"] == {"paid": 2, "payable": 2}
    alice_due = COMMITS["alice"] * want.per_commit
    bob_due = COMMITS["bob"] * want.per_commit
    carol_due = COMMITS["carol"] * want.per_commit  # below the minimum: carried
    dave_due = COMMITS["dave"] * want.per_commit  # nobody claimed it: unclaimed
    assert carol_due < MIN_PAYOUT <= min(alice_due, bob_due, dave_due)
    assert result["pool_minor"] == POOL
    assert result["foundation_share_minor"] == want.foundation
    assert result["carried_minor"] == carol_due
    assert result["unclaimed_minor"] == dave_due
    paid = [line for line in result["lines"] if line["status"] == "paid"]
    assert {line["commoner_id"]: line["amount_minor"] for line in paid} == {
        str(alice.id): alice_due,
        str(bob.id): bob_due,
    }
    assert provider.moved("acct_alice") == alice_due and provider.moved("acct_bob") == bob_due
    assert provider.moved("acct_carol") == 0
    assert want.foundation + alice_due + bob_due + carol_due + dave_due == POOL

    # 7. statements and the public ledger agree with the journal
    statements = {}
    for who in (alice, bob, carol):
        answer = await client.get("/v1/me/statements", headers=who.headers)
        assert answer.status_code == 200, answer.text
        (statements[who.id],) = answer.json()["items"]
    assert statements[alice.id]["amount_minor"] == alice_due
    assert statements[alice.id]["status"] == "paid" and statements[alice.id]["settled"] is True
    assert statements[alice.id]["measures"]["commits"] == str(COMMITS["alice"])
    assert statements[bob.id]["amount_minor"] == bob_due
    assert statements[carol.id]["amount_minor"] == carol_due
    assert statements[carol.id]["status"] == "carried"

    public = await client.get(f"/v1/commons/{commons_id}/ledger")
    assert public.status_code == 200, public.text
    ledger = public.json()
    assert ledger["inflows"] == [
        {"company": "Acme Analytics GmbH", "currency": "EUR", "amount_minor": POOL}
    ]
    assert ledger["foundation_share"] == [
        {"period": period, "currency": "EUR", "amount_minor": want.foundation}
    ]
    assert {o["alias"]: o["amount_minor"] for o in ledger["outflows"]} == {
        "alice": alice_due,
        "bob": bob_due,
    }
    (totals,) = ledger["totals"]
    async with app.state.services.sessions() as session:
        assert await check(session) == []
    journal = await commons_journal(app, commons_id)
    assert totals["collected_minor"] == POOL == want.price - want.fee
    assert totals["foundation_share_minor"] == want.foundation
    assert totals["paid_minor"] == alice_due + bob_due
    assert totals["unclaimed_minor"] == dave_due == -journal["unclaimed"]
    assert totals["pool_minor"] == carol_due == -journal[f"pool:{commons_id}"]
    assert totals["payable_minor"] == 0
    assert (
        totals["paid_minor"]
        + totals["foundation_share_minor"]
        + totals["pool_minor"]
        + totals["unclaimed_minor"]
        == POOL
    )
    assert journal[f"foundation_share:{commons_id}"] == -want.foundation
    assert journal.get("in_transit", 0) == 0  # the provider confirmed: settled


async def test_where_the_pools_go_to_the_foundations_commoners_are_paid_elsewhere(
    client: AsyncClient,
    app: FastAPI,
    foundation: Tenant,
    company: Tenant,
    tmp_path: Path,
) -> None:
    """The other deployment model: the operator transfers each pool to its foundation's
    connected account (``COPYFAIR_FOUNDATION_TRANSFERS=stripe``), and refuses payout runs."""
    period, first, after = this_month()
    want = expected_amounts(period, first, after)
    transfers = RecordingProvider()
    app.state.foundation_transfers = transfers
    account = await client.put(
        "/v1/billing/payout-account",
        json={"account_id": "acct_geofoundation"},
        headers=foundation.headers,
    )
    assert account.status_code == 200, account.text
    commons_id = await collect(client, app, foundation, company, tmp_path, want, first)

    # the payment's transfer ran in the background: the whole net pool, once
    assert transfers.moved("acct_geofoundation") == POOL
    sent = await client.get("/v1/billing/transfers", headers=foundation.headers)
    [transfer] = sent.json()["items"]
    assert transfer["status"] == "sent" and transfer["amount_minor"] == POOL
    journal = await commons_journal(app, commons_id)
    assert journal[f"pool:{commons_id}"] == 0
    assert journal["in_transit"] == 0  # settled when Stripe made it
    assert journal["clearing"] == -POOL  # this commons' share left the processor balance

    public = (await client.get(f"/v1/commons/{commons_id}/ledger")).json()
    (totals,) = public["totals"]
    assert totals["collected_minor"] == totals["to_foundation_minor"] == POOL
    assert totals["pool_minor"] == totals["paid_minor"] == 0

    app.state.payout_provider = RecordingProvider()
    refused = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": period},
        headers=foundation.headers,
    )
    assert refused.status_code == 409, refused.text
    assert "COPYFAIR_FOUNDATION_TRANSFERS=stripe" in refused.json()["error"]["message"]
