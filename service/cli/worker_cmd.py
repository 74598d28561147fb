"""``copyfair worker``: a Celery worker that runs audit scans queued by ``copyfair serve``.

It needs ``COPYFAIR_BROKER_URL`` (e.g. ``redis://host:6379/0``) and the same
``COPYFAIR_DATABASE_URL`` as the server. Several machines share the work by running
``copyfair worker`` with the same broker, queue (``COPYFAIR_SCAN_QUEUE``) and database: each
takes the next job from the queue. Exit codes: 0 when stopped, 2 for configuration errors.
"""

from __future__ import annotations

import socket

import click

from service.cli.db_cmd import fail, load_settings, run_on_database


@click.command("worker")
@click.option(
    "--concurrency",
    type=click.IntRange(1, 256),
    default=None,
    help="Scans run at once by this worker (default: the number of CPUs).",
)
@click.option(
    "--pool",
    type=click.Choice(["prefork", "solo", "threads"]),
    default="prefork",
    show_default=True,
    help="Celery pool: prefork (processes), or solo (one scan at a time, in this process).",
)
@click.option("--hostname", default=None, help="Worker name (default: copyfair@HOST).")
@click.option(
    "--log-level",
    type=click.Choice(["critical", "error", "warning", "info", "debug"]),
    default="info",
    show_default=True,
)
def worker(concurrency: int | None, pool: str, hostname: str | None, log_level: str) -> None:
    """Run audit scans from the queue at COPYFAIR_BROKER_URL (Celery over Redis)."""
    from service.db.engine import create_engine, display_url
    from service.db.migrate import SchemaState, ensure_schema
    from service.jobs import JobsConfigError, jobs_config_from_env
    from service.jobs.celery_runner import create_celery_app

    settings = load_settings()
    try:
        config = jobs_config_from_env()
    except JobsConfigError as exc:
        fail(str(exc))
    if not config.broker_url:
        fail(
            "COPYFAIR_BROKER_URL is not set: a worker takes its jobs from a broker, e.g. "
            "COPYFAIR_BROKER_URL=redis://localhost:6379/0 (without one, `copyfair serve` "
            "runs scans itself)"
        )

    async def prepare() -> SchemaState:
        engine = create_engine(settings)
        try:
            return await ensure_schema(engine, auto_migrate=settings.auto_migrate)
        finally:
            await engine.dispose()

    run_on_database(settings.database_url, prepare)
    if settings.is_sqlite and ":memory:" in settings.database_url:
        fail("an in-memory database cannot be shared with the server: use a file or PostgreSQL")
    click.echo(
        f"copyfair worker: queue {config.queue!r}, database {display_url(settings.database_url)}",
        err=True,
    )
    app = create_celery_app(config, settings.database_url)
    argv = [
        "worker",
        f"--pool={pool}",
        f"--loglevel={log_level.upper()}",
        f"--queues={config.queue}",
        f"--hostname={hostname or f'copyfair@{socket.gethostname()}'}",
        "--without-gossip",
        "--without-mingle",
    ]
    if concurrency is not None:
        argv.append(f"--concurrency={concurrency}")
    app.worker_main(argv)


if __name__ == "__main__":  # python -m service.cli.worker_cmd (before it is registered)
    worker()
