"""Who sees which reports and obligations: a company its own; a foundation the reports
that involve its commons and, in them, only its share; a commoner none (403); no key 401;
anybody else's id 404. Every list and every get endpoint, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
import pytest_asyncio
from fastapi import FastAPI
from httpx import AsyncClient

from service.db.models import OrganisationKind
from tests.service.api.conftest import Tenant, commons_body, make_organisation
from tests.service.api.report_fixtures import component, scan_doc

pytestmark = pytest.mark.asyncio


def two_commons_scan() -> dict[str, Any]:
    """A project using one commons of each foundation, and a plain MIT library."""
    return scan_doc(
        [
            component("geo-commons", purl="pkg:pypi/geo-commons@1.0"),
            component("sea-commons", purl="pkg:npm/sea-commons@2.0"),
            component("left-pad", purl="pkg:npm/left-pad@1.0", licence="MIT"),
        ]
    )


@pytest_asyncio.fixture
async def seeded(
    app: FastAPI, client: AsyncClient, foundation: Tenant, other_foundation: Tenant, company: Tenant
) -> dict[str, Any]:
    """A commons of each foundation (Geo, Sea), and a report using both from the company
    (``mine``) and from a rival one (``theirs``): their ids, the rival, the two reports."""
    geo = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    sea = await client.post(
        "/v1/commons",
        json=commons_body(
            name="Sea Commons",
            match={"purls": ["pkg:npm/sea-commons*"]},
            reciprocity={"model": "flat", "currency": "USD", "flat_amount_year": 1200},
        ),
        headers=other_foundation.headers,
    )
    assert geo.status_code == sea.status_code == 201, (geo.text, sea.text)
    rival = await make_organisation(app, OrganisationKind.COMPANY, "Rival Ltd")
    body = {"scan": two_commons_scan(), "period": "2026-11", "project": "acme/app"}
    mine = await client.post("/v1/reports", json=body, headers=company.headers)
    theirs = await client.post(
        "/v1/reports", json={**body, "project": "rival/app"}, headers=rival.headers
    )
    assert mine.status_code == theirs.status_code == 201, (mine.text, theirs.text)
    return {
        "geo": geo.json()["id"],
        "sea": sea.json()["id"],
        "rival": rival,
        "mine": mine.json(),
        "theirs": theirs.json(),
    }


async def test_a_company_sees_only_its_own(
    client: AsyncClient, company: Tenant, seeded: dict[str, Any]
) -> None:
    h = company.headers
    reports = (await client.get("/v1/reports", headers=h)).json()["items"]
    assert [r["id"] for r in reports] == [seeded["mine"]["id"]]
    obligations = (await client.get("/v1/obligations", headers=h)).json()["items"]
    assert obligations and {o["company_id"] for o in obligations} == {str(company.id)}
    assert {o["id"] for o in obligations} == {o["id"] for o in seeded["mine"]["obligations"]}
    detail = await client.get(f"/v1/reports/{seeded['mine']['id']}", headers=h)
    assert detail.status_code == 200
    assert detail.json()["obligations_total"] == len(obligations)
    # the company sees both foundations' shares of its own report
    assert {o["commons_id"] for o in obligations} == {seeded["geo"], seeded["sea"], None}
    # the rival's report and obligations do not exist for it
    assert (await client.get(f"/v1/reports/{seeded['theirs']['id']}", headers=h)).status_code == 404
    for line in seeded["theirs"]["obligations"]:
        r = await client.get(f"/v1/obligations/{line['id']}", headers=h)
        assert r.status_code == 404
        assert r.json()["error"]["code"] == "not_found"
    r = await client.get("/v1/obligations", params={"report": seeded["theirs"]["id"]}, headers=h)
    assert r.status_code == 404


async def test_a_foundation_sees_only_its_commons_share(
    client: AsyncClient, foundation: Tenant, other_foundation: Tenant, seeded: dict[str, Any]
) -> None:
    for tenant, commons_id in ((foundation, seeded["geo"]), (other_foundation, seeded["sea"])):
        h = tenant.headers
        reports = (await client.get("/v1/reports", headers=h)).json()["items"]
        # both companies' reports involve its commons
        assert {r["id"] for r in reports} == {seeded["mine"]["id"], seeded["theirs"]["id"]}
        for report in reports:
            assert report["summary"]["components"] == 1
            assert report["summary"]["commons"] == [commons_id]
            assert "usage" not in report["summary"] and "by_foundation" not in report["summary"]
        obligations = (await client.get("/v1/obligations", headers=h)).json()["items"]
        assert obligations
        assert {o["commons_id"] for o in obligations} == {commons_id}
        assert {o["foundation_id"] for o in obligations} == {str(tenant.id)}
        detail = (await client.get(f"/v1/reports/{seeded['mine']['id']}", headers=h)).json()
        assert {o["commons_id"] for o in detail["obligations"]} == {commons_id}
        assert detail["obligations_total"] == len(detail["obligations"])
        # the other foundation's lines and the unattributed ones are 404 for it
        for line in seeded["mine"]["obligations"]:
            r = await client.get(f"/v1/obligations/{line['id']}", headers=h)
            assert r.status_code == (200 if line["commons_id"] == commons_id else 404)


async def test_a_foundation_without_a_matching_commons_sees_nothing(
    app: FastAPI, client: AsyncClient, seeded: dict[str, Any]
) -> None:
    stranger = await make_organisation(app, OrganisationKind.FOUNDATION, "Stranger")
    h = stranger.headers
    assert (await client.get("/v1/reports", headers=h)).json() == {"items": [], "next": None}
    assert (await client.get("/v1/obligations", headers=h)).json() == {"items": [], "next": None}
    assert (await client.get(f"/v1/reports/{seeded['mine']['id']}", headers=h)).status_code == 404
    line = seeded["mine"]["obligations"][0]["id"]
    assert (await client.get(f"/v1/obligations/{line}", headers=h)).status_code == 404


async def test_a_foundation_cannot_submit_reports(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.post("/v1/reports", json={"scan": scan_doc()}, headers=foundation.headers)
    assert r.status_code == 403
    assert "role company" in r.json()["error"]["message"]


ENDPOINTS = [
    ("GET", "/v1/reports"),
    ("POST", "/v1/reports"),
    ("GET", "/v1/reports/{report}"),
    ("GET", "/v1/obligations"),
    ("GET", "/v1/obligations/{obligation}"),
]


def _url(path: str, seeded: dict[str, Any]) -> str:
    """An endpoint of ``ENDPOINTS`` at the company's report and its first obligation."""
    mine = seeded["mine"]
    return path.format(report=mine["id"], obligation=mine["obligations"][0]["id"])


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_a_commoner_is_403(
    client: AsyncClient, commoner: Tenant, seeded: dict[str, Any], method: str, path: str
) -> None:
    url = _url(path, seeded)
    r = await client.request(method, url, json={"scan": scan_doc()}, headers=commoner.headers)
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
async def test_no_key_is_401(
    client: AsyncClient, seeded: dict[str, Any], method: str, path: str
) -> None:
    url = _url(path, seeded)
    r = await client.request(method, url, json={"scan": scan_doc()})
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "missing_api_key"
    r = await client.request(
        method, url, json={"scan": scan_doc()}, headers={"Authorization": "Bearer cf_nope"}
    )
    assert r.status_code == 401


async def test_malformed_ids_are_422_not_500(client: AsyncClient, company: Tenant) -> None:
    for url in ("/v1/reports/nope", "/v1/obligations/12", "/v1/obligations?commons=x"):
        r = await client.get(url, headers=company.headers)
        assert r.status_code == 422, (url, r.text)
    r = await client.get("/v1/reports", params={"cursor": "zzz"}, headers=company.headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "cursor"
