"""Mutated commons bodies: every answer is 201, 409 or 422 with the error shape, never 500."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
from httpx import AsyncClient

from tests.service.api.conftest import Tenant, commons_body

pytestmark = pytest.mark.asyncio

_ODD_VALUES: list[Any] = [
    None,
    True,
    0,
    -1,
    2**70,
    1.5,
    float("1e308"),
    "",
    " ",
    "\u0000",
    "\u202e",
    "x" * 3000,
    "MIT OR",
    "pkg:",
    "../../etc/passwd",
    [],
    [None],
    [[]],
    {},
    {"": None},
    {"model": None},
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found += _paths(item, (*prefix, n))
    return found


def _mutate(body: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    out = copy.deepcopy(body)
    for _ in range(rng.randint(1, 3)):
        path = rng.choice(_paths(out))
        parent: Any = out
        for step in path[:-1]:
            parent = parent[step]
        action = rng.random()
        if action < 0.15 and isinstance(parent, dict):
            del parent[path[-1]]
        elif action < 0.25 and isinstance(parent, dict):
            parent[rng.choice(["extra", "model", "tiers", "in_kind"])] = rng.choice(_ODD_VALUES)
        else:
            parent[path[-1]] = rng.choice(_ODD_VALUES)
        if not _paths(out):
            break
    return out


async def test_mutated_bodies_never_fail_the_server(
    client: AsyncClient, foundation: Tenant
) -> None:
    rng = random.Random(20261123)
    base = commons_body()
    base["reciprocity"] = {
        "model": "tiered",
        "currency": "EUR",
        "tiers": [{"max_revenue": 1000000, "amount_year": 1000}, {"amount_year": 20000}],
        "minimum_year": 500,
        "cap_year": 50000,
        "in_kind": {"value_per_commit": 100, "cap_year": 5000},
    }
    statuses: set[int] = set()
    for n in range(150):
        body = _mutate(base, rng)
        body["name"] = f"fuzz {n}" if isinstance(body.get("name"), str) else body.get("name")
        try:
            r = await client.post("/v1/commons", json=body, headers=foundation.headers)
        except ValueError:  # a body that JSON cannot carry (NaN): nothing to send
            continue
        assert r.status_code in (201, 409, 422), (body, r.text)
        if r.status_code != 201:
            error = r.json()["error"]
            assert error["code"] and error["message"], r.text
        statuses.add(r.status_code)
    assert {201, 422} <= statuses
