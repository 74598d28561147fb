"""The payouts API: identity claims, payout accounts, statements (only one's own), payout
runs (foundation, own commons only) and the public ledger (no key; totals = journal)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import func, select

from service.db.models import LedgerTransaction, PayoutPolicyRecord
from service.ledger.store import balances, check
from service.payouts import entries
from service.transfers.interface import Transfer, TransferRequest
from tests.scanners.contributions.repos import commons_repo
from tests.service.api.conftest import Tenant, commons_body, make_commoner
from tests.service.payouts.conftest import pay_into_pool
from tests.service.transfers_fake import ProviderCrash, RecordingProvider

pytestmark = pytest.mark.asyncio

NOV = datetime(2026, 11, 15, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("payouts-api") / "commons"
    commons_repo(root)
    return root


async def _until_done(client: AsyncClient, location: str, who: Tenant) -> dict[str, Any]:
    """Poll a payout run until it is finished or failed (bounded)."""
    for _ in range(200):
        answer = await client.get(location, headers=who.headers)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        if body["status"] in ("finished", "failed"):
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"the payout run at {location} is still {body['status']}")


async def _claim(client: AsyncClient, who: Tenant, email: str) -> dict[str, Any]:
    made = await client.post("/v1/me/claims", json={"email": email}, headers=who.headers)
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    verified = await client.post(
        f"/v1/me/claims/{body['id']}/verify", json={"token": body["token"]}, headers=who.headers
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["status"] == "verified"
    return body


async def test_a_claim_is_verified_with_its_token_only(
    client: AsyncClient, commoner: Tenant, app: FastAPI
) -> None:
    made = await client.post(
        "/v1/me/claims", json={"email": " Ada@Example.org "}, headers=commoner.headers
    )
    assert made.status_code == 201
    claim = made.json()
    assert claim["email"] == "ada@example.org" and claim["status"] == "pending"
    assert claim["delivery"] == "outbox" and claim["token"]
    wrong = await client.post(
        f"/v1/me/claims/{claim['id']}/verify", json={"token": "nope"}, headers=commoner.headers
    )
    assert wrong.status_code == 422
    assert wrong.json()["error"]["field"] == "token"
    assert "4 attempt(s) left" in wrong.json()["error"]["message"]
    right = await client.post(
        f"/v1/me/claims/{claim['id']}/verify",
        json={"token": claim["token"]},
        headers=commoner.headers,
    )
    assert right.status_code == 200 and right.json()["status"] == "verified"
    listed = await client.get("/v1/me/claims", headers=commoner.headers)
    assert [c["email"] for c in listed.json()["items"]] == ["ada@example.org"]
    assert listed.json()["next"] is None
    second = await client.post(
        "/v1/me/claims", json={"email": "ada@home.example"}, headers=commoner.headers
    )
    assert second.status_code == 201, second.text
    first_page = (await client.get("/v1/me/claims?limit=1", headers=commoner.headers)).json()
    assert [c["email"] for c in first_page["items"]] == ["ada@example.org"]
    rest = await client.get(
        f"/v1/me/claims?limit=1&cursor={first_page['next']}", headers=commoner.headers
    )
    assert [c["email"] for c in rest.json()["items"]] == ["ada@home.example"]
    bad = await client.get("/v1/me/claims?cursor=nope", headers=commoner.headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"

    other = await make_commoner(app, "Eve")
    taken = await client.post(
        "/v1/me/claims", json={"email": "ada@example.org"}, headers=other.headers
    )
    assert taken.status_code == 409 and taken.json()["error"]["field"] == "email"
    not_theirs = await client.post(
        f"/v1/me/claims/{claim['id']}/verify",
        json={"token": claim["token"]},
        headers=other.headers,
    )
    assert not_theirs.status_code == 404


async def test_claims_and_accounts_reject_bad_input_with_the_field(
    client: AsyncClient, commoner: Tenant, company: Tenant, foundation: Tenant
) -> None:
    bad = await client.post("/v1/me/claims", json={"email": "nope"}, headers=commoner.headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "email"
    extra = await client.post(
        "/v1/me/claims", json={"email": "a@b.org", "x": 1}, headers=commoner.headers
    )
    assert extra.status_code == 422 and extra.json()["error"]["field"] == "x"
    account = await client.put(
        "/v1/me/payout-account", json={"account": "bank 123"}, headers=commoner.headers
    )
    assert account.status_code == 422 and account.json()["error"]["field"] == "account"
    assert "acct_" in account.json()["error"]["message"]
    for who in (company, foundation):
        for method, path in (("POST", "/v1/me/claims"), ("GET", "/v1/me/statements")):
            answer = await client.request(
                method, path, json={"email": "a@b.org"}, headers=who.headers
            )
            assert answer.status_code == 403
    unauthenticated = await client.get("/v1/me/statements")
    assert unauthenticated.status_code == 401


async def test_runs_statements_and_public_ledger_end_to_end(
    client: AsyncClient,
    app: FastAPI,
    foundation: Tenant,
    other_foundation: Tenant,
    company: Tenant,
    history: Path,
) -> None:
    made = await client.post(
        "/v1/commons",
        json=commons_body(repositories=[str(history)]),
        headers=foundation.headers,
    )
    assert made.status_code == 201, made.text
    commons_id = made.json()["id"]
    policy = await client.put(
        f"/v1/commons/{commons_id}/payouts/policy",
        json={"foundation_share_percent": "10", "method": "quadratic"},
        headers=foundation.headers,
    )
    assert policy.status_code == 200, policy.text
    assert policy.json()["policy"]["currency"] == "EUR"
    bad_policy = await client.put(
        f"/v1/commons/{commons_id}/payouts/policy",
        json={"method": "dice"},
        headers=foundation.headers,
    )
    assert bad_policy.status_code == 422
    assert bad_policy.json()["error"]["field"] == "method"

    async with app.state.services.sessions() as session:
        await pay_into_pool(session, commons_id, str(company.id), 80_000, NOV, fee_minor=1_000)
        await session.commit()

    alice = await make_commoner(app, "Alice")
    bob = await make_commoner(app, "Bob")
    await _claim(client, alice, "alice@example.org")
    await _claim(client, bob, "bob@example.org")
    for who, acct in ((alice, "acct_alice1"), (bob, "acct_bob1")):
        answer = await client.put(
            "/v1/me/payout-account",
            json={"account": acct, "alias": who.key[-6:]},
            headers=who.headers,
        )
        assert answer.status_code == 200, answer.text

    forbidden = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": "2026-11"},
        headers=other_foundation.headers,
    )
    assert forbidden.status_code == 404
    not_a_month = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": "2026"},
        headers=foundation.headers,
    )
    assert not_a_month.status_code == 422 and not_a_month.json()["error"]["field"] == "period"

    provider = RecordingProvider()
    app.state.payout_provider = provider
    run = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": "2026-11"},
        headers=foundation.headers,
    )
    assert run.status_code == 202, run.text
    started = run.json()
    assert started["status"] == "running" and started["resumed"] is False
    assert started["error"] is None and started["finished_at"] is None
    assert started["progress"] == {"paid": 0, "payable": 2}  # answered before any transfer
    location = run.headers["location"]
    assert location == f"/v1/commons/{commons_id}/payouts/runs/{started['id']}"
    data = await _until_done(client, location, foundation)
    assert data["status"] == "finished" and data["error"] is None
    assert data["progress"] == {"paid": 2, "payable": 2}
    assert data["pool_minor"] == 79_000  # net of the processor's fee
    assert data["foundation_share_minor"] == 7_900
    paid = {
        line["commoner_id"]: line["amount_minor"]
        for line in data["lines"]
        if line["status"] == "paid"
    }
    assert set(paid) == {str(alice.id), str(bob.id)}
    assert paid == {p["commoner"]: p["amount_minor"] for p in data["payouts"]}
    assert provider.moved("acct_alice1") == paid[str(alice.id)]
    assert provider.moved("acct_bob1") == paid[str(bob.id)]
    assert {line["transfer"] for line in data["lines"] if line["status"] == "paid"} == {
        t.external_id for t in provider.transfers.values()
    }
    again = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": "2026-11"},
        headers=foundation.headers,
    )
    assert again.status_code == 202
    assert again.json()["resumed"] is True and again.json()["id"] == started["id"]
    assert again.json()["status"] == "finished"
    assert again.json()["progress"] == {"paid": 2, "payable": 2}
    assert len(provider.transfers) == 2
    listed = await client.get(f"/v1/commons/{commons_id}/payouts/runs", headers=foundation.headers)
    assert [(r["id"], r["status"]) for r in listed.json()["items"]] == [(started["id"], "finished")]

    mine = await client.get("/v1/me/statements", headers=alice.headers)
    assert mine.status_code == 200
    items = mine.json()["items"]
    assert len(items) == 1
    statement = items[0]
    assert statement["commons_id"] == commons_id and statement["period"] == "2026-11"
    assert statement["status"] == "paid" and statement["amount_minor"] == paid[str(alice.id)]
    assert statement["identity"] == "alice@example.org"
    assert statement["measures"]["commits"] == "1.5"  # two commits, one co-authored with Bob
    assert {c["share"] for c in statement["contributions"]} == {"1", "0.5"}
    bobs = (await client.get("/v1/me/statements", headers=bob.headers)).json()["items"]
    assert [s["identity"] for s in bobs] == ["bob@example.org"]
    stranger = await make_commoner(app, "Zed")
    nothing = await client.get("/v1/me/statements", headers=stranger.headers)
    assert nothing.json() == {"items": [], "next": None}

    public = await client.get(f"/v1/commons/{commons_id}/ledger")
    assert public.status_code == 200
    ledger = public.json()
    assert ledger["next"] is None  # every entry fits the first page
    assert ledger["inflows"] == [
        {"company": "Acme Analytics GmbH", "currency": "EUR", "amount_minor": 79_000}
    ]
    assert ledger["foundation_share"] == [
        {"period": "2026-11", "currency": "EUR", "amount_minor": 7_900}
    ]
    outflows = {o["alias"]: o["amount_minor"] for o in ledger["outflows"]}
    assert outflows == {alice.key[-6:]: paid[str(alice.id)], bob.key[-6:]: paid[str(bob.id)]}
    (totals,) = ledger["totals"]
    async with app.state.services.sessions() as session:
        assert await check(session) == []
        journal = {
            b.account: b.amount_minor for b in await balances(session, frozenset({commons_id}))
        }
    assert totals["pool_minor"] == -journal[f"pool:{commons_id}"]
    assert totals["paid_minor"] == sum(paid.values())
    assert journal["in_transit"] == 0  # the provider made the transfers: settled
    assert totals["unclaimed_minor"] == -journal["unclaimed"]
    assert (
        totals["collected_minor"]
        == 79_000
        == (
            totals["foundation_share_minor"]
            + totals["paid_minor"]
            + totals["payable_minor"]
            + totals["unclaimed_minor"]
            + totals["pool_minor"]
        )
    )

    hide = await client.put(
        "/v1/me/ledger-visibility", json={"anonymous": True}, headers=company.headers
    )
    assert hide.status_code == 200
    public = await client.get(f"/v1/commons/{commons_id}/ledger")
    assert public.json()["inflows"][0]["company"] == "anonymous company"
    missing = await client.get("/v1/commons/00000000-0000-0000-0000-000000000000/ledger")
    assert missing.status_code == 404


async def test_a_signature_claim_answers_the_statement_to_sign(
    client: AsyncClient, commoner: Tenant
) -> None:
    made = await client.post(
        "/v1/me/claims",
        json={"email": "ada@example.org", "method": "signature"},
        headers=commoner.headers,
    )
    assert made.status_code == 201
    claim = made.json()
    assert claim["method"] == "signature" and claim["token"] is None
    assert claim["statement"].startswith(f"copyfair identity claim {claim['id']}")
    neither = await client.post(
        f"/v1/me/claims/{claim['id']}/verify", json={}, headers=commoner.headers
    )
    assert neither.status_code == 422 and neither.json()["error"]["field"] == "token"
    garbage = await client.post(
        f"/v1/me/claims/{claim['id']}/verify",
        json={"signature": "not a signature"},
        headers=commoner.headers,
    )
    assert garbage.status_code == 422 and garbage.json()["error"]["field"] == "signature"


async def test_a_run_is_refused_where_the_pools_go_to_the_foundations(
    client: AsyncClient, app: FastAPI, foundation: Tenant, history: Path
) -> None:
    made = await client.post(
        "/v1/commons", json=commons_body(repositories=[str(history)]), headers=foundation.headers
    )
    commons_id = made.json()["id"]
    app.state.payout_provider = RecordingProvider()
    app.state.foundation_transfers = RecordingProvider(kind="manual")
    refused = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": "2026-11"},
        headers=foundation.headers,
    )
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "payouts_not_on_this_deployment"
    assert "COPYFAIR_FOUNDATION_TRANSFERS=manual" in error["message"]
    assert "COPYFAIR_FOUNDATION_TRANSFERS=none" in error["message"]
    runs = await client.get(f"/v1/commons/{commons_id}/payouts/runs", headers=foundation.headers)
    assert runs.json() == {"items": [], "next": None}  # nothing planned


class CutOffProvider(RecordingProvider):
    """Loses the connection right after the provider made a transfer: the transfer exists,
    our record of it does not (``crash_after``, as an ordinary exception that the
    background run catches and records)."""

    def transfer(self, request: TransferRequest) -> Transfer:
        try:
            return super().transfer(request)
        except ProviderCrash as exc:
            raise ConnectionError(f"connection reset: {exc}") from exc


async def _paying_commons(
    client: AsyncClient, app: FastAPI, foundation: Tenant, company: Tenant, history: Path
) -> tuple[str, dict[str, Tenant]]:
    """A funded commons whose Alice and Bob have verified claims and payout accounts."""
    made = await client.post(
        "/v1/commons", json=commons_body(repositories=[str(history)]), headers=foundation.headers
    )
    assert made.status_code == 201, made.text
    commons_id: str = made.json()["id"]
    async with app.state.services.sessions() as session:
        await pay_into_pool(session, commons_id, str(company.id), 50_000, NOV)
        await session.commit()
    people: dict[str, Tenant] = {}
    for name in ("Alice", "Bob"):
        who = await make_commoner(app, name)
        await _claim(client, who, f"{name.lower()}@example.org")
        answer = await client.put(
            "/v1/me/payout-account",
            json={"account": f"acct_{name.lower()}", "alias": name},
            headers=who.headers,
        )
        assert answer.status_code == 200, answer.text
        people[name] = who
    return commons_id, people


async def _start(client: AsyncClient, commons_id: str, who: Tenant) -> dict[str, Any]:
    answer = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs", json={"period": "2026-11"}, headers=who.headers
    )
    assert answer.status_code == 202, answer.text
    body: dict[str, Any] = answer.json()
    assert answer.headers["location"].endswith(f"/payouts/runs/{body['id']}")
    return body


async def _paid_entries(app: FastAPI, run_id: str) -> int:
    """The journal's payments of the run's lines (and the journal is balanced)."""
    async with app.state.services.sessions() as session:
        assert await check(session) == []
        count = await session.scalar(
            select(func.count()).where(
                LedgerTransaction.kind == entries.PAID,
                LedgerTransaction.reference.like(f"payout-{run_id}-%"),
            )
        )
        return int(count or 0)


async def test_a_run_that_fails_in_the_background_is_recorded_and_resumed_once(
    client: AsyncClient, app: FastAPI, foundation: Tenant, company: Tenant, history: Path
) -> None:
    commons_id, people = await _paying_commons(client, app, foundation, company, history)
    provider = CutOffProvider(crash_after=1)
    app.state.payout_provider = provider
    started = await _start(client, commons_id, foundation)
    location = f"/v1/commons/{commons_id}/payouts/runs/{started['id']}"
    failed = await _until_done(client, location, foundation)
    assert failed["status"] == "failed" and failed["finished_at"] is None
    assert failed["error"].startswith("unexpected error (ConnectionError)")
    assert "start the run again" in failed["error"]
    # the provider made the first transfer, the connection was lost before we recorded it
    assert failed["progress"] == {"paid": 0, "payable": 2}
    assert len(provider.transfers) == 1 and await _paid_entries(app, started["id"]) == 0

    provider.crash_after = None
    resumed = await _start(client, commons_id, foundation)
    assert resumed["id"] == started["id"] and resumed["resumed"] is True
    assert resumed["status"] == "running" and resumed["error"] is None
    done = await _until_done(client, location, foundation)
    assert done["status"] == "finished" and done["error"] is None
    assert done["progress"] == {"paid": 2, "payable": 2}
    assert len(provider.transfers) == 2  # one transfer per commoner, ever
    for line in done["lines"]:
        if line["status"] == "paid":
            destination = f"acct_{line['identity'].split('@')[0]}"
            assert provider.moved(destination) == line["amount_minor"]
            assert (
                provider.transfers[f"payout-{done['id']}-{line['commoner_id']}"].external_id
                == (line["transfer"])
            )
    assert await _paid_entries(app, started["id"]) == 2

    third = await _start(client, commons_id, foundation)
    assert third["status"] == "finished" and len(provider.transfers) == 2
    assert await _paid_entries(app, started["id"]) == 2


async def test_a_refused_transfer_fails_the_run_until_it_is_started_again(
    client: AsyncClient, app: FastAPI, foundation: Tenant, company: Tenant, history: Path
) -> None:
    commons_id, _ = await _paying_commons(client, app, foundation, company, history)
    provider = RecordingProvider(refuse={"acct_bob"})
    app.state.payout_provider = provider
    started = await _start(client, commons_id, foundation)
    location = f"/v1/commons/{commons_id}/payouts/runs/{started['id']}"
    failed = await _until_done(client, location, foundation)
    assert failed["status"] == "failed" and failed["progress"] == {"paid": 1, "payable": 2}
    assert "1 transfer(s) refused: destination acct_bob refused" in failed["error"]
    bob = next(line for line in failed["lines"] if line["identity"] == "bob@example.org")
    assert bob["status"] == "pending" and bob["transfer"] is None

    provider.refuse.clear()
    await _start(client, commons_id, foundation)
    done = await _until_done(client, location, foundation)
    assert done["status"] == "finished" and done["progress"] == {"paid": 2, "payable": 2}
    assert provider.moved("acct_bob") == bob["amount_minor"]
    assert len(provider.transfers) == 2 and await _paid_entries(app, started["id"]) == 2


async def test_errors_answer_before_anything_starts(
    client: AsyncClient,
    app: FastAPI,
    foundation: Tenant,
    company: Tenant,
    history: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    commons_id, _ = await _paying_commons(client, app, foundation, company, history)
    runs = f"/v1/commons/{commons_id}/payouts/runs"
    app.state.payout_provider = None
    monkeypatch.setenv("COPYFAIR_PAYOUT_PROVIDER", "stripe")
    monkeypatch.delenv("COPYFAIR_STRIPE_API_KEY", raising=False)
    no_provider = await client.post(runs, json={"period": "2026-11"}, headers=foundation.headers)
    assert no_provider.status_code == 503
    assert "COPYFAIR_STRIPE_API_KEY" in no_provider.json()["error"]["message"]

    app.state.payout_provider = RecordingProvider()
    for period in ("2026", "2026-13", "2026-11-01:2026-11-15"):
        bad = await client.post(runs, json={"period": period}, headers=foundation.headers)
        assert bad.status_code == 422, period
        assert bad.json()["error"]["field"] == "period"
    async with app.state.services.sessions() as session:
        session.add(PayoutPolicyRecord(commons_id=uuid.UUID(commons_id), policy={"method": "dice"}))
        await session.commit()
    bad_policy = await client.post(runs, json={"period": "2026-11"}, headers=foundation.headers)
    assert bad_policy.status_code == 422
    assert bad_policy.json()["error"]["code"] == "invalid_policy"
    assert bad_policy.json()["error"]["field"] == "method"
    listed = await client.get(runs, headers=foundation.headers)
    assert listed.json() == {"items": [], "next": None}  # nothing planned, nothing paid
    assert app.state.payout_provider.requests == []


async def test_a_run_is_read_by_its_own_foundation_only(
    client: AsyncClient,
    app: FastAPI,
    foundation: Tenant,
    other_foundation: Tenant,
    company: Tenant,
    history: Path,
) -> None:
    commons_id, _ = await _paying_commons(client, app, foundation, company, history)
    app.state.payout_provider = RecordingProvider()
    started = await _start(client, commons_id, foundation)
    mine = f"/v1/commons/{commons_id}/payouts/runs/{started['id']}"
    assert (await client.get(mine, headers=foundation.headers)).status_code == 200
    assert (await client.get(mine, headers=other_foundation.headers)).status_code == 404
    theirs = await client.post(
        "/v1/commons", json=commons_body(repositories=[str(history)]),
        headers=other_foundation.headers,
    )  # fmt: skip
    assert theirs.status_code == 201, theirs.text
    crossed = f"/v1/commons/{theirs.json()['id']}/payouts/runs/{started['id']}"
    answer = await client.get(crossed, headers=other_foundation.headers)
    assert answer.status_code == 404 and answer.json()["error"]["field"] == "run_id"
    unknown = f"/v1/commons/{commons_id}/payouts/runs/{uuid.uuid4()}"
    assert (await client.get(unknown, headers=foundation.headers)).status_code == 404
    assert (await client.get(mine, headers=company.headers)).status_code == 403
    assert (await client.get(mine)).status_code == 401
