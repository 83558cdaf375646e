"""Settings, read once from the environment and a `.env` file (adapter layer).

Build `Settings()` in the composition root and pass it down; tests construct it explicitly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
    log_level: str = Field(default="WARNING", validation_alias="PEACEBOT_LOG_LEVEL")

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        # A comma-separated list in the environment; empty means nobody is an admin.
        if isinstance(value, str):
            return frozenset(part.strip() for part in value.split(",") if part.strip())
        return value

    @property
    def has_slack_credentials(self) -> bool:
        """Whether there is enough to talk to Slack (a bot token)."""
        return self.slack_bot_token is not None and bool(self.slack_bot_token.get_secret_value())

    @property
    def has_socket_mode_token(self) -> bool:
        """Whether Socket Mode can run (an app-level token as well as a bot token)."""
        token = self.slack_app_token
        return self.has_slack_credentials and token is not None and bool(token.get_secret_value())
