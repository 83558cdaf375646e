"""Shared fixtures: the real fact base from the repository, and throwaway copies to break."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.answer import Answerer
from knowledge.models import FactBase
from knowledge.store import load_fact_base

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
KNOWLEDGE = ROOT / "knowledge"
DATA = Path(__file__).resolve().parent / "data"

# A private copy of seeds/ and knowledge/: (seeds, knowledge).
Workspace = tuple[Path, Path]
# A valid fact a test adds to a workspace, answering a question nothing else answers.
NEW_FACT = """
[[fact]]
id = "test-new-fact"
topic = "Added by a test"
phrasings = ["what did the zebra committee decide?"]

[[fact.citations]]
source = "000_80ebed28bbef419f.txt"
excerpt = "Moscow has firmly rejected a reported US-backed peace proposal for Ukraine"
"""
# The state folder of the processes tests start (`python -m bot ...`), so the shell's question
# log never lands in the project's own state/.
TEST_STATE = Path(tempfile.mkdtemp(prefix="peacebot-test-state-"))


@pytest.fixture(scope="session", autouse=True)
def _remove_test_state() -> Iterator[None]:
    yield
    shutil.rmtree(TEST_STATE, ignore_errors=True)


@pytest.fixture(scope="session")
def base() -> FactBase:
    return load_fact_base(SEEDS, KNOWLEDGE)


@pytest.fixture(scope="session")
def answerer(base: FactBase) -> Answerer:
    return Answerer(base)


@pytest.fixture
def workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of seeds/ and knowledge/ (TOML files only) that a test may edit."""
    seeds = tmp_path / "seeds"
    knowledge = tmp_path / "knowledge"
    shutil.copytree(SEEDS, seeds)
    shutil.copytree(KNOWLEDGE, knowledge, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return seeds, knowledge


def clean_environment(**settings: str) -> dict[str, str]:
    """This process's environment without its SLACK_* and PEACEBOT_* variables, plus `settings`:
    what a process started by a test sees, so that a developer's own tokens never leak in."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PEACEBOT_"))}
    environment.update(settings)
    return environment


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m bot ARGS` as a user runs it: a real process that sees only the settings in
    `env` (none of the caller's SLACK_* or PEACEBOT_* variables)."""
    environment = clean_environment(**(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )
