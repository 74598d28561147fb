"""The dashboard in a real browser: Debian's Chromium driven by Playwright against the
server running under uvicorn (SQLite, and PostgreSQL when reachable). Log in as each role,
walk the pages (by keyboard too, and at phone width), start an audit and a billing run and
see them finish, claim an email as a commoner, read a payout run's split, and check tenant
boundaries. Without Chromium these tests skip, unless
``COPYFAIR_REQUIRE_SERVICES=1`` (CI), where they fail.

With ``COPYFAIR_SCREENSHOTS=DIR`` the main pages are saved as PNG files in DIR
(``python -m tests.service.web.screenshots`` writes ``docs/screenshots/``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.service.api.conftest import services_required
from tests.service.scan_sources import MIT_HEADER, git_repository
from tests.service.web.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    chromium_missing,
    running_server,
    seed_database,
    seed_payout_database,
)
from tests.service.web.payout_seed import ADA_ACCOUNT, PayoutWorld
from tests.service.web.seed import PAID_FEE_MINOR, PAID_MINOR, REFUND_MINOR, World

TIMEOUT_MS = 60_000
PHONE = {"width": 375, "height": 740}


@dataclass(frozen=True)
class Site:
    base: str
    world: World
    repos: Path
    payouts: PayoutWorld


def _require_chromium() -> None:
    reason = chromium_missing()
    if reason is not None:
        if services_required():
            pytest.fail(f"{reason} (COPYFAIR_REQUIRE_SERVICES=1)")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    """One Chromium per site, launched after the site is seeded: Playwright's synchronous
    API keeps an event loop running, in which the seeding's asyncio.run could not run."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    _require_chromium()
    work = tmp_path_factory.mktemp("browser")
    repos = (work / "repos").resolve()
    repos.mkdir()
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{work / 'copyfair.db'}"
        world = seed_database(url, migrate=True)
    else:
        url = request.getfixturevalue("postgres_url")
        import asyncio

        from tests.service.web.conftest import truncate_all

        asyncio.run(truncate_all(url))
        world = seed_database(url, migrate=False)
    payouts = seed_payout_database(url, world, work)
    with running_server(url, repos, work / "server.log") as base:
        yield Site(base, world, repos, payouts)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    yield context.new_page()
    context.close()


