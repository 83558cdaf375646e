"""Block Kit messages and views as pure functions of answers and fact bases (presentation layer).

Rule: all text from users or articles goes through `escape` (and mrkdwn is `verbatim`), so no
reply can carry a mention or broadcast such as `<!channel>` that came from input.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from bot.holder import Changes, ReloadResult
from knowledge.answer import Answer, CitedExcerpt
from knowledge.index import MAX_QUESTION_CHARS
from knowledge.models import FactBase, Source
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
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")

HELP = (
    "*Ask me about the news articles I have read.* I answer with word-for-word excerpts and "
    "name the article each one comes from; when the articles don't say, I tell you so.\n"
    "• `/peace who rejected the plan?` asks a question (only you see the answer; "
    "*Share in channel* posts it for everyone)\n"
    "• `/peace sources` lists the articles\n"
    "• `/peace help` shows this text\n"
    "• `/peace reload` re-reads the fact base (admins only)\n"
    "You can also mention me in a channel (I answer in a thread) or send me a direct message; "
    "`help`, `sources` and `reload` work there too."
)
APOLOGY = "Sorry, something went wrong on my side while answering that. Please try again."
REFUSAL = (
    "Sorry, only peacebot admins can reload the fact base. "
    "Ask one of them, or ask me a question instead."
)
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


def encode_value(question: str, asked_by: str | None = None) -> str:
    """A button value from which a click re-creates the answer (escaped like all reply text)."""
    # The answerer reads no more than MAX_QUESTION_CHARS; Slack keeps 2000 characters a value.
    kept = question[:MAX_QUESTION_CHARS]
    while len(escape(kept)) > VALUE_LIMIT - 20:
        kept = kept[: len(kept) * 3 // 4]
    return f"{asked_by or ''}|{escape(kept)}"


def decode_value(value: str) -> tuple[str, str | None]:
    """`(question, asked_by)` from a value made by `encode_value`."""
    asked_by, _, question = value.partition("|")
    return unescape(question), asked_by if _USER_ID.match(asked_by) else None


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
) -> Message:
    """The reply to a question: quoted excerpts with sources, or a decline with suggestions.

    `asked_by` (a user id) adds "<@U…> asked: …"; `shareable` adds the Share in channel button;
    `feedback` ("up"/"down") replaces the feedback buttons with a thank-you.
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
    value = encode_value(answer.question, asked_by)
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
    blocks = [section(f"*The articles I can quote ({len(sources)} files):*"), *sections(lines)]
    return {"text": _fallback("\n".join(lines)), "blocks": blocks}


def text_message(text: str) -> Message:
    """A one-section message from our own (already safe) mrkdwn text."""
    return {"text": text, "blocks": [section(text)]}


def refusal_message() -> Message:
    return text_message(REFUSAL)


def apology_message() -> Message:
    return text_message(APOLOGY)


def _listed(label: str, items: Sequence[str]) -> str | None:
    if not items:
        return None
    shown = ", ".join(f"`{escape(i)}`" for i in items[:LISTED_LIMIT])
    more = f" and {len(items) - LISTED_LIMIT} more" if len(items) > LISTED_LIMIT else ""
    return f"• {label} ({len(items)}): {shown}{more}"


def change_lines(changes: Changes) -> list[str]:
    if changes.empty:
        return ["Nothing changed."]
    lines = [
        _listed("Sources added", changes.sources_added),
        _listed("Sources removed", changes.sources_removed),
        _listed("Sources changed", changes.sources_changed),
        _listed("Facts added", changes.facts_added),
        _listed("Facts removed", changes.facts_removed),
        _listed("Facts changed", changes.facts_changed),
        "• Aliases changed" if changes.aliases_changed else None,
    ]
    return [line for line in lines if line]


def reload_lines(result: ReloadResult) -> list[str]:
    """What a reload did, for a message or the App Home."""
    base = result.base
    if result.ok and result.changes is not None:
        head = (
            f":white_check_mark: Reloaded the fact base: {len(base.sources)} articles, "
            f"{len(base.facts)} facts (`{base.fingerprint[:12]}`)."
        )
        return [head, *change_lines(result.changes)]
    problems = result.problems
    lines = [
        f":x: The fact base has {len(problems)} problem(s), so I kept serving the previous one "
        f"(`{base.fingerprint[:12]}`):"
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


def home_view(
    base: FactBase, loaded_at: float, *, is_admin: bool, notice: Sequence[str] = ()
) -> dict[str, Any]:
    """The App Home tab: how to ask, the fact base's size, Reload for admins, then the sources.

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
    blocks.append({"type": "divider"})
    blocks.append(section(f"*Sources ({len(base.sources)} files)*"))
    room = VIEW_BLOCK_LIMIT - len(blocks)
    blocks.extend(capped_sections(source_lines(base.sources), room))
    return {"type": "home", "blocks": blocks}
