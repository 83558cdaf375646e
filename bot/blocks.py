"""Block Kit messages and views as pure functions of answers and fact bases (presentation layer).

Rule: all text from users or articles goes through `escape` (and mrkdwn is `verbatim`), so no
reply can carry a mention or broadcast such as `<!channel>` that came from input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from bot.holder import Changes, ReloadResult, change_items
from bot.questionlog import Stats
from knowledge.answer import Answer, CitedExcerpt
from knowledge.gaps import Gap
from knowledge.index import MAX_QUESTION_CHARS
from knowledge.models import Citation, FactBase, Source
from knowledge.render import DECLINE, render_text

Block = dict[str, Any]
Message = dict[str, Any]  # {"text": fallback, "blocks": [...]}, ready for chat.postMessage

ACTION_SHARE = "peace_share"
ACTION_FEEDBACK_UP = "peace_feedback_up"
ACTION_FEEDBACK_DOWN = "peace_feedback_down"
ACTION_FEEDBACK = re.compile(r"^peace_feedback_(up|down)$")
ACTION_SUGGEST_PREFIX = "peace_suggest_"
ACTION_SUGGEST = re.compile(r"^peace_suggest_\d+$")
ACTION_RELOAD = "peace_reload"

SECTION_LIMIT = 2900  # Slack allows 3000 characters in a section's text
BUTTON_TEXT_LIMIT = 75
VALUE_LIMIT = 2000
SHOWN_QUESTION_LIMIT = 300
FALLBACK_LIMIT = 3000
LISTED_LIMIT = 20  # ids or problems listed before "and N more"
VIEW_BLOCK_LIMIT = 100  # Slack refuses a Home tab view with more blocks
MESSAGE_BLOCK_LIMIT = 50  # and a message with more blocks
HOME_GAPS = 5  # gaps shown to admins on the App Home
SHOWN_GAP_LIMIT = 200  # characters of a gap's wording shown
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_LOG_ID = re.compile(r"([0-9]{0,18})\|")

HELP = (
    "*Ask me about the news articles I have read.* I answer with word-for-word excerpts and "
    "name the article each one comes from; when the articles don't say, I tell you so.\n"
    "• `/peace who rejected the plan?` asks a question (only you see the answer; "
    "*Share in channel* posts it for everyone)\n"
    "• `/peace sources` lists the articles\n"
    "• `/peace help` shows this text\n"
    "• `/peace reload` re-reads the fact base; `/peace gaps` and `/peace stats` show what "
    "people asked that I could not answer, and how often I answer (admins only)\n"
    "You can also mention me in a channel (I answer in a thread) or send me a direct message; "
    "`help`, `sources` and `reload` work there too."
)
APOLOGY = "Sorry, something went wrong on my side while answering that. Please try again."
REFUSAL = (
    "Sorry, only peacebot admins can reload the fact base. "
    "Ask one of them, or ask me a question instead."
)
ADMIN_ONLY = (
    "Sorry, only peacebot admins can see what people asked. "
    "Ask one of them, or ask me a question instead."
)
PRIVATE_ONLY = (
    "Gaps and stats show what people asked, so I show them only to you: use `/peace gaps`, "
    "`/peace stats` or a direct message."
)
LOG_OFF = "Question logging is off (`PEACEBOT_LOG_QUESTIONS=false`), so there is nothing to show."
LOG_UNREADABLE = "Sorry, I could not read the question log just now; the server log says why."
THANKS = {
    "up": "Thanks for the feedback! :thumbsup:",
    "down": "Thanks for the feedback! :thumbsdown:",
}


def escape(text: str) -> str:
    """Slack's escaping for message text: `&`, `<` and `>` become entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def unescape(text: str) -> str:
    """The inverse of `escape`."""
    return text.replace("&gt;", ">").replace("&lt;", "<").replace("&amp;", "&")


class ButtonValue(NamedTuple):
    """What a button carries back: the question, who asked it, its row in the question log."""

    question: str
    asked_by: str | None
    log_id: int | None = None


