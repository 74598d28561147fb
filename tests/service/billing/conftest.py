"""Fixtures for billing: a fresh database, localstripe as a real HTTP server, the service
served over HTTP (so that localstripe can deliver its signed webhooks to it)."""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
import uvicorn
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import NullPool

from service.api.deps import Services
from service.api.errors import install_error_handlers
from service.api.routes import ledger, webhooks
from service.api.routes.webhooks import BillingContext
from service.billing.config import BillingConfig
from service.billing.interface import BillingGateway, GatewayKind
from service.db.base import Base
from service.db.engine import _sqlite_pragmas, create_session_factory
from service.settings import Settings, normalise_database_url
from tests.service.api.conftest import postgres_url  # noqa: F401 - a fixture

WEBHOOK_SECRET = "whsec_copyfair_test_secret"
LAUNCHER = Path(__file__).with_name("localstripe_server.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _unavailable(reason: str) -> None:
    if os.environ.get("COPYFAIR_REQUIRE_SERVICES") == "1":
        pytest.fail(f"{reason} (COPYFAIR_REQUIRE_SERVICES=1)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def localstripe_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """localstripe on a free port of 127.0.0.1, for the whole session."""
    if importlib.util.find_spec("localstripe") is None:
        _unavailable("localstripe is not installed: pip install localstripe")
    port = free_port()
    log = tmp_path_factory.mktemp("localstripe") / "localstripe.log"
    with log.open("wb") as sink:  # a file, not a pipe: a full pipe would block the server
        process = subprocess.Popen(
            [sys.executable, str(LAUNCHER), str(port)], stdout=sink, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{url}/v1/customers", timeout=0.5)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = log.read_text(errors="replace")[-500:]
                    _unavailable(f"localstripe did not start: {err}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def make_engine(url: str) -> AsyncEngine:
    """No pool: the served app runs on its own event loop in another thread."""
    engine = create_async_engine(url, poolclass=NullPool)
    event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


BILLING_TABLES = (
    "ledger_entries",
    "ledger_transactions",
    "invoice_lines",
    "invoices",
    "billing_customers",
    "webhook_events",
    "commons",
    "api_keys",
    "commoners",
    "organisations",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path}/billing.db"
    url: str = request.getfixturevalue("postgres_url")
    return normalise_database_url(url)


@pytest_asyncio.fixture
async def db_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """SQLite (tables from the models) and the session's migrated PostgreSQL (emptied)."""
    if db_url.startswith("sqlite"):
        engine = make_engine(db_url)
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
    else:
        engine = create_async_engine(db_url, poolclass=NullPool)
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {', '.join(BILLING_TABLES)} CASCADE"))
    yield engine
    await engine.dispose()


@pytest.fixture
def db_sessions(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(db_engine)


def billing_app(
    engine: AsyncEngine, gateway: BillingGateway, secret: str | None = WEBHOOK_SECRET
) -> FastAPI:
    """The service's billing routes on ``engine`` (as create_app mounts them)."""
    app = FastAPI()
    url = engine.url.render_as_string(hide_password=False)
    app.state.services = Services(
        Settings(database_url=url), engine, create_session_factory(engine)
    )
    kind = gateway.kind
    app.state.billing = BillingContext(
        BillingConfig(
            gateway=kind,
            stripe_api_key="sk_test_x" if kind is GatewayKind.STRIPE else None,
            stripe_webhook_secret=secret,
        ),
        gateway,
    )
    install_error_handlers(app)
    app.include_router(webhooks.router)
    app.include_router(ledger.router)
    return app


class ServedApp:
    def __init__(self, app: FastAPI) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the service did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
