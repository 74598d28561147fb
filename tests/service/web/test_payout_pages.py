"""The commoner's pages, the foundation's payout and billing runs, over HTTP (no browser):
content from the real payout runs, forms with CSRF calling the API's functions, and tenant
boundaries. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import re
import uuid

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import select

from service.db.models import IdentityClaim, PayoutAccount, PayoutLine, PayoutRun
from service.payouts.claims import connect_account
from tests.service.transfers_fake import RecordingProvider
from tests.service.web.conftest import csrf_of, follow_refresh, log_in
from tests.service.web.payout_seed import ADA_ACCOUNT, PayoutWorld
from tests.service.web.seed import OVERDUE_MINOR, World

pytestmark = pytest.mark.asyncio

TOKEN = re.compile(r'<code class="token">([^<]+)</code>')


def eur(minor: int) -> str:
    return f"EUR {minor / 100:,.2f}"


# --- commoner: statements and history ------------------------------------------------------


async def test_a_commoner_sees_only_their_own_statements_and_history(
    client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    await log_in(client, world.commoner.key)
    home = await client.get("/commoner")
    assert home.status_code == 200
    assert "Payout history (EUR)" in home.text and "<svg" in home.text
    assert ADA_ACCOUNT in home.text and "ada@example.org" in home.text
    page = await client.get("/commoner/statements")
    assert page.status_code == 200
    rows = re.findall(r"<tr><th scope=\"row\"><a href=\"([^\"]+)\">(\d{4}-\d\d)</a>", page.text)
    assert [period for _, period in rows] == ["2026-10", "2026-08"]  # not Bob's September
    assert eur(13_500) in page.text and eur(3_600) in page.text
    assert "manual-payout-" in page.text  # the transfer ids of the manual provider
    for other in ("bob@example.org", "carol@example.org"):
        assert other not in page.text and other not in home.text
    # the plot's numbers: both periods paid, nothing held for Ada
    assert f"{eur(13_500 + 3_600)} earned in all, of which {eur(13_500 + 3_600)} paid" in page.text


async def test_a_statement_lists_the_contributions_that_earned_it(
    client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    await log_in(client, world.commoner.key)
    r = await client.get(f"/commoner/statements/{payouts.commons_id}/2026-10")
    assert r.status_code == 200
    assert "Statement: Geo Tiles, 2026-10" in r.text
    assert "The contributions that earned this amount (4)" in r.text
    assert r.text.count("2026-10-") >= 4  # one dated row per commit
    assert "<dt>Score</dt><dd>9.6</dd>" in r.text and eur(13_500) in r.text
    assert "<td><code>geo-tiles</code></td>" in r.text
    assert str(payouts.repository) not in r.text  # the server's paths are not shown


async def test_another_commoners_statement_is_a_404_page(
    client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    await log_in(client, world.commoner.key)
    for path in (
        f"/commoner/statements/{payouts.commons_id}/2026-09",  # Bob and Carol's month only
        f"/commoner/statements/{world.other_commons_id}/2026-10",
        f"/commoner/statements/{world.commons_id}/2026-10",
        "/commoner/statements/not-a-uuid/2026-10",
        "/commoner/nowhere",
    ):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "bob@example.org" not in r.text and "carol" not in r.text
    client.cookies.clear()
    await log_in(client, payouts.bob_key)
    bob = await client.get(f"/commoner/statements/{payouts.commons_id}/2026-09")
    assert bob.status_code == 200 and "bob@example.org" in bob.text
    assert "unclaimed" in bob.text  # Bob has no payout account: held


async def test_a_commoner_with_nothing_yet_reads_well(
    client: AsyncClient, app: FastAPI, world: World
) -> None:
    await log_in(client, world.commoner.key)
    for path, words in (
        ("/commoner", "No statement yet"),
        ("/commoner/statements", "No statement yet"),
        ("/commoner/claims", "No claim yet"),
        ("/commoner/payout-account", "None connected"),
    ):
        r = await client.get(path)
        assert r.status_code == 200 and words in r.text, path


# --- commoner: claims ----------------------------------------------------------------------


async def test_a_commoner_claims_an_email_and_verifies_it_with_its_token(
    app: FastAPI, client: AsyncClient, world: World
) -> None:
    await log_in(client, world.commoner.key)
    page = await client.get("/commoner/claims")
    token = csrf_of(page)
    r = await client.post(
        "/commoner/claims", data={"csrf_token": token, "email": "Ada@Work.example"}
    )
    assert r.status_code == 200
    assert "Claim made for ada@work.example" in r.text and "copyfair admin claim-token" in r.text
    found = TOKEN.search(r.text)
    assert found, "the development server shows the token"
    async with app.state.services.sessions() as session:
        claim = await session.scalar(
            select(IdentityClaim).where(IdentityClaim.email == "ada@work.example")
        )
    assert claim is not None and claim.commoner_id == world.commoner.id
    verify = f"/commoner/claims/{claim.id}/verify"
    wrong = await client.post(verify, data={"csrf_token": token, "token": "not-it"})
    assert wrong.status_code == 422
    assert "Token: wrong token" in wrong.text and "4 attempt(s) left" in wrong.text
    assert 'aria-invalid="true"' in wrong.text
    async with app.state.services.sessions() as session:
        again = await session.get(IdentityClaim, claim.id)
        assert again is not None and again.attempts == 1  # the wrong attempt is kept
    done = await client.post(verify, data={"csrf_token": token, "token": found.group(1)})
    assert done.status_code == 303  # back to the list, so that a reload posts nothing
    assert done.headers["location"] == f"/commoner/claims?verified={claim.id}"
    ok = await client.get(done.headers["location"])
    assert ok.status_code == 200
    assert "ada@work.example is verified" in ok.text
    assert "released to" not in ok.text  # Ada has no payout account in this world
    foreign = await client.get(f"/commoner/claims?verified={uuid.uuid4()}")
    assert "ada@work.example is verified" not in foreign.text
    assert 'status-verified">verified</span>' in ok.text


async def test_claim_forms_refuse_bad_input_with_the_field_named(
    client: AsyncClient, world: World, payouts: PayoutWorld, app: FastAPI
) -> None:
    await log_in(client, world.commoner.key)
    token = csrf_of(await client.get("/commoner/claims"))
    for email, status, words in (
        ("", 422, "Email: this field is required"),
        ("not an email", 422, "Email: &#39;not an email&#39; is not an email address"),
        ("x" * 400 + "@example.org", 422, "Email: at most 320 characters"),
        ("bob@example.org", 409, "already verified by another commoner"),
    ):
        r = await client.post("/commoner/claims", data={"csrf_token": token, "email": email})
        assert r.status_code == status, email
        assert words in r.text, (email, r.text[:3000])
    r = await client.post("/commoner/claims", data={"email": "ada@else.example"})
    assert r.status_code == 403  # no CSRF token
    async with app.state.services.sessions() as session:
        bobs = await session.scalar(
            select(IdentityClaim.id).where(IdentityClaim.email == "bob@example.org")
        )
    r = await client.post(
        f"/commoner/claims/{bobs}/verify", data={"csrf_token": token, "token": "x"}
    )
    assert r.status_code == 404  # another commoner's claim
    r = await client.post("/commoner/claims/nope/verify", data={"csrf_token": token, "token": "x"})
    assert r.status_code == 404


# --- commoner: payout account --------------------------------------------------------------


async def test_connecting_a_payout_account_releases_what_was_held(
    app: FastAPI, client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    await log_in(client, payouts.bob_key)
    page = await client.get("/commoner/payout-account")
    assert "None connected" in page.text
    token = csrf_of(page)
    bad = await client.post(
        "/commoner/payout-account", data={"csrf_token": token, "account": "acct-nope"}
    )
    assert bad.status_code == 422
    assert "Account: &#39;acct-nope&#39; is not a Stripe Connect account id" in bad.text
    assert 'value="acct-nope"' in bad.text and 'aria-invalid="true"' in bad.text
    ok = await client.post(
        "/commoner/payout-account",
        data={"csrf_token": token, "account": "acct_bob42", "alias": "bob"},
    )
    assert ok.status_code == 200
    assert "Payouts now go to acct_bob42" in ok.text
    held = 3_600 + 4_500 + 6_920  # Bob's three held lines
    assert "Held payouts released to this account" in ok.text
    async with app.state.services.sessions() as session:
        lines = list(
            await session.scalars(
                select(PayoutLine).where(PayoutLine.identity == "bob@example.org")
            )
        )
        account = await session.get(PayoutAccount, lines[0].commoner_id)
    assert sum(line.amount_minor for line in lines) == held
    assert {line.status for line in lines} == {"pending"}
    assert account is not None and account.account == "acct_bob42"
    for line in lines:
        assert eur(line.amount_minor) in ok.text


# --- foundation: payout runs ---------------------------------------------------------------


async def test_a_foundation_reads_its_payout_runs_and_the_split_before_and_after(
    client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    await log_in(client, world.foundation.key)
    listing = await client.get("/foundation/payouts")
    assert listing.status_code == 200
    for run_id in payouts.runs.values():
        assert f"/foundation/payouts/{run_id}" in listing.text
    assert str(payouts.other_run_id) not in listing.text
    detail = (await client.get(f"/foundation/commons/{payouts.commons_id}")).text
    assert all(f"/foundation/payouts/{run_id}" in detail for run_id in payouts.runs.values())
    library = (await client.get(f"/foundation/commons/{world.commons_id}")).text
    assert "No payout run yet" in library  # the runs are Geo Tiles', not this commons'
    r = await client.get(f"/foundation/payouts/{payouts.runs['2026-10']}")
    assert r.status_code == 200
    text = r.text
    assert "Payout run: Geo Tiles, 2026-10" in text
    assert 'data-amount="pool:30000"' in text
    assert "Split before and after the anti-concentration option (EUR)" in text
    assert "<strong>Before</strong> is the split proportional to the score" in text
    assert "quadratic (by the square root of the score), at most 50 % of what is shared" in text
    assert "exactly the one this run recorded" in text
    # Ada: 219.85 proportionally, held at the cap (135.00) by the chosen method
    assert eur(21_985) in text and eur(13_500) in text
    assert "the largest share is 81.4 % of the total before and 50.0 % after" in text
    assert "manual-payout-" in text and ADA_ACCOUNT in text


async def test_another_foundations_payout_run_is_a_404_page(
    client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    await log_in(client, world.foundation.key)
    for path in (f"/foundation/payouts/{payouts.other_run_id}", "/foundation/payouts/x"):
        assert (await client.get(path)).status_code == 404, path
    client.cookies.clear()
    await log_in(client, world.other_foundation.key)
    assert (await client.get(f"/foundation/payouts/{payouts.other_run_id}")).status_code == 200
    r = await client.get(f"/foundation/payouts/{payouts.runs['2026-10']}")
    assert r.status_code == 404 and "Geo Tiles" not in r.text
    assert "Geo Tiles" not in (await client.get("/foundation/payouts")).text
    client.cookies.clear()
    await log_in(client, world.commoner.key)
    assert (await client.get("/foundation/payouts")).status_code == 403


async def test_a_payout_run_started_from_the_form(
    client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    await log_in(client, world.foundation.key)
    token = csrf_of(await client.get("/foundation/payouts"))
    tiles = str(payouts.commons_id)
    again = await client.post(
        "/foundation/payouts", data={"csrf_token": token, "commons": tiles, "period": "2026-10"}
    )
    assert again.status_code == 303  # resumes the month's run, never a second one
    assert again.headers["location"] == f"/foundation/payouts/{payouts.runs['2026-10']}"
    new = await client.post(
        "/foundation/payouts", data={"csrf_token": token, "commons": tiles, "period": "2026-11"}
    )
    assert new.status_code == 303
    page = await client.get(new.headers["location"])
    assert page.status_code == 200 and "Payout run: Geo Tiles, 2026-11" in page.text
    for data, words in (
        ({"commons": tiles, "period": "2026"}, "Period: a payout run covers one month"),
        ({"commons": tiles, "period": ""}, "Period: this field is required"),
        ({"commons": str(world.other_commons_id), "period": "2026-11"}, "Commons: choose one"),
        ({"commons": "x", "period": "2026-11"}, "Commons: choose one"),
        ({"commons": str(world.commons_id), "period": "2026-11"}, "Commons (repositories)"),
    ):
        r = await client.post("/foundation/payouts", data={"csrf_token": token, **data})
        assert r.status_code == 422, data
        assert words in r.text, (data, r.text[:3000])
    assert (await client.post("/foundation/payouts", data={"commons": tiles})).status_code == 403


async def test_a_payout_run_started_from_the_form_shows_its_progress_to_the_end(
    app: FastAPI, client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    provider = RecordingProvider()
    app.state.payout_provider = provider
    async with app.state.services.sessions() as session:
        bob = await session.scalar(
            select(IdentityClaim.commoner_id).where(IdentityClaim.email == "bob@example.org")
        )
        assert bob is not None
        _, released = await connect_account(session, bob, "acct_bob42")
        await session.commit()
    assert {line.status for line in released} == {"pending"}  # Bob's held parts, to pay
    october = payouts.runs["2026-10"]
    await log_in(client, world.foundation.key)
    before = (await client.get(f"/foundation/payouts/{october}")).text
    assert "parts held then were released since" in before
    assert '<strong id="payout-progress">1 of 2 paid</strong>' in before
    assert "1 line still waiting for a transfer" in before
    assert 'http-equiv="refresh"' not in before and len(provider.transfers) == 0
    token = csrf_of(await client.get("/foundation/payouts"))
    r = await client.post(
        "/foundation/payouts",
        data={"csrf_token": token, "commons": str(payouts.commons_id), "period": "2026-10"},
    )
    assert r.status_code == 303 and r.headers["location"] == f"/foundation/payouts/{october}"
    text = await follow_refresh(client, r.headers["location"])
    assert "Finished" in text and "every payable line is paid" in text, text[:3000]
    assert '<strong id="payout-progress">2 of 2 paid</strong>' in text  # Ada's, then Bob's
    # every released line of the commons is paid, each once
    assert provider.moved("acct_bob42") == sum(line.amount_minor for line in released)
    assert len(provider.transfers) == len(released)
    async with app.state.services.sessions() as session:
        statuses = await session.scalars(
            select(PayoutLine.status).where(PayoutLine.id.in_([line.id for line in released]))
        )
        assert set(statuses) == {"paid"}
        runs = await session.scalars(
            select(PayoutRun.status).where(PayoutRun.commons_id == payouts.commons_id)
        )
        assert set(runs) == {"finished"}


async def test_a_payout_run_page_shows_where_the_run_is(
    app: FastAPI, client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    from service.db.base import utcnow
    from service.payouts.run_jobs import STALE_AFTER

    run_id = payouts.runs["2026-10"]
    path = f"/foundation/payouts/{run_id}"
    await log_in(client, world.foundation.key)
    done = (await client.get(path)).text
    assert 'http-equiv="refresh"' not in done and "Refresh now" not in done
    assert '<strong id="payout-progress">1 of 1 paid</strong>' in done  # Bob's part is held
    for status, started, error, words, refreshes in (
        ("running", utcnow(), None, "Paying since", True),
        ("failed", utcnow(), "2 transfer(s) refused: acct_x closed", "Failed:", False),
        ("running", utcnow() - STALE_AFTER * 2, None, "the transfers stopped", False),
    ):
        async with app.state.services.sessions() as session:
            row = await session.get(PayoutRun, run_id)
            assert row is not None
            row.status, row.started_at, row.error = status, started, error
            await session.commit()
        text = (await client.get(path)).text
        assert words in text, status
        assert '<strong id="payout-progress">1 of 1 paid</strong>' in text, status
        assert ('<meta http-equiv="refresh" content="2">' in text) is refreshes, status
        assert (f'href="{path}">Refresh now' in text) is refreshes, status
        if error is not None:
            assert error in text
        if not refreshes:
            assert "start the run of 2026-10 again" in text and "nobody is paid twice" in text


async def test_no_payout_run_from_the_form_where_pools_go_to_the_foundations(
    app: FastAPI, client: AsyncClient, world: World, payouts: PayoutWorld
) -> None:
    app.state.foundation_transfers = RecordingProvider(kind="stripe")
    await log_in(client, world.foundation.key)
    token = csrf_of(await client.get("/foundation/payouts"))
    r = await client.post(
        "/foundation/payouts",
        data={"csrf_token": token, "commons": str(payouts.commons_id), "period": "2026-11"},
    )
    assert r.status_code == 409
    assert "COPYFAIR_FOUNDATION_TRANSFERS=stripe" in r.text
    async with app.state.services.sessions() as session:
        runs = await session.scalars(
            select(PayoutRun.period).where(PayoutRun.commons_id == payouts.commons_id)
        )
        assert "2026-11" not in set(runs)


# --- foundation: billing runs --------------------------------------------------------------


async def test_a_billing_run_started_from_the_form_shows_its_progress_to_the_end(
    client: AsyncClient, world: World
) -> None:
    await log_in(client, world.foundation.key)
    page = await client.get("/foundation/billing")
    assert page.status_code == 200 and "No billing run yet" in page.text
    token = csrf_of(page)
    r = await client.post("/foundation/billing", data={"csrf_token": token, "period": "2026-08"})
    assert r.status_code == 303
    path = r.headers["location"]
    assert re.fullmatch(r"/foundation/billing/[0-9a-f-]{36}", path)
    text = await follow_refresh(client, path)
    assert "Done: 1 invoice issued." in text, text[:3000]
    assert 'Obligations billed (invoice lines added)</th><td class="num">1<' in text
    invoices = (await client.get("/foundation/invoices")).text
    assert eur(OVERDUE_MINOR) in invoices  # the August obligation, now invoiced
    listing = (await client.get("/foundation/billing")).text
    assert path in listing
    for period, words in (("2026-13", "Period: period"), ("", "Period: this field is required")):
        bad = await client.post("/foundation/billing", data={"csrf_token": token, "period": period})
        assert bad.status_code == 422 and words in bad.text, period
    client.cookies.clear()
    await log_in(client, world.other_foundation.key)
    assert (await client.get(path)).status_code == 404
    assert path not in (await client.get("/foundation/billing")).text


async def test_foundation_money_pages_read_well_with_nothing_in_them(
    client: AsyncClient, world: World
) -> None:
    await log_in(client, world.other_foundation.key)
    for path, words in (
        ("/foundation/payouts", "No payout run yet"),
        ("/foundation/billing", "No billing run yet"),
    ):
        r = await client.get(path)
        assert r.status_code == 200 and words in r.text, path
        assert 'aria-current="page"' in r.text  # the menu marks where the reader is


async def test_a_billing_run_page_shows_where_the_run_is(
    app: FastAPI, client: AsyncClient, world: World
) -> None:
    from service.billing.run_jobs import start_run
    from service.db.base import utcnow
    from service.db.models.ledger import BillingRun

    async with app.state.services.sessions() as session:
        run = await start_run(session, world.foundation.id, "2026-10")
        await session.commit()
        run_id = run.id
    await log_in(client, world.foundation.key)
    path = f"/foundation/billing/{run_id}"
    queued = (await client.get(path)).text
    assert '<meta http-equiv="refresh" content="2">' in queued
    assert "Waiting to start" in queued and 'href="' + path + '">Refresh now' in queued
    token = csrf_of(await client.get("/foundation/billing"))
    busy = await client.post("/foundation/billing", data={"csrf_token": token, "period": "2026-10"})
    assert busy.status_code == 303 and busy.headers["location"] == path  # one run at a time
    for status, words, refreshes in (
        ("running", "invoices are being pushed to the gateway", True),
        ("failed", "gateway unreachable", False),
    ):
        async with app.state.services.sessions() as session:
            row = await session.get(BillingRun, run_id)
            assert row is not None
            row.status = status
            row.started_at = utcnow()
            row.error = "gateway unreachable" if status == "failed" else None
            await session.commit()
        text = (await client.get(path)).text
        assert words in text, status
        assert ('http-equiv="refresh"' in text) is refreshes, status
    assert "resumes where it stopped" in text