def encode_value(question: str, asked_by: str | None = None, log_id: int | None = None) -> str:
    """A button value from which a click re-creates the answer (escaped like all reply text)."""
    # The answerer reads no more than MAX_QUESTION_CHARS; Slack keeps 2000 characters a value.
    kept = question[:MAX_QUESTION_CHARS]
    while len(escape(kept)) > VALUE_LIMIT - 40:
        kept = kept[: len(kept) * 3 // 4]
    return f"{asked_by or ''}|{log_id if log_id is not None else ''}|{escape(kept)}"


def decode_value(value: str) -> ButtonValue:
    """The question, asker and log id from a value made by `encode_value` (or by an earlier
    version, `asker|question`, still on buttons in Slack)."""
    asked_by, _, rest = value.partition("|")
    log_id = None
    found = _LOG_ID.match(rest)
    if found:
        log_id = int(found.group(1)) if found.group(1) else None
        rest = rest[found.end() :]
    return ButtonValue(unescape(rest), asked_by if _USER_ID.match(asked_by) else None, log_id)


# -- small builders --------------------------------------------------------------------------


def mrkdwn(text: str) -> dict[str, Any]:
    # verbatim: Slack must not turn bare names or URLs into mentions or links.
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(t) for t in texts]}


def button(text: str, action_id: str, value: str, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": plain(shorten(text, BUTTON_TEXT_LIMIT)),
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def _split(line: str, limit: int) -> list[str]:
    return [line[i : i + limit] for i in range(0, len(line), limit)] or [""]


def sections(lines: Iterable[str]) -> list[Block]:
    """As few sections as it takes to show `lines` (a section holds 3000 characters)."""
    texts: list[str] = []
    for piece in (piece for line in lines for piece in _split(line, SECTION_LIMIT)):
        if texts and len(texts[-1]) + 1 + len(piece) <= SECTION_LIMIT:
            texts[-1] += "\n" + piece
        else:
            texts.append(piece)
    return [section(text) for text in texts]


def quote(excerpt: str) -> list[Block]:
    """The excerpt as a block quote, word for word (escaped, never re-wrapped)."""
    lines = escape(excerpt).split("\n")
    return sections("> " + piece for line in lines for piece in _split(line, SECTION_LIMIT - 2))


def citation_context(citation: CitedExcerpt) -> Block:
    return context(
        f"*{escape(citation.title)}* — {escape(citation.outlet)}, {escape(citation.kind)}"
    )


def _fallback(text: str) -> str:
    return shorten(escape(text), FALLBACK_LIMIT)


# -- messages --------------------------------------------------------------------------------


def answer_message(
    answer: Answer,
    *,
    asked_by: str | None = None,
    shareable: bool = False,
    feedback: str | None = None,
    log_id: int | None = None,
) -> Message:
    """The reply to a question: quoted excerpts with sources, or a decline with suggestions.

    `asked_by` (a user id) adds "<@U…> asked: …"; `shareable` adds the Share in channel button;
    `feedback` ("up"/"down") replaces the feedback buttons with a thank-you; `log_id` (the
    question's row in the question log) rides on the buttons, so a vote lands on that row.
    """
    asked_by = asked_by if asked_by and _USER_ID.match(asked_by) else None
    blocks: list[Block] = []
    text = render_text(answer)
    if asked_by:
        shown = escape(shorten(" ".join(answer.question.split()), SHOWN_QUESTION_LIMIT))
        blocks.append(section(f"<@{asked_by}> asked: _{shown}_"))
        text = shorten(f"<@{asked_by}> asked: {shown}\n{escape(text)}", FALLBACK_LIMIT)
    else:
        text = _fallback(text)
    if not answer.answered:
        blocks.extend(_decline_blocks(answer))
        return {"text": text, "blocks": blocks}

    best, *supporting = answer.citations
    blocks.extend(quote(best.excerpt))
    blocks.append(citation_context(best))
    if answer.corrections:
        fixed = ", ".join(f"_{escape(a)}_ as _{escape(b)}_" for a, b in answer.corrections)
        blocks.append(context(f"I read {fixed}."))
    if supporting:
        blocks.append(section("*Also in the articles:*"))
        for citation in supporting:
            blocks.extend(quote(citation.excerpt))
            blocks.append(citation_context(citation))
    value = encode_value(answer.question, asked_by, log_id)
    buttons = [button("Share in channel", ACTION_SHARE, value, "primary")] if shareable else []
    if feedback in THANKS:
        if buttons:
            blocks.append({"type": "actions", "block_id": "peace_answer", "elements": buttons})
        blocks.append(context(THANKS[feedback]))
    else:
        buttons.append(button(":thumbsup:", ACTION_FEEDBACK_UP, value))
        buttons.append(button(":thumbsdown:", ACTION_FEEDBACK_DOWN, value))
        blocks.append({"type": "actions", "block_id": "peace_answer", "elements": buttons})
    return {"text": text, "blocks": blocks}


def _decline_blocks(answer: Answer) -> list[Block]:
    blocks = [section(escape(DECLINE))]
    if answer.note:
        blocks.append(context(escape(answer.note)))
    if answer.suggestions:
        blocks.append(section("Did you mean:"))
        blocks.append(
            {
                "type": "actions",
                "block_id": "peace_suggestions",
                "elements": [
                    button(escape(s), f"{ACTION_SUGGEST_PREFIX}{i}", encode_value(s))
                    for i, s in enumerate(answer.suggestions[:3])
                ],
            }
        )
    blocks.append(context("Say `help` (or `/peace help`) to see what I can answer."))
    return blocks


def help_message() -> Message:
    return {"text": shorten(HELP, FALLBACK_LIMIT), "blocks": [section(HELP)]}


def source_lines(sources: dict[str, Source]) -> list[str]:
    """One bullet per piece of writing: title, outlet, kind and file."""
    return [
        f"• *{escape(p.title)}* — {escape(p.outlet)}, {escape(p.kind)} (`{escape(name)}`)"
        for name, source in sources.items()
        for p in source.pieces
    ]


def sources_message(sources: dict[str, Source]) -> Message:
    lines = source_lines(sources)
    heading = section(f"*The articles I can quote ({len(sources)} files):*")
    blocks = [heading, *capped_sections(lines, MESSAGE_BLOCK_LIMIT - 1)]
    return {"text": _fallback("\n".join(lines)), "blocks": blocks}


def text_message(text: str) -> Message:
    """A one-section message from our own (already safe) mrkdwn text."""
    return {"text": text, "blocks": [section(text)]}


def refusal_message(text: str = REFUSAL) -> Message:
    return text_message(text)


def apology_message() -> Message:
    return text_message(APOLOGY)


def change_lines(changes: Changes) -> list[str]:
    """What changed, one mrkdwn bullet per kind (`change_items`), ids listed up to a limit."""
    lines = []
    for label, ids in change_items(changes):
        if not ids:
            lines.append(f"• {label.capitalize()}")
            continue
        shown = ", ".join(f"`{escape(i)}`" for i in ids[:LISTED_LIMIT])
        more = f" and {len(ids) - LISTED_LIMIT} more" if len(ids) > LISTED_LIMIT else ""
        lines.append(f"• {label.capitalize()} ({len(ids)}): {shown}{more}")
    return lines or ["Nothing changed."]


def uncovered_lines(uncovered: Mapping[str, Sequence[Citation]]) -> list[str]:
    """How many sentences of each article no fact cites yet (articles with none left out)."""
    counts = [(name, len(sentences)) for name, sentences in uncovered.items() if sentences]
    if not counts:
        return ["• Every sentence of every article is cited by a fact."]
    shown = ", ".join(f"{n} in `{escape(name)}`" for name, n in counts[:LISTED_LIMIT])
    more = f" and {len(counts) - LISTED_LIMIT} more articles" if len(counts) > LISTED_LIMIT else ""
    return [
        f"• Sentences no fact cites yet: {shown}{more} "
        "(they answer as plain sentences; `python -m bot suggest` drafts facts for them)"
    ]


def reload_lines(result: ReloadResult) -> list[str]:
    """What a reload did, for a message or the App Home."""
    base = result.base
    if result.ok and result.changes is not None and base is not None:
        head = (
            f":white_check_mark: Reloaded the fact base: {len(base.sources)} articles, "
            f"{len(base.facts)} facts (`{base.fingerprint[:12]}`)."
        )
        return [head, *change_lines(result.changes), *uncovered_lines(base.uncovered)]
    problems = result.problems
    serving = f"`{base.fingerprint[:12]}`" if base is not None else "none"
    lines = [
        f":x: The fact base has {len(problems)} problem(s), so I kept serving the previous one "
        f"({serving}):"
    ]
    lines.extend(f"• {escape(p)}" for p in problems[:LISTED_LIMIT])
    if len(problems) > LISTED_LIMIT:
        lines.append(f"…and {len(problems) - LISTED_LIMIT} more (run `python -m bot check`).")
    return lines


def reload_message(result: ReloadResult) -> Message:
    lines = reload_lines(result)
    return {"text": _fallback("\n".join(lines)), "blocks": sections(lines)}


def slack_date(timestamp: float) -> str:
    """A date Slack shows in each reader's time zone (UTC in the fallback)."""
    fallback = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(timestamp)}^{{date_short_pretty}} at {{time}}|{fallback}>"


