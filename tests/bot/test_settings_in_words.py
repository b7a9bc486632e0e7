"""Every setting, wrong or missing, is explained in words with a valid example."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.settings import Settings, env_name, problems_in_words

VALID = {
    "SEROI_TELEGRAM_TOKEN": "7000000002:offline-sandbox-test-token-not-a-secret",
    "SEROI_PSEUDONYM_KEY": "a-long-enough-pseudonym-key",
}
# One wrong value per setting, and what the explanation must say about it.
WRONG = {
    "telegram_token": ("not a token", "does not look like a bot token"),
    "telegram_api_url": ("api.telegram.org/bot", "not a web address"),
    "telegram_file_url": ("ftp://files", "not a web address"),
    "db_path": (".", "a folder, not a file"),
    "admin_ids": ("anna", "'anna' is not a whole number"),
    "pseudonym_key": ("short", "shorter than 16 characters"),
    "old_pseudonym_key": ("short", "shorter than 16 characters"),
    "default_language": ("de", "not one of the choices"),
    "controller": ("", "out of range"),
    "timezone": ("Mars/Olympus_Mons", "no time zone of that name"),
    "telegram_timeout": ("ten", "not a number"),
    "rate_limit": ("maybe", "neither true nor false"),
    "invite_days_valid": ("0", "out of range"),
    "log_level": ("loud", "not one of the choices"),
    "tick_seconds": ("0", "out of range"),
    "clock_file": (".", "a folder, not a file"),
}
PYDANTIC_PHRASES = ("Field required", "invalid literal", "Input should", "Value error", "[type=")


def problems(monkeypatch: pytest.MonkeyPatch, environment: dict[str, str]) -> list[str]:
    for name in list(VALID) + [env_name(field) for field in Settings.model_fields]:
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)
    return problems_in_words(raised.value)


def test_every_setting_has_a_wrong_value_case() -> None:
    assert set(WRONG) == set(Settings.model_fields)


@pytest.mark.parametrize("field", sorted(WRONG))
def test_a_wrong_value_says_what_is_wrong_and_what_is_valid(
    monkeypatch: pytest.MonkeyPatch, field: str
) -> None:
    value, reason = WRONG[field]
    info = Settings.model_fields[field]
    [line] = problems(monkeypatch, {**VALID, env_name(field): value})
    assert line.startswith(env_name(field))
    assert reason in line
    assert f"Expected {info.description}, e.g. {env_name(field)}={info.examples[0]}" in line
    assert not any(phrase in line for phrase in PYDANTIC_PHRASES), line


@pytest.mark.parametrize("name", sorted(VALID))
def test_a_missing_setting_says_which_and_how_to_set_it(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    [line] = problems(monkeypatch, {other: v for other, v in VALID.items() if other != name})
    assert line.startswith(f"{name} is not set. It is ")
    assert f"set it in the environment or in .env, e.g. {name}=" in line
    assert not any(phrase in line for phrase in PYDANTIC_PHRASES), line


@pytest.mark.parametrize("field", ["telegram_token", "pseudonym_key", "old_pseudonym_key"])
def test_a_wrong_secret_is_not_echoed(monkeypatch: pytest.MonkeyPatch, field: str) -> None:
    secret = "1:has spaces" if field == "telegram_token" else "tooshort"
    [line] = problems(monkeypatch, {**VALID, env_name(field): secret})
    assert secret not in line


def test_admin_ids_accept_spaces_and_trailing_commas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEROI_ADMIN_IDS", " 111111111, 222222222,")
    for name, value in VALID.items():
        monkeypatch.setenv(name, value)
    assert Settings(_env_file=None).admin_ids == {111111111, 222222222}
