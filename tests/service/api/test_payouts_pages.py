"""Pagination of a commoner's statements and of a commons' public ledger: every page in
order with nothing lost or repeated, cursors that stay exact when entries are added, limit
bounds, bad cursors answered with the error shape, a commoner's own lines only, and the
ledger's totals (the whole ledger's) the same on every page."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.accounts import create_key, create_organisation
from service.db.models import Commons, OrganisationKind, PayoutLine, PayoutRun
from service.ledger import journal
from service.payouts.claims import create_claim, verify_claim
from tests.scanners.contributions.repos import commons_repo
from tests.service.api.conftest import Tenant, commons_body, make_commoner
from tests.service.payouts.conftest import pay_into_pool, post_at
from tests.service.transfers_fake import RecordingProvider

pytestmark = pytest.mark.asyncio

NOV = datetime(2026, 11, 15, 12, tzinfo=UTC)
PERIODS = [f"2026-0{m}" for m in range(1, 7)]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("payouts-pages") / "commons"
    commons_repo(root)
    return root


def _error(answer: Any, code: str, field: str) -> None:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == code and error["field"] == field and error["message"]


# --- statements -----------------------------------------------------------------------------


async def _verify(session: AsyncSession, commoner_id: uuid.UUID, email: str) -> None:
    made = await create_claim(session, commoner_id, email)
    assert made.token is not None
    await verify_claim(session, commoner_id, made.claim.id, made.token)


def _line(run: PayoutRun, identity: str, commoner_id: uuid.UUID | None, n: int) -> PayoutLine:
    return PayoutLine(
        run_id=run.id,
        commoner_id=commoner_id,
        identity=identity,
        score=str(n),
        measures={"commits": str(n)},
        contributions=[],
        amount_minor=100 + n,
        currency="EUR",
        status="unclaimed" if commoner_id is None else "pending",
        idempotency_key=f"line:{uuid.uuid4()}",
    )


async def _statements_world(app: FastAPI) -> tuple[Tenant, Tenant, list[uuid.UUID]]:
    """Ada and Bob, two commons and six months: in each run a line of Ada's, one of Bob's,
    and in Beta's one held for an email Ada verified (18 lines of Ada's). Answers Bob's
    line ids too."""
    ada = await make_commoner(app, "Ada")
    bob = await make_commoner(app, "Bob")
    bobs: list[uuid.UUID] = []
    async with app.state.services.sessions() as session:
        await _verify(session, ada.id, "ada@old.example")
        foundation = await create_organisation(session, OrganisationKind.FOUNDATION, "Geo")
        for name in ("Beta Commons", "Alpha Commons"):
            commons = Commons(
                organisation_id=foundation.id,
                name=name,
                licence="ppl",
                payee="geo",
                repositories=[],
                match={},
            )
            session.add(commons)
            await session.flush()
            for n, period in enumerate(PERIODS):
                run = PayoutRun(
                    commons_id=commons.id,
                    period=period,
                    currency="EUR",
                    pool_minor=0,
                    allocation={},
                )
                session.add(run)
                await session.flush()
                lines = [
                    _line(run, "ada@example.org", ada.id, n),
                    _line(run, "bob@example.org", bob.id, n),
                ]
                if name.startswith("Beta"):
                    lines.append(_line(run, "ada@old.example", None, n))
                session.add_all(lines)
                await session.flush()
                bobs.append(lines[1].id)
        await session.commit()
    return ada, bob, bobs


async def _walk(client: AsyncClient, who: Tenant, limit: int) -> list[list[dict[str, Any]]]:
    pages: list[list[dict[str, Any]]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        answer = await client.get("/v1/me/statements", params=params, headers=who.headers)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) == {"items", "next"}
        pages.append(body["items"])
        cursor = body["next"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the pages never end"


def _key(s: dict[str, Any]) -> tuple[str, str, str]:
    return (s["period"], s["commons_name"], s["identity"])


async def test_statements_come_in_pages_of_ones_own_lines(
    client: AsyncClient, app: FastAPI
) -> None:
    ada, bob, _ = await _statements_world(app)
    whole = await client.get("/v1/me/statements", params={"limit": 200}, headers=ada.headers)
    assert whole.status_code == 200 and whole.json()["next"] is None
    everything = whole.json()["items"]
    assert len(everything) == 18
    assert {s["identity"] for s in everything} == {"ada@example.org", "ada@old.example"}
    # newest period first, then by commons name and identity
    assert [s["period"] for s in everything] == sorted(
        (s["period"] for s in everything), reverse=True
    )
    assert [_key(s) for s in everything[:3]] == [
        ("2026-06", "Alpha Commons", "ada@example.org"),
        ("2026-06", "Beta Commons", "ada@example.org"),
        ("2026-06", "Beta Commons", "ada@old.example"),
    ]
    default = await client.get("/v1/me/statements", headers=ada.headers)
    assert default.json() == whole.json()  # 18 < the default limit of 50

    for limit in (1, 4, 5, 17, 18):
        pages = await _walk(client, ada, limit)
        assert [len(p) for p in pages[:-1]] == [limit] * (len(pages) - 1)
        assert 0 < len(pages[-1]) <= limit
        assert [s for page in pages for s in page] == everything, limit

    bob_pages = await _walk(client, bob, 5)
    assert [len(p) for p in bob_pages] == [5, 5, 2]
    assert {s["identity"] for page in bob_pages for s in page} == {"bob@example.org"}


async def test_a_statements_cursor_is_exact_and_only_ones_own(
    client: AsyncClient, app: FastAPI
) -> None:
    ada, bob, bobs = await _statements_world(app)
    first = (await client.get("/v1/me/statements", params={"limit": 4}, headers=ada.headers)).json()
    # a newer month arrives between two pages: the next page starts where the first ended
    async with app.state.services.sessions() as session:
        commons = await session.get(Commons, uuid.UUID(first["items"][0]["commons_id"]))
        assert commons is not None
        run = PayoutRun(
            commons_id=commons.id, period="2026-07", currency="EUR", pool_minor=0, allocation={}
        )
        session.add(run)
        await session.flush()
        session.add(_line(run, "ada@example.org", ada.id, 9))
        await session.commit()
    second = await client.get(
        "/v1/me/statements", params={"limit": 4, "cursor": first["next"]}, headers=ada.headers
    )
    assert second.status_code == 200
    now = (
        await client.get("/v1/me/statements", params={"limit": 200}, headers=ada.headers)
    ).json()["items"]
    assert now[0]["period"] == "2026-07"
    assert first["items"] + second.json()["items"] == now[1:9]

    # another commoner's line, or another commoner's cursor, is no cursor of Ada's
    bob_first = (
        await client.get("/v1/me/statements", params={"limit": 2}, headers=bob.headers)
    ).json()
    for cursor in (str(bobs[0]), bob_first["next"], str(uuid.uuid4())):
        answer = await client.get(
            "/v1/me/statements", params={"cursor": cursor}, headers=ada.headers
        )
        _error(answer, "invalid_cursor", "cursor")
        assert "bob" not in answer.text
    for cursor in ("nope", "1" * 100, "' OR 1=1 --"):
        answer = await client.get(
            "/v1/me/statements", params={"cursor": cursor}, headers=ada.headers
        )
        _error(answer, "invalid_cursor", "cursor")
    too_long = await client.get(
        "/v1/me/statements", params={"cursor": "x" * 101}, headers=ada.headers
    )
    _error(too_long, "invalid_request", "cursor")
    for limit in ("0", "201", "-1", "ten"):
        answer = await client.get("/v1/me/statements", params={"limit": limit}, headers=ada.headers)
        _error(answer, "invalid_request", "limit")


# --- the public ledger ----------------------------------------------------------------------


async def _ledger_world(
    client: AsyncClient, app: FastAPI, foundation: Tenant, history: Path
) -> tuple[str, list[uuid.UUID]]:
    """A commons paid by eight companies, one refund, and a payout run to two commoners:
    8 inflows, 1 adjustment, 1 foundation share, 2 outflows. Answers the companies' ids."""
    made = await client.post(
        "/v1/commons", json=commons_body(repositories=[str(history)]), headers=foundation.headers
    )
    assert made.status_code == 201, made.text
    commons_id: str = made.json()["id"]
    policy = await client.put(
        f"/v1/commons/{commons_id}/payouts/policy",
        json={"foundation_share_percent": "10"},
        headers=foundation.headers,
    )
    assert policy.status_code == 200, policy.text
    companies: list[uuid.UUID] = []
    async with app.state.services.sessions() as session:
        for n in range(8):
            company = await create_organisation(
                session, OrganisationKind.COMPANY, f"Company {n:02d}"
            )
            companies.append(company.id)
            await pay_into_pool(session, commons_id, str(company.id), 10_000 + n, NOV, 100)
        refund = journal.reversal("refund", "refund:r1", "EUR", [(commons_id, 5_000)], 500)
        await post_at(session, refund, NOV)
        await session.commit()
    for name in ("Alice", "Bob"):
        who = await make_commoner(app, name)
        claim = await client.post(
            "/v1/me/claims", json={"email": f"{name.lower()}@example.org"}, headers=who.headers
        )
        token = claim.json()["token"]
        verified = await client.post(
            f"/v1/me/claims/{claim.json()['id']}/verify",
            json={"token": token},
            headers=who.headers,
        )
        assert verified.status_code == 200, verified.text
        account = await client.put(
            "/v1/me/payout-account",
            json={"account": f"acct_{name.lower()}1", "alias": name.lower()},
            headers=who.headers,
        )
        assert account.status_code == 200, account.text
    app.state.payout_provider = RecordingProvider()
    run = await client.post(
        f"/v1/commons/{commons_id}/payouts/runs",
        json={"period": "2026-11"},
        headers=foundation.headers,
    )
    assert run.status_code == 202, run.text  # paid in the background, before this returns
    return commons_id, companies