def capped_sections(lines: Sequence[str], limit: int) -> list[Block]:
    """`sections(lines)` in at most `limit` blocks: the first lines that fit, then a line saying
    how many were left out."""
    if len(sections(lines)) <= limit:
        return sections(lines)
    # The most lines that fit in limit - 1 blocks (block counts only grow with more lines).
    low, high = 0, len(lines)
    while low < high:
        middle = (low + high + 1) // 2
        if len(sections(lines[:middle])) <= limit - 1:
            low = middle
        else:
            high = middle - 1
    return [*sections(lines[:low]), context(f"…and {len(lines) - low} more not shown here.")]


def gap_lines(gaps: Sequence[Gap]) -> list[str]:
    """One line per gap: how often, the most frequent wording, declined and 👎 counts."""
    lines = []
    for gap in gaps:
        parts = []
        if gap.unanswered:
            parts.append(f"{gap.unanswered} declined")
        if gap.downvoted:
            parts.append(f"{gap.downvoted} :thumbsdown:")
        wordings = f", {len(gap.wordings)} wordings" if len(gap.wordings) > 1 else ""
        text = escape(shorten(gap.text, SHOWN_GAP_LIMIT))
        lines.append(f"• *{gap.count}×* _{text}_ ({', '.join(parts)}{wordings})")
    return lines


