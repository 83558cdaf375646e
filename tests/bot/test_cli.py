"""The command line as a user runs it: real processes, real files, real output."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from tests.conftest import ROOT, TEST_STATE, clean_environment, run_bot

Workspace = tuple[Path, Path]


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return run_bot(*args, stdin=stdin, env={"PEACEBOT_STATE_DIR": str(TEST_STATE), **(env or {})})


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
    stdin = "nato 20 years\r\n\nwhat is the price of bitcoin\n"
    result = run("ask", "--json", stdin=stdin)
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    # One result per input line, blank ones included, so scripts can pair them up.
    assert [d["question"] for d in lines] == ["nato 20 years", "", "what is the price of bitcoin"]
    assert [d["answered"] for d in lines] == [True, False, False]
    assert lines[2]["citations"] == []
    assert 1 <= len(lines[2]["suggestions"]) <= 3


def test_ask_json_with_an_empty_question_still_answers() -> None:
    result = run("ask", "--json", "")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["answered"] is False


def test_evaluate_reports_a_missing_or_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.toml"
    empty.write_text("# no questions yet\n", encoding="utf-8")
    result = run("evaluate", str(tmp_path / "missing.toml"), str(empty))
    assert result.returncode == 1
    assert "missing.toml: cannot be read as a labelled question file" in result.stdout
    assert "empty.toml: no [[question]] tables" in result.stdout
    assert "Traceback" not in result.stderr


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
    assert "Dr. Petrov, thank you for joining us." in result.stdout  # a sentence no fact cites


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


def test_check_notes_a_voice_another_article_quotes_too(workspace: Workspace) -> None:
    seeds, knowledge = workspace
    (seeds / "010_brief.txt").write_text("Analysts\nDr. Petrov expects no talks.", "utf-8")
    env = {"PEACEBOT_SEEDS_DIR": str(seeds), "PEACEBOT_KNOWLEDGE_DIR": str(knowledge)}
    result = run("check", env=env)
    assert result.returncode == 0, result.stderr
    assert "OK: 3 sources," in result.stdout
    assert "Note: voice 'petrov' of seeds/000_80ebed28bbef419f.txt" in result.stdout
    assert "is named in seeds/010_brief.txt too" in result.stdout


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


def test_in_a_terminal_the_shell_greets_prompts_answers_and_quits() -> None:
    # A pseudo-terminal makes the bot see a real terminal, as a person would run it.
    import pty
    import select

    environment = clean_environment(PEACEBOT_STATE_DIR=str(TEST_STATE))
    pid, fd = pty.fork()
    if pid == 0:  # the child: become `python -m bot`
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "bot"], environment)
    seen = b""

    def read_until(marker: bytes, timeout: float = 30.0) -> None:
        nonlocal seen
        start = len(seen)  # only output that arrives from now on counts
        while marker not in seen[start:]:
            ready, _, _ = select.select([fd], [], [], timeout)
            assert ready, f"no {marker!r} in {seen[-300:]!r}"
            seen += os.read(fd, 65536)

    try:
        read_until(b"peace> ")
        os.write(fd, b"who rejected the plan\r")
        read_until(b"peace> ")
        os.write(fd, b"quit\r")
        _, status = os.waitpid(pid, 0)
    finally:
        os.close(fd)
    text = seen.decode("utf-8", "replace")
    assert text.startswith("peacebot: ask about the articles")
    assert "Moscow has firmly rejected" in text
    assert os.waitstatus_to_exitcode(status) == 0


def test_a_reader_that_stops_early_ends_the_command_quietly() -> None:
    # `python -m bot ask < questions | head -1`: the pipe closes while answers are still coming.
    environment = clean_environment(PEACEBOT_STATE_DIR=str(TEST_STATE))
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "ask"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=environment,
    ) as process:
        assert process.stdin and process.stdout and process.stderr
        stdin = process.stdin
        # Written from a thread, so that neither side waits on a full pipe; a watchdog ends a
        # process that hangs, which then fails the assertions below instead of the test run.
        feeding = threading.Thread(target=_feed, args=(stdin, b"who rejected the plan\n" * 2000))
        watchdog = threading.Timer(60, process.kill)
        feeding.start()
        watchdog.start()
        try:
            assert process.stdout.readline()  # the first answer came
            process.stdout.close()
            stderr = process.stderr.read().decode()
            status = process.wait()
        finally:
            watchdog.cancel()
            feeding.join()
    assert status == 1
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr


def _feed(stream: IO[bytes], data: bytes) -> None:
    try:
        stream.write(data)
        stream.close()
    except BrokenPipeError:
        pass  # the command stopped reading: what the test arranges
