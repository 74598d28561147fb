"""API keys on requests: missing, malformed, unknown, revoked, and who they act for."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from httpx import AsyncClient

from service.db.accounts import revoke_key
from service.security import generate_api_key
from tests.service.api.conftest import Tenant

pytestmark = pytest.mark.asyncio


async def test_me_tells_who_the_key_acts_for(
    client: AsyncClient, foundation: Tenant, company: Tenant, commoner: Tenant
) -> None:
    for tenant, role in ((foundation, "foundation"), (company, "company"), (commoner, "commoner")):
        r = await client.get("/v1/me", headers=tenant.headers)
        assert r.status_code == 200, r.text
        me = r.json()
        assert me["role"] == role
        assert me["key_id"] == str(tenant.key_id)
        owner = me["commoner_id"] if role == "commoner" else me["organisation_id"]
        assert owner == str(tenant.id)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cf_0123456789_" + "A" * 43,  # well-formed, unknown
        "Bearer not-a-key",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer cf_0123456789_" + "A" * 43 + "\u00e9",
    ],
)
async def test_bad_keys_are_401(client: AsyncClient, foundation: Tenant, header: str) -> None:
    r = await client.get("/v1/me", headers={b"Authorization": header.encode("utf-8")})
    assert r.status_code == 401
    assert r.json()["error"]["code"] in ("invalid_api_key", "missing_api_key")
    assert r.json()["error"]["field"] == "Authorization"


async def test_a_key_with_a_known_prefix_but_wrong_secret_is_401(
    client: AsyncClient, foundation: Tenant
) -> None:
    prefix = foundation.key.split("_")[1]
    forged = f"cf_{prefix}_{generate_api_key().token.split('_', 2)[2]}"
    assert forged != foundation.key
    r = await client.get("/v1/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401


async def test_revoked_key_is_401(app: FastAPI, client: AsyncClient, foundation: Tenant) -> None:
    assert (await client.get("/v1/me", headers=foundation.headers)).status_code == 200
    async with app.state.services.sessions() as session:
        assert await revoke_key(session, foundation.key_id)
        await session.commit()
    r = await client.get("/v1/me", headers=foundation.headers)
    assert r.status_code == 401
    assert "revoked" in r.json()["error"]["message"]
