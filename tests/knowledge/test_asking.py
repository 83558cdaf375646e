import pytest

from knowledge.asking import (
    Wants,
    asked_for,
    asks_openly,
    can_answer,
    capitalised,
    compares,
    last_question,
    question_before_follow_up,
    question_before_remark,
    wants,
    without_asides,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("When were the Istanbul talks?", Wants.TIME),
        ("so when did russia annex crimea", Wants.TIME),
        ("what year did the war start", Wants.TIME),
        ("How many regions did Russia annex?", Wants.NUMBER),
        ("what % of occupied territory would russia leave", Wants.NUMBER),
        ("ok how long would nato membership be delayed", Wants.NUMBER),
        ("how wide would the buffer zone be", Wants.SIZE),
        ("how big is the demilitarized zone?", Wants.SIZE),
        ("How big is the gap between the two sides?", Wants.ANYTHING),
        ("how long is the front line in km", Wants.SIZE),
        ("what month will the counteroffensive start", Wants.DAY),
        ("on what date did Lavrov give the interview", Wants.DAY),
        ("Why did the Kremlin turn the plan down?", Wants.REASON),
        ("ok how come russia said no", Wants.REASON),
        ("explain why russia said no", Wants.REASON),
        ("<https://example.com|the report> why'd moscow reject it", Wants.REASON),
        ("<https://x.example|the full report on it> why did russia reject it", Wants.REASON),
        ("can you explain why russia rejected the plan", Wants.REASON),
        ("what was the reason russia said no", Wants.REASON),
        ("why did russia reject the 15 km buffer zone", Wants.REASON),
        ("is the buffer zone 15 km wide", Wants.SIZE),
        ("how far apart are the two sides", Wants.ANYTHING),
        ("How did Trump respond when Moscow rejected it?", Wants.ANYTHING),
        ("who rejected the plan", Wants.ANYTHING),
        # A "when" clause sets the scene; the question proper comes after the comma.
        ("When the Kremlin talks about security interests, what does it mean?", Wants.ANYTHING),
        ("when lavrov spoke to tass, did he mention trump?", Wants.ANYTHING),
        ("when did the referendums happen, what year?", Wants.TIME),
        ("When will the ceasefire, if agreed, start?", Wants.TIME),
        ("when, per the article, did the referendums happen?", Wants.TIME),
        ("When exactly did Lavrov give the interview, who asked?", Wants.TIME),
        ("When in 2024 will talks start, does anyone know?", Wants.TIME),
        # Only the question's first "when" can set the scene.
        ("When did Lavrov speak to TASS when Trump, who had won, was in?", Wants.TIME),
    ],
)
def test_what_a_question_asks_for(question: str, kind: Wants) -> None:
    assert wants(question) is kind


def test_an_excerpt_must_hold_what_is_asked_for() -> None:
    assert can_answer(Wants.TIME, ["under conditions agreed upon in Istanbul in 2022"])
    assert not can_answer(Wants.TIME, ["a ceasefire along the current front lines"])
    assert can_answer(Wants.NUMBER, ["recognition of the annexation of the four Ukrainian regions"])
    assert not can_answer(Wants.NUMBER, ["a demilitarized zone overseen by European peacekeepers"])
    assert can_answer(Wants.SIZE, ["a 15 km demilitarized zone"])
    assert not can_answer(Wants.SIZE, ["delaying NATO membership for two decades"])
    assert can_answer(Wants.DAY, ["talks held on 12 March"])
    assert not can_answer(Wants.DAY, ["Ukraine preparing a 2024 counteroffensive"])
    assert not can_answer(Wants.DAY, ["Experts warn Russia may be stalling."])
    assert not can_answer(Wants.DAY, ["Welcome back to World Today News."])
    assert can_answer(Wants.ANYTHING, [])


def test_emoji_codes_before_the_question_do_not_hide_what_it_asks() -> None:
    assert wants(":man-shrugging::skin-tone-2: why did the kremlin turn the plan down?") is (
        Wants.REASON
    )


def test_a_why_a_few_words_in_still_asks_for_a_reason() -> None:
    assert wants("bottom line on why russia said no") is Wants.REASON
    assert wants("what did lavrov say to tass about the plan and why") is Wants.ANYTHING


