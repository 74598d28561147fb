"""``copyfair admin``, ``copyfair db`` and ``copyfair serve`` against a real database file."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import click
import httpx
import pytest
from click.testing import CliRunner

from service.api import create_app
from service.cli.admin_cmd import admin
from service.cli.db_cmd import db
from service.cli.serve_cmd import serve
from service.db.migrate import head_revision
from service.settings import Settings

cli = click.Group(commands=[admin, db, serve])


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"COPYFAIR_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}


def run(env: dict[str, str], *args: str, code: int = 0) -> str:
    result = CliRunner().invoke(cli, list(args), env=env)
    assert result.exit_code == code, result.output
    return result.output


def whoami(database_url: str, key: str) -> httpx.Response:
    async def call() -> httpx.Response:
        app = create_app(Settings(database_url=database_url))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                return await client.get("/v1/me", headers={"Authorization": f"Bearer {key}"})

    return asyncio.run(call())


def test_create_org_prints_id_and_a_working_key(env: dict[str, str]) -> None:
    out = json.loads(
        run(env, "admin", "create-org", "--kind", "foundation", "--name", "Geo", "--json")
    )
    assert {"id", "api_key"} <= set(out)
    me = whoami(env["COPYFAIR_DATABASE_URL"], out["api_key"])
    assert me.status_code == 200
    assert me.json()["organisation_id"] == out["id"]
    assert me.json()["role"] == "foundation"
    run(env, "admin", "revoke-key", out["api_key"])
    assert whoami(env["COPYFAIR_DATABASE_URL"], out["api_key"]).status_code == 401


def test_text_output_shows_the_key_once(env: dict[str, str]) -> None:
    out = run(env, "admin", "create-org", "--kind", "company", "--name", "Acme")
    assert "id " in out
    assert out.count("cf_") == 1
    assert "shown once" in out


def test_create_key_and_revoke_by_id(env: dict[str, str]) -> None:
    org = json.loads(run(env, "admin", "create-org", "--kind", "company", "--name", "A", "--json"))
    key = json.loads(run(env, "admin", "create-key", "--org", org["id"], "--name", "ci", "--json"))
    assert key["role"] == "company"
    assert key["api_key"] != org["api_key"]
    assert f"revoked API key {key['id']}" in run(env, "admin", "revoke-key", key["id"])


def test_commoner_keys(env: dict[str, str]) -> None:
    person = json.loads(run(env, "admin", "create-commoner", "--name", "Ada", "--json"))
    key = json.loads(run(env, "admin", "create-key", "--commoner", person["id"], "--json"))
    assert key["role"] == "commoner"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["create-key", "--org", "nope"], "is not an organisation id"),
        (["create-key"], "exactly one of --org ID or --commoner ID"),
        (["create-key", "--org", "01a20636-0000-7000-8000-000000000000"], "no organisation"),
        (["revoke-key", "cf_0123456789_" + "A" * 43], "no API key"),
        (["create-org", "--kind", "company", "--name", "  "], "name is empty"),
    ],
)
def test_admin_errors_exit_2_with_advice(env: dict[str, str], args: list[str], words: str) -> None:
    assert words in run(env, "admin", *args, code=2)


def test_role_must_fit_the_owner(env: dict[str, str]) -> None:
    org = json.loads(run(env, "admin", "create-org", "--kind", "company", "--name", "A", "--json"))
    out = run(env, "admin", "create-key", "--org", org["id"], "--role", "foundation", code=2)
    assert "--role company" in out


def test_db_upgrade_and_current(env: dict[str, str]) -> None:
    assert "revision none" in run(env, "db", "current")
    run(env, "db", "current", "--check", code=1)
    head = head_revision()
    assert f"at revision {head} (the latest)" in run(env, "db", "upgrade")
    assert "up to date" in run(env, "db", "current", "--check")
    assert "at revision none" in run(env, "db", "downgrade", "base")
    assert f"at revision {head}" in run(env, "db", "upgrade")


def test_bad_configuration_exits_2(env: dict[str, str]) -> None:
    out = run({**env, "COPYFAIR_ENV": "production"}, "db", "current", code=2)
    assert "COPYFAIR_SECRET_KEY" in out
    out = run({"COPYFAIR_DATABASE_URL": "mysql://x/y"}, "db", "current", code=2)
    assert "COPYFAIR_DATABASE_URL" in out


def test_unreachable_database_exits_2() -> None:
    env = {"COPYFAIR_DATABASE_URL": "postgresql://nobody:hunter2@127.0.0.1:1/x"}
    out = run(env, "db", "upgrade", code=2)
    assert "cannot use the database" in out
    assert "hunter2" not in out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_serve_migrates_an_empty_database_and_answers(tmp_path: Path) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "COPYFAIR_DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "COPYFAIR_MAX_BODY_BYTES": "1000",
    }
    code = "from service.cli.serve_cmd import serve; serve()"
    args = [sys.executable, "-c", code, "--port", str(port), "--log-level", "warning"]
    process = subprocess.Popen(args, env=env, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                health = httpx.get(f"{base}/healthz")
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.1)
        assert health.json() == {"status": "ok", "database": "ok"}

        def chunks() -> Iterator[bytes]:
            for _ in range(10):
                yield b"x" * 500

        big = httpx.post(f"{base}/v1/commons", content=chunks())
        assert big.status_code == 413
        assert big.json()["error"]["code"] == "body_too_large"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()
    assert (tmp_path / "served.db").exists()
