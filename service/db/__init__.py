"""Persistence: SQLAlchemy 2 async models, engine and sessions, queries, Alembic migrations.

Routes never write SQL: they call the query functions of :mod:`service.db.accounts` and
:mod:`service.db.commons`, which take an :class:`~sqlalchemy.ext.asyncio.AsyncSession`.
The schema only ever comes from the migrations under ``service/db/migrations``
(:mod:`service.db.migrate`).
"""
