"""Settings come from the environment given, with placeholders refused in production."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.settings import (
    DEFAULT_MAX_BODY_BYTES,
    Environment,
    Settings,
    SettingsError,
    default_database_url,
    settings_from_env,
)

STRONG = "s" * 40


def test_defaults_are_a_development_sqlite_file_under_xdg_data_home() -> None:
    settings = settings_from_env({"XDG_DATA_HOME": "/data/home"})
    assert settings.database_url == "sqlite+aiosqlite:////data/home/copyfair/copyfair.db"
    assert settings.env is Environment.DEVELOPMENT
    assert settings.max_body_bytes == DEFAULT_MAX_BODY_BYTES
    assert settings.auto_migrate is True


def test_data_dir_overrides_the_sqlite_location(tmp_path: Path) -> None:
    url = default_database_url({"COPYFAIR_DATA_DIR": str(tmp_path)})
    assert url == f"sqlite+aiosqlite:///{tmp_path}/copyfair.db"


def test_home_is_the_fallback() -> None:
    assert default_database_url({}).endswith("/.local/share/copyfair/copyfair.db")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgres://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg://u@h/db"),
        ("sqlite:///x.db", "sqlite+aiosqlite:///x.db"),
    ],
)
def test_urls_get_their_async_driver(given: str, expected: str) -> None:
    assert settings_from_env({"COPYFAIR_DATABASE_URL": given}).database_url == expected


def test_every_variable_is_read() -> None:
    settings = settings_from_env(
        {
            "COPYFAIR_DATABASE_URL": "postgresql://u@h/db",
            "COPYFAIR_ENV": "production",
            "COPYFAIR_SECRET_KEY": STRONG,
            "COPYFAIR_MAX_BODY_BYTES": "1234",
            "COPYFAIR_AUTO_MIGRATE": "false",
        }
    )
    assert settings.env is Environment.PRODUCTION
    assert settings.secret_key == STRONG
    assert settings.max_body_bytes == 1234
    assert settings.auto_migrate is False


@pytest.mark.parametrize("secret", [None, "changeme", "CHANGEME", "secret", "short-but-random"])
def test_production_refuses_placeholder_secrets(secret: str | None) -> None:
    env = {"COPYFAIR_ENV": "production"}
    if secret is not None:
        env["COPYFAIR_SECRET_KEY"] = secret
    with pytest.raises(SettingsError, match="COPYFAIR_SECRET_KEY"):
        settings_from_env(env)


def test_development_accepts_placeholders() -> None:
    assert settings_from_env({"COPYFAIR_SECRET_KEY": "changeme"}).secret_key == "changeme"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"COPYFAIR_ENV": "staging"}, "COPYFAIR_ENV"),
        ({"COPYFAIR_MAX_BODY_BYTES": "lots"}, "COPYFAIR_MAX_BODY_BYTES"),
        ({"COPYFAIR_MAX_BODY_BYTES": "0"}, "COPYFAIR_MAX_BODY_BYTES"),
        ({"COPYFAIR_DATABASE_URL": "mysql://h/db"}, "COPYFAIR_DATABASE_URL"),
    ],
)
def test_errors_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(SettingsError, match=variable):
        settings_from_env(env)


def test_settings_never_read_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COPYFAIR_ENV", "production")
    monkeypatch.setenv("COPYFAIR_DATABASE_URL", "postgresql://u@h/db")
    assert Settings().env is Environment.DEVELOPMENT
    assert settings_from_env({}).database_url.startswith("sqlite")
