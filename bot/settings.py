"""moot's configuration: one Settings class, read from the environment and `.env`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DISCORD_API_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"

# The async driver each supported database is reached through.
_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}


class SettingsError(Exception):
    """Configuration that cannot be used; the message names the setting."""


class Settings(BaseSettings):
    """Every setting moot reads. Each field is `MOOT_<NAME>` in the environment."""

    model_config = SettingsConfigDict(
        env_prefix="MOOT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    token: SecretStr | None = Field(
        default=None,
        description="Bot token from the Discord developer portal. Unset: the offline sandbox.",
    )
    database_url: str = Field(
        default="sqlite+aiosqlite:///data/moot.db",
        description="SQLAlchemy URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    discord_api_url: str = Field(
        default=DISCORD_API_URL,
        description="Base of Discord's REST API (a REST proxy or the local emulator).",
    )
    discord_gateway_url: str = Field(
        default=DISCORD_GATEWAY_URL,
        description="Discord's gateway websocket address (or the local emulator's).",
    )
    dev_guild_id: int | None = Field(
        default=None,
        description="Server whose commands are synced at every start (for development).",
    )
    shard_count: int | None = Field(
        default=None, ge=1, description="Total shards across every process; unset: one."
    )
    shard_ids: Annotated[list[int] | None, NoDecode] = Field(
        default=None,
        description="Comma-separated shards this process runs; unset: all of them.",
    )
    guild_ready_timeout: float = Field(
        default=2.0,
        ge=0,
        le=60,
        description="Seconds to wait for servers to stream in at start-up before going ready.",
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    excerpt_grace_hours: float = Field(
        default=6.0,
        ge=0,
        le=23,
        description="A daily excerpt missed while the bot was down is posted on recovery "
        "within this many hours of its time; later, that day is skipped.",
    )
    sweep_seconds: float = Field(
        default=60.0,
        ge=0.05,
        le=3600,
        description="How often the sweeper looks for anything overdue (missed timers, "
        "interrupted posts).",
    )
    post_rate: float = Field(
        default=48.0,
        gt=0,
        le=10_000,
        description="Requests per second the whole bot allows itself for its own posts and "
        "edits, across every process (Discord's global limit is 50 a second per bot unless "
        "Discord raised it). On PostgreSQL the processes share it through the database; on "
        "SQLite a process running some of the shards takes their share.",
    )
    message_content: bool = Field(
        default=False,
        description="Ask Discord for the Message Content intent (turn it on in the portal "
        "too): speakers' messages in a round's thread become the recorded speech. Off: "
        "speakers submit their speech with the Submit speech form.",
    )
    formats_dir: Path = Field(
        default=PROJECT_ROOT / "formats",
        description="Folder of debate format files (*.toml), read at start-up.",
    )
    corpus_dir: Path = Field(
        default=PROJECT_ROOT / "corpus",
        description="Folder of essay files imported by `python -m bot corpus import`.",
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError("not a database URL (e.g. sqlite+aiosqlite:///data/moot.db)") from None
        backend = url.get_backend_name()
        if backend not in _ASYNC_DRIVERS:
            raise ValueError(f"unsupported database {backend!r}: use sqlite or postgresql")
        driver = _ASYNC_DRIVERS[backend]
        if url.drivername not in (backend, driver):
            raise ValueError(f"use the async driver {driver}, not {url.drivername}")
        return url.set(drivername=driver).render_as_string(hide_password=False)

    @field_validator("discord_api_url", "discord_gateway_url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be an absolute URL such as https://discord.com/api/v10")
        return value.rstrip("/") if value.startswith("http") else value

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            if not parts:
                return None
            try:
                return [int(p) for p in parts]
            except ValueError:
                raise ValueError("must be whole numbers separated by commas, e.g. 0,1") from None
        return value

    @field_validator("log_level")
    @classmethod
    def _level(cls, value: str) -> str:
        level = value.upper()
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return level

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("MOOT_SHARD_IDS needs MOOT_SHARD_COUNT")
            bad = [i for i in self.shard_ids if not 0 <= i < self.shard_count]
            if bad:
                raise ValueError(
                    f"MOOT_SHARD_IDS has {bad}, outside 0..{self.shard_count - 1} "
                    "allowed by MOOT_SHARD_COUNT"
                )
        return self

    @property
    def process_post_rate(self) -> float:
        """This process's share of `post_rate`: Discord's global limit is per bot, across
        every process and shard, so a process running some of the shards gets that part
        of the budget (servers are spread evenly over shards)."""
        if self.shard_ids is None or self.shard_count is None:
            return self.post_rate
        return self.post_rate * len(set(self.shard_ids)) / self.shard_count

    @property
    def log_level_number(self) -> int:
        return logging.getLevelNamesMapping()[self.log_level]


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning validation errors into one line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = "_".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            # A check across settings names them in its own message.
            lines.append(f"MOOT_{field.upper()}: {message}" if field else message)
        raise SettingsError("; ".join(lines)) from None
