"""The README is part of the product: its commands and settings must be the real ones."""

import re

from bot.config import Settings
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quickstart_has_two_commands_and_ci_runs_the_test_one() -> None:
    run_command, test_command = quickstart_commands()
    assert run_command.endswith("python -m bot")
    assert test_command.endswith("python -m pytest")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci.splitlines()


def test_every_setting_is_documented() -> None:
    for field in Settings.model_fields.values():
        assert f"`{field.validation_alias}`" in README, field.validation_alias
