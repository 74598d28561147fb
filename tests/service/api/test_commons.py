"""Commons registration and reads, and that each foundation sees only its own."""

from __future__ import annotations

import pytest
from httpx import AsyncClient

from tests.service.api.conftest import Tenant, commons_body

pytestmark = pytest.mark.asyncio


async def test_register_answers_201_with_the_id_and_normalised_licence(
    client: AsyncClient, foundation: Tenant
) -> None:
    r = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    assert r.status_code == 201, r.text
    data = r.json()
    assert data["id"]
    assert data["organisation_id"] == str(foundation.id)
    assert data["licence"] == "PPL"
    assert data["match"]["licences"] == ["PPL"]
    assert data["reciprocity"]["amount_per_developer_year"] == 2000
    again = await client.get(f"/v1/commons/{data['id']}", headers=foundation.headers)
    assert again.status_code == 200
    assert again.json() == data


async def test_payee_defaults_to_the_foundation(client: AsyncClient, foundation: Tenant) -> None:
    body = commons_body()
    del body["payee"]
    r = await client.post("/v1/commons", json=body, headers=foundation.headers)
    assert r.status_code == 201, r.text
    assert r.json()["payee"] == str(foundation.id)


async def test_minimal_body_is_enough(client: AsyncClient, foundation: Tenant) -> None:
    r = await client.post(
        "/v1/commons", json={"name": "Tiny", "licence": "MIT"}, headers=foundation.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["reciprocity"] is None
    assert r.json()["repositories"] == []


@pytest.mark.parametrize(
    ("override", "field", "words"),
    [
        ({"licence": "MIT and"}, "licence", "needs a licence after it"),
        ({"licence": "Foo-1.0"}, "licence", "unknown licence id"),
        ({"match": {"licences": ["MIT", "GPL-9"]}}, "match.licences[1]", "unknown licence id"),
        ({"match": {"purls": ["pypi/geo"]}}, "match.purls[0]", "pkg:TYPE/NAME"),
        ({"repositories": ["ftp://example.org/x"]}, "repositories[0]", "unsupported URL scheme"),
        (
            {"reciprocity": {"model": "per-dev", "currency": "EUR"}},
            "reciprocity.model",
            "did you mean 'per-developer'",
        ),
        (
            {"reciprocity": {"model": "flat", "currency": "EURO", "flat_amount_year": 10}},
            "reciprocity.currency",
            "ISO 4217",
        ),
        (
            {"reciprocity": {"model": "per-developer", "currency": "EUR"}},
            "reciprocity.amount_per_developer_year",
            "required by model",
        ),
        ({"name": ""}, "name", "at least 1 character"),
        ({"licences": "MIT"}, "licences", "unknown field"),
        ({"match": {"purl": []}}, "match.purl", "unknown field"),
        ({"repositories": "https://x"}, "repositories", "valid list"),
    ],
)
async def test_invalid_bodies_name_the_field(
    client: AsyncClient, foundation: Tenant, override: dict[str, object], field: str, words: str
) -> None:
    r = await client.post("/v1/commons", json=commons_body(**override), headers=foundation.headers)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["field"] == field
    assert words in error["message"]
    assert error["code"] in ("invalid_request", "invalid_commons")


async def test_every_schedule_problem_is_reported_at_once(
    client: AsyncClient, foundation: Tenant
) -> None:
    body = commons_body(reciprocity={"model": "per-dev", "currency": "EURO", "amount": 1})
    r = await client.post("/v1/commons", json=body, headers=foundation.headers)
    message = r.json()["error"]["message"]
    assert "reciprocity.model" in message
    assert "reciprocity.currency" in message
    assert "reciprocity.amount" in message


async def test_duplicate_name_is_a_conflict(client: AsyncClient, foundation: Tenant) -> None:
    first = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    assert first.status_code == 201
    second = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    assert second.status_code == 409
    assert second.json()["error"]["field"] == "name"
    assert first.json()["id"] in second.json()["error"]["message"]


async def test_same_name_in_two_foundations_is_fine(
    client: AsyncClient, foundation: Tenant, other_foundation: Tenant
) -> None:
    for tenant in (foundation, other_foundation):
        r = await client.post("/v1/commons", json=commons_body(), headers=tenant.headers)
        assert r.status_code == 201, r.text


async def test_nothing_is_stored_when_invalid(client: AsyncClient, foundation: Tenant) -> None:
    await client.post("/v1/commons", json=commons_body(licence="nope("), headers=foundation.headers)
    r = await client.get("/v1/commons", headers=foundation.headers)
    assert r.json() == {"items": [], "next": None}


# --- isolation -----------------------------------------------------------------------------


async def test_list_shows_only_own_commons(
    client: AsyncClient, foundation: Tenant, other_foundation: Tenant
) -> None:
    mine = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    theirs = await client.post(
        "/v1/commons", json=commons_body(name="Theirs"), headers=other_foundation.headers
    )
    assert mine.status_code == theirs.status_code == 201
    listed = await client.get("/v1/commons", headers=foundation.headers)
    assert [c["id"] for c in listed.json()["items"]] == [mine.json()["id"]]
    listed = await client.get("/v1/commons", headers=other_foundation.headers)
    assert [c["id"] for c in listed.json()["items"]] == [theirs.json()["id"]]


async def test_another_foundations_commons_is_404(
    client: AsyncClient, foundation: Tenant, other_foundation: Tenant
) -> None:
    theirs = await client.post("/v1/commons", json=commons_body(), headers=other_foundation.headers)
    r = await client.get(f"/v1/commons/{theirs.json()['id']}", headers=foundation.headers)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("who", ["company", "commoner"])
@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/commons"), ("POST", "/v1/commons"), ("GET", "/v1/commons/{id}")],
)
async def test_other_roles_are_403_on_commons(
    client: AsyncClient,
    foundation: Tenant,
    company: Tenant,
    commoner: Tenant,
    who: str,
    method: str,
    path: str,
) -> None:
    tenant = {"company": company, "commoner": commoner}[who]
    created = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    url = path.format(id=created.json()["id"])
    r = await client.request(method, url, json=commons_body(), headers=tenant.headers)
    assert r.status_code == 403
    assert "role foundation" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/commons"), ("POST", "/v1/commons"), ("GET", "/v1/commons/{id}")],
)
async def test_no_key_is_401_on_commons(
    client: AsyncClient, foundation: Tenant, method: str, path: str
) -> None:
    created = await client.post("/v1/commons", json=commons_body(), headers=foundation.headers)
    r = await client.request(method, path.format(id=created.json()["id"]), json=commons_body())
    assert r.status_code == 401
    assert r.json()["error"]["code"] == "missing_api_key"
    assert r.headers["WWW-Authenticate"] == "Bearer"


# --- pagination ----------------------------------------------------------------------------


async def test_pages_cover_everything_once(client: AsyncClient, foundation: Tenant) -> None:
    created = []
    for n in range(7):
        r = await client.post(
            "/v1/commons", json=commons_body(name=f"Commons {n}"), headers=foundation.headers
        )
        created.append(r.json()["id"])
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        r = await client.get("/v1/commons", params=params, headers=foundation.headers)
        assert r.status_code == 200, r.text
        page = r.json()
        assert len(page["items"]) <= 3
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next"]
        if cursor is None:
            break
    assert pages == 3
    assert sorted(seen) == sorted(created)
    assert len(set(seen)) == 7


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"cursor": "bogus"}, "cursor")],
)
async def test_bad_pagination_is_422(
    client: AsyncClient, foundation: Tenant, params: dict[str, str | int], field: str
) -> None:
    r = await client.get("/v1/commons", params=params, headers=foundation.headers)
    assert r.status_code == 422
    assert r.json()["error"]["field"] == field
