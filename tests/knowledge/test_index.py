"""The index's fast path returns exactly what scoring every entry returns, on every path.

`Index.search` skips entries whose score ceiling cannot reach the hits already found;
`Index.exhaustive_search` scores every entry that shares a stem with the question. They must
agree hit for hit (key, score, coverage, order) on the labelled questions, on a synthetic base
large enough to use bitmaps and impact-ordered lists, and for every `limit`.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from benchmarks.synthetic import make_fact_base, make_questions
from knowledge import index as index_module
from knowledge import postings
from knowledge.evaluation import load_questions
from knowledge.index import Index, _closeness_ceiling, inflection_families, inflection_root
from knowledge.index_cache import cache_path, load_index
from knowledge.models import FactBase
from knowledge.text import NOT_TYPO_TARGETS, STOPWORDS, stem
from knowledge.vocabulary import Vocabulary, _undoubled, plausible_typo
from tests.conftest import DATA

LABELLED = [q.text for path in sorted(DATA.glob("*.toml")) for q in load_questions(path)]


@pytest.fixture(scope="module")
def index(base: FactBase) -> Index:
    return Index(base)


@pytest.fixture(scope="module")
def synthetic() -> tuple[Index, list[str]]:
    """3,000 synthetic facts, every common stem as a bitmap (as at a million facts)."""
    base = make_fact_base(3000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "BITMAP_MIN_POSTINGS", 64)
        built = Index(base)
    questions = [q.text for q in make_questions(base)]
    questions += ["russia", "ukraine ceasefire talks", "what did zelensky say", "kyiv 2024"]
    return built, questions


@pytest.mark.parametrize("limit", [1, 3, 8])
def test_fast_path_equals_scoring_every_entry_on_the_labelled_questions(
    index: Index, limit: int
) -> None:
    for question in LABELLED:
        assert index.search(question, limit) == index.exhaustive_search(question, limit), question


def test_entries_left_out_share_no_stem_or_too_little_of_the_question(
    index: Index, base: FactBase
) -> None:
    # exhaustive_search leaves them out; scoring them too would add only zeros and entries
    # that cover too little of the question to be a match.
    for question in LABELLED[:40]:
        query, hits = index.exhaustive_search(question, 10_000)
        assert all(h.coverage >= index_module.MIN_HIT_COVERAGE for h in hits)
        scored = {h.key for h in hits}
        for position, key in enumerate(index._keys):
            if key not in scored and query.stems:
                search = index_module._Search(index, query, 1)
                hit = index._score(position, search, exhaustive=True)
                assert hit is not None
                assert hit.score == 0.0 or hit.coverage < index_module.MIN_HIT_COVERAGE


@pytest.mark.parametrize("limit", [1, 8, 50])
def test_fast_path_equals_scoring_every_entry_on_a_synthetic_base(
    synthetic: tuple[Index, list[str]], limit: int
) -> None:
    built, questions = synthetic
    assert built._postings.bitmaps[0], "the test base should use bitmaps"
    for question in questions:
        assert built.search(question, limit) == built.exhaustive_search(question, limit), question


@pytest.mark.parametrize("rare", [0, 30, 300, 10**9])
def test_fast_path_equals_scoring_every_entry_however_many_terms_are_rare(
    synthetic: tuple[Index, list[str]], rare: int
) -> None:
    # Rare terms' entries are grouped by what they hold, the others' by intersecting lists:
    # each way alone (no term rare, every term rare) and the two mixed must give the same hits.
    built, questions = synthetic
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(index_module, "RARE_POSTINGS", rare)
        for question in questions:
            assert built.search(question, 8) == built.exhaustive_search(question, 8), question


def test_entries_holding_a_rare_term_are_grouped_by_what_they_hold(
    synthetic: tuple[Index, list[str]],
) -> None:
    built, questions = synthetic
    lookup = postings.Lookup(built._postings, built._lightest)
    lists = built._postings.lists
    for question in questions:
        terms = [t for t in built._terms(built.parse(question)) if t.ids][:5]
        rare = sorted(terms, key=lambda t: lookup.size(t, postings.ANYWHERE))[:1]
        if not rare:
            continue
        expected: dict[tuple[int, ...], list[int]] = {}
        holding = sorted({r for i in rare[0].ids for r in lists[postings.ANYWHERE][i]})
        for rank in holding:
            states = tuple(
                2
                if any(rank in lists[postings.PHRASED][i] for i in t.ids)
                else int(any(rank in lists[postings.ANYWHERE][i] for i in t.ids))
                for t in terms
            )
            expected.setdefault(states, []).append(rank)
        assert lookup.states(terms, rare) == expected, question


def test_a_limit_of_zero_or_less_slices_like_a_list(index: Index) -> None:
    question = "what did lavrov say"
    full = index.exhaustive_search(question, 10_000)[1]
    assert index.search(question, 0)[1] == full[:0]
    assert index.search(question, -1)[1] == full[:-1]


def test_the_build_does_not_depend_on_hash_order(base: FactBase) -> None:
    # Ties between equal phrasings must break the same way in every process.
    first, second = Index(base), Index(base)
    assert first._state["stems"] == second._state["stems"]
    for question in LABELLED[:60]:
        assert first.search(question, 8) == second.search(question, 8)


def test_a_cached_index_answers_like_a_built_one(base: FactBase, tmp_path: Path) -> None:
    built = load_index(base, tmp_path)  # builds and writes
    path = cache_path(base, tmp_path)
    assert path is not None and path.exists()
    cached = load_index(base, tmp_path)  # reads
    assert cached is not built
    for question in LABELLED[:60]:
        assert cached.search(question, 8) == built.search(question, 8)


def test_a_damaged_or_foreign_cache_is_rebuilt(base: FactBase, tmp_path: Path) -> None:
    load_index(base, tmp_path)
    path = cache_path(base, tmp_path)
    assert path is not None
    path.write_bytes(b"not an index")
    assert load_index(base, tmp_path).search("nato 20 years", 3)[1]
    other = FactBase(
        sources=base.sources,
        facts=base.facts[:-1],
        passages=base.passages,
        aliases=base.aliases,
        fingerprint=base.fingerprint,  # same fingerprint, different entries
    )
    load_index(base, tmp_path)
    assert len(load_index(other, tmp_path)._keys) == len(other.facts) + len(other.passages)


def test_a_base_without_fingerprint_is_not_cached(base: FactBase, tmp_path: Path) -> None:
    bare = FactBase(base.sources, base.facts, base.passages, base.aliases)
    assert cache_path(bare, tmp_path) is None
    load_index(bare, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_closeness_ceiling_bounds_token_set_ratio() -> None:
    words = "russia plan nato what did the ukraine sanctions say about missiles on a x".split()
    rng = random.Random(7)
    for _ in range(20_000):
        question = [rng.choice(words) for _ in range(rng.randint(1, 6))]
        phrasing = [rng.choice(words) for _ in range(rng.randint(1, 8))]
        mine, theirs = set(question), set(phrasing)
        stems = {stem(w) for w in theirs if w not in STOPWORDS}
        missing = [len(w) for w in mine if w not in STOPWORDS and stem(w) not in stems]
        ceiling = _closeness_ceiling(
            sum(map(len, mine)) + len(mine) - 1,
            sum(map(len, theirs)) + len(theirs) - 1,
            sum(missing) + len(missing) - 1 if missing else 0,
        )
        actual = fuzz.token_set_ratio(" ".join(question), " ".join(phrasing)) / 100
        assert actual <= ceiling + 1e-12, (question, phrasing)


def _nearest_by_scanning(vocabulary: Vocabulary, token: str) -> str:
    """The search behind typo correction as it was: every known word compared."""
    if len(token) == 4:
        choices, limit = sorted(STOPWORDS - NOT_TYPO_TARGETS), 1
        swaps = [token[:i] + token[i + 1] + token[i] + token[i + 2 :] for i in range(3)]
        swaps += [token[: i + 1] + token[i:] for i in range(4)]  # a letter doubled
        known = [
            w
            for w in vocabulary.ranked
            if w in swaps
            or (  # a letter dropped inside the word
                len(w) == 5
                and w[0] == token[0]
                and not w.startswith(token)
                and OSA.distance(token, w) == 1
            )
        ]
        if known and not any(
            plausible_typo(token, w) and OSA.distance(token, w) <= 1 for w in choices
        ):
            return known[0]
    else:
        choices, limit = vocabulary.ranked, 1 if len(token) <= 8 else 2
    close = [
        (distance, not _undoubled(token, known), rank, known)
        for known, distance, rank in process.extract_iter(
            token, choices, scorer=OSA.distance, score_cutoff=limit
        )
        if plausible_typo(token, known)
    ]
    return min(close)[-1] if close else token


def test_bucketed_typo_correction_equals_scanning_the_vocabulary(index: Index) -> None:
    vocabulary = index._vocabulary
    rng = random.Random(11)
    tokens = []
    for word in vocabulary.ranked:
        if len(word) < 4:
            continue
        i = rng.randrange(1, len(word) - 1)
        tokens += [
            word[:i] + word[i + 1] + word[i] + word[i + 2 :],  # swapped
            word[:i] + word[i + 1 :],  # dropped
            word[:i] + "e" + word[i:],  # inserted
            word[1] + word[0] + word[2:],  # first two swapped
        ]
    tokens += ["zelenksy", "biden", "lavorv", "waht", "sanctoins", "precondtions", "anex", "pope"]
    tokens += ["davd", "peae", "zone"]
    for token in tokens:
        if token not in vocabulary:
            assert vocabulary._nearest(token) == _nearest_by_scanning(vocabulary, token), token


@pytest.mark.parametrize("count", [0, 1, 5, 16, 17, 300, 2000, 9000])
def test_set_bits_lists_every_set_bit_in_order(count: int) -> None:
    """A few bits are listed highest first, sparse bitmaps by `bytes.find`, dense ones by the
    regex: each way lists every bit."""
    size = 20_000
    ranks = sorted(random.Random(count).sample(range(size), count))
    bitmap = sum(1 << rank for rank in ranks)
    assert list(postings._set_bits(bitmap, (size + 7) // 8)) == ranks


@pytest.mark.parametrize("count", [0, 1, 2, 50])
def test_a_pool_finds_its_ranks_in_a_bitmap(count: int) -> None:
    size = 4_000
    rng = random.Random(count)
    members = set(rng.sample(range(size), count))
    bitmap = postings._bitmap(sorted(rng.sample(range(size), 1500)), size)
    pool = postings._Pool(members)
    expected = [r for r in sorted(members) if bitmap[r >> 3] >> (r & 7) & 1]
    assert list(pool.in_bitmap(bitmap)) == expected


def test_an_inflection_is_read_as_the_known_word_it_inflects() -> None:
    known = {"doubt", "plan", "argue", "naval", "care"}
    assert inflection_root("doubting", known) == "doubt"
    assert inflection_root("doubts", known) == "doubt"
    assert inflection_root("planned", known) == "plan"
    assert inflection_root("argued", known) == "argue"
    # A whole known word with a whole ending, or nothing: a name, a derived word.
    assert inflection_root("navalinsky", known) == "navalinsky"
    assert inflection_root("career", known) == "career"
    indexed = {"doubt", "doubts", "doubti", "will", "willin"}
    families = inflection_families(["doubt", "doubts", "doubting", "will", "willing"], indexed)
    assert families == {"doubt": ("doubt", "doubti", "doubts")}  # "willing" is no form of "will"


def test_names_are_the_words_the_articles_only_capitalise(answerer) -> None:
    index = answerer.index
    for name in ("lavrov", "kyiv", "nato", "zelenskyy", "petrov"):
        # ("Dr. petrov," once in lower case: a curated voice is a name whatever its spelling.)
        assert any(index.is_name(s) for s in index.parse(name).stems), name
    # "Moreover" and "However" only ever open sentences; "the", "plan" are written in lower case.
    # "Gaps" is only ever capitalised in a list item's label ("1. Security Gaps: The plan").
    for word in ("plan", "moreover", "however", "ceasefire", "gaps"):
        assert not any(index.is_name(s) for s in index.parse(word).stems), word
