"""The index's fast text paths (`knowledge.tokens`) give exactly what `knowledge.text` gives."""

from __future__ import annotations

import random

import pytest

from knowledge import tokens
from knowledge.index import Index
from knowledge.models import FactBase
from knowledge.text import AliasMap, content_stems, words
from knowledge.tokens import AliasRewriter, agrees_with_text, fast_content_stems, fast_words

AWKWARD = [
    "",
    "   ",
    "US-backed plan, U.S. aid, tell us",
    "Ukraine's and the allies' `view`",
    "Kyiv’s “security” — Zelenskyy’s",
    "<@U123> what about <https://x.example|the plan>?",
    "war &amp; peace",
    "/peace who rejected, `/peace` US/Russia",
    "naïve café Zürich",
    "snake_case and dash-ed 20yrs 2,000",
    "A\u00a0non-breaking space",
]


def _texts(base: FactBase) -> list[str]:
    texts = list(AWKWARD)
    for fact in base.facts:
        texts += [*fact.phrasings, fact.topic, *fact.aliases]
        texts += [c.excerpt for c in fact.citations]
    texts += [p.citation.excerpt for p in base.passages]
    texts += [variant for group in base.aliases.values() for variant in group]
    return texts


def test_fast_words_and_stems_equal_the_text_module(base: FactBase) -> None:
    for text in _texts(base):
        assert fast_words(text) == words(text), text
        assert fast_content_stems(words(text)) == content_stems(words(text)), text


def test_alias_rewriting_equals_the_alias_map(base: FactBase) -> None:
    aliases = AliasMap(base.aliases)
    rewriter = AliasRewriter(aliases)
    for text in _texts(base):
        assert rewriter.apply(words(text)) == aliases.apply(words(text)), text
    vocabulary = [*sorted(aliases.variant_words), "plan", "the", "x"]
    rng = random.Random(5)
    for _ in range(5000):
        tokens = [rng.choice(vocabulary) for _ in range(rng.randint(0, 10))]
        assert rewriter.apply(tokens) == aliases.apply(tokens), tokens


def test_the_index_checks_the_fast_paths_and_falls_back(
    base: FactBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert agrees_with_text(_texts(base), AliasMap(base.aliases))
    reference = Index(base)
    # A fast path that has drifted from knowledge.text is noticed and not used.
    monkeypatch.setattr(tokens, "fast_words", lambda text: text.split())
    fallback = Index(base)
    assert fallback._words is words
    for question in ["zelenksy doubts", "nato 20 years", "who rejected the US-backed plan?"]:
        assert fallback.search(question, 8) == reference.search(question, 8)
