"""Block Kit rendering, checked by structure: pure functions of answers and fact bases."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bot import blocks
from bot.holder import Changes, ReloadResult
from bot.questionlog import Day, Stats
from knowledge.answer import Answer, Answerer, CitedExcerpt
from knowledge.gaps import Gap
from knowledge.models import FactBase, Piece, Source
from knowledge.render import render_text

BROADCASTS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam")


def texts(message: object) -> str:
    return json.dumps(message, ensure_ascii=False)


def citation(excerpt: str, **fields: object) -> CitedExcerpt:
    values = {
        "source": "000_x.txt",
        "title": "A title",
        "outlet": "An outlet",
        "kind": "news report",
        "excerpt": excerpt,
        "start": 0,
        "end": len(excerpt),
        "fact_id": "some-fact",
        "topic": "A topic",
    }
    values.update(fields)
    return CitedExcerpt(**values)  # type: ignore[arg-type]


def test_escape_neutralises_every_kind_of_slack_markup() -> None:
    hostile = "<!channel> <!here> <!everyone> <!subteam^S1|@x> <@U1> <#C1> <https://x|y> & AT&T"
    escaped = blocks.escape(hostile)
    assert "<" not in escaped and ">" not in escaped
    assert escaped.count("&amp;") == 2
    assert blocks.unescape(escaped) == hostile


def test_an_answer_quotes_the_excerpt_names_the_source_and_offers_buttons(
    answerer: Answerer,
) -> None:
    answer = answerer.answer("who rejected the plan?")
    # Pinned: this question is answered with supporting excerpts (three citations in all).
    assert len(answer.citations) == 3
    message = blocks.answer_message(answer, asked_by="U0ASKER", shareable=True)
    kinds = [b["type"] for b in message["blocks"]]
    assert kinds[:3] == ["section", "section", "context"]
    assert kinds[-1] == "actions"
    best = answer.citations[0]
    quote = message["blocks"][1]["text"]["text"]
    assert quote == "> " + best.excerpt.replace("\n", "\n> ")  # no markup in these excerpts
    assert best.title in message["blocks"][2]["elements"][0]["text"]
    assert best.outlet in message["blocks"][2]["elements"][0]["text"]
    assert "*Also in the articles:*" in texts(message)
    for supporting in answer.citations[1:]:
        assert supporting.excerpt in texts(message)
    actions = message["blocks"][-1]["elements"]
    assert [a["action_id"] for a in actions] == [
        blocks.ACTION_SHARE,
        blocks.ACTION_FEEDBACK_UP,
        blocks.ACTION_FEEDBACK_DOWN,
    ]
    assert all(
        blocks.decode_value(a["value"]) == (answer.question, "U0ASKER", None) for a in actions
    )
    logged = blocks.answer_message(answer, asked_by="U0ASKER", shareable=True, log_id=42)
    values = [e["value"] for e in logged["blocks"][-1]["elements"]]
    assert all(blocks.decode_value(v) == (answer.question, "U0ASKER", 42) for v in values)
    assert message["text"].startswith("<@U0ASKER> asked: who rejected the plan?")
    assert best.excerpt in message["text"]


def test_mention_replies_have_no_header_and_no_share_button(answerer: Answerer) -> None:
    message = blocks.answer_message(answerer.answer("nato 20 years"))
    assert message["blocks"][0]["text"]["text"].startswith("> ")
    assert blocks.ACTION_SHARE not in texts(message)
    assert blocks.ACTION_FEEDBACK_UP in texts(message)


def test_feedback_replaces_the_feedback_buttons_with_thanks(answerer: Answerer) -> None:
    answer = answerer.answer("nato 20 years")
    plain = blocks.answer_message(answer, asked_by="U0ASKER", shareable=True)
    thanked = blocks.answer_message(answer, asked_by="U0ASKER", shareable=True, feedback="up")
    assert thanked["blocks"][:-2] == plain["blocks"][:-1]
    assert [e["action_id"] for e in thanked["blocks"][-2]["elements"]] == [blocks.ACTION_SHARE]
    assert thanked["blocks"][-1]["elements"][0]["text"].startswith("Thanks for the feedback")
    public = blocks.answer_message(answer, feedback="down")
    assert public["blocks"][-1]["type"] == "context"
    assert "actions" not in [b["type"] for b in public["blocks"]]


def test_a_decline_says_so_and_offers_up_to_three_suggestion_buttons(answerer: Answerer) -> None:
    answer = answerer.answer("what is the price of bitcoin")
    assert not answer.answered
    message = blocks.answer_message(answer, asked_by="U0ASKER", shareable=True)
    assert "don't answer that" in message["blocks"][1]["text"]["text"]
    [actions] = [b for b in message["blocks"] if b["type"] == "actions"]
    assert 1 <= len(actions["elements"]) <= 3
    ids = [e["action_id"] for e in actions["elements"]]
    assert len(set(ids)) == len(ids) and all(blocks.ACTION_SUGGEST.match(i) for i in ids)
    for element, suggestion in zip(actions["elements"], answer.suggestions, strict=False):
        assert blocks.decode_value(element["value"])[0] == suggestion
        assert len(element["text"]["text"]) <= 75
    assert blocks.ACTION_SHARE not in texts(message)


def test_a_decline_of_a_known_unanswered_question_says_why(answerer: Answerer) -> None:
    answer = answerer.answer("how did trump react when russia turned the plan down?")
    message = blocks.answer_message(answer)
    assert "don't answer that" in message["blocks"][0]["text"]["text"]
    assert message["blocks"][1]["elements"][0]["text"] == blocks.escape(answer.note or "-")
    assert "Trump himself" in render_text(answer).splitlines()[1]


def test_user_text_and_article_text_are_escaped_everywhere() -> None:
    hostile = "<!channel> <!here> <!everyone> <!subteam^S1|@x> & nato"
    answer = Answer(
        question=hostile,
        answered=True,
        citations=(citation("He said <!here> & left.", title="<!everyone> T", outlet="<b>"),),
        corrections=(("<!here>", "here"),),
    )
    for message in (
        blocks.answer_message(answer, asked_by="U0ASKER", shareable=True),
        blocks.answer_message(answer, feedback="up"),
        blocks.answer_message(
            replace(answer, answered=False, citations=(), suggestions=(hostile,))
        ),
        blocks.answer_message(replace(answer, answered=False, citations=(), note=hostile)),
    ):
        rendered = texts(message)
        assert not any(b in rendered for b in BROADCASTS), rendered
        assert "&lt;!channel&gt;" in rendered or "&lt;!here&gt;" in rendered


def test_forged_asker_ids_are_not_rendered_as_mentions() -> None:
    answer = Answer(question="q", answered=False)
    message = blocks.answer_message(answer, asked_by="!channel")
    assert "<" not in texts(message)
    assert blocks.decode_value("!channel|q") == ("q", None, None)


def test_button_values_round_trip_and_old_values_still_decode() -> None:
    for question in ("nato 20 years", "a|b", "7|x", "<!here> & |"):
        for asked_by, log_id in ((None, None), ("U0ASKER", 7), ("U0ASKER", None)):
            value = blocks.encode_value(question, asked_by, log_id)
            assert blocks.decode_value(value) == (question, asked_by, log_id)
    # Buttons posted before the log id existed carry `asker|question`.
    assert blocks.decode_value("U0ASKER|nato 20 years") == ("nato 20 years", "U0ASKER", None)
    assert blocks.decode_value("|what is a|b") == ("what is a|b", None, None)


@pytest.mark.parametrize("length", [10, 2_000, 20_000])
def test_long_questions_and_excerpts_stay_within_slack_limits(length: int) -> None:
    question = ("ü<&" * length)[:length]
    excerpt = "word " * (length // 5) + "\n" + "x" * length
    answer = Answer(question=question, answered=True, citations=(citation(excerpt),))
    message = blocks.answer_message(answer, asked_by="U0ASKER", shareable=True)
    for block in message["blocks"]:
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            assert block is message["blocks"][0] or block["text"]["text"].startswith("> ")
        if block["type"] == "actions":
            assert all(len(e["value"]) <= 2000 for e in block["elements"])
    assert len(message["blocks"]) <= 50
    assert len(message["text"]) <= 3000
    quoted = "\n".join(
        line[2:]
        for b in message["blocks"][1:]
        if b["type"] == "section"
        for line in b["text"]["text"].split("\n")
    )
    assert blocks.unescape(quoted).replace("\n", "") == excerpt.replace("\n", "")


def test_sources_and_help(base: FactBase) -> None:
    sources = texts(blocks.sources_message(base.sources))
    for source in base.sources.values():
        for piece in source.pieces:
            assert blocks.escape(piece.title) in sources and piece.outlet in sources
    help_text = texts(blocks.help_message())
    assert "/peace sources" in help_text and "admins only" in help_text


def test_reload_outcomes(base: FactBase) -> None:
    changes = Changes(facts_added=("a-fact",), facts_changed=tuple(f"f{i}" for i in range(25)))
    ok = texts(blocks.reload_message(ReloadResult(ok=True, base=base, changes=changes)))
    assert "Facts added (1): `a-fact`" in ok
    assert "Facts changed (25)" in ok and "and 5 more" in ok
    same = texts(blocks.reload_message(ReloadResult(ok=True, base=base, changes=Changes())))
    assert "Nothing changed." in same
    problems = tuple(f"knowledge/facts/x.toml: fact 'f{i}': <!channel> bad" for i in range(30))
    failed = blocks.reload_message(ReloadResult(ok=False, base=base, problems=problems))
    rendered = texts(failed)
    assert "30 problem(s)" in rendered and "kept serving the previous one" in rendered
    assert "fact 'f19'" in rendered and "fact 'f20'" not in rendered and "10 more" in rendered
    assert "<!channel>" not in rendered
    assert all(len(b["text"]["text"]) <= 3000 for b in failed["blocks"])


def test_reload_reply_lists_the_sentences_no_fact_cites(base: FactBase) -> None:
    ok = texts(blocks.reload_message(ReloadResult(ok=True, base=base, changes=Changes())))
    for name, sentences in base.uncovered.items():
        if sentences:
            assert f"{len(sentences)} in `{name}`" in ok
    assert "python -m bot suggest" in ok
    covered = replace(base, uncovered={name: () for name in base.sources})
    done = texts(blocks.reload_message(ReloadResult(ok=True, base=covered, changes=Changes())))
    assert "Every sentence of every article is cited" in done


def test_gaps_and_stats_messages() -> None:
    gaps = [
        Gap("what did biden say", 5, 4, 1, ("what did biden say", "biden"), 1.0),
        Gap("<!channel> bitcoin", 1, 1, 0, ("<!channel> bitcoin",), 2.0),
    ]
    rendered = texts(blocks.gaps_message(gaps, 7))
    assert "last 7 days" in rendered
    assert "*5×* _what did biden say_ (4 declined, 1 :thumbsdown:, 2 wordings)" in rendered
    assert "<!channel>" not in rendered and "&lt;!channel&gt;" in rendered
    assert "No unanswered" in texts(blocks.gaps_message([], 30))
    stats = Stats(
        days=30,
        asked=10,
        answered=8,
        up=2,
        down=1,
        askers=3,
        per_day=(Day("2026-01-01", 6, 5), Day("2026-01-02", 4, 3)),
        top_facts=(("plan-nato-delay", 4),),
        by_passage=1,
        surfaces=(("slash", 7), ("dm", 3)),
    )
    rendered = texts(blocks.stats_message(stats))
    assert "10 questions from 3 people, 80% answered" in rendered
    assert "2026-01-01: 6 (5)" in rendered and "`plan-nato-delay` 4" in rendered
    assert "No questions logged" in texts(blocks.stats_message(Stats(days=30)))


def test_home_view_shows_top_gaps_and_file_problems_to_admins(base: FactBase) -> None:
    gaps = [Gap(f"gap number {n}", 10 - n, 10 - n, 0, (f"gap number {n}",), 1.0) for n in range(8)]
    problems = ["knowledge/facts/plan.toml: fact 'x' (entry 1): <!here> not verbatim"]
    admin = texts(
        blocks.home_view(base, 1.0, is_admin=True, gaps=gaps, gap_days=30, problems=problems)
    )
    assert "Top gaps, last 30 days" in admin and "gap number 4" in admin
    assert "gap number 5" not in admin  # the top five only
    assert "1 problem(s), so the last good fact base is serving" in admin
    assert "<!here>" not in admin
    quiet = texts(blocks.home_view(base, 1.0, is_admin=True, gaps=[]))
    assert "Nothing yet." in quiet


def test_home_view_shows_usage_sources_size_and_reload_only_for_admins(base: FactBase) -> None:
    admin = blocks.home_view(base, 1_700_000_000.0, is_admin=True, notice=["Reloaded."])
    other = blocks.home_view(base, 1_700_000_000.0, is_admin=False)
    assert admin["type"] == "home" and len(admin["blocks"]) <= 100
    assert blocks.ACTION_RELOAD in texts(admin) and "Reloaded." in texts(admin)
    assert blocks.ACTION_RELOAD not in texts(other)
    assert f"{len(base.facts)} curated facts" in texts(other)
    assert "<!date^1700000000^" in texts(other) and "2023-11-14 22:13 UTC" in texts(other)


def many_sources(count: int) -> dict[str, Source]:
    piece = Piece(
        title="A long enough title for a synthetic article",
        outlet="Outlet",
        kind="news",
        start=0,
        end=1,
    )
    return {
        f"{n:04d}_synthetic.txt": Source(
            name=f"{n:04d}_synthetic.txt",
            text="x",
            pieces=(replace(piece, title=f"Title {n:04d} " + "word " * 30),),
            sha256="",
        )
        for n in range(count)
    }


@pytest.mark.parametrize("count", [2000, 10_000])
def test_home_view_with_many_sources_keeps_the_reload_button_and_cuts_the_sources(
    base: FactBase, count: int
) -> None:
    crowded = replace(base, sources=many_sources(count))
    notice = ["Reloaded."]
    admin = blocks.home_view(crowded, 1_700_000_000.0, is_admin=True, notice=notice)
    assert len(admin["blocks"]) == blocks.VIEW_BLOCK_LIMIT
    assert all(len(b["text"]["text"]) <= 3000 for b in admin["blocks"] if "text" in b)
    kinds = [b.get("block_id") for b in admin["blocks"]]
    assert "peace_admin" in kinds and "Reloaded." in texts(admin)
    assert kinds.index("peace_admin") < 5  # before the sources, never cut off
    shown = texts(admin).count("synthetic.txt")
    assert 0 < shown < count
    last = admin["blocks"][-1]
    assert last["type"] == "context"
    assert f"…and {count - shown} more not shown here." == last["elements"][0]["text"]
    assert "Title 0000 " in texts(admin)  # the list starts at the beginning
    other = blocks.home_view(crowded, 1_700_000_000.0, is_admin=False)
    assert len(other["blocks"]) == blocks.VIEW_BLOCK_LIMIT
    assert blocks.ACTION_RELOAD not in texts(other)


def test_capped_sections_keeps_everything_that_fits() -> None:
    lines = [f"line {n}" for n in range(10)]
    assert blocks.capped_sections(lines, 1) == blocks.sections(lines)
    long_lines = ["x" * 2000 for _ in range(10)]
    capped = blocks.capped_sections(long_lines, 4)
    assert len(capped) == 4
    assert capped[-1]["elements"][0]["text"] == "…and 7 more not shown here."


def test_a_sources_message_never_exceeds_slacks_block_limit() -> None:
    many = {
        f"{n:04}_article.txt": Source(
            f"{n:04}_article.txt",
            "x",
            (Piece(f"A long title for article number {n} " * 4, "Outlet", "news report", 0, 1),),
            "",
        )
        for n in range(2000)
    }
    message = blocks.sources_message(many)
    assert len(message["blocks"]) <= blocks.MESSAGE_BLOCK_LIMIT
    assert "more not shown here" in json.dumps(message["blocks"])
