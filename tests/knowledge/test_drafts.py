"""Draft facts for uncovered sentences: valid TOML the loader accepts, citing the sentence."""

from __future__ import annotations

import tomllib
from pathlib import Path

from knowledge.drafts import draft_facts, drafts_toml, key_phrases, question_for, toml_string
from knowledge.models import FactBase
from knowledge.store import load_fact_base

Workspace = tuple[Path, Path]

ARTICLE = (
    "Grain talks resume in Geneva\n"
    "Delegates met in Geneva on Tuesday to discuss grain corridor inspections.Dr. Petrov said "
    'the "inspections" must be fair \\ quick.\n'
    "– Ships wait at the Bosporus\tfor days\n"
)


def test_every_uncovered_sentence_gets_a_draft_the_loader_accepts(workspace: Workspace) -> None:
    seeds, knowledge = workspace
    (seeds / "010_grain talks.txt").write_text(ARTICLE, encoding="utf-8")
    before = load_fact_base(seeds, knowledge)
    drafts = draft_facts(before)
    uncovered = sum(len(v) for v in before.uncovered.values())
    assert len(drafts) == uncovered > 3
    (knowledge / "facts" / "zz_drafts.toml").write_text(drafts_toml(drafts), encoding="utf-8")
    after = load_fact_base(seeds, knowledge)  # raises if any draft were invalid
    assert all(not sentences for sentences in after.uncovered.values())
    new = {f.id: f for f in after.facts if f.file.endswith("zz_drafts.toml")}
    assert len(new) == len(drafts)
    fact = new["010-grain-talks-s3"]
    assert fact.citations[0].excerpt == 'Dr. Petrov said the "inspections" must be fair \\ quick.'
    assert fact.phrasings[0] == "what did dr petrov say?"
    assert fact.topic.startswith("Draft: Dr. Petrov said")


REPEATING = (
    "Ceasefire talks end in Vienna\n"
    "The envoy closed the talks. Thank you.\n"
    "Questions followed on the corridor. Thank you.\n"
    "Thank you.\n"
)


def test_drafts_for_an_article_repeating_a_sentence_pass_check(workspace: Workspace) -> None:
    seeds, knowledge = workspace
    (seeds / "011_vienna.txt").write_text(REPEATING, encoding="utf-8")
    drafts = draft_facts(load_fact_base(seeds, knowledge), ["011_vienna.txt"])
    assert len([d for d in drafts if "Thank you." in d.excerpt]) == 3
    for draft in drafts:
        assert REPEATING.count(draft.excerpt) == 1
    (knowledge / "facts" / "zz_drafts.toml").write_text(drafts_toml(drafts), encoding="utf-8")
    after = load_fact_base(seeds, knowledge)  # raises if any excerpt occurred twice
    assert not after.uncovered.get("011_vienna.txt")


def test_drafts_for_one_article_only_and_ids_never_clash(base: FactBase) -> None:
    [name, *_] = base.sources
    drafts = draft_facts(base, [name])
    assert drafts and {d.source for d in drafts} == {name}
    ids = [d.id for d in drafts]
    assert len(set(ids)) == len(ids) and not set(ids) & {f.id for f in base.facts}


def test_phrasings_come_from_the_sentence() -> None:
    sentence = "Delegates met in Geneva on Tuesday to discuss grain corridor inspections."
    phrases = key_phrases(sentence)
    assert phrases[0] == "discuss grain corridor inspections"
    assert "geneva" in phrases
    assert question_for(sentence, phrases) == "what about discuss grain corridor inspections?"
    assert question_for("“No,” Lavrov said.", []) == "what did lavrov say?"


def test_toml_strings_round_trip() -> None:
    text = 'quote " backslash \\ tab \t newline \n del \x7f bell \x07 curly “’ é'
    assert tomllib.loads(f"x = {toml_string(text)}")["x"] == text
