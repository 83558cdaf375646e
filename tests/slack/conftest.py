"""Fixtures for the Slack tests: the fake Slack, private fact base copies, app settings."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.config import Settings
from tests.conftest import KNOWLEDGE, ROOT, SEEDS
from tests.slack.fake_slack import BOT_TOKEN, SIGNING_SECRET, FakeSlack

ADMIN = "U0ADMIN"
ASKER = "U0ASKER"


def copy_fact_base(root: Path) -> tuple[Path, Path]:
    """A private copy of seeds/ and knowledge/ (TOML files only) under `root`."""
    seeds, knowledge = root / "seeds", root / "knowledge"
    shutil.copytree(SEEDS, seeds)
    shutil.copytree(KNOWLEDGE, knowledge, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return seeds, knowledge


def procfile_command(kind: str) -> str:
    """The command of the Procfile's `kind:` line (`web` or `worker`)."""
    for line in (ROOT / "Procfile").read_text(encoding="utf-8").splitlines():
        name, _, command = line.partition(":")
        if name.strip() == kind:
            return command.strip()
    raise AssertionError(f"no {kind}: line in the Procfile")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeSlack]:
    slack = FakeSlack().start()
    yield slack
    slack.stop()


def make_settings(fake: FakeSlack, root: Path, **overrides: object) -> Settings:
    seeds, knowledge = root / "seeds", root / "knowledge"
    if not seeds.exists():
        copy_fact_base(root)
    values: dict[str, object] = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": None,
        "SLACK_API_URL": fake.api_url,
        "PEACEBOT_ADMINS": ADMIN,
        "PEACEBOT_SEEDS_DIR": seeds,
        "PEACEBOT_KNOWLEDGE_DIR": knowledge,
        "PEACEBOT_STATE_DIR": root / "state",
        "PEACEBOT_LOG_LEVEL": "INFO",
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]
