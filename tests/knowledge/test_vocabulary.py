"""Typo correction against the fact base's words."""

import re
from collections import Counter

from knowledge.text import ENGLISH_WORDS, is_english, same_word
from knowledge.vocabulary import Vocabulary

VOCABULARY = Vocabulary.from_counts(
    Counter({"plan": 9, "hope": 4, "what": 8, "nato": 5, "sanctions": 3, "future": 2})
)


def test_a_swapped_pair_in_a_four_letter_word_is_corrected() -> None:
    assert VOCABULARY.correct("plna") == "plan"
    assert VOCABULARY.correct("paln") == "plan"
    assert VOCABULARY.correct("ntao") == "nato"


def test_a_four_letter_word_missing_a_letter_inside_is_corrected() -> None:
    vocabulary = Vocabulary(["david", "zones"])
    assert vocabulary.correct("davd") == "david"
    assert vocabulary.correct("zone") == "zone"  # a word of its own, not "zones" cut short


def test_a_four_letter_word_one_other_letter_away_is_left_alone() -> None:
    # "pope" is a word of its own, not a slip for "hope".
    assert VOCABULARY.correct("pope") == "pope"
    assert VOCABULARY.correct("hops") == "hops"


def test_chat_and_newsroom_words_are_never_what_a_typo_meant() -> None:
    # Filler, but taken for a slip they would drop the word asked about: "poll" is no "pull".
    assert VOCABULARY.correct("poll") == "poll"
    # Nor are they slips themselves: "caption" is no "caution", "notes" no "note".
    vocabulary = Vocabulary(["caution", "note", "does"])
    for word in ("caption", "notes", "docs"):
        assert vocabulary.correct(word) == word


def test_longer_words_allow_one_edit() -> None:
    assert VOCABULARY.correct("futre") == "future"
    assert VOCABULARY.correct("sanctoins") == "sanctions"


def test_a_doubled_letter_typed_once_beats_a_commoner_word_as_close() -> None:
    # "ready" is as close to "realy" (one letter changed) and commoner, but a doubled letter
    # typed once is the likelier slip.
    vocabulary = Vocabulary(["ready", "really", "allies", "alias"])
    assert vocabulary.correct("realy") == "really"
    assert vocabulary.correct("alies") == "allies"


def test_a_misspelt_possessive_without_its_apostrophe_is_read_as_the_name() -> None:
    vocabulary = Vocabulary(["ukraine", "lavrov"])
    assert vocabulary.correct("ukrianes") == "ukraine"  # a swap, then the possessive "s"
    assert vocabulary.correct("lavorvs") == "lavrov"
    assert vocabulary.correct("ukraines") == "ukraine"  # one slip away on its own: as before
    assert vocabulary.correct("kremlins") == "kremlins"  # nothing near: left alone


def test_an_everyday_word_is_not_taken_for_a_slip() -> None:
    vocabulary = Vocabulary(["expert", "experts"])
    assert vocabulary.correct("expect") == "expect"
    assert vocabulary.correct("expects") == "expects"  # an inflection of one, too
    assert vocabulary.correct("exeprt") == "expert"
    assert Vocabulary(["lifted"]).correct("listed") == "listed"


def test_a_common_word_is_meant_as_typed() -> None:
    vocabulary = Vocabulary(["unclear", "plan", "scare", "votes", "name", "drafted", "ukraine"])
    # Real words one slip from a known word are not slips: "nuclear plant" is not "unclear plan".
    assert vocabulary.correct("nuclear") == "nuclear"
    assert vocabulary.correct("plant") == "plant"
    assert vocabulary.correct("share") == "share"
    assert vocabulary.correct("shares") == "shares"  # not "scare" by way of a possessive
    assert Vocabulary(["plans"]).correct("planes") == "planes"
    assert Vocabulary(["month"]).correct("moth") == "moth"  # four letters too
    # Another form of the same word is still read as the known one ...
    assert vocabulary.correct("names") == "name"
    assert Vocabulary(["kilometres"]).correct("kilometers") == "kilometres"
    assert Vocabulary(["withdraw"]).correct("withdrew") == "withdraw"
    # ... and slips that look like an inflection of a common word are still slips.
    assert vocabulary.correct("draftd") == "drafted"
    assert Vocabulary(["treaty"]).correct("treatd") == "treaty"
    assert vocabulary.correct("ukriane") == "ukraine"


def test_forms_of_one_word() -> None:
    assert same_word("scheduled", "schedule")
    assert same_word("favour", "favor")
    assert not same_word("committee", "committed")
    assert not same_word("planes", "plans")
    assert is_english("voters")
    assert not is_english("treatd")


def test_a_common_word_may_still_become_filler() -> None:
    # Harmless either way: filler weighs nothing.
    assert Vocabulary(["plan", "while"]).correct("white") == "while"


def test_the_common_word_list_is_well_formed() -> None:
    assert len(ENGLISH_WORDS) > 5000
    assert all(re.fullmatch(r"[a-z]{4,}", word) for word in ENGLISH_WORDS)
    assert {"white", "nuclear", "plant", "bread"} <= ENGLISH_WORDS


def test_short_slips_are_read_right() -> None:
    vocabulary = Vocabulary(["annex", "plan", "smith", "peer"])
    assert vocabulary.correct("teh") == "the"  # three letters: only a swap, only into filler
    assert vocabulary.correct("pln") == "pln"
    assert vocabulary.correct("anex") == "annex"  # a doubled letter left out


def test_chat_abbreviations_are_filler_but_never_a_correction() -> None:
    vocabulary = Vocabulary(["plan"])
    assert vocabulary.correct("peer") == "peer"  # not "per"
    assert vocabulary.correct("cruz") == "cruz"  # not "cuz"


def test_a_very_long_word_is_handled() -> None:
    vocabulary = Vocabulary(["ukraine", "plans"])
    assert vocabulary.correct("s" * 1000) == "s" * 1000
    assert vocabulary.correct("ukraine" + "s" * 993) == "ukraine" + "s" * 993


def test_another_transliteration_of_a_known_name_is_read_as_it() -> None:
    vocabulary = Vocabulary(["zelensky", "kiev", "kyiv", "zaporizhzhia", "lavrov", "kherson"])
    for typed, known in [
        ("selenskyj", "zelensky"),  # German
        ("kiew", "kiev"),
        ("kyjiw", "kyiv"),  # Polish-style "j" and "w"
        ("saporischschja", "zaporizhzhia"),
        ("lawrow", "lavrov"),
        ("cherson", "kherson"),
    ]:
        assert vocabulary.correct(typed) == known, typed


def test_only_names_are_looked_up_by_sound() -> None:
    # "crisis" is a word as typed, though its sounds could be spelt "krisis".
    assert Vocabulary(["krisis"]).correct("crisis") == "crisis"
    # Slack words the English list lacks are not read as English words that sound alike.
    vocabulary = Vocabulary(["kill", "face", "sets", "deep", "cheer", "chatt", "volodymyr"])
    for typed in ("chill", "fake", "sesh", "depp", "kerr"):
        assert vocabulary.correct(typed) == typed
    # A short word whose key is shorter still ("katt" and "chatt" both reduce to "kat").
    assert vocabulary.correct("katt") == "katt"
    # The same sounds beat a slip of two letters.
    assert Vocabulary(["vladimir", "volodymyr"]).correct("volodimir") == "volodymyr"