SECTIONS = ("inflows", "adjustments", "foundation_share", "outflows")


def _entries(page: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(section, entry) for section in SECTIONS for entry in page[section]]


async def _ledger_pages(client: AsyncClient, path: str, limit: int) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor is not None:
            params["cursor"] = cursor
        answer = await client.get(path, params=params)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        cursor = pages[-1]["next"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the pages never end"


async def test_the_public_ledger_pages_its_entries_and_keeps_the_whole_totals(
    client: AsyncClient, app: FastAPI, foundation: Tenant, history: Path
) -> None:
    commons_id, companies = await _ledger_world(client, app, foundation, history)
    path = f"/v1/commons/{commons_id}/ledger"
    whole = (await client.get(path)).json()  # the default limit holds all 12 entries
    assert whole["next"] is None
    everything = _entries(whole)
    assert [len(whole[s]) for s in SECTIONS] == [8, 1, 1, 2]
    (totals,) = whole["totals"]
    assert totals["collected_minor"] == sum(10_000 + n - 100 for n in range(8)) - 500
    assert sum(i["amount_minor"] for i in whole["inflows"]) - 500 == totals["collected_minor"]

    for limit in (1, 5, 11, 12):
        pages = await _ledger_pages(client, path, limit)
        assert [len(_entries(p)) for p in pages[:-1]] == [limit] * (len(pages) - 1)
        assert [e for p in pages for e in _entries(p)] == everything, limit
        for page in pages:  # the whole ledger's totals on every page
            assert page["totals"] == whole["totals"]
            assert page["commons_id"] == commons_id
    first, second, last = await _ledger_pages(client, path, 5)
    assert [len(first[s]) for s in SECTIONS] == [5, 0, 0, 0]
    assert [len(second[s]) for s in SECTIONS] == [3, 1, 1, 0]
    assert [len(last[s]) for s in SECTIONS] == [0, 0, 0, 2]

    # a company that sorts first pays between two pages: the next page is still exact
    async with app.state.services.sessions() as session:
        early = await create_organisation(session, OrganisationKind.COMPANY, "AAA first")
        await pay_into_pool(session, commons_id, str(early.id), 7_000, NOV)
        await session.commit()
    after = await client.get(path, params={"limit": 5, "cursor": first["next"]})
    assert after.status_code == 200
    assert _entries(after.json()) == _entries(second)
    assert after.json()["totals"][0]["collected_minor"] == totals["collected_minor"] + 7_000

    # the entry a cursor followed is gone (its company chose to be anonymous): start again
    assert first["inflows"][-1]["company"] == "Company 04"
    assert await _make_anonymous(client, app, companies[4])
    gone = await client.get(path, params={"limit": 5, "cursor": first["next"]})
    _error(gone, "invalid_cursor", "cursor")
    assert "start again" in gone.json()["error"]["message"]


async def _make_anonymous(client: AsyncClient, app: FastAPI, company_id: uuid.UUID) -> bool:
    async with app.state.services.sessions() as session:
        key = await create_key(session, organisation_id=company_id)
        await session.commit()
    answer = await client.put(
        "/v1/me/ledger-visibility",
        json={"anonymous": True},
        headers={"Authorization": f"Bearer {key.token}"},
    )
    return bool(answer.status_code == 200 and answer.json() == {"anonymous": True})


async def test_the_public_ledger_refuses_bad_pages_with_the_error_shape(
    client: AsyncClient, foundation: Tenant
) -> None:
    made = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    assert made.status_code == 201
    path = f"/v1/commons/{made.json()['id']}/ledger"
    empty = await client.get(path)
    assert empty.status_code == 200
    assert empty.json()["next"] is None and empty.json()["inflows"] == []
    for cursor in ("nope", "ledger.0000000000000000", "ledger.", str(uuid.uuid4())):
        _error(await client.get(path, params={"cursor": cursor}), "invalid_cursor", "cursor")
    _error(await client.get(path, params={"cursor": "x" * 101}), "invalid_request", "cursor")
    for limit in ("0", "201", "-5", "many"):
        _error(await client.get(path, params={"limit": limit}), "invalid_request", "limit")
    ok = await client.get(path, params={"limit": 200, "cursor": ""})
    assert ok.status_code == 200
    missing = await client.get(f"/v1/commons/{uuid.uuid4()}/ledger", params={"limit": 1})
    assert missing.status_code == 404
