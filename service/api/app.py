"""The app factory: ``create_app(settings)``; ``app_from_env()`` for ``uvicorn --factory``.

Nothing happens at import time. The engine is built with the app (it connects lazily); on
start-up (lifespan) an empty database is migrated to the current schema, and a database at
another revision is refused with the command that fixes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI

from service.api.deps import Services
from service.api.errors import install_error_handlers
from service.api.limits import BodyLimitMiddleware
from service.api.routes import commons, health, ledger, me, obligations, reports, scans, webhooks
from service.api.routes.billing import invoices_router as billing_invoices
from service.api.routes.billing import router as billing_runs
from service.api.routes.payouts import router as payouts_router
from service.api.routes.public import router as public_ledger_router
from service.db.engine import create_engine, create_session_factory
from service.db.migrate import ensure_schema
from service.jobs.recovery import start_sweeper
from service.settings import Settings, settings_from_env
from service.web import install_web

__all__ = ["app_from_env", "create_app"]


def _version() -> str:
    try:
        return version("copyfair")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def create_app(settings: Settings) -> FastAPI:
    engine = create_engine(settings)
    services = Services(settings, engine, create_session_factory(engine))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await ensure_schema(engine, auto_migrate=settings.auto_migrate)
        # fails the scans whose worker died, now and every few minutes
        sweeper = start_sweeper(services.sessions, getattr(app.state, "jobs_config", None))
        yield
        await sweeper.stop()
        runner = getattr(app.state, "job_runner", None)
        if runner is not None:
            runner.close()
        await engine.dispose()

    app = FastAPI(
        title="copyfair",
        version=_version(),
        description="Copyfair-licence compliance: commons, usage reports, obligations. "
        "Authenticate with `Authorization: Bearer <API key>`. Errors answer "
        '`{"error": {"code", "message", "field"}}`; lists take `limit` and `cursor` '
        "and answer `next`.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.include_router(health.router)
    app.include_router(me.router)
    app.include_router(commons.router)
    app.include_router(scans.router)
    app.include_router(reports.router)
    app.include_router(obligations.router)
    app.include_router(ledger.router)
    app.include_router(webhooks.router)
    app.include_router(payouts_router)
    app.include_router(public_ledger_router)
    app.include_router(billing_runs)
    app.include_router(billing_invoices)
    install_web(app)  # the dashboard: pages at /, /static, HTML error pages
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory service.api.app:app_from_env`` (used by ``copyfair serve``)."""
    return create_app(settings_from_env())
