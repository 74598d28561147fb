"""``copyfair serve``: run the HTTP API under uvicorn.

Configuration comes from ``COPYFAIR_*`` variables (:mod:`service.settings`). The schema is
checked (an empty database migrated) once before the server starts, so that several workers
never race to migrate and a wrong configuration fails here with exit 2.
"""

from __future__ import annotations

import click

from service.cli.db_cmd import load_settings, run_on_database


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Worker processes (e.g. one per core with PostgreSQL).",
)
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
def serve(host: str, port: int, workers: int, log_level: str) -> None:
    """Serve the copyfair API (OpenAPI documentation at /docs)."""
    import uvicorn

    from service.api.app import create_app
    from service.db.engine import create_engine, display_url
    from service.db.migrate import SchemaState, ensure_schema

    settings = load_settings()

    async def prepare() -> SchemaState:
        engine = create_engine(settings)
        try:
            return await ensure_schema(engine, auto_migrate=settings.auto_migrate)
        finally:
            await engine.dispose()

    state = run_on_database(settings.database_url, prepare)
    click.echo(
        f"copyfair: database {display_url(settings.database_url)} at revision {state.current}; "
        f"{settings.env.value} mode",
        err=True,
    )
    if workers == 1:
        uvicorn.run(create_app(settings), host=host, port=port, log_level=log_level)
    else:
        # Each worker process builds its own app from the same environment.
        uvicorn.run(
            "service.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
        )
