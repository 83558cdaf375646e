"""Command-line commands: ask, check, suggest, evaluate, reload, gaps, stats (adapter layer; the
work is in `knowledge`, `bot.holder` and `bot.questionlog`)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.holder import Changes, ReloadResult, change_items
from bot.questionlog import QuestionLog, QuestionLogError
from knowledge.answer import Answerer
from knowledge.drafts import draft_facts, drafts_toml
from knowledge.evaluation import UNREAD, evaluate, load_questions, style_table, unverbatim
from knowledge.models import FactBase
from knowledge.render import render_text

LISTED = 20  # ids listed per kind of change before "and N more"


def ask(answerer: Answerer, questions: Iterable[str], stdout: TextIO, as_json: bool) -> int:
    """Answer each question: one JSON object per line with `as_json`, else plain text.

    With `as_json` every input line gets exactly one output line, blank ones included (they are
    declined), so a script can pair questions and answers by line number.
    """
    for question in questions:
        if as_json:
            answer = answerer.answer(question)
            stdout.write(json.dumps(answer.to_dict(), ensure_ascii=False) + "\n")
        elif question.strip():
            stdout.write(render_text(answerer.answer(question)) + "\n\n")
        stdout.flush()
    return 0


def check(base: FactBase, stdout: TextIO) -> int:
    """Report the loaded fact base: sizes, the sentences no curated fact cites, and voices that
    point nowhere because another piece names them too."""
    stdout.write(
        f"OK: {len(base.sources)} sources, {len(base.facts)} facts, "
        f"{len(base.unanswered)} known unanswered questions, "
        f"{len(base.passages)} sentences searchable.\n"
    )
    for name, source in base.sources.items():
        total = sum(1 for p in base.passages if p.citation.source == name)
        missing = base.uncovered.get(name, ())
        stdout.write(f"\nseeds/{name}: {total - len(missing)} of {total} sentences cited by a fact")
        if missing:
            stdout.write("; not cited:\n")
            for citation in missing:
                piece = source.piece_at(citation.start)
                stdout.write(f"  - [{piece.title[:40]}] {citation.excerpt}\n")
        else:
            stdout.write(".\n")
    if any(base.uncovered.values()):
        stdout.write("\n`python -m bot suggest` drafts facts for the sentences not cited.\n")
    for shared in base.shared_voices:
        elsewhere = ", ".join(f"seeds/{name}" for name in shared.also_in)
        stdout.write(
            f"\nNote: voice {shared.voice!r} of seeds/{shared.source} [{shared.piece[:40]}] is "
            f"named in {elsewhere} too, so naming it points at neither.\n"
        )
    return 0


def suggest(base: FactBase, sources: list[str], stdout: TextIO, stderr: TextIO) -> int:
    """Print draft facts (TOML) for the sentences no fact cites, in all or the named articles."""
    unknown = [name for name in sources if name not in base.sources]
    if unknown:
        known = ", ".join(base.sources)
        stderr.write(f"error: no such article in seeds/: {', '.join(unknown)} (known: {known})\n")
        return 1
    drafts = draft_facts(base, sources or None)
    if not drafts:
        stderr.write("Every sentence is cited by a fact: nothing to suggest.\n")
        return 0
    stdout.write(drafts_toml(drafts))
    stderr.write(
        f"{len(drafts)} draft fact(s) written; review them, paste them into a file in "
        "knowledge/facts/, then run `python -m bot check`.\n"
    )
    return 0


def change_lines(changes: Changes) -> list[str]:
    """What changed, one plain line per kind (`change_items`), ids listed up to LISTED."""
    lines = []
    for label, ids in change_items(changes):
        if not ids:
            lines.append(f"  {label}")
            continue
        more = f" and {len(ids) - LISTED} more" if len(ids) > LISTED else ""
        lines.append(f"  {label} ({len(ids)}): {', '.join(ids[:LISTED])}{more}")
    return lines or ["  nothing changed"]


def report_reload(result: ReloadResult, stdout: TextIO, stderr: TextIO) -> int:
    """Print what a reload changed (0), or each problem (1: nothing changed anywhere)."""
    base = result.base
    if not result.ok or result.changes is None or base is None:
        serving = base.fingerprint[:12] if base is not None else "nothing yet"
        stderr.write(
            f"error: the fact base has {len(result.problems)} problem(s); nothing was reloaded "
            f"and servers keep serving {serving}:\n"
        )
        stderr.write("".join(f"  - {problem}\n" for problem in result.problems))
        return 1
    stdout.write(
        f"Reloaded: {len(base.sources)} sources, {len(base.facts)} facts, fact base "
        f"{base.fingerprint[:12]}. Running servers that share the state folder switch to it "
        "within two seconds.\n"
    )
    stdout.write("\n".join(change_lines(result.changes)) + "\n")
    counts = [(name, len(s)) for name, s in base.uncovered.items() if s]
    if counts:
        shown = ", ".join(f"{n} in {name}" for name, n in counts)
        stdout.write(f"Sentences no fact cites yet: {shown} (`python -m bot suggest`).\n")
    return 0


def gaps(log: QuestionLog, days: int, limit: int, stdout: TextIO, stderr: TextIO) -> int:
    """Print the most frequent declined or voted-down questions of the last `days` days."""
    if not log.enabled:
        stderr.write("Question logging is off (PEACEBOT_LOG_QUESTIONS=false).\n")
        return 0
    try:
        found = log.gaps(days, limit)
    except QuestionLogError as error:
        stderr.write(f"error: {error}\n")
        return 1
    if not found:
        stdout.write(f"No declined or voted-down questions in the last {days} days.\n")
        return 0
    stdout.write(
        f"Most frequent gaps, last {days} days (declined or voted down; similar questions "
        "grouped):\n"
    )
    for gap in found:
        parts = [f"{gap.unanswered} declined"] if gap.unanswered else []
        parts += [f"{gap.downvoted} voted down"] if gap.downvoted else []
        stdout.write(f"{gap.count:5d}x  {gap.text}  ({', '.join(parts)})\n")
        others = list(gap.wordings[1:4])
        if others:
            more = f" and {len(gap.wordings) - 4} more" if len(gap.wordings) > 4 else ""
            stdout.write(f"        also: {' | '.join(others)}{more}\n")
    return 0


def stats(log: QuestionLog, days: int, stdout: TextIO, stderr: TextIO) -> int:
    """Print questions per day, the answer rate, votes and the facts that answer most."""
    if not log.enabled:
        stderr.write("Question logging is off (PEACEBOT_LOG_QUESTIONS=false).\n")
        return 0
    try:
        found = log.stats(days)
    except QuestionLogError as error:
        stderr.write(f"error: {error}\n")
        return 1
    if not found.asked:
        stdout.write(f"No questions logged in the last {days} days.\n")
        return 0
    stdout.write(
        f"Last {days} days: {found.asked} questions from {found.askers} people, "
        f"{found.answer_rate:.0%} answered; {found.up} voted up, {found.down} voted down.\n"
    )
    stdout.write("\nday (UTC)     questions  answered\n")
    for day in found.per_day:
        stdout.write(f"{day.day}  {day.asked:9d}  {day.answered:8d}\n")
    if found.top_facts:
        stdout.write("\nTop facts: " + ", ".join(f"{m} {n}" for m, n in found.top_facts) + "\n")
    if found.by_passage:
        stdout.write(f"Answered by a sentence no fact covers: {found.by_passage}\n")
    stdout.write("Where: " + ", ".join(f"{s} {n}" for s, n in found.surfaces) + "\n")
    return 0


def run_evaluation(answerer: Answerer, files: list[Path], stdout: TextIO, verbose: bool) -> int:
    """Print the per-style accuracy table for each labelled question file; 1 if a quote is bad."""
    status = 0
    for path in files:
        try:
            questions = load_questions(path)
        except (OSError, ValueError) as exc:  # tomllib and pydantic errors are ValueErrors
            reason = type(exc).__name__
            stdout.write(f"\n{path}: cannot be read as a labelled question file ({reason})\n")
            status = 1
            continue
        if not questions:
            stdout.write(f"\n{path}: no [[question]] tables\n")
            status = 1
            continue
        began = time.perf_counter()
        outcomes = evaluate(answerer, questions)
        elapsed = time.perf_counter() - began
        stdout.write(f"\n{path} ({len(questions)} questions)\n")
        stdout.write(style_table(outcomes) + "\n")
        latencies = sorted(o.seconds * 1000 for o in outcomes)
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        stdout.write(
            f"latency per question: median {statistics.median(latencies):.2f} ms, "
            f"p99 {p99:.2f} ms, total {elapsed:.2f} s\n"
        )
        bad = unverbatim(answerer.base, outcomes)
        if bad:
            status = 1
            stdout.write("NOT VERBATIM:\n" + "\n".join(bad) + "\n")
        if verbose and path.name in UNREAD:
            stdout.write("  (an honest-measure set: its questions are not listed)\n")
        elif verbose:
            for outcome in outcomes:
                if outcome.right:
                    continue
                got = (
                    f"{outcome.answer.match} {outcome.answer.citations[0].excerpt[:70]!r}"
                    if outcome.answer.answered
                    else "declined"
                )
                stdout.write(
                    f"  WRONG [{outcome.question.style}] {outcome.question.text!r} "
                    f"(score {outcome.answer.score:.1f}) -> {got}\n"
                )
    return status
