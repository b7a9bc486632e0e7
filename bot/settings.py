"""Settings from the environment (prefix `SEROI_`) or a `.env` file.

Every setting says what it is and shows a valid value, so that a wrong or missing one is
explained to the operator in words (`problems_in_words`), not in pydantic's terms.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Language = Literal["fi", "en", "it", "sv"]
LANGUAGES: tuple[Language, ...] = ("fi", "en", "it", "sv")
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR"]
ENV_PREFIX = "SEROI_"
# What @BotFather hands out: the bot's numeric id, a colon, then letters, digits, - and _.
_TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
_WEB_ADDRESS = re.compile(r"https?://[^/\s]+")
MIN_KEY_LENGTH = 16


class Settings(BaseSettings):
    """Everything the bot needs to know about its environment."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    telegram_token: SecretStr = Field(
        description="the bot's token from @BotFather", examples=["123456789:AAHfiqksKZ8..."]
    )
    telegram_api_url: str = Field(
        default="https://api.telegram.org/bot",
        description="the Bot API base URL, starting with http:// or https://",
        examples=["https://api.telegram.org/bot"],
    )
    telegram_file_url: str = Field(
        default="https://api.telegram.org/file/bot",
        description="the Bot API file download base URL, starting with http:// or https://",
        examples=["https://api.telegram.org/file/bot"],
    )
    db_path: Path = Field(
        default=Path("seroi.db"),
        description="the path of the SQLite database file (created if missing)",
        examples=["/var/lib/seroi/seroi.db"],
    )
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(
        default=frozenset(),
        description="the Telegram user ids of the admins, separated by commas",
        examples=["111111111,222222222"],
    )
    pseudonym_key: SecretStr = Field(
        description=f"a secret of at least {MIN_KEY_LENGTH} characters that keys the pseudonyms",
        examples=["$(python3 -c 'import secrets; print(secrets.token_urlsafe(32))')"],
    )
    # Read only by `seroi-bot rotate-key`: the key the database was made with.
    old_pseudonym_key: SecretStr | None = Field(
        default=None,
        description="for `seroi-bot rotate-key` only: the key the database was made with",
        examples=["<the previous SEROI_PSEUDONYM_KEY>"],
    )
    default_language: Language = Field(
        default="fi",
        description="the language for people whose own is unknown: fi, en, it or sv",
        examples=["fi"],
    )
    # The data controller named in privacy notices, unless a pilot names its own.
    controller: str = Field(
        default="Leader Ravakka",
        min_length=1,
        max_length=120,
        description="the data controller named in privacy notices (1 to 120 characters)",
        examples=["Leader Ravakka"],
    )
    timezone: str = Field(
        default="Europe/Helsinki",
        description="the pilot's time zone, as an IANA name",
        examples=["Europe/Helsinki"],
    )
    # Seconds to wait for Telegram's answer to one call before retrying it.
    telegram_timeout: float = Field(
        default=10.0,
        gt=0,
        le=120,
        description="seconds to wait for one Bot API answer, more than 0 and at most 120",
        examples=["10"],
    )
    # Off only for benchmarks that measure processing speed rather than Telegram's caps.
    rate_limit: bool = Field(
        default=True,
        description="whether to keep to Telegram's flood limits: true or false",
        examples=["true"],
    )
    invite_days_valid: int = Field(
        default=14,
        ge=1,
        le=365,
        description="how many days an invite link is valid, a whole number from 1 to 365",
        examples=["14"],
    )
    # How often the scheduler looks for due check-ins (and other due work).
    tick_seconds: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="seconds between two looks for due check-ins, more than 0 and at most 3600",
        examples=["30"],
    )
    # For tests of a bot in another process: the time is read from this file.
    clock_file: Path | None = Field(
        default=None,
        description="for tests only: a file holding the current time (ISO 8601)",
        examples=["/tmp/seroi-clock.txt"],
    )
    log_level: LogLevel = Field(
        default="INFO",
        description="how much to log: DEBUG, INFO, WARNING or ERROR",
        examples=["INFO"],
    )

    @field_validator("telegram_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_SHAPE.fullmatch(value.get_secret_value()):
            raise ValueError(
                "it does not look like a bot token (the bot's id, a colon, then letters, "
                "digits, - and _)"
            )
        return value

    @field_validator("telegram_api_url", "telegram_file_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if not _WEB_ADDRESS.match(value):
            raise ValueError("it is not a web address starting with http:// or https://")
        return value

    @field_validator("db_path")
    @classmethod
    def _file_path(cls, value: Path) -> Path:
        if str(value) in ("", ".") or value.is_dir():
            raise ValueError("it is a folder, not a file")
        return value

    @field_validator("clock_file")
    @classmethod
    def _clock_file(cls, value: Path | None) -> Path | None:
        if value is not None and (str(value) in ("", ".") or value.is_dir()):
            raise ValueError("it is a folder, not a file")
        return value

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            ids = set()
            for part in value.replace(" ", "").split(","):
                if not part:
                    continue
                if not (part.isascii() and part.isdigit()):
                    raise ValueError(f"{part!r} is not a whole number")
                ids.add(int(part))
            return frozenset(ids)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("no time zone of that name is known") from error
        return value

    @field_validator("pseudonym_key", "old_pseudonym_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_KEY_LENGTH:
            raise ValueError(f"it is shorter than {MIN_KEY_LENGTH} characters")
        return value


def env_name(field: str) -> str:
    """The environment variable of a setting."""
    return ENV_PREFIX + field.upper()


def problems_in_words(error: ValidationError) -> list[str]:
    """One line per wrong or missing setting: what is wrong, and what a valid value is."""
    lines = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        info = Settings.model_fields.get(field)
        if info is None:
            lines.append(f"settings: {problem['msg']}")
            continue
        name = env_name(field)
        example = f"{name}={info.examples[0]}" if info.examples else name
        if problem["type"] == "missing":
            lines.append(
                f"{name} is not set. It is {info.description}; set it in the environment "
                f"or in .env, e.g. {example}"
            )
            continue
        # A secret is never echoed, not even a wrong one.
        secret = info.annotation in (SecretStr, SecretStr | None)
        shown = name if secret else f"{name}={_shortened(problem.get('input'))}"
        lines.append(
            f"{shown} is not valid: {_what_is_wrong(problem)}. "
            f"Expected {info.description}, e.g. {example}"
        )
    return lines


def _shortened(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _what_is_wrong(problem: dict[str, Any]) -> str:
    kind = problem["type"]
    if kind == "value_error":
        # Our validators word their reasons as sentences about the value.
        return str(problem["ctx"]["error"])
    if kind == "literal_error":
        return "it is not one of the choices"
    if kind == "bool_parsing":
        return "it is neither true nor false"
    if kind in ("float_parsing", "int_parsing", "int_from_float"):
        return "it is not a number" if kind != "int_from_float" else "it is not a whole number"
    if kind.startswith(("greater_than", "less_than", "string_too")):
        return "it is out of range"
    return "it cannot be read as this setting"
