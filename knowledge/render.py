"""Plain-text formatting of answers, for the shell and the command line (domain layer)."""

from __future__ import annotations

from knowledge.answer import Answer, CitedExcerpt
from knowledge.models import Source

DECLINE = "The articles don't answer that, as far as I can tell."


def attribution(citation: CitedExcerpt) -> str:
    """`Title (outlet, kind; file)`: enough for a reader to find the excerpt."""
    return f"{citation.title} ({citation.outlet}, {citation.kind}; {citation.source})"


def _quote(excerpt: str, indent: str) -> str:
    # Never re-wrapped: the quote is the article's text exactly (line breaks included).
    return indent + f"“{excerpt}”".replace("\n", "\n" + indent)


def render_text(answer: Answer) -> str:
    """The answer as plain text: the best excerpt, its source, then supporting excerpts."""
    if not answer.answered:
        lines = [DECLINE]
        if answer.note:
            lines.append(answer.note)
        if answer.suggestions:
            lines.append("You could ask:")
            lines.extend(f"  - {s}" for s in answer.suggestions)
        return "\n".join(lines)
    best, *supporting = answer.citations
    lines = [_quote(best.excerpt, ""), f"  — {attribution(best)}"]
    if supporting:
        lines.append("")
        lines.append("Also:")
        for citation in supporting:
            lines.append(_quote(citation.excerpt, "  "))
            lines.append(f"    — {attribution(citation)}")
    return "\n".join(lines)


def plain_table(rows: list[list[str]] | list[tuple[str, ...]]) -> str:
    """Rows as aligned text: the first row a header underlined with dashes, the first column
    left-aligned and the others right-aligned (numbers)."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_sources(sources: dict[str, Source]) -> str:
    """One line per piece of every source: title, outlet and kind."""
    lines = []
    for name, source in sources.items():
        for piece in source.pieces:
            lines.append(f"- {piece.title} — {piece.outlet}, {piece.kind} ({name})")
    return "\n".join(lines)
