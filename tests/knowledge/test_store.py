"""A broken fact base fails with file, entry and reason, and never half-loads."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answer import Answerer
from knowledge.models import FactBase
from knowledge.store import FactBaseError, load_fact_base

Workspace = tuple[Path, Path]

GOOD_FACT = """
[[fact]]
id = "extra-fact"
topic = "Lavrov's interview"
phrasings = ["who interviewed lavrov"]

[[fact.citations]]
source = "000_80ebed28bbef419f.txt"
excerpt = "in an interview with the TASS news agency"
"""


def problems(workspace: Workspace) -> list[str]:
    with pytest.raises(FactBaseError) as caught:
        load_fact_base(*workspace)
    return [str(p) for p in caught.value.problems]


def add_facts(workspace: Workspace, text: str, name: str = "zz_extra.toml") -> None:
    (workspace[1] / "facts" / name).write_text(text, encoding="utf-8")


def test_the_shipped_fact_base_loads(base: FactBase) -> None:
    assert len(base.sources) == 2
    assert len(base.facts) >= 60
    for fact in base.facts:
        for citation in fact.citations:
            text = base.sources[citation.source].text
            assert text[citation.start : citation.end] == citation.excerpt


def test_a_valid_new_fact_loads(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT)
    assert "extra-fact" in {f.id for f in load_fact_base(*workspace).facts}


def test_excerpt_that_is_not_verbatim_is_named_with_the_closest_text(workspace: Workspace) -> None:
    # Straight quotes where the article has curly ones: the most common curation slip.
    add_facts(
        workspace, GOOD_FACT.replace("in an interview with the TASS", "in an interview with TASS")
    )
    [problem] = problems(workspace)
    assert problem.startswith(
        "knowledge/facts/zz_extra.toml: fact 'extra-fact' (entry 1), citation 1"
    )
    assert "not verbatim in seeds/000_80ebed28bbef419f.txt" in problem
    assert "closest text there" in problem


def test_repeated_id_is_reported(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT + GOOD_FACT)
    [problem] = problems(workspace)
    assert "fact 'extra-fact' (entry 2)" in problem and "id repeats" in problem


def test_unknown_source_is_reported(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT.replace("000_80ebed28bbef419f.txt", "999_missing.txt"))
    [problem] = problems(workspace)
    assert "unknown source '999_missing.txt'" in problem


def test_missing_field_is_reported(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT.replace('topic = "Lavrov\'s interview"\n', ""))
    [problem] = problems(workspace)
    assert "fact 'extra-fact' (entry 1): topic: Field required" in problem


def test_unknown_field_is_reported(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT.replace("phrasings =", 'phrasing = ["typo"]\nphrasings ='))
    assert any("phrasing: Extra inputs are not permitted" in p for p in problems(workspace))


def test_a_stance_of_no_known_side_is_reported(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT.replace("phrasings =", 'stance_of = ["kremlin"]\nphrasings ='))
    [problem] = problems(workspace)
    assert "fact 'extra-fact' (entry 1): stance_of.0: Input should be 'russia'" in problem


def test_an_excerpt_s_stance_must_be_one_its_fact_reports(workspace: Workspace) -> None:
    add_facts(
        workspace,
        GOOD_FACT.replace("phrasings =", 'stance_of = ["russia"]\nphrasings =')
        + 'stance_of = ["west"]\n',
    )
    [problem] = problems(workspace)
    assert problem.startswith(
        "knowledge/facts/zz_extra.toml: fact 'extra-fact' (entry 1), citation 1"
    )
    assert "stance_of names ['west'], which the fact's stance_of does not" in problem


def test_toml_syntax_error_names_the_file_and_line(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT.replace('topic = "Lavrov', "topic = Lavrov"))
    [problem] = problems(workspace)
    assert problem.startswith("knowledge/facts/zz_extra.toml: TOML syntax error")
    assert "line 4" in problem


def test_every_problem_is_reported_at_once(workspace: Workspace) -> None:
    add_facts(
        workspace, GOOD_FACT + GOOD_FACT.replace("extra-fact", "other").replace("TASS", "TAS")
    )
    add_facts(workspace, "not toml at all [", name="zz_broken.toml")
    assert len(problems(workspace)) == 2


def test_missing_article_is_reported_from_both_sides(workspace: Workspace) -> None:
    (workspace[0] / "002_f5c7fe294e905a4b.txt").unlink()
    found = problems(workspace)
    assert any("describes seeds/002_f5c7fe294e905a4b.txt, which does not exist" in p for p in found)
    assert any("unknown source '002_f5c7fe294e905a4b.txt'" in p for p in found)


def test_article_that_is_not_utf8_is_reported(workspace: Workspace) -> None:
    (workspace[0] / "003_latin1.txt").write_bytes("Caf\xe9 talks".encode("latin-1"))
    [problem] = problems(workspace)
    assert problem == "seeds/003_latin1.txt: not valid UTF-8 (byte 3)"


def test_piece_start_that_is_not_in_the_article_is_reported(workspace: Workspace) -> None:
    path = workspace[1] / "sources.toml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            'starts_with = "russia Rejects', 'starts_with = "Russia rejects'
        ),
        encoding="utf-8",
    )
    [problem] = problems(workspace)
    assert "source 1 (000_80ebed28bbef419f.txt), piece 2" in problem


def test_a_nickname_of_only_filler_words_is_reported(workspace: Workspace) -> None:
    # "the" would make every "the story" in a question mean this piece.
    path = workspace[1] / "sources.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('nicknames = ["expert"', 'nicknames = ["the", "expert"'), "utf-8")
    [problem] = problems(workspace)
    assert "piece 2" in problem and "'the'" in problem


def test_missing_seeds_folder_is_reported(tmp_path: Path, workspace: Workspace) -> None:
    assert any(
        "articles folder does not exist" in p for p in problems((tmp_path / "nope", workspace[1]))
    )


def test_a_new_article_without_metadata_is_searchable(workspace: Workspace) -> None:
    (workspace[0] / "010_brief.txt").write_text(
        "Ceasefire talks resume in Geneva\nDelegates met in Geneva on Tuesday to discuss "
        "grain corridor inspections.The talks will continue next week.",
        encoding="utf-8",
    )
    base = load_fact_base(*workspace)
    piece = base.sources["010_brief.txt"].pieces[0]
    assert piece.title == "Ceasefire talks resume in Geneva"
    answer = Answerer(base).answer("grain corridor inspections in geneva")
    assert answer.answered
    best = answer.citations[0]
    assert best.source == "010_brief.txt"
    assert (
        best.excerpt == "Delegates met in Geneva on Tuesday to discuss grain corridor inspections."
    )
    assert best.fact_id is None


def test_single_piece_whose_start_is_not_found_is_reported(workspace: Workspace) -> None:
    path = workspace[1] / "sources.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace('"As the war in Ukraine continues"', '"As the war goes on"'), "utf-8"
    )
    [problem] = [p for p in problems(workspace) if "source 2" in p]
    assert "no line of the article starts with 'As the war goes on'" in problem


def test_a_voice_must_be_quoted_in_its_piece(workspace: Workspace) -> None:
    path = workspace[1] / "sources.toml"
    text = path.read_text(encoding="utf-8")
    voices = 'voices = ["petrov", "blinken", "Dr.", "dr petrov", "Dr. Petrov"]'
    path.write_text(text.replace('voices = ["petrov"]', voices))
    found = [p for p in problems(workspace) if "voice" in p]
    assert all("Expert Analysis" in p for p in found)
    assert len(found) == 2
    assert "voice 'blinken' is not in the piece" in found[0]
    assert "voice 'Dr.' is no name" in found[1]
    # A name is read as words, titles left out: "dr petrov" and "Dr. Petrov" are fine.
    assert not any("petrov" in problem for problem in found)


def test_a_voice_another_piece_quotes_too_points_nowhere(workspace: Workspace) -> None:
    # An article added later that quotes Petrov must not stop the fact base loading.
    (workspace[0] / "010_brief.txt").write_text(
        "Analysts weigh in\nDr. Petrov said the talks in Geneva would fail.", encoding="utf-8"
    )
    base = load_fact_base(*workspace)
    [shared] = base.shared_voices
    name = shared.source
    assert (name, shared.voice, shared.also_in) == (
        "000_80ebed28bbef419f.txt",
        "petrov",
        ("010_brief.txt",),
    )
    assert "Expert Analysis" in shared.piece
    assert all(not p.voices for p in base.sources[name].pieces)
    answerer = Answerer(base)
    answer = answerer.answer("the istanbul conditions according to petrov")
    assert answer.citations[0].excerpt.startswith("Putin has consistently maintained")


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("facts/zz_extra.toml", "fact = 3\n", "'fact' must be [[fact]] tables"),
        ("facts/zz_extra.toml", "# nothing here yet\n", "holds no [[fact]] tables"),
        ("facts/zz_extra.toml", GOOD_FACT + "[extra]\nx = 1\n", "unknown key 'extra'"),
        ("aliases.toml", '[alias]\n"kyiv" = ["kiev"]\n', "unknown key 'alias'"),
        ("aliases.toml", "aliases = 3\n", "'aliases' must be a table"),
    ],
)
def test_values_of_the_wrong_shape_are_reported_not_ignored(
    workspace: Workspace, name: str, text: str, expected: str
) -> None:
    (workspace[1] / name).write_text(text, encoding="utf-8")
    assert any(expected in p for p in problems(workspace)), problems(workspace)


def test_blank_excerpt_and_topic_are_reported(workspace: Workspace) -> None:
    broken = GOOD_FACT.replace("in an interview with the TASS news agency", " ")
    add_facts(workspace, broken.replace("Lavrov's interview", "  "))
    found = problems(workspace)
    assert any("topic: Value error, must not be blank" in p for p in found), found
    assert any("citations.0.excerpt: Value error, must not be blank" in p for p in found), found


def test_excerpt_that_occurs_twice_is_ambiguous(workspace: Workspace) -> None:
    add_facts(workspace, GOOD_FACT.replace("in an interview with the TASS news agency", "Lavrov"))
    [problem] = problems(workspace)
    assert "occurs more than once" in problem


def test_known_unanswered_questions_load_and_are_optional(workspace: Workspace) -> None:
    shipped = load_fact_base(*workspace).unanswered
    assert "trump-reaction" in {u.id for u in shipped}
    assert "react" in next(u for u in shipped if u.id == "trump-reaction").requires
    (workspace[1] / "unanswered.toml").unlink()
    assert load_fact_base(*workspace).unanswered == ()  # none known is a valid fact base


def test_a_broken_unanswered_question_is_named_and_nothing_loads(workspace: Workspace) -> None:
    (workspace[1] / "unanswered.toml").write_text(
        '[[question]]\nid = "no-note"\nphrasings = ["who paid?"]\n\n'
        '[[question]]\nid = "plan-origin"\nnote = "clashes with a fact"\nphrasings = ["x y z"]\n\n'
        '[[question]]\nid = "blank"\nnote = "n"\nphrasings = ["ok", " "]\n',
        encoding="utf-8",
    )
    found = problems(workspace)
    assert found == [
        "knowledge/unanswered.toml: question 'no-note' (entry 1): note: Field required",
        "knowledge/unanswered.toml: question 'plan-origin' (entry 2):"
        " id repeats (ids are shared with the facts)",
        "knowledge/unanswered.toml: question 'blank' (entry 3):"
        " phrasings: Value error, must not contain blank strings",
    ], found
