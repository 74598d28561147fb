"""The service's configuration, read from ``COPYFAIR_*`` environment variables.

Built by a factory (:func:`settings_from_env`) and handed to :func:`service.api.app.create_app`;
nothing is read at import time. Variables:

===========================  ===============================================================
``COPYFAIR_DATABASE_URL``    SQLAlchemy async URL. Default: an SQLite file at
                             ``$COPYFAIR_DATA_DIR/copyfair.db`` (see below), driver
                             ``aiosqlite``. PostgreSQL: ``postgresql+asyncpg://user@host/db``
                             (``postgresql://`` and ``postgres://`` are accepted and get the
                             asyncpg driver).
``COPYFAIR_DATA_DIR``        Where the default SQLite file lives. Default:
                             ``$XDG_DATA_HOME/copyfair``, i.e. ``~/.local/share/copyfair``.
``COPYFAIR_ENV``             ``development`` (default) or ``production``.
``COPYFAIR_SECRET_KEY``      Server secret (at least 32 characters in production, never a
                             placeholder such as ``changeme``). Optional in development.
``COPYFAIR_MAX_BODY_BYTES``  Largest request body accepted (default 10 MiB); 413 beyond.
``COPYFAIR_AUTO_MIGRATE``    Apply the migrations on start when the database is empty
                             (default true). A database at an older revision is never
                             upgraded silently: run ``copyfair db upgrade``.
===========================  ===============================================================
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

__all__ = [
    "DEFAULT_MAX_BODY_BYTES",
    "Environment",
    "Settings",
    "SettingsError",
    "default_data_dir",
    "default_database_url",
    "settings_from_env",
]

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
DEVELOPMENT_SECRET = "development-only-not-a-secret"
_PLACEHOLDERS = {
    "",
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "secret",
    "password",
    "default",
    "example",
    "test",
    "xxx",
    DEVELOPMENT_SECRET,
}
_MIN_SECRET_LENGTH = 32


class SettingsError(ValueError):
    """The configuration is invalid; the message says which variable and how to fix it."""


class Environment(StrEnum):
    DEVELOPMENT = "development"
    PRODUCTION = "production"


def default_data_dir(environ: Mapping[str, str] | None = None) -> Path:
    env = os.environ if environ is None else environ
    if env.get("COPYFAIR_DATA_DIR"):
        return Path(env["COPYFAIR_DATA_DIR"]).expanduser()
    xdg = env.get("XDG_DATA_HOME") or str(Path("~/.local/share").expanduser())
    return Path(xdg) / "copyfair"


def default_database_url(environ: Mapping[str, str] | None = None) -> str:
    return f"sqlite+aiosqlite:///{default_data_dir(environ) / 'copyfair.db'}"


def normalise_database_url(url: str) -> str:
    """Give plain PostgreSQL and SQLite URLs their async driver."""
    for plain in ("postgres://", "postgresql://", "postgresql+psycopg2://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    if url.startswith("sqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


class Settings(BaseModel):
    """Service settings; build with :func:`settings_from_env`, or directly (tests).

    A plain model: constructing it never reads the environment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    database_url: str = Field(default_factory=default_database_url)
    env: Environment = Environment.DEVELOPMENT
    secret_key: str = DEVELOPMENT_SECRET
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, gt=0)
    auto_migrate: bool = True

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        url = normalise_database_url(value)
        if not url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                f"{value!r} is not supported: use "
                "sqlite+aiosqlite:///PATH or postgresql+asyncpg://USER@HOST/DB"
            )
        return url

    @model_validator(mode="after")
    def _check_secret(self) -> Self:
        if self.env is Environment.PRODUCTION:
            secret = self.secret_key.strip()
            if secret.lower() in _PLACEHOLDERS or len(secret) < _MIN_SECRET_LENGTH:
                raise ValueError(
                    "COPYFAIR_SECRET_KEY is a placeholder or shorter than "
                    f"{_MIN_SECRET_LENGTH} characters, which is refused when COPYFAIR_ENV="
                    "production: set it to a random value, e.g. the output of "
                    "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`"
                )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _explain(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        loc = ".".join(str(x) for x in error["loc"])
        name = f"COPYFAIR_{loc.upper()}: " if loc else ""
        message = str(error["msg"]).removeprefix("Value error, ")
        parts.append(f"{name}{message}")
    return "; ".join(parts)


def settings_from_env(environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from ``environ`` (default: the process environment).

    Raises :class:`SettingsError` with a message naming the variable to fix."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, str] = {}
    for name in Settings.model_fields:
        key = f"COPYFAIR_{name.upper()}"
        if key in env:
            values[name] = env[key]
    if "database_url" not in values:
        values["database_url"] = default_database_url(env)
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        raise SettingsError(_explain(exc)) from None
