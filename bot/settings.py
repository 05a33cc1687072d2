"""Configuration from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LANGUAGES = ("ru", "en")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr
    telegram_api_url: str | None = None
    database_url: str = "sqlite+aiosqlite:///data/ladon.db"
    redis_url: SecretStr | None = None
    redis_key_prefix: str = "ladon"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    default_timezone: str = "Europe/Moscow"
    default_language: Literal["ru", "en"] = "ru"
    invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 30)
    undo_minutes: int = Field(default=5, ge=1, le=60)
    access_attempts_per_hour: int = Field(default=10, ge=1, le=1000)
    # against scraping: per person and hour, whatever their role; 0 turns a limit off
    card_views_per_hour: int = Field(default=120, ge=0, le=10_000)
    searches_per_hour: int = Field(default=60, ge=0, le=10_000)
    exports_per_hour: int = Field(default=10, ge=0, le=10_000)
    log_level: str = "INFO"

    # backups of a SQLite database (PostgreSQL: pg_dump, see the README)
    backup_dir: Path = Path("data/backups")
    backup_at: time | None = time(2, 30)  # company time (DEFAULT_TIMEZONE); empty: no scheduled backups
    backup_keep_daily: int = Field(default=7, ge=1, le=366)
    backup_keep_weekly: int = Field(default=4, ge=0, le=520)

    # "📍 I'm at the client": a meeting is checked in within this many metres of the client
    checkin_radius_m: int = Field(default=500, ge=50, le=50_000)
    checkin_required: bool = False  # a meeting is saved as done only with a check-in

    # reminders
    holidays_country: str = "RU"
    extra_holidays: Annotated[frozenset[date], NoDecode] = Field(default_factory=frozenset)
    extra_workdays: Annotated[frozenset[date], NoDecode] = Field(default_factory=frozenset)
    reminder_grace_minutes: int = Field(default=120, ge=0, le=24 * 60)
    scheduler_tick_seconds: int = Field(default=30, ge=5, le=600)
    notify_per_second: float = Field(default=30, gt=0)
    notify_per_chat_per_second: float = Field(default=1, gt=0)

    # the weekly call-back audit (the company's timezone)
    callback_audit: bool = True
    callback_weekday: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    callback_hour: int = Field(default=10, ge=0, le=23)
    callback_share: float = Field(default=0.07, gt=0, le=1)
    callback_min_per_manager: int = Field(default=2, ge=1, le=50)
    digest_rank: Literal["name", "verified"] = "name"
    # processes drawing charts: two draw a report's charts in half the time on two cores, for some
    # 70 MB more at rest (170 MB at most each)
    chart_workers: int = Field(default=2, ge=1, le=8)

    @field_validator("telegram_api_url", "redis_url", "backup_at", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(";", ",").split(",") if part.strip())
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("extra_holidays", "extra_workdays", mode="before")
    @classmethod
    def _split_dates(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(date.fromisoformat(part.strip()) for part in value.split(",") if part.strip())
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value