@pytest.mark.parametrize(
    ("question", "last"),
    [
        (
            "Sorry if this is basic, but I was asked for the newsletter: what would need to"
            " change for a settlement?",
            "what would need to change for a settlement?",
        ),
        ("I'm writing the sidebar, so who is Dr. Petrov?", "who is Dr. Petrov?"),
        ("for the recap -- is there a quote from Macron? :pray:", "is there a quote from Macron?"),
        # One question with commas in it, or none after the preamble: nothing to split off.
        ("How much relief, in dollars, would Russia get?", None),
        ("who rejected the plan?", None),
        ("so what did Macron say?", None),
        # Two questions: the second is no answer to the first.
        ("what did Biden say about oil? who rejected the plan?", None),
        # A remark after the question, or a last question that needs its preamble.
        ("Which advisors drafted the plan? Who knows, I need names.", None),
        ("I know Putin held a press conference, but what did he say there?", None),
        ("a ceasefire on the front line - is that in the allies piece?", None),
        ("the plan was drafted by Trump's advisors, so when was this?", None),
    ],
)
def test_the_question_a_longer_text_ends_with(question: str, last: str | None) -> None:
    assert last_question(question) == last


@pytest.mark.parametrize(
    ("question", "first"),
    [
        (
            "who said Europe won't sign off? need the attribution for the caption :pray:",
            "who said Europe won't sign off?",
        ),
        ("*which outlet ran it?* want to credit properly", "which outlet ran it?"),
        ("which outlet ran it?? would love to credit it properly", "which outlet ran it?"),
        ("which outlet ran it?! was told to credit it", "which outlet ran it?"),
        ("<https://x.com/a?ref=1|the piece> who ran it? for the wrap", "the piece who ran it?"),
        # No remark, a second question (with or without its mark), or nothing before the mark.
        ("which outlet ran the Petrov interview?", None),
        ("which outlet ran it? who edits it?", None),
        ("which outlet ran it? and who edits it", None),
        ("which outlet ran it? _who wrote the plan_", None),
        ("which outlet ran it? is it the same one", None),
        ("which outlet ran it? :eyes:", None),
        ("<https://x.com/a?ref=1|the piece> thoughts", None),
        ("? need names", None),
    ],
)
def test_the_question_a_message_opens_with_before_a_remark(
    question: str, first: str | None
) -> None:
    assert question_before_remark(question) == first


@pytest.mark.parametrize(
    ("question", "first"),
    [
        (
            "*fact check* who called the demands _unrealistic_? was it Putin or someone else?",
            "fact check* who called the demands _unrealistic?",
        ),
        (
            "what does it say about the referendums? when were they held?",
            "what does it say about the referendums?",
        ),
        (
            "what about the referendums?? when were they held? and were they legal",
            "what about the referendums?",
        ),
        ("who drafted the plan? did they consult Kyiv? did it leak?", "who drafted the plan?"),
        # A question that does not point back is a question of its own; a remark is no follow-up.
        ("what did Biden say? who rejected the plan?", None),
        ("who rejected the plan? what did Biden say about it?", None),
        ("who rejected the plan? need it for the caption", None),
        ("who rejected the plan?", None),
    ],
)
def test_the_question_a_message_opens_with_before_follow_ups(
    question: str, first: str | None
) -> None:
    found = question_before_follow_up(question)
    assert (found and found[0]) == first
    if found:
        assert question.endswith(found[1].split()[-1])  # the follow-ups are the rest


@pytest.mark.parametrize(
    ("question", "comparing"),
    [
        ("how do the two pieces differ on NATO membership?", True),
        ("do both put the ceasefire line in the same place?", True),
        ("Russian withdrawals versus recognition of the annexations", True),
        ("compare what each article says about peacekeepers", True),
        ("do the two reports agree on the outlook", True),
        ("who rejected the plan?", False),
        ("what did Lavrov tell TASS about negotiations", False),
    ],
)
def test_a_question_comparing_the_accounts_is_told_apart(question: str, comparing: bool) -> None:
    assert compares(question) is comparing


