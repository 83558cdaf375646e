"""Command-line commands: ask, check, evaluate (adapter layer; the work is in `knowledge`)."""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from knowledge.answer import Answerer
from knowledge.evaluation import evaluate, load_questions, style_table, unverbatim
from knowledge.models import FactBase
from knowledge.render import render_text


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
    """Report the loaded fact base: sizes and the sentences no curated fact cites."""
    stdout.write(
        f"OK: {len(base.sources)} sources, {len(base.facts)} facts, "
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
        if verbose:
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