def gaps_message(gaps: Sequence[Gap], days: int) -> Message:
    """`/peace gaps`: the most frequent questions of the last `days` days that were declined or
    voted down, repeats grouped."""
    if not gaps:
        return text_message(f"No unanswered or :thumbsdown: questions in the last {days} days.")
    head = (
        f"*What people asked that I could not answer well, last {days} days* "
        "(declined or :thumbsdown:, similar questions grouped):"
    )
    lines = [head, *gap_lines(gaps)]
    lines.append("Add or extend facts for these (`python -m bot suggest` helps), then reload.")
    return {"text": _fallback("\n".join(lines)), "blocks": sections(lines)}


def stats_lines(stats: Stats) -> list[str]:
    if not stats.asked:
        return [f"No questions logged in the last {stats.days} days."]
    votes = f":thumbsup: {stats.up} · :thumbsdown: {stats.down}"
    lines = [
        f"*Last {stats.days} days:* {stats.asked} questions from {stats.askers} people, "
        f"{stats.answer_rate:.0%} answered · {votes}",
        "*Per day* (UTC; questions, answered): "
        + ", ".join(f"{d.day}: {d.asked} ({d.answered})" for d in stats.per_day[-14:]),
    ]
    if stats.top_facts:
        lines.append("*Top facts:* " + ", ".join(f"`{escape(m)}` {n}" for m, n in stats.top_facts))
    if stats.by_passage:
        lines.append(f"*Answered by a sentence no fact covers:* {stats.by_passage}")
    lines.append("*Where:* " + ", ".join(f"{escape(s)} {n}" for s, n in stats.surfaces))
    return lines


def stats_message(stats: Stats) -> Message:
    """`/peace stats`: questions per day, answer rate, votes and top facts."""
    lines = stats_lines(stats)
    return {"text": _fallback("\n".join(lines)), "blocks": sections(lines)}


def home_view(
    base: FactBase,
    loaded_at: float,
    *,
    is_admin: bool,
    notice: Sequence[str] = (),
    gaps: Sequence[Gap] | None = None,
    gap_days: int = 30,
    problems: Sequence[str] = (),
) -> dict[str, Any]:
    """The App Home tab: how to ask, the fact base's size; for admins Reload, the files'
    problems if the last good fact base is serving instead, and the top gaps; then the sources.

    The sources come last and are the part cut short when there are too many for one view.
    """
    blocks: list[Block] = [
        {"type": "header", "text": plain("peacebot")},
        section(HELP),
        context(
            f"{len(base.facts)} curated facts · {len(base.passages)} searchable sentences · "
            f"fact base `{base.fingerprint[:12]}` loaded {slack_date(loaded_at)}"
        ),
    ]
    if is_admin:
        blocks.append(
            {
                "type": "actions",
                "block_id": "peace_admin",
                "elements": [button("Reload the fact base", ACTION_RELOAD, "reload")],
            }
        )
    blocks.extend(sections(notice))
    if is_admin and problems:
        lines = [
            f":warning: The files on disk have {len(problems)} problem(s), so the last good "
            "fact base is serving:",
            *(f"• {escape(p)}" for p in problems[:5]),
        ]
        blocks.extend(capped_sections(lines, 2))
    if is_admin and gaps is not None:
        blocks.append(section(f"*Top gaps, last {gap_days} days* (declined or :thumbsdown:)"))
        lines = gap_lines(gaps[:HOME_GAPS]) or ["Nothing yet."]
        blocks.extend(capped_sections(lines, 2))
    blocks.append({"type": "divider"})
    blocks.append(section(f"*Sources ({len(base.sources)} files)*"))
    room = VIEW_BLOCK_LIMIT - len(blocks)
    blocks.extend(capped_sections(source_lines(base.sources), room))
    return {"type": "home", "blocks": blocks}
