"""Settings from the environment (prefix `SEROI_`) or a `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Language = Literal["fi", "en", "it", "sv"]
LANGUAGES: tuple[Language, ...] = ("fi", "en", "it", "sv")


class Settings(BaseSettings):
    """Everything the bot needs to know about its environment."""

    model_config = SettingsConfigDict(env_prefix="SEROI_", env_file=".env", extra="ignore")

    telegram_token: SecretStr
    telegram_api_url: str = "https://api.telegram.org/bot"
    telegram_file_url: str = "https://api.telegram.org/file/bot"
    db_path: Path = Path("seroi.db")
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    pseudonym_key: SecretStr
    default_language: Language = "fi"
    # The data controller named in privacy notices, unless a pilot names its own.
    controller: str = Field(default="Leader Ravakka", min_length=1, max_length=120)
    timezone: str = "Europe/Helsinki"
    # Seconds to wait for Telegram's answer to one call before retrying it.
    telegram_timeout: float = Field(default=10.0, gt=0, le=120)
    # Off only for benchmarks that measure processing speed rather than Telegram's caps.
    rate_limit: bool = True
    invite_days_valid: int = Field(default=14, ge=1, le=365)

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset(int(part) for part in value.replace(" ", "").split(",") if part)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}") from error
        return value

    @field_validator("pseudonym_key")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        if len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value
