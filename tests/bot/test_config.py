"""Settings as the environment gives them: parsed once, invalid values a clear error."""

from __future__ import annotations

import pytest

from bot.config import Settings, SettingsError, load_settings


def settings_from(monkeypatch: pytest.MonkeyPatch, **env: str) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir("/")  # no .env file
    return load_settings()


def test_admins_are_a_comma_separated_list_with_blanks_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = settings_from(monkeypatch, PEACEBOT_ADMINS=" U1 , ,U2")
    assert settings.admins == frozenset({"U1", "U2"})


def test_empty_admins_means_nobody(monkeypatch: pytest.MonkeyPatch) -> None:
    for value in ("", " ", ","):
        assert settings_from(monkeypatch, PEACEBOT_ADMINS=value).admins == frozenset()
    monkeypatch.delenv("PEACEBOT_ADMINS")
    assert settings_from(monkeypatch).admins == frozenset()


def test_log_level_is_one_of_the_standard_levels_in_any_case(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings_from(monkeypatch, PEACEBOT_LOG_LEVEL=" info ").log_level == "INFO"
    assert settings_from(monkeypatch, PEACEBOT_LOG_LEVEL="Debug").log_level == "DEBUG"
    with pytest.raises(SettingsError) as error:
        settings_from(monkeypatch, PEACEBOT_LOG_LEVEL="verbose")
    message = str(error.value)
    assert message.startswith("invalid settings: PEACEBOT_LOG_LEVEL: ")
    assert "'DEBUG', 'INFO', 'WARNING', 'ERROR' or 'CRITICAL'" in message
    assert "verbose" not in message  # values are never echoed (they could be tokens)
