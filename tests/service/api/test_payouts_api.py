"""The payouts API: identity claims, payout accounts, statements (only one's own), payout
runs (foundation, own commons only) and the public ledger (no key; totals = journal)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from service.ledger.store import balances, check
from tests.scanners.contributions.repos import commons_repo
from tests.service.api.conftest import Tenant, commons_body, make_commoner
from tests.service.payouts.conftest import pay_into_pool
from tests.service.transfers_fake import RecordingProvider

pytestmark = pytest.mark.asyncio

NOV = datetime(2026, 11, 15, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("payouts-api") / "commons"
    commons_repo(root)
    return root


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
    assert run.status_code == 200, run.text
    data = run.json()
    assert data["pool_minor"] == 79_000  # net of the processor's fee
    assert data["foundation_share_minor"] == 7_900
    paid = {p["commoner_id"]: p["amount_minor"] for p in data["paid_now"]}
    assert set(paid) == {str(alice.id), str(bob.id)}
    assert provider.moved("acct_alice1") == paid[str(alice.id)]
    again = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": "2026-11"},
        headers=foundation.headers,
    )
    assert again.json()["resumed"] is True and again.json()["paid_now"] == []
    assert len(provider.transfers) == 2

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
