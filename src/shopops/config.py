"""Settings from the environment (SHOPOPS_*), one object, built lazily by bootstrap."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shopops.core.clock import DEFAULT_TIMEZONE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOPOPS_", extra="ignore")

    database_url: str = Field(
        default_factory=lambda: f"sqlite:///{Path.cwd() / 'shopops.db'}",
        description="SQLAlchemy URL; default a SQLite file in the working directory",
    )
    secret_key: str = Field(default="", description="signs console sessions; random if empty")
    default_timezone: str = DEFAULT_TIMEZONE
    default_currency: str = "CNY"
    sqlite_busy_timeout_ms: int = 30_000
    echo_sql: bool = False
    pg_random_page_cost: float | None = Field(
        default=1.1,
        description="PostgreSQL planner page cost for this app's sessions; "
        "None keeps the server's setting",
    )
