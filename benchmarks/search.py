"""One size of the search benchmark, run in a fresh process so that its peak memory is its own.

`python -m benchmarks.search SIZE` prints one JSON object: build and cache times, peak memory,
latency of the index and of brute-force rapidfuzz over the same facts, and how often the index
agrees with scoring every entry.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import logging
import math
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process, utils

from benchmarks.synthetic import SEED, make_fact_base, make_questions
from knowledge.index import Index
from knowledge.index_cache import load_index, save_index

# Brute force over a million facts takes seconds per question: above this size only a sample
# of questions is timed (the same sample each run), and the report says so.
BRUTE_FORCE_ALL_UP_TO = 100_000
BRUTE_FORCE_SAMPLE = 5
# Scoring every candidate entry (the reference for "same hits") is sampled the same way.
EXHAUSTIVE_ALL_UP_TO = 100_000
EXHAUSTIVE_SAMPLE = 8
REPEATS = 5  # timed passes over the questions (after one untimed warm-up pass)
LIMIT = 8  # hits per question, as the answerer asks


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile (p99 of 200 samples is the second slowest)."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class _StopCounter(logging.Handler):
    """Counts searches that reached the index's work cap (`MAX_SCORED`)."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage().startswith("search stopped"):
            self.count += 1


def _sample(items: list[Any], size: int, all_up_to: int, sample: int) -> list[Any]:
    if size <= all_up_to:
        return items
    step = max(1, len(items) // sample)
    return items[::step][:sample]


def run(size: int) -> dict[str, Any]:
    result: dict[str, Any] = {"size": size}
    began = time.perf_counter()
    base = make_fact_base(size)
    base = dataclasses.replace(base, fingerprint=f"synthetic:{size}:{SEED}")
    result["generate_s"] = time.perf_counter() - began
    questions = make_questions(base)
    result["base_mb"] = peak_mb()

    gc.collect()
    began = time.perf_counter()
    index = Index(base)
    result["build_s"] = time.perf_counter() - began

    stops = _StopCounter()
    logging.getLogger("knowledge.index").addHandler(stops)
    logging.getLogger("knowledge.index").setLevel(logging.INFO)
    for question in questions:  # warm-up
        index.search(question.text, LIMIT)
    stops.count = 0
    latencies = []
    for _ in range(REPEATS):
        for question in questions:
            began = time.perf_counter()
            index.search(question.text, LIMIT)
            latencies.append(time.perf_counter() - began)
    result["index_samples"] = len(latencies)
    result["index_p50_ms"] = percentile(latencies, 0.50) * 1e3
    result["index_p99_ms"] = percentile(latencies, 0.99) * 1e3
    result["capped_searches"] = stops.count // REPEATS
    result["peak_mb"] = peak_mb()

    answerable = [q for q in questions if q.target]
    result["answerable"] = len(answerable)
    result["index_found"] = sum(
        bool(hits) and hits[0].key == q.target
        for q in answerable
        for hits in [index.search(q.text, LIMIT)[1]]
    )

    checked = _sample(questions, size, EXHAUSTIVE_ALL_UP_TO, EXHAUSTIVE_SAMPLE)
    result["exact_checked"] = len(checked)
    result["exact_same"] = sum(
        index.search(q.text, LIMIT)[1] == index.exhaustive_search(q.text, LIMIT)[1] for q in checked
    )

    # Brute force: every phrasing, pre-processed once, scored with WRatio for each question.
    owners = [fact.id for fact in base.facts for _ in fact.phrasings]
    choices = [utils.default_process(p) for fact in base.facts for p in fact.phrasings]
    timed = _sample(questions, size, BRUTE_FORCE_ALL_UP_TO, BRUTE_FORCE_SAMPLE)
    brute = []
    found = 0
    for question in timed:
        query = utils.default_process(question.text)
        began = time.perf_counter()
        best = process.extract(query, choices, scorer=fuzz.WRatio, processor=None, limit=3)
        brute.append(time.perf_counter() - began)
        if question.target and best and owners[best[0][2]] == question.target:
            found += 1
    result["brute_samples"] = len(brute)
    result["brute_p50_ms"] = percentile(brute, 0.50) * 1e3
    result["brute_p99_ms"] = percentile(brute, 0.99) * 1e3
    result["brute_answerable"] = sum(bool(q.target) for q in timed)
    result["brute_found"] = found
    result["choices"] = len(choices)
    del choices, owners

    # The cache: written once, then read back in place of a build (as a restart would).
    with tempfile.TemporaryDirectory() as folder:
        began = time.perf_counter()
        save_index(base, index, Path(folder))
        result["cache_write_s"] = time.perf_counter() - began
        del index
        gc.collect()
        began = time.perf_counter()
        cached = load_index(base, Path(folder))
        result["cache_read_s"] = time.perf_counter() - began
        result["cache_file_mb"] = sum(p.stat().st_size for p in Path(folder).iterdir()) / 2**20
        result["cache_same"] = all(
            cached.search(q.text, LIMIT) == cached.exhaustive_search(q.text, LIMIT)
            for q in questions[:3]
        )
    result["peak_with_cache_mb"] = peak_mb()
    result["questions"] = len(questions)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.search")
    parser.add_argument("size", type=int)
    args = parser.parse_args(argv)
    json.dump(run(args.size), sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
