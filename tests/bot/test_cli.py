"""The command line as a user runs it: real processes, real files, real output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

Workspace = tuple[Path, Path]


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PEACEBOT_"))}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=60,
    )


def test_ask_json_answers_as_specified() -> None:
    result = run("ask", "--json", "who rejected the plan?")
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    data = json.loads(line)
    assert data["question"] == "who rejected the plan?"
    assert data["answered"] is True
    best = data["citations"][0]
    assert best["source"] == "000_80ebed28bbef419f.txt"
    assert best["title"]
    text = (ROOT / "seeds" / best["source"]).read_text(encoding="utf-8")
    for citation in data["citations"]:
        assert citation["excerpt"] in text or citation["source"] != best["source"]
        source_text = (ROOT / "seeds" / citation["source"]).read_text(encoding="utf-8")
        assert source_text[citation["start"] : citation["end"]] == citation["excerpt"]


def test_ask_reads_one_question_per_line_and_writes_one_result_per_line() -> None:
    result = run("ask", "--json", stdin="nato 20 years\n\nwhat is the price of bitcoin\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [d["question"] for d in lines] == ["nato 20 years", "what is the price of bitcoin"]
    assert lines[0]["answered"] is True
    assert lines[1]["answered"] is False
    assert lines[1]["citations"] == []
    assert 1 <= len(lines[1]["suggestions"]) <= 3


def test_ask_plain_text_quotes_and_attributes() -> None:
    result = run("ask", "macron quote")
    assert result.returncode == 0, result.stderr
    assert "“French President Emmanuel Macron added" in result.stdout
    assert "NextMinuteNews" in result.stdout


def test_shell_answers_each_line_when_stdin_is_not_a_terminal() -> None:
    result = run(stdin="who rejected the plan\nsources\nwhat is the price of bitcoin\n")
    assert result.returncode == 0, result.stderr
    assert "peace>" not in result.stdout  # no prompt without a terminal
    assert "Moscow has firmly rejected" in result.stdout
    assert "World Today News, interview" in result.stdout
    assert "The articles don't answer that" in result.stdout


def test_check_reports_coverage() -> None:
    result = run("check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("OK: 2 sources,")
    assert "sentences cited by a fact" in result.stdout
    assert "It’s my pleasure to be here." in result.stdout  # a sentence no fact cites


def test_check_fails_on_a_broken_fact_base_naming_file_and_entry(workspace: Workspace) -> None:
    seeds, knowledge = workspace
    plan = knowledge / "facts" / "plan.toml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("Ukraine’s NATO", "Ukraine's NATO", 1),
        encoding="utf-8",
    )
    env = {"PEACEBOT_SEEDS_DIR": str(seeds), "PEACEBOT_KNOWLEDGE_DIR": str(knowledge)}
    result = run("check", env=env)
    assert result.returncode == 1
    assert "knowledge/facts/plan.toml: fact '" in result.stderr
    assert "not verbatim in seeds/000_80ebed28bbef419f.txt" in result.stderr
    # Nothing half-loaded: asking also refuses to run on the broken base.
    assert run("ask", "nato", env=env).returncode == 1


def test_evaluate_prints_the_per_style_table() -> None:
    result = run("evaluate", "tests/data/holdout.toml")
    assert result.returncode == 0, result.stderr
    assert "ALL answerable" in result.stdout and "ALL declines" in result.stdout
    assert "paraphrase" in result.stdout


def test_an_invalid_log_level_is_a_settings_error_not_a_traceback() -> None:
    result = run("ask", "nato", env={"PEACEBOT_LOG_LEVEL": "verbose"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: invalid settings: PEACEBOT_LOG_LEVEL: ")
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_logging_is_configured_once_with_the_server_format() -> None:
    result = run("ask", "nato", env={"PEACEBOT_LOG_LEVEL": "info"})
    assert result.returncode == 0, result.stderr
    assert re.search(r" INFO \[\d+\] knowledge\.answer: answered: match=", result.stderr)