def test_what_a_question_asks_for_stands_after_its_question_word() -> None:
    assert asked_for("<@U1> which European countries would send troops?") == [
        "european",
        "countries",
        "would",
    ]
    assert asked_for("what did putin say about the economy") == [
        "did",
        "putin",
        "say",
        "the",
        "economy",
    ]
    assert "name" in asked_for("the advisors who drafted the plan, by name?")
    assert asked_for("nato 20 years") == []


def test_names_are_the_words_capitalised_inside_a_sentence() -> None:
    assert capitalised("How do I sort a Python dict? What did Lavrov tell TASS") == [
        "Python",
        "Lavrov",
        "TASS",
    ]
    # Slack markup ends a sentence: the word after it opens one.
    assert capitalised("<@U1> Which plan") == []
    assert capitalised("what did O'Brien say") == ["O'Brien"]


@pytest.mark.parametrize(
    ("question", "openly"),
    [
        ("who rejected the plan", True),
        ("ok so what did lavrov tell tass", True),
        ("was the russian side's answer a hard no or more of a maybe?", True),
        ("did macron say france would send troops?", False),
        ("<@U1> is the buffer zone going to be mined", False),
        ("ngl is a deal even possible rn or nah", False),
        ("where does chatterjee work", False),
        ("so where's the ceasefire line", False),
        ("he said that where?", False),
        ("from where did the leak come", False),
        ("for the map: wheres the ceasefire line", False),
        ("for the caption, where exactly was the interview recorded", False),
        ("peacekeepers: where might they be based", False),
        # "where" after a word for a passage points into the text and asks nothing of its own.
        ("show me the line where lavrov says no", True),
        ("the bit where petrov talks about crimea, what does he say", True),
        ("how do the two pieces differ on sanctions", False),
        ("does the plan say anything about the Donbass?", True),
        ("did the interview mention the referendums", True),
    ],
)
def test_a_question_asks_openly_unless_yes_or_no_where_or_comparing(
    question: str, openly: bool
) -> None:
    assert asks_openly(question) is openly


@pytest.mark.parametrize(
    ("question", "readings"),
    [
        ("pulse check: nato 20 years", [("nato 20 years", ("pulse check",))]),
        (
            "FYI for the board memo - who drafted the plan",
            [("who drafted the plan", ("FYI for the board memo",))],
        ),
        (
            "<!here> *risk register* update: allies concerns",
            [("allies concerns", ("*risk register* update",))],
        ),
        ("ceasefire terms (for the Q3 review)", [("ceasefire terms", ("for the Q3 review",))]),
        ("ceasefire terms [for the digest]", [("ceasefire terms", ("for the digest",))]),
        (
            "ceasefire terms - asking for the ops sync",
            [("ceasefire terms", ("asking for the ops sync",))],
        ),
        (
            "pulse check: ceasefire terms (for the Q3 review)",
            [
                ("ceasefire terms (for the Q3 review)", ("pulse check",)),
                ("pulse check: ceasefire terms", ("for the Q3 review",)),
                ("ceasefire terms", ("pulse check", "for the Q3 review")),
            ],
        ),
        # An aside that asks, names, dates or measures something is part of the question, as
        # is a label that what follows points back at.
        ("Biden: plan support", []),
        ("in 2015: what did putin say", []),
        ("casualties (how many died?)", []),
        ("prisoner swaps - are they in the plan?", []),
        ("sanctions relief (how much money?)", []),
        ("the ceasefire line (in km)", []),
        # An aside after the message that narrows it rather than saying what it is for.
        ("what did lavrov say (to the bbc)", []),
        ("ceasefire terms - for gaza", []),
        ("what do the allies demand (for the baltics)", []),
        ("what did petrov say - for the bbc", []),
        ("nato delay - need the turkish position", []),
        ("who drafted the plan - need names of the advisors", []),
        ("zelensky doubts (approval rating)", []),
        ("what did cameron say - as prime minister", []),
        ("who rejected the plan?", []),
    ],
)
def test_a_message_without_the_asides_that_label_it(
    question: str, readings: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert without_asides(question) == readings