def shoot(page: Any, name: str) -> None:
    folder = os.environ.get("COPYFAIR_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def log_in(page: Any, site: Site, key: str) -> None:
    page.goto(f"{site.base}/login")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def heading(page: Any) -> str:
    text: str = page.get_by_role("heading", level=1).inner_text()
    return text


def no_horizontal_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_foundation_walks_its_pages(site: Site, page: Any) -> None:
    log_in(page, site, site.world.foundation.key)
    assert page.url == f"{site.base}/foundation"
    assert heading(page) == "Geo Commons Foundation"
    shoot(page, "foundation-overview")
    nav = page.get_by_role("navigation", name="Main")
    for link, title, shot in (
        ("Commons", "Commons", None),
        ("Obligations", "Obligations", "foundation-obligations"),
        ("Invoices", "Invoices", None),
        ("Ledger", "Ledger balances", "foundation-ledger"),
        ("Audits", "Audits", None),
    ):
        nav.get_by_role("link", name=link, exact=True).click()
        page.wait_for_load_state()
        assert heading(page) == title
        assert nav.get_by_role("link", name=link, exact=True).get_attribute("aria-current") == (
            "page"
        )
        if shot:
            shoot(page, shot)
    page.goto(f"{site.base}/foundation/commons")
    page.get_by_role("link", name="Geo Commons Library").click()
    assert heading(page) == "Geo Commons Library"
    usage = page.get_by_role("table", name=re.compile("Components attributed to"))
    assert "Acme Analytics GmbH" in usage.inner_text()
    shoot(page, "foundation-commons")
    obligations = page.goto(f"{site.base}/foundation/obligations")
    assert obligations is not None and obligations.status == 200
    plot = page.get_by_role("img", name=re.compile("Obligations in EUR"))
    assert plot.count() == 1
    page.get_by_text("The numbers behind this plot").click()  # opens the data table
    assert page.get_by_role("table", name=re.compile("data")).first.is_visible()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()
    assert page.url == f"{site.base}/login"
    page.goto(f"{site.base}/foundation")
    assert page.url.startswith(f"{site.base}/login?next=/foundation")


def test_a_company_reads_its_obligations_at_phone_width(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        log_in(page, site, site.world.company.key)
        assert heading(page) == "Acme Analytics GmbH"
        assert no_horizontal_scroll(page)
        shoot(page, "company-overview-phone")
        for path, title in (
            ("/company/reports", "Usage reports"),
            ("/company/obligations", "What you owe, and why"),
            ("/company/invoices", "Invoices"),
        ):
            page.goto(f"{site.base}{path}")
            assert heading(page) == title
            assert no_horizontal_scroll(page), path
        page.goto(f"{site.base}/company/obligations")
        first = page.get_by_role("article").first
        assert "requirements.txt:7" in first.inner_text()
        assert "PPL §1(c)" in first.inner_text()
        shoot(page, "company-obligations-phone")
    finally:
        context.close()


def test_a_company_sees_the_trend_of_its_reports(site: Site, page: Any) -> None:
    log_in(page, site, site.world.company.key)
    page.goto(f"{site.base}/company/reports")
    plot = page.get_by_role("img", name=re.compile("Components in each of 3 usage reports"))
    assert plot.count() == 1
    shoot(page, "company-reports")
    page.get_by_role("link", name=re.compile("2026-08-03")).click()
    assert heading(page) == "Report for acme-maps (2026-08)"


def test_login_works_from_the_keyboard_alone(site: Site, page: Any) -> None:
    page.goto(f"{site.base}/login")
    shoot(page, "login")
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "api_key":
            break
    else:
        raise AssertionError("the API key field cannot be reached with Tab")
    page.keyboard.type(site.world.commoner.key)
    page.keyboard.press("Enter")
    page.wait_for_url(f"{site.base}/commoner")
    assert heading(page) == "Your account"


def test_a_foundation_audits_a_repository_and_sees_it_finish(site: Site, page: Any) -> None:
    repo = git_repository(site.repos / "geo-audit", {"src/geo.py": MIT_HEADER, "README": b"x"})
    log_in(page, site, site.world.foundation.key)
    page.goto(f"{site.base}/foundation/audits")
    page.get_by_label("Repository URL").fill(f"file://{repo}")
    page.get_by_role("button", name="Start the audit").click()
    page.wait_for_url(re.compile(r"/foundation/audits/[0-9a-f-]{36}$"))
    status = page.get_by_role("status")
    from playwright.sync_api import expect

    expect(status).to_contain_text("Done:", timeout=TIMEOUT_MS)
    files = page.get_by_role("table", name=re.compile("Each file"))
    assert "src/geo.py" in files.inner_text() and "MIT" in files.inner_text()
    shoot(page, "foundation-audit")


def test_an_audit_of_a_refused_repository_shows_the_error(site: Site, page: Any) -> None:
    log_in(page, site, site.world.foundation.key)
    page.goto(f"{site.base}/foundation/audits")
    page.get_by_label("Repository URL").fill("/etc")
    page.get_by_role("button", name="Start the audit").click()
    alert = page.get_by_role("alert")
    assert "outside the directories" in alert.inner_text()
    assert page.get_by_label("Repository URL").get_attribute("aria-invalid") == "true"


def test_tenant_boundaries_hold_in_the_browser(site: Site, page: Any) -> None:
    log_in(page, site, site.world.foundation.key)
    response = page.goto(f"{site.base}/foundation/commons/{site.world.other_commons_id}")
    assert response is not None and response.status == 404
    assert heading(page) == "Not found"
    assert "Secret Other Commons" not in page.content()
    shoot(page, "not-found")
    response = page.goto(f"{site.base}/company")
    assert response is not None and response.status == 403
    page.context.clear_cookies()
    log_in(page, site, site.world.company.key)
    response = page.goto(f"{site.base}/company/reports/{site.world.other_report_id}")
    assert response is not None and response.status == 404
    assert "globex" not in page.content().lower()


def test_the_public_page_needs_no_login(site: Site, page: Any) -> None:
    response = page.goto(f"{site.base}/commons/{site.world.commons_id}")
    assert response is not None and response.status == 200
    assert heading(page) == "Geo Commons Library"
    held = PAID_MINOR - PAID_FEE_MINOR - REFUND_MINOR
    totals = page.get_by_role("table", name=re.compile("Totals from the ledger"))
    assert f"EUR {held / 100:,.2f}" in totals.inner_text()
    assert page.get_by_role("img", name=re.compile("Money into and out of the pool")).count() == 1
    assert page.get_by_role("link", name="Log in").is_visible()
    shoot(page, "public-commons")


def test_a_commoner_walks_their_pages_and_claims_an_email(site: Site, page: Any) -> None:
    log_in(page, site, site.world.commoner.key)
    assert page.url == f"{site.base}/commoner"
    assert heading(page) == "Your account"
    assert ADA_ACCOUNT in page.get_by_role("main").inner_text()
    shoot(page, "commoner-overview")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Statements", exact=True).click()
    assert heading(page) == "Statements"
    assert page.get_by_role("img", name=re.compile("Your payouts in EUR")).count() == 1
    statements = page.get_by_role("table", name=re.compile("Your statements"))
    assert "bob@example.org" not in statements.inner_text()
    shoot(page, "commoner-statements")
    statements.get_by_role("link", name="2026-10").click()
    assert heading(page) == "Statement: Geo Tiles, 2026-10"
    contributions = page.get_by_role("table", name=re.compile("The contributions that earned"))
    assert contributions.get_by_role("row").count() == 5  # header + four commits
    shoot(page, "commoner-statement")
    response = page.goto(f"{site.base}/commoner/statements/{site.payouts.commons_id}/2026-09")
    assert response is not None and response.status == 404  # Bob and Carol's month
    assert "bob@example.org" not in page.content()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Claims").click()
    assert heading(page) == "Identity claims"
    page.get_by_label("Email of your commits").fill("ada@laptop.example")
    page.get_by_role("button", name="Claim this email").click()
    page.wait_for_load_state()
    assert "Claim made for ada@laptop.example" in page.get_by_role("main").inner_text()
    token = page.locator("code.token").inner_text()  # shown by a development server only
    shoot(page, "commoner-claims")
    page.get_by_label("Token for ada@laptop.example").fill("wrong-token")
    page.get_by_role("button", name="Verify ada@laptop.example").click()
    page.wait_for_load_state()
    assert "wrong token" in page.get_by_role("alert").inner_text()
    page.get_by_label("Token for ada@laptop.example").fill(token)
    page.get_by_role("button", name="Verify ada@laptop.example").click()
    page.wait_for_load_state()
    assert "ada@laptop.example is verified" in page.get_by_role("main").inner_text()
    claims = page.get_by_role("table", name=re.compile("Your identity claims"))
    assert claims.inner_text().count("verified") == 2

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payout account").click()
    assert heading(page) == "Payout account"
    assert ADA_ACCOUNT in page.get_by_role("main").inner_text()
    page.get_by_label("Stripe Connect account id").fill("not-an-account")
    page.get_by_role("button", name="Save the payout account").click()
    page.wait_for_load_state()
    assert "Account:" in page.get_by_role("alert").inner_text()
    assert page.get_by_label("Stripe Connect account id").get_attribute("aria-invalid") == "true"


def test_a_commoner_reads_statements_at_phone_width(site: Site, browser: Any) -> None:
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    try:
        log_in(page, site, site.world.commoner.key)
        for path in ("/commoner", "/commoner/statements", "/commoner/claims"):
            page.goto(f"{site.base}{path}")
            assert no_horizontal_scroll(page), path
    finally:
        context.close()


def test_a_foundation_reads_a_payout_runs_split(site: Site, page: Any) -> None:
    log_in(page, site, site.world.foundation.key)
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Payouts", exact=True).click()
    assert heading(page) == "Payout runs"
    runs = page.get_by_role("table", name=re.compile("Payout runs of your commons"))
    assert runs.get_by_role("row").count() == 4  # header + three months
    runs.get_by_role("link", name="2026-10").click()
    assert heading(page) == "Payout run: Geo Tiles, 2026-10"
    plot = page.get_by_role("img", name=re.compile("shared among 3 contributors"))
    assert plot.count() == 1
    assert "50.0 % after" in (plot.get_attribute("aria-label") or "")
    shoot(page, "foundation-payout-run")
    response = page.goto(f"{site.base}/foundation/payouts/{site.payouts.other_run_id}")
    assert response is not None and response.status == 404


def test_a_foundation_starts_a_billing_run_and_sees_it_finish(site: Site, page: Any) -> None:
    log_in(page, site, site.world.foundation.key)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Billing").click()
    assert heading(page) == "Billing runs"
    page.get_by_label("Period (YYYY-MM)").fill("2026-08")
    page.get_by_role("button", name="Start the billing run").click()
    page.wait_for_url(re.compile(r"/foundation/billing/[0-9a-f-]{36}$"))
    from playwright.sync_api import expect

    expect(page.get_by_role("status")).to_contain_text("Done:", timeout=TIMEOUT_MS)
    assert heading(page) == "Billing run for 2026-08"
    shoot(page, "foundation-billing-run")


def test_a_foundation_starts_a_payout_run_and_sees_it_finish(site: Site, page: Any) -> None:
    """Bob connects a payout account (his held parts become payable), then the foundation
    starts September's run again: the page counts the lines paid until it is finished.
    Last in the module: it changes Bob's parts, which the pages above read as held."""
    from playwright.sync_api import expect

    log_in(page, site, site.payouts.bob_key)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payout account").click()
    page.get_by_label("Stripe Connect account id").fill("acct_bob42")
    page.get_by_role("button", name="Save the payout account").click()
    page.wait_for_load_state()
    assert "Held payouts released to this account" in page.get_by_role("main").inner_text()
    page.context.clear_cookies()

    log_in(page, site, site.world.foundation.key)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Payouts").click()
    assert heading(page) == "Payout runs"
    page.get_by_label("Commons").select_option(label="Geo Tiles")
    page.get_by_label("Month (YYYY-MM)").fill("2026-09")
    page.get_by_role("button", name="Start the payout run").click()
    page.wait_for_url(f"{site.base}/foundation/payouts/{site.payouts.runs['2026-09']}")
    status = page.get_by_role("status")
    expect(status).to_contain_text("Finished", timeout=TIMEOUT_MS)  # refreshed until then
    expect(status).to_contain_text("1 of 1 paid")  # Bob's; Carol's part stays held
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    assert heading(page) == "Payout run: Geo Tiles, 2026-09"
    lines = page.get_by_role("table", name=re.compile("Each contributor's part"))
    assert "acct_bob42" in lines.inner_text() and "manual-payout-" in lines.inner_text()
    shoot(page, "foundation-payout-run-finished")
