"""`python -m benchmarks`: the search benchmark at each size, then the web benchmark; one table.

Each size runs in a fresh process (`benchmarks.search`) so that its peak memory is its own. The
full run (1,000 to 1,000,000 facts and the web part) takes about ten minutes on two cores;
`--sizes 1000,10000` and `--no-web` shorten it. Not part of the test run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import rapidfuzz

from benchmarks import web
from benchmarks.search import (
    BRUTE_FORCE_ALL_UP_TO,
    BRUTE_FORCE_SAMPLE,
    EXHAUSTIVE_ALL_UP_TO,
    EXHAUSTIVE_SAMPLE,
    LIMIT,
    REPEATS,
)
from benchmarks.synthetic import SEED
from knowledge.render import plain_table

ROOT = Path(__file__).resolve().parent.parent
SIZES = (1_000, 10_000, 100_000, 1_000_000)
# The targets.
TARGET_P99_100K_MS = 5.0
TARGET_SPEEDUP_100K = 100.0
TARGET_P99_1M_MS = 20.0
TARGET_BUILD_1M_S = 60.0
TARGET_PEAK_1M_MB = 2048.0
TARGET_WEB_RATIO = 0.80


def measure(size: int) -> dict[str, Any]:
    print(f"  {size:,} facts ...", file=sys.stderr, flush=True)
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "benchmarks.search", str(size)]
    done = subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def searchplain_table(results: list[dict[str, Any]]) -> str:
    rows = [
        [
            "facts",
            "build",
            "cache read",
            "peak RSS",
            "index p50",
            "index p99",
            "brute p50",
            "brute p99",
            "speed-up p50",
            "speed-up p99",
            "same as exhaustive",
            "found: index / brute",
        ]
    ]
    for r in results:
        rows.append(
            [
                f"{r['size']:,}",
                f"{r['build_s']:.1f} s",
                f"{r['cache_read_s']:.2f} s",
                f"{r['peak_mb']:.0f} MB",
                f"{r['index_p50_ms']:.2f} ms",
                f"{r['index_p99_ms']:.2f} ms",
                f"{r['brute_p50_ms']:.0f} ms",
                f"{r['brute_p99_ms']:.0f} ms",
                f"{r['brute_p50_ms'] / r['index_p50_ms']:.0f}x",
                f"{r['brute_p99_ms'] / r['index_p99_ms']:.0f}x",
                f"{r['exact_same']}/{r['exact_checked']}",
                f"{r['index_found']}/{r['answerable']} / "
                f"{r['brute_found']}/{r['brute_answerable']}",
            ]
        )
    return plain_table(rows)


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def targets(results: list[dict[str, Any]], web_result: dict[str, Any] | None) -> list[str]:
    by_size = {r["size"]: r for r in results}
    lines = []
    if 100_000 in by_size:
        r = by_size[100_000]
        speedup = r["brute_p99_ms"] / r["index_p99_ms"]
        lines.append(
            f"100,000 facts: p99 {r['index_p99_ms']:.2f} ms (target < {TARGET_P99_100K_MS:g} ms)"
            f" {_verdict(r['index_p99_ms'] < TARGET_P99_100K_MS)}; {speedup:.0f}x faster than"
            f" brute force at p99 (target >= {TARGET_SPEEDUP_100K:g}x)"
            f" {_verdict(speedup >= TARGET_SPEEDUP_100K)}"
        )
    if 1_000_000 in by_size:
        r = by_size[1_000_000]
        lines.append(
            f"1,000,000 facts: p99 {r['index_p99_ms']:.2f} ms (target < {TARGET_P99_1M_MS:g} ms)"
            f" {_verdict(r['index_p99_ms'] < TARGET_P99_1M_MS)}; build {r['build_s']:.1f} s"
            f" (target < {TARGET_BUILD_1M_S:g} s) {_verdict(r['build_s'] < TARGET_BUILD_1M_S)};"
            f" peak RSS {r['peak_mb']:.0f} MB (target < {TARGET_PEAK_1M_MB:g} MB)"
            f" {_verdict(r['peak_mb'] < TARGET_PEAK_1M_MB)}"
        )
    if web_result is not None:
        ratio = web_result["ratio"]
        lines.append(
            f"web: {ratio:.0%} of the constant-text floor's rate"
            f" (target >= {TARGET_WEB_RATIO:.0%}) {_verdict(ratio >= TARGET_WEB_RATIO)}"
        )
    return lines


def notes(results: list[dict[str, Any]]) -> list[str]:
    first = results[0] if results else {}
    lines = [
        f"Synthetic fact bases (seed {SEED}): news-like sentences from templates and word lists"
        " (Zipf-distributed names), one curated fact each: topic, two phrasings, sometimes an"
        " alias, one excerpt; no uncurated passages.",
        f"{first.get('questions', 0)} questions: {first.get('answerable', 0)} made from facts"
        " (fragments, full questions, typo'd variants; 'found' counts the first hit being that"
        " fact) and the rest about things no fact mentions. Index latency: one untimed pass,"
        f" then {REPEATS} timed passes, {LIMIT} hits per question (as the answerer asks);"
        " p99 is nearest-rank.",
        "Brute force: rapidfuzz process.extract(limit=3, scorer=WRatio) over every phrasing,"
        f" pre-processed once; all questions up to {BRUTE_FORCE_ALL_UP_TO:,} facts, above that"
        f" a fixed sample of {BRUTE_FORCE_SAMPLE} (so its p99 is the slowest of those).",
        "Same as exhaustive: the index's hits equal scoring every entry that shares a stem with"
        f" the question (all questions up to {EXHAUSTIVE_ALL_UP_TO:,} facts, a fixed sample of"
        f" {EXHAUSTIVE_SAMPLE} above).",
        "Peak RSS: the measuring process's high-water mark (fact base + index + questions),"
        " before the cache step; cache read: a second process start, reading the index back.",
    ]
    capped = [r for r in results if r.get("capped_searches")]
    for r in capped:
        lines.append(
            f"At {r['size']:,} facts {r['capped_searches']} question(s) reached the index's work"
            " cap (MAX_SCORED): their hits are the best found, not guaranteed the best."
        )
    return lines


def webplain_table(result: dict[str, Any]) -> str:
    rows = [["server", "answered/s", "per round", "p50", "p99", "errors"]]
    for name in ("floor", "bot"):
        r = result[name]
        rows.append(
            [
                "constant text (floor)" if name == "floor" else "peacebot",
                f"{r['rate']:.0f}",
                " ".join(f"{rate:.0f}" for rate in r["rates"]),
                f"{r['p50_ms']:.1f} ms",
                f"{r['p99_ms']:.1f} ms",
                str(r["errors"]),
            ]
        )
    return plain_table(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in SIZES),
        help="comma-separated fact-base sizes (default: %(default)s)",
    )
    parser.add_argument("--no-web", action="store_true", help="skip the web benchmark")
    parser.add_argument("--web-seconds", type=float, default=8.0, help="per measuring round")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    began = time.monotonic()
    print(
        f"peacebot benchmark: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f},"
        f" Python {platform.python_version()}, rapidfuzz {rapidfuzz.__version__}",
        file=sys.stderr,
    )
    results = [measure(size) for size in sizes]
    web_result = None
    if not args.no_web:
        print("  web ...", file=sys.stderr, flush=True)
        web_result = web.run(seconds=args.web_seconds)
    print()
    print(
        f"peacebot benchmark ({os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" rapidfuzz {rapidfuzz.__version__}; {time.monotonic() - began:.0f} s)"
    )
    print()
    if results:
        print(searchplain_table(results))
        print()
    if web_result is not None:
        print(
            f"Web: signed /peace slash commands ({web_result['threads']} client threads, each"
            " request on a new connection) to the Procfile's web: command on 127.0.0.1 with"
            f" WEB_CONCURRENCY={web_result['workers']}, the shipped fact base; rounds of"
            f" {web_result['seconds']:g} s alternating floor and bot after a warm-up."
        )
        print(webplain_table(web_result))
        print()
    print("Targets:")
    for line in targets(results, web_result):
        print(f"  {line}")
    print()
    for line in notes(results):
        print(f"- {line}")
    if args.json:
        args.json.write_text(json.dumps({"search": results, "web": web_result}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
