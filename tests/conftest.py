"""Shared fixtures: the real fact base from the repository, and throwaway copies to break."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from knowledge.answer import Answerer
from knowledge.models import FactBase
from knowledge.store import load_fact_base

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
KNOWLEDGE = ROOT / "knowledge"
DATA = Path(__file__).resolve().parent / "data"


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
