"""The dashboard over HTTP (no browser): login and sessions, CSRF, tenant boundaries, the
pages' content, the public page's totals against the ledger, and audits started from a form.
Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from service.db.accounts import revoke_key
from service.ledger.store import balances
from service.settings import Environment, Settings
from tests.service.scan_sources import MIT_HEADER, git_repository
from tests.service.web.conftest import csrf_of, follow_refresh, log_in
from tests.service.web.seed import (
    INVOICED_MINOR,
    OVERDUE_MINOR,
    PAID_FEE_MINOR,
    PAID_MINOR,
    REFUND_MINOR,
    World,
)

pytestmark = pytest.mark.asyncio


# --- login, sessions, CSRF -----------------------------------------------------------------


async def test_login_page_sets_a_hardened_session_cookie(client: AsyncClient) -> None:
    r = await client.get("/login")
    assert r.status_code == 200
    assert '<label for="api_key">API key</label>' in r.text
    cookie = r.headers["set-cookie"].lower()
    assert cookie.startswith("copyfair_session=")
    assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
    assert "secure" not in cookie  # development (the default) serves plain http
    assert "script-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


async def test_outside_development_the_cookie_is_secure(database_url: str) -> None:
    from httpx import ASGITransport

    from service.api import create_app

    settings = Settings(
        database_url=database_url, env=Environment.PRODUCTION, secret_key="s" * 40 + "x1"
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="https://testserver") as c:
            r = await c.get("/login")
    assert "secure" in r.headers["set-cookie"].lower()


async def test_each_role_logs_in_and_lands_on_its_pages(client: AsyncClient, world: World) -> None:
    for account, home in (
        (world.foundation, "/foundation"),
        (world.company, "/company"),
        (world.commoner, "/commoner"),
    ):
        client.cookies.clear()
        r = await log_in(client, account.key)
        assert r.status_code == 303 and r.headers["location"] == home
        page = await client.get(home)
        assert page.status_code == 200
        assert account.name in page.text
        assert page.headers["cache-control"] == "no-store"
        assert (await client.get("/")).headers["location"] == home
        assert (await client.get("/login")).headers["location"] == home


async def test_login_goes_back_to_the_page_asked_for_but_never_off_site(
    client: AsyncClient, world: World
) -> None:
    r = await client.get("/foundation/ledger")
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/foundation/ledger"
    page = await client.get(r.headers["location"])
    assert 'name="next" value="/foundation/ledger"' in page.text
    for target in ("//evil.org", "/\\evil.org", "https://evil.org/", "/x\r\nSet-Cookie: a=b"):
        client.cookies.clear()
        page = await client.get("/login")
        token = csrf_of(page)
        r = await client.post(
            "/login", data={"csrf_token": token, "api_key": world.foundation.key, "next": target}
        )
        assert r.status_code == 303 and r.headers["location"] == "/foundation", target


async def test_a_wrong_or_missing_key_is_refused_with_the_field_named(
    client: AsyncClient, world: World
) -> None:
    page = await client.get("/login")
    token = csrf_of(page)
    for key, expected in (("cf_0123456789_" + "x" * 43, "unknown"), ("", "required")):
        r = await client.post("/login", data={"csrf_token": token, "api_key": key})
        assert r.status_code == 422
        assert "API key:" in r.text and expected in r.text
        assert 'aria-invalid="true"' in r.text
    assert (await client.get("/foundation")).status_code == 303


async def test_forms_without_the_sessions_csrf_token_are_refused(
    client: AsyncClient, world: World
) -> None:
    await client.get("/login")
    for data in ({"api_key": world.foundation.key}, {"csrf_token": "forged", "api_key": "x"}):
        r = await client.post("/login", data=data)
        assert r.status_code == 403
        assert "csrf_token" in r.text and "Reload the page" in r.text
    await log_in(client, world.foundation.key)
    r = await client.post("/logout", data={"csrf_token": "forged"})
    assert r.status_code == 403
    r = await client.post("/foundation/audits", data={"repository": "https://x.org/r.git"})
    assert r.status_code == 403
    assert "No audit yet." in (await client.get("/foundation/audits")).text  # none started


async def test_odd_urls_get_a_page_never_a_500(client: AsyncClient, world: World) -> None:
    await log_in(client, world.foundation.key)
    for path in (
        "/commons/" + "9" * 5000,
        "/commons/%00",
        "/foundation/commons/%E2%80%AE",
        "/foundation/audits/00000000-0000-0000-0000-000000000000",
        "/company/reports/x",
        "/foundation/nowhere",
        "/foundation/commons/x/y",
        "/company/reports/1/2",
    ):
        r = await client.get(path)
        assert r.status_code in (403, 404), (path, r.status_code)
        assert r.headers["content-type"].startswith("text/html")


async def test_malformed_bodies_get_a_page_never_a_500(client: AsyncClient, world: World) -> None:
    await client.get("/login")
    for body, ctype in (
        (b"\xff\xfe\x00garbage", "application/x-www-form-urlencoded"),
        (b'{"api_key": 1}', "application/json"),
        (b"--x\r\nbroken", "multipart/form-data; boundary=x"),
    ):
        r = await client.post("/login", content=body, headers={"content-type": ctype})
        assert r.status_code in (400, 403), (r.status_code, r.text[:200])
        assert r.headers["content-type"].startswith("text/html")


async def test_logout_ends_the_session(client: AsyncClient, world: World) -> None:
    await log_in(client, world.company.key)
    page = await client.get("/company")
    r = await client.post("/logout", data={"csrf_token": csrf_of(page)})
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert (await client.get("/company")).status_code == 303


async def test_a_revoked_key_ends_its_sessions_at_once(
    app: FastAPI, client: AsyncClient, world: World
) -> None:
    await log_in(client, world.foundation.key)
    assert (await client.get("/foundation")).status_code == 200
    async with app.state.services.sessions() as session:
        await revoke_key(session, world.foundation.key_id)
        await session.commit()
    r = await client.get("/foundation")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/foundation&reason=expired"
    assert "log in again" in (await client.get(r.headers["location"])).text


async def test_a_tampered_cookie_is_not_a_session(client: AsyncClient, world: World) -> None:
    await log_in(client, world.foundation.key)
    cookie = client.cookies["copyfair_session"]
    client.cookies.clear()
    payload, _, signature = cookie.rpartition(".")
    tampered = f"{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    client.cookies.set("copyfair_session", tampered)
    assert (await client.get("/foundation")).status_code == 303


# --- tenant boundaries ---------------------------------------------------------------------


async def test_another_tenants_ids_are_404_pages(client: AsyncClient, world: World) -> None:
    await log_in(client, world.foundation.key)
    for path in (
        f"/foundation/commons/{world.other_commons_id}",
        "/foundation/commons/not-a-uuid",
        f"/foundation/audits/{world.other_commons_id}",
        "/foundation/audits/42",
    ):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "Secret Other Commons" not in r.text
    for path in ("/foundation/obligations", "/foundation/invoices", "/foundation/ledger"):
        text = (await client.get(path)).text
        assert "Globex" not in text and "Secret Other Commons" not in text
    client.cookies.clear()
    await log_in(client, world.company.key)
    r = await client.get(f"/company/reports/{world.other_report_id}")
    assert r.status_code == 404
    assert "globex-secret-project" not in r.text
    for path in ("/company", "/company/reports", "/company/obligations", "/company/invoices"):
        text = (await client.get(path)).text
        assert "globex" not in text.lower(), path


async def test_a_page_of_another_role_is_403(client: AsyncClient, world: World) -> None:
    await log_in(client, world.company.key)
    for path in ("/foundation", "/foundation/audits", "/commoner"):
        r = await client.get(path)
        assert r.status_code == 403, path
        assert "company" in r.text
    client.cookies.clear()
    await log_in(client, world.commoner.key)
    assert (await client.get("/company/obligations")).status_code == 403


async def test_pages_behind_login_send_anonymous_visitors_to_it(client: AsyncClient) -> None:
    for path in ("/", "/foundation", "/company/invoices", "/commoner"):
        r = await client.get(path)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login")


# --- content -------------------------------------------------------------------------------


async def test_foundation_pages_show_its_commons_usage_and_money(
    client: AsyncClient, world: World
) -> None:
    await log_in(client, world.foundation.key)
    overview = (await client.get("/foundation")).text
    assert 'status-overdue">overdue</span> 1' in overview  # the August obligation
    assert 'status-owed">owed</span>' not in overview
    detail = (await client.get(f"/foundation/commons/{world.commons_id}")).text
    assert "Geo Commons Library" in detail and "<code>PPL</code>" in detail
    assert "Per developer and year" in detail and "EUR 2,000.00" in detail
    assert "Acme Analytics GmbH" in detail and "pkg:pypi/geo-commons" in detail
    assert "<td>yes</td>" in detail  # commercial use, from the report the service derived
    assert "<caption>" in detail and 'scope="col"' in detail
    pool = PAID_MINOR - PAID_FEE_MINOR - REFUND_MINOR
    ledger = (await client.get("/foundation/ledger")).text
    assert f"EUR {pool / 100:,.2f}" in ledger  # 176.84
    assert f"EUR {INVOICED_MINOR / 100:,.2f}" in ledger  # billed, unpaid
    obligations = (await client.get("/foundation/obligations")).text
    assert "<svg" in obligations and "Obligations over time (EUR)" in obligations
    assert f"EUR {OVERDUE_MINOR / 100:,.2f} overdue" in obligations
    invoices = (await client.get("/foundation/invoices")).text
    assert invoices.count("<tr>") == 3  # header + two invoices
    assert "paid" in invoices and "open" in invoices


async def test_company_pages_show_reports_trend_and_each_obligations_evidence(
    client: AsyncClient, world: World
) -> None:
    await log_in(client, world.company.key)
    reports = (await client.get("/company/reports")).text
    assert "Compliance across reports" in reports and "<svg" in reports
    assert "The latest lists 3 components, 0 of them with an unknown licence" in reports
    assert "1 obligations owed and 0 waiting for a declaration" in reports
    obligations = (await client.get("/company/obligations")).text
    assert "commercial use by a wage-labour company" in obligations
    assert "PPL §1(c)" in obligations
    assert "<code>requirements.txt:7</code>" in obligations
    detail = (await client.get(f"/company/reports/{world.report_ids[0]}")).text
    assert "mystery" in detail and f"EUR {OVERDUE_MINOR / 100:,.2f}" in detail
    invoices = (await client.get("/company/invoices")).text
    assert f"EUR {PAID_MINOR / 100:,.2f}" in invoices


async def test_public_page_totals_match_the_ledger_to_the_minor_unit(
    app: FastAPI, client: AsyncClient, world: World
) -> None:
    r = await client.get(f"/commons/{world.commons_id}")
    assert r.status_code == 200
    async with app.state.services.sessions() as session:
        rows = await balances(session, frozenset({str(world.commons_id)}))
    pool = -sum(b.amount_minor for b in rows if b.account == f"pool:{world.commons_id}")
    assert pool == PAID_MINOR - PAID_FEE_MINOR - REFUND_MINOR
    assert f'data-balance="EUR:{pool}"' in r.text
    assert "Pool inflows and outflows (EUR)" in r.text
    assert f"EUR {(PAID_MINOR - PAID_FEE_MINOR) / 100:,.2f} in" in r.text
    assert "Acme" not in r.text  # who pays is not public
    assert "/srv/git/geo" not in r.text  # nor the server's local paths
    assert "Log in" in r.text
    for missing in (world.foundation.id, "nope"):
        r = await client.get(f"/commons/{missing}")
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")


# --- audits --------------------------------------------------------------------------------


async def test_an_audit_started_from_the_form_runs_to_its_result(
    client: AsyncClient, world: World, repos: Path
) -> None:
    repo = git_repository(repos / "geo", {"src/geo.py": MIT_HEADER, "README": b"geo\n"})
    await log_in(client, world.foundation.key)
    form = await client.get("/foundation/audits")
    r = await client.post(
        "/foundation/audits", data={"csrf_token": csrf_of(form), "repository": f"file://{repo}"}
    )
    assert r.status_code == 303
    path = r.headers["location"]
    assert re.fullmatch(r"/foundation/audits/[0-9a-f-]{36}", path)
    text = await follow_refresh(client, path)
    assert "Done:" in text, text[:2000]
    assert "<code>src/geo.py</code>" in text and "spdx-tag" in text and "MIT" in text
    listing = (await client.get("/foundation/audits")).text
    assert path in listing


async def test_an_audit_of_a_refused_repository_says_why(client: AsyncClient, world: World) -> None:
    await log_in(client, world.foundation.key)
    token = csrf_of(await client.get("/foundation/audits"))
    for repository, words in (
        ("", "this field is required"),
        ("/etc", "outside the directories"),
        ("ext::sh -c id", "remote helpers"),
    ):
        r = await client.post(
            "/foundation/audits", data={"csrf_token": token, "repository": repository}
        )
        assert r.status_code == 422, repository
        assert "Repository:" in r.text and words in r.text, (repository, r.text[:3000])


async def test_every_page_reads_well_with_nothing_in_it(client: AsyncClient, app: FastAPI) -> None:
    from service.db.models import OrganisationKind
    from tests.service.api.conftest import make_organisation

    foundation = await make_organisation(app, OrganisationKind.FOUNDATION, "Empty Foundation")
    company = await make_organisation(app, OrganisationKind.COMPANY, "Empty Company")
    await log_in(client, foundation.key)
    for path, words in (
        ("/foundation", "No commons registered yet"),
        ("/foundation/commons", "No commons registered yet"),
        ("/foundation/obligations", "No obligation with an amount yet"),
        ("/foundation/invoices", "No invoice yet"),
        ("/foundation/ledger", "Nothing in the ledger"),
        ("/foundation/audits", "No audit yet"),
    ):
        r = await client.get(path)
        assert r.status_code == 200 and words in r.text, path
    client.cookies.clear()
    await log_in(client, company.key)
    for path, words in (
        ("/company", "Nothing owed"),
        ("/company/reports", "No report yet"),
        ("/company/obligations", "No obligation yet"),
        ("/company/invoices", "No invoice yet"),
    ):
        r = await client.get(path)
        assert r.status_code == 200 and words in r.text, path
