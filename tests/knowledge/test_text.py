from knowledge.text import (
    NEWSROOM,
    STOPWORDS,
    AliasMap,
    fold,
    name_words,
    names,
    strip_emoji_codes,
    strip_slack_markup,
    words,
)
from tests.conftest import SEEDS


def test_slack_markup_keeps_only_readable_labels() -> None:
    text = "<@U07ABCDEF> see <#C024BE91L|ukraine-news> and <https://x.example|this story> <!here>"
    assert strip_slack_markup(text).split() == ["see", "and", "this", "story"]


def test_the_bots_slash_command_typed_into_a_message_is_not_part_of_the_question() -> None:
    assert words("<!here> `/peace` who is Petrov?") == ["who", "is", "petrov"]
    assert words("/peace who rejected") == ["who", "rejected"]
    assert words("<@U1> /peace /nato view?") == ["nato", "view"]
    # Only the bot's own command: a slash between words or before one is not a command.
    text = "the US/Russia plan, and/or the `US`/Russia one, the US /Russia one, /peaceful"
    assert "russia" in words(text) and "peaceful" in words(text)
    assert words(text).count("russia") == 3


def test_a_link_labelled_with_its_own_address_is_no_part_of_the_question() -> None:
    # Slack links what looks like an address, labelling it with itself.
    text = "who rejected it <http://example.com|example.com> <mailto:a@b.org|a@b.org>"
    assert words(text) == ["who", "rejected", "it"]
    assert words("<https://x.example/a|the Russia piece> who") == ["the", "russia", "piece", "who"]
    # A label that is not the link's own address may name what the question is about.
    assert words("what does <https://f.example/x/zelensky.pdf|zelensky.pdf> say") == [
        *("what", "does", "zelensky", "pdf", "say")
    ]


def test_a_numbered_list_marker_is_no_number_asked_about() -> None:
    asked = words("1. who rejected the plan?\n 2) what does Russia demand?")
    assert asked == ["who", "rejected", "the", "plan", "what", "does", "russia", "demand"]
    # A number inside a line is kept.
    assert (
        words("what happened in 2014. 20 years on") == "what happened in 2014 20 years on".split()
    )


def test_slack_escapes_are_decoded() -> None:
    assert strip_slack_markup("war &amp; peace &lt;3") == "war & peace <3"


def test_curly_quotes_possessives_and_dashes_fold_away() -> None:
    assert words("Ukraine’s “security interests”—US-backed") == [
        "ukraine",
        "security",
        "interests",
        "usa",
        "backed",
    ]


def test_capital_us_is_the_country_and_lower_case_us_the_pronoun() -> None:
    assert words("tell us about the US plan and U.S. aid") == [
        "tell",
        "us",
        "about",
        "the",
        "usa",
        "plan",
        "and",
        "usa",
        "aid",
    ]


def test_accents_and_case_fold() -> None:
    assert fold("ÉLYSÉE Zelenskyy") == "elysee zelenskyy"


def test_aliases_prefer_the_longest_phrase() -> None:
    aliases = AliasMap({"cameron": ["british foreign secretary"], "british": ["uk", "britain"]})
    assert aliases.apply(words("what did the British Foreign Secretary say")) == [
        "what",
        "did",
        "the",
        "cameron",
        "say",
    ]
    assert aliases.apply(words("did the UK say")) == ["did", "the", "british", "say"]


def test_a_phrase_with_one_word_written_as_its_variant_is_still_the_phrase() -> None:
    aliases = AliasMap(
        {"stoltenberg": ["jens stoltenberg", "stoltenburg"], "kyiv": ["kiev", "kyiv government"]}
    )
    for text in ("jens stoltenburg", "jens stoltenberg", "stoltenburg"):
        assert aliases.apply(words(text)) == ["stoltenberg"], text
    assert aliases.apply(words("the kiev government")) == ["the", "kyiv"]
    assert aliases.apply(words("jens")) == ["jens"]


