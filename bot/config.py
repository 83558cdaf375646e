"""Settings, read once from the environment and a `.env` file, and the logging they ask for
(adapter layer).

Build them with `load_settings()` in the composition root and pass them down; tests construct
`Settings` explicitly.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated, Literal, TextIO

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
LOG_FORMAT = "%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Every setting the bot reads; the README's configuration table lists them all."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr | None = Field(default=None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(
        default=None, validation_alias="SLACK_SIGNING_SECRET"
    )
    slack_app_token: SecretStr | None = Field(default=None, validation_alias="SLACK_APP_TOKEN")
    slack_api_url: str = Field(default="https://slack.com/api/", validation_alias="SLACK_API_URL")
    admins: Annotated[frozenset[str], NoDecode] = Field(
        default=frozenset(), validation_alias="PEACEBOT_ADMINS"
    )
    seeds_dir: Path = Field(default=PROJECT_ROOT / "seeds", validation_alias="PEACEBOT_SEEDS_DIR")
    knowledge_dir: Path = Field(
        default=PROJECT_ROOT / "knowledge", validation_alias="PEACEBOT_KNOWLEDGE_DIR"
    )
    state_dir: Path = Field(default=PROJECT_ROOT / "state", validation_alias="PEACEBOT_STATE_DIR")
    log_level: LogLevel = Field(default="WARNING", validation_alias="PEACEBOT_LOG_LEVEL")
    log_questions: bool = Field(default=True, validation_alias="PEACEBOT_LOG_QUESTIONS")
    log_retention_days: int = Field(
        default=90, ge=1, le=36500, validation_alias="PEACEBOT_LOG_RETENTION_DAYS"
    )
    log_salt: SecretStr | None = Field(default=None, validation_alias="PEACEBOT_LOG_SALT")

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        # A comma-separated list in the environment; empty means nobody is an admin.
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        # `info` and ` Info ` mean INFO; anything else is a settings error naming the choices.
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def has_slack_credentials(self) -> bool:
        """Whether there is enough to talk to Slack (a bot token)."""
        return self.slack_bot_token is not None and bool(self.slack_bot_token.get_secret_value())

    @property
    def has_socket_mode_token(self) -> bool:
        """Whether Socket Mode can run (an app-level token as well as a bot token)."""
        token = self.slack_app_token
        return self.has_slack_credentials and token is not None and bool(token.get_secret_value())


class SettingsError(ValueError):
    """The environment holds a setting that is not valid; the message names each variable."""


def load_settings() -> Settings:
    """The settings from the environment and `.env` (raises SettingsError, never a traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        # Each variable and what is wrong with it, but not the value (it could be a token).
        problems = "; ".join(
            f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
            for error in exc.errors()
        )
        raise SettingsError(f"invalid settings: {problems}") from None


def configure_logging(level: str, stream: TextIO | None = None) -> None:
    """Logging for a process, configured once by its composition root; the Slack libraries' own
    logs stay at WARNING or above."""
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=stream or sys.stderr)
    # slack_sdk logs request headers and bodies at DEBUG: they hold tokens.
    logging.getLogger("slack_sdk").setLevel(max(logging.getLogger().level, logging.WARNING))
