from knowledge.sentences import list_lead_in, opening_label, split_sentences


def texts(text: str) -> list[str]:
    spans = split_sentences(text)
    for span in spans:
        assert text[span.start : span.end] == span.text  # always a verbatim slice
    return [s.text for s in spans]


def test_missing_space_after_period_still_splits() -> None:
    assert texts("resolving the ongoing conflict.The plan, reportedly drafted") == [
        "resolving the ongoing conflict.",
        "The plan, reportedly drafted",
    ]


def test_titles_do_not_end_sentences() -> None:
    assert texts("joined by Dr. Alexander Petrov, a leading expert. Dr. Petrov, thank you.") == [
        "joined by Dr. Alexander Petrov, a leading expert.",
        "Dr. Petrov, thank you.",
    ]


def test_recurring_speaker_labels_are_left_out_of_the_sentence() -> None:
    interview = (
        "Senior Editor: What now?\nDr. Petrov: Talks.\n"
        "Senior Editor: Why?\nDr.Petrov : The rejection casts a long shadow."
    )
    assert texts(interview) == ["What now?", "Talks.", "Why?", "The rejection casts a long shadow."]


def test_a_label_that_does_not_recur_belongs_to_its_sentence() -> None:
    assert texts("Conclusion: A Precarious Road Ahead\nAccountability: Allies demand justice.") == [
        "Conclusion: A Precarious Road Ahead",
        "Accountability: Allies demand justice.",
    ]


def test_a_label_is_told_only_where_it_opens_a_line() -> None:
    text = (
        "1. Security Gaps: The plan offers no NATO membership.\n"
        "Foreign Minister Sergei Lavrov said: no deal. Lavrov: none.\n"
        "At 10:30 Guterres spoke.\n"
    )
    labels = [s.text[: opening_label(text, s)] for s in split_sentences(text)]
    # Mid-line, after lower-case words or before a time, a colon opens no label.
    assert labels == ["Security Gaps: ", "", "", ""]


def test_curly_quotes_stay_with_their_sentence() -> None:
    assert texts("He said, “We are ready.” Lavrov made it clear.") == [
        "He said, “We are ready.”",
        "Lavrov made it clear.",
    ]


def test_dash_bullets_and_numbered_items_are_sentences_of_their_own() -> None:
    text = "The plan includes:\n– An immediate ceasefire\n1. Security Gaps: No NATO membership."
    assert texts(text) == [
        "The plan includes:",
        "An immediate ceasefire",
        "Security Gaps: No NATO membership.",
    ]


def test_lowercase_after_period_inside_a_quote_does_not_split() -> None:
    text = "“ready for negotiations. though, it is important.”"
    assert texts(text) == [text]


def test_a_list_item_knows_the_line_that_introduces_its_list() -> None:
    text = (
        "Sources reveal the plan includes:\n– A ceasefire\n\n– Future talks\n"
        "Key concerns include:\n1. Security Gaps: none.\n2. Timelines: vague.\n"
        "A plain sentence.\n– An item under no lead-in\n"
    )

    def lead_in(words: str) -> str:
        return list_lead_in(text, text.index(words))

    # A blank line between items does not end the list.
    assert lead_in("A ceasefire") == lead_in("Future talks") == "Sources reveal the plan includes:"
    assert lead_in("Timelines") == "Key concerns include:"
    # Not a list item, or a list under a line that introduces nothing.
    assert lead_in("A plain sentence") == ""
    assert lead_in("An item under no") == ""
    assert list_lead_in("– first line of a file", 2) == ""