def test_a_separated_phrasal_verb_is_put_back_together() -> None:
    aliases = AliasMap(
        {
            "reject": ["turn down", "turned down", "shot down"],
            "withdraw": ["pull back", "pulling out"],
            "shift": ["backed down"],
            "withdrawals": ["troops out"],
            "chase": ["following up"],
            "settled": ["fixed up"],
        }
    )
    assert aliases.apply(aliases.rejoin(words("why did they turn the peace plan down"))) == [
        "why",
        "did",
        "they",
        "reject",
        "the",
        "peace",
        "plan",
    ]
    assert aliases.rejoin(words("pull the troops back")) == ["pull", "back", "the", "troops"]
    assert aliases.rejoin(words("pulling troops out")) == ["pulling", "out", "troops"]
    # A verb between that takes other particles only is part of the object.
    for text, whole in (
        ("turn the following proposals down", "turn down the following proposals"),
        ("turn the fixed deadlines down", "turn down the fixed deadlines"),
    ):
        assert aliases.rejoin(words(text)) == words(whole), text
    # Already whole, too far apart, or split by a word that is no object: left alone.
    for text in (
        "turn down the plan",
        "turn to the plan and the talks down the line",
        "did russia turn to china down the road",
        # The particle belongs to the nearer verb that takes it.
        "the us backed plan russia turned down",
        "the us backed plan russia shot down",
    ):
        assert aliases.rejoin(words(text)) == words(text), text


def test_a_particle_that_starts_a_phrase_or_follows_filler_stays_put() -> None:
    aliases = AliasMap(
        {"reject": ["turn down"], "future": ["down the road"], "outlast": ["wait out"]}
    )
    assert aliases.apply(aliases.rejoin(words("turn the offer down the road"))) == [
        "turn",
        "the",
        "offer",
        "future",
    ]
    assert aliases.rejoin(words("wait is the plan out yet")) == words("wait is the plan out yet")


def test_slack_emoji_codes_are_dropped_but_times_are_kept() -> None:
    assert words(strip_emoji_codes(":eyes: who rejected it :thinking_face: :+1::skin-tone-2:")) == [
        "who",
        "rejected",
        "it",
    ]
    assert words(strip_emoji_codes("talks at 10:30:15")) == ["talks", "at", "10", "30", "15"]
    assert words(strip_emoji_codes("who rejected it :100: :1234:")) == ["who", "rejected", "it"]


def test_a_plural_possessive_keeps_its_s() -> None:
    assert words("the allies' concerns and Russia's demands") == [
        "the",
        "allies",
        "concerns",
        "and",
        "russia",
        "demands",
    ]


def test_question_words_of_every_kind_are_stop_words() -> None:
    for word in ("whose", "whatever", "whenever", "wherever", "whoever", "however", "either"):
        assert word in STOPWORDS, word


def test_words_that_only_stress_are_stop_words() -> None:
    # "What precisely did Cameron say?" asks what "what did Cameron say?" asks.
    for word in ("exactly", "precisely", "actually", "really", "truly", "definitely", "obviously"):
        assert word in STOPWORDS, word


def test_modal_verbs_are_stop_words() -> None:
    # "What did Cameron say a peace ought to be?" asks what he said it should be. ("Must" is no
    # stop word: Cameron's own "any peace must be just" uses it.)
    for word in ("should", "ought", "shall"):
        assert word in STOPWORDS, word


def test_newsroom_chatter_is_no_word_of_the_articles() -> None:
    # Chatter weighs nothing: a word the articles use would be unaskable.
    for path in sorted(SEEDS.glob("*.txt")):
        used = set(words(path.read_text(encoding="utf-8")))
        assert not used & NEWSROOM, path.name


def test_a_name_is_whole_words_without_titles() -> None:
    assert name_words("Dr. Alexander Petrov") == ("alexander", "petrov")
    assert name_words("Dr.") == ()
    assert names(("cameron",), words("David Cameron stated"))
    assert not names(("cameron",), words("Cameroon talks"))
    assert not names(("alexander", "petrov"), words("Alexander met Petrov"))
    assert not names((), words("anything"))
