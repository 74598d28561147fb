"""Usage reports: the service derives its own obligations, refreshes them per project and
month, and shows each tenant only its share."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from httpx import AsyncClient
from sqlalchemy import update

from licences.money import prorate
from service.db.models import ObligationRecord
from tests.service.api.conftest import Tenant, commons_body
from tests.service.api.report_fixtures import component, profile, scan_doc

pytestmark = pytest.mark.asyncio

NOVEMBER = (date(2026, 11, 1), date(2026, 12, 1))


def expected_november(developers: int, per_year_minor: int = 200_000) -> int:
    return prorate(developers * per_year_minor, *NOVEMBER)


async def register(client: AsyncClient, foundation: Tenant, **overrides: object) -> str:
    r = await client.post("/v1/commons", json=commons_body(**overrides), headers=foundation.headers)
    assert r.status_code == 201, r.text
    commons_id: str = r.json()["id"]
    return commons_id


async def submit(
    client: AsyncClient, company: Tenant, scan: dict[str, Any] | None = None, **extra: object
) -> dict[str, Any]:
    body: dict[str, Any] = {"scan": scan or scan_doc(), "period": "2026-11", **extra}
    r = await client.post("/v1/reports", json=body, headers=company.headers)
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def owed_payment(report: dict[str, Any]) -> dict[str, Any]:
    [line] = [o for o in report["obligations"] if o["kind"] == "reciprocity-payment"]
    found: dict[str, Any] = line
    return found


async def test_the_service_derives_the_amount_from_the_commons_schedule(
    client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    commons_id = await register(client, foundation)
    report = await submit(client, company)
    line = owed_payment(report)
    # 40 developers x EUR 2,000 a year, for the 30 days of November; the client's "1" ignored
    assert line["amount_minor"] == expected_november(40) == 657_534
    assert line["currency"] == "EUR"
    assert line["status"] == "owed"
    assert line["commons_id"] == commons_id
    assert line["foundation_id"] == str(foundation.id)
    assert line["licence"] == "PPL"  # the scan found none: the commons' registered licence
    assert "PPL 4(b)" in line["clause"] and "schedule" in line["reason"]
    methods = [e["method"] for e in line["evidence"]]
    assert methods == ["manifest", "commons-match", "commons-registration"]
    assert line["evidence"][0]["file"] == "requirements.txt"
    assert line["evidence"][0]["line"] == 2
    assert line["evidence"][1]["pattern"] == "pkg:pypi/geo-commons*"
    assert report["summary"]["totals"] == [{"currency": "EUR", "amount_minor": 657_534}]
    assert report["summary"]["attributed_components"] == 1
    assert report["period"] == "2026-11"
    assert report["project"] == "analytics"  # the scanned project's name (no git remote)


async def test_unattributed_components_owe_no_money_to_any_commons(
    client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    await register(client, foundation)
    report = await submit(client, company)
    others = [o for o in report["obligations"] if o["component_id"].endswith("requests@2.31")]
    assert others and all(o["commons_id"] is None for o in others)
    assert all(o["amount_minor"] in (None, 0) for o in others)
    # the scanned project itself is the company's own work: nothing is owed for it
    assert not [o for o in report["obligations"] if o["component_id"] == "project:1"]


async def test_reports_of_one_month_refresh_the_same_rows(
    client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    await register(client, foundation)
    first = await submit(client, company)
    second = await submit(client, company, scan_doc(profile=profile(developers=10)))
    assert first["id"] != second["id"]
    assert {o["id"] for o in first["obligations"]} == {o["id"] for o in second["obligations"]}
    assert owed_payment(second)["amount_minor"] == expected_november(10)
    assert owed_payment(second)["report_id"] == second["id"]
    listed = await client.get("/v1/obligations", headers=company.headers)
    assert len(listed.json()["items"]) == second["obligations_total"] == first["obligations_total"]
    # another month is another row
    december = await submit(client, company, period="2026-12")
    assert owed_payment(december)["id"] != owed_payment(second)["id"]


async def test_billed_rows_are_never_changed_by_a_new_report(
    app: FastAPI, client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    await register(client, foundation)
    first = owed_payment(await submit(client, company))
    async with app.state.services.sessions() as session:
        await session.execute(
            update(ObligationRecord)
            .where(ObligationRecord.id == uuid.UUID(first["id"]))
            .values(status="invoiced")
        )
        await session.commit()
    again = owed_payment(await submit(client, company, scan_doc(profile=profile(developers=1))))
    assert again["id"] == first["id"]
    assert again["status"] == "invoiced"
    assert again["amount_minor"] == first["amount_minor"]
    assert again["report_id"] == first["report_id"]


async def test_needs_declaration_without_a_profile(
    client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    await register(client, foundation)
    scan = scan_doc(commercial="unknown", uses=[], declared=False, profile=None)
    line = owed_payment(await submit(client, company, scan))
    assert line["status"] == "needs-declaration"
    assert line["amount_minor"] is None


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (scan_doc(), None, "bare JSON of copyfair scan"),
        ({"scan": scan_doc(), "period": "2026-13"}, "period", "pattern"),
        ({"scan": []}, "scan", "expected a JSON object"),
        ({"scan": {**scan_doc(), "schema_version": "9"}}, "scan.schema_version", '"1"'),
        ({"scan": scan_doc([{"name": "x"}])}, "scan.components[0].id", "required"),
        ({"scan": scan_doc([{"id": 3}])}, "scan.components[0].id", "expected a string"),
        ({"scan": {**scan_doc(), "components": {}}}, "scan.components", "list of components"),
        ({"scan": scan_doc(commercial="maybe")}, "scan.usage.commercial", '"yes", "no"'),
        ({"scan": scan_doc(uses=["selling"])}, "scan.usage.uses[0]", "saas"),
        (
            {"scan": scan_doc(profile=profile(headcount=-3))},
            "scan.usage.profile.headcount",
            "expected",
        ),
        (
            {"scan": scan_doc(profile=profile(legal_form="llc"))},
            "scan.usage.profile.legal_form",
            "expected",
        ),
        ({"scan": scan_doc(), "colour": "red"}, "colour", "unknown field"),
    ],
)
async def test_invalid_reports_name_the_field(
    client: AsyncClient, company: Tenant, body: dict[str, Any], field: str | None, words: str
) -> None:
    r = await client.post("/v1/reports", json=body, headers=company.headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field
    assert words in error["message"]
    listed = await client.get("/v1/reports", headers=company.headers)
    assert listed.json()["items"] == []


async def test_filters(client: AsyncClient, foundation: Tenant, company: Tenant) -> None:
    commons_id = await register(client, foundation)
    per_month = (await submit(client, company))["obligations_total"]
    await submit(client, company, period="2026-12")
    h = company.headers

    async def ids(**params: str) -> list[str]:
        r = await client.get("/v1/obligations", params=params, headers=h)
        assert r.status_code == 200, r.text
        return [o["id"] for o in r.json()["items"]]

    everything = await ids()
    assert len(everything) == 2 * per_month
    november = await ids(period="2026-11")
    assert len(november) == per_month
    mine = await ids(commons=commons_id)
    assert len(mine) == 4  # attribution + payment, two months
    paid = await ids(status="paid")
    assert paid == []
    both = await ids(commons=commons_id, period="2026-12", status="owed")
    assert len(both) == 2
    bad = await client.get("/v1/obligations", params={"status": "late"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"
    bad = await client.get("/v1/obligations", params={"period": "11/2026"}, headers=h)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "period"


async def test_obligation_pages_cover_everything_once(
    client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    await register(client, foundation)
    components = [component(f"lib-{n}", licence="MIT") for n in range(7)]
    await submit(client, company, scan_doc(components))
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/obligations", params=params, headers=company.headers)
        assert r.status_code == 200, r.text
        seen += [o["id"] for o in r.json()["items"]]
        cursor = r.json()["next"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 7  # one attribution duty per MIT component


async def test_the_list_writes_each_obligation_as_its_own_page_does(
    client: AsyncClient, foundation: Tenant, company: Tenant
) -> None:
    """The list is written straight from the rows (fast path); it must say exactly what
    GET /v1/obligations/{id} says through the model."""
    await register(client, foundation)
    await submit(client, company)
    listed = (await client.get("/v1/obligations", headers=company.headers)).json()["items"]
    assert listed
    for item in listed:
        one = await client.get(f"/v1/obligations/{item['id']}", headers=company.headers)
        assert one.status_code == 200
        expected = one.json()
        for stamp in ("created_at", "updated_at"):  # same instant, however written
            assert datetime.fromisoformat(item.pop(stamp)) == datetime.fromisoformat(
                expected.pop(stamp)
            )
        assert item == expected
