"""The admin's command line: reload, gaps, stats and suggest, as real processes on real files."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bot.questionlog import LOG_NAME, QuestionLog
from knowledge.answer import Answerer
from knowledge.store import load_fact_base
from tests.conftest import NEW_FACT, Workspace, run_bot


def run(
    *args: str, workspace: Workspace, state: Path, stdin: str = "", **env: str
) -> subprocess.CompletedProcess[str]:
    seeds, knowledge = workspace
    folders = {
        "PEACEBOT_SEEDS_DIR": str(seeds),
        "PEACEBOT_KNOWLEDGE_DIR": str(knowledge),
        "PEACEBOT_STATE_DIR": str(state),
    }
    return run_bot(*args, stdin=stdin, env={**folders, **env})


def test_reload_validates_snapshots_and_reports_what_changed(
    workspace: Workspace, tmp_path: Path
) -> None:
    state = tmp_path / "state"
    first = run("reload", workspace=workspace, state=state)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("Reloaded: 2 sources, ")
    (workspace[0] / "010_brief.txt").write_text(
        "Ceasefire talks resume in Geneva\nDelegates met in Geneva on Tuesday.", encoding="utf-8"
    )
    (workspace[1] / "facts" / "zz_new.toml").write_text(NEW_FACT, encoding="utf-8")
    second = run("reload", workspace=workspace, state=state)
    assert second.returncode == 0, second.stderr
    assert "  sources added (1): 010_brief.txt\n" in second.stdout
    assert "  facts added (1): test-new-fact\n" in second.stdout
    assert "Sentences no fact cites yet:" in second.stdout and "2 in 010_brief.txt" in second.stdout
    again = run("reload", workspace=workspace, state=state)
    assert "  nothing changed\n" in again.stdout
    plan = workspace[1] / "facts" / "plan.toml"
    plan.write_text(
        plan.read_text(encoding="utf-8").replace("Ukraine’s NATO", "Ukraine's NATO", 1),
        encoding="utf-8",
    )
    refused = run("reload", workspace=workspace, state=state)
    assert refused.returncode == 1 and refused.stdout == ""
    assert "error: the fact base has 1 problem(s); nothing was reloaded" in refused.stderr
    assert "  - knowledge/facts/plan.toml: fact '" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_gaps_and_stats_print_the_log(workspace: Workspace, tmp_path: Path) -> None:
    state = tmp_path / "state"
    empty = run("gaps", workspace=workspace, state=state)
    assert empty.returncode == 0 and "No declined or voted-down questions" in empty.stdout
    answerer = Answerer(load_fact_base(*workspace))
    log = QuestionLog(state / LOG_NAME)
    asked = ["what did biden say?"] * 3 + ["biden said what"] + ["who rejected the plan?"] * 2
    for question in asked:
        log.record(question, answerer.answer(question), "slash", "U1")
    # The shell logs too.
    shell = run(workspace=workspace, state=state, stdin="price of bitcoin\nbitcoin price?\n")
    assert shell.returncode == 0, shell.stderr
    gaps = run("gaps", "--days", "7", workspace=workspace, state=state)
    assert gaps.returncode == 0, gaps.stderr
    lines = gaps.stdout.splitlines()
    assert lines[0].startswith("Most frequent gaps, last 7 days")
    assert lines[1] == "    4x  what did biden say  (4 declined)"
    assert lines[2] == "        also: biden said what"
    assert lines[3].startswith("    2x  ") and "bitcoin" in lines[3]
    stats = run("stats", workspace=workspace, state=state)
    assert stats.returncode == 0, stats.stderr
    assert stats.stdout.startswith("Last 30 days: 8 questions from 1 people, 25% answered;")
    assert "Where: slash 6, shell 2" in stats.stdout
    off = run("stats", workspace=workspace, state=state, PEACEBOT_LOG_QUESTIONS="false")
    assert off.returncode == 0 and "Question logging is off" in off.stderr
    (state / LOG_NAME).write_bytes(b"garbage" * 1000)
    for name in (state / f"{LOG_NAME}-wal", state / f"{LOG_NAME}-shm"):
        name.unlink(missing_ok=True)
    broken = run("gaps", workspace=workspace, state=state)
    assert broken.returncode == 1
    assert broken.stderr.startswith(f"error: {state / LOG_NAME}: cannot be read (SQLITE_NOTADB)")


def test_suggest_prints_drafts_that_check_accepts(workspace: Workspace, tmp_path: Path) -> None:
    state = tmp_path / "state"
    (workspace[0] / "010_brief.txt").write_text(
        "Ceasefire talks resume in Geneva\nDelegates met in Geneva on Tuesday to discuss grain "
        "corridor inspections.Dr. Petrov said the talks will continue next week.",
        encoding="utf-8",
    )
    check = run("check", workspace=workspace, state=state)
    assert "seeds/010_brief.txt: 0 of 3 sentences cited by a fact" in check.stdout
    assert "`python -m bot suggest` drafts facts" in check.stdout
    only = run("suggest", "010_brief.txt", workspace=workspace, state=state)
    assert only.returncode == 0, only.stderr
    assert only.stdout.count("[[fact]]") == 3 and "3 draft fact(s)" in only.stderr
    assert 'id = "010-brief-s3"' in only.stdout
    assert 'phrasings = ["what did dr petrov say?"' in only.stdout
    every = run("suggest", workspace=workspace, state=state)
    (workspace[1] / "facts" / "zz_drafts.toml").write_text(every.stdout, encoding="utf-8")
    checked = run("check", workspace=workspace, state=state)
    assert checked.returncode == 0, checked.stderr
    assert "not cited" not in checked.stdout  # every sentence now has a (draft) fact
    assert "nothing to suggest" in run("suggest", workspace=workspace, state=state).stderr
    unknown = run("suggest", "nope.txt", workspace=workspace, state=state)
    assert unknown.returncode == 1 and "no such article in seeds/: nope.txt" in unknown.stderr
