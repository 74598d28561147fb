"""One reciprocity charge per company, commons and month: across a company's projects one
row carries the amount, the others show 0 and say where it is counted; billed rows are
never touched, and billing charges the company once."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from service.api.routes.webhooks import BillingContext
from service.billing.config import BillingConfig
from service.billing.manual import ManualGateway
from service.db.models import ObligationRecord
from tests.service.api.conftest import Tenant
from tests.service.api.report_fixtures import profile, scan_doc
from tests.service.api.test_reports import expected_november, register, submit

pytestmark = pytest.mark.asyncio


async def _payments(client: AsyncClient, company: Tenant) -> dict[str, dict[str, Any]]:
    """The company's reciprocity rows of November, by project."""
    found = await client.get(
        "/v1/obligations", params={"period": "2026-11"}, headers=company.headers
    )
    assert found.status_code == 200, found.text
    rows = [o for o in found.json()["items"] if o["kind"] == "reciprocity-payment"]
    by_project = {o["project"]: o for o in rows}
    assert len(by_project) == len(rows)
    return by_project


async def test_several_projects_are_charged_once(
    client: AsyncClient, app: FastAPI, foundation: Tenant, company: Tenant
) -> None:
    await register(client, foundation)
    price = expected_november(40)
    await submit(client, company, project="acme/analytics")
    second = await submit(client, company, project="acme/maps")
    rows = await _payments(client, company)
    assert rows["acme/analytics"]["amount_minor"] == price
    assert rows["acme/maps"]["amount_minor"] == 0
    assert "project 'acme/analytics'" in rows["acme/maps"]["reason"]
    assert "Counted once per company, commons and month" in rows["acme/maps"]["reason"]
    [marker] = [e for e in rows["acme/maps"]["evidence"] if e["method"] == "once-per-company"]
    assert marker["amount_minor"] == price
    # the report's own detail shows the row as it stands
    [line] = [o for o in second["obligations"] if o["kind"] == "reciprocity-payment"]
    assert line["amount_minor"] == 0
    assert second["summary"]["totals"] == [{"currency": "EUR", "amount_minor": 0}]
    mine = second["summary"]["by_foundation"][str(foundation.id)]
    assert mine["totals"] == [{"currency": "EUR", "amount_minor": 0}]

    # reporting again does not move the charge, nor stack notes
    await submit(client, company, project="acme/maps")
    await submit(client, company, project="acme/analytics")
    again = await _payments(client, company)
    assert again["acme/analytics"]["amount_minor"] == price
    assert again["acme/maps"]["reason"] == rows["acme/maps"]["reason"]
    assert again["acme/analytics"]["reason"].count("Counted once per company") == 0

    # a project declaring a larger organisation carries the larger amount
    bigger = scan_doc(profile=profile(developers=50))
    await submit(client, company, bigger, project="acme/tiles")
    rows = await _payments(client, company)
    assert rows["acme/tiles"]["amount_minor"] == expected_november(50)
    assert rows["acme/analytics"]["amount_minor"] == 0
    assert rows["acme/maps"]["amount_minor"] == 0
    assert "project 'acme/tiles'" in rows["acme/analytics"]["reason"]

    # when the carrier stops owing, the next largest takes the charge back
    coop = profile(
        legal_form="worker-cooperative",
        worker_owned=True,
        profits_to_workers=True,
        employs_wage_labour=False,
    )
    exempt = scan_doc(profile=coop)
    await submit(client, company, exempt, project="acme/tiles")
    rows = await _payments(client, company)
    assert rows["acme/tiles"]["amount_minor"] in (0, None)
    assert rows["acme/tiles"]["status"] != "owed"
    owed = {p: r["amount_minor"] for p, r in rows.items() if r["status"] == "owed"}
    assert sorted(owed.values()) == [0, price]

    # billing charges the company once
    app.state.billing = BillingContext(BillingConfig(), ManualGateway())
    app.state.foundation_transfers = None
    started = await client.post(
        "/v1/billing/runs", json={"period": "2026-11"}, headers=foundation.headers
    )
    assert started.status_code == 202, started.text
    [invoice] = (await client.get("/v1/invoices", headers=company.headers)).json()["items"]
    assert invoice["total_minor"] == price and len(invoice["lines"]) == 1


async def test_an_invoiced_row_carries_and_is_never_changed(
    client: AsyncClient, app: FastAPI, foundation: Tenant, company: Tenant
) -> None:
    await register(client, foundation)
    first = await submit(client, company, project="acme/analytics")
    [billed] = [o for o in first["obligations"] if o["kind"] == "reciprocity-payment"]
    async with app.state.services.sessions() as session:
        await session.execute(
            update(ObligationRecord)
            .where(ObligationRecord.id == uuid.UUID(billed["id"]))
            .values(status="invoiced")
        )
        await session.commit()
    # a larger declaration elsewhere must not bill the month a second time
    await submit(client, company, scan_doc(profile=profile(developers=90)), project="acme/maps")
    rows = await _payments(client, company)
    assert rows["acme/analytics"]["status"] == "invoiced"
    assert rows["acme/analytics"]["amount_minor"] == billed["amount_minor"]
    assert rows["acme/analytics"]["reason"] == billed["reason"]
    assert rows["acme/maps"]["amount_minor"] == 0
    assert "(invoiced)" in rows["acme/maps"]["reason"]


async def test_other_companies_and_months_are_charged_on_their_own(
    client: AsyncClient, app: FastAPI, foundation: Tenant, company: Tenant
) -> None:
    from service.db.models import OrganisationKind
    from tests.service.api.conftest import make_organisation

    await register(client, foundation)
    other = await make_organisation(app, OrganisationKind.COMPANY, "Globex")
    await submit(client, company, project="acme/analytics")
    await submit(client, other, project="globex/maps")
    december = await client.post(
        "/v1/reports",
        json={"scan": scan_doc(), "period": "2026-12", "project": "acme/maps"},
        headers=company.headers,
    )
    assert december.status_code == 201
    assert (await _payments(client, company))["acme/analytics"]["amount_minor"] > 0
    assert (await _payments(client, other))["globex/maps"]["amount_minor"] > 0
    [line] = [o for o in december.json()["obligations"] if o["kind"] == "reciprocity-payment"]
    assert line["amount_minor"] > 0
