"""Markdown safety: user text embedded in a report can show as text but never as structure.

Responders type titles, notes and causes freely, so a note that starts with `# `, a `---`
line, a pipe in a table cell, an HTML comment or `<!channel>` must not become a heading, a
rule, a new column, hidden text or a ping. Each helper fits one place text is embedded in:
`inline` (inside a line), `heading` (inside a heading), `block` (paragraphs on their own
lines), `cell` (a table cell). Emphasis and code spans (`*`, `_`, backticks) are left alone:
responders use them on purpose, and within one line or block they cannot break the document.
"""

from __future__ import annotations

import re

PLACEHOLDER_FORM = "_[To fill: {what}]_"

# `&` only changes meaning where it starts an entity such as `&lt;`; elsewhere it is kept.
_ENTITY_AMPERSAND = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
# A line start that Markdown would read as a heading, list, rule, setext underline, fence,
# quote, table row or link definition.
_HEADING_OR_ROW = re.compile(r"^[#|]")
_BULLET = re.compile(r"^[-+*](?=\s|$)")
_RULE_OR_UNDERLINE = re.compile(r"^([-*_=])(?:\s*\1)*\s*$")
_ORDERED = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")
_FENCE = re.compile(r"^(?:`{3,}|~{3,})")
_LINK_DEFINITION = re.compile(r"^\[[^\]]*\]:")


def placeholder(what: str) -> str:
    """A visible gap for the author: `_[To fill: what users experienced]_`."""
    return PLACEHOLDER_FORM.format(what=what)


def escape_html(text: str) -> str:
    """Turn `<`, `>` and entity-forming `&` into entities: no raw HTML, comments or pings."""
    text = _ENTITY_AMPERSAND.sub("&amp;", text)
    return text.replace("<", "&lt;").replace(">", "&gt;")


def neutralise_line_start(line: str) -> str:
    """Escape a line's first character when Markdown would read it as block structure."""
    line = line.lstrip()
    if _ORDERED.match(line):
        return _ORDERED.sub(r"\1\\\2", line, count=1)
    if (
        _HEADING_OR_ROW.match(line)
        or _BULLET.match(line)
        or _RULE_OR_UNDERLINE.match(line)
        or _FENCE.match(line)
        or _LINK_DEFINITION.match(line)
    ):
        return "\\" + line
    return line


def inline(text: str) -> str:
    """User text for inside a line: line breaks become spaces, HTML and line starts are inert.

    Pipes are escaped too, so the text is safe in a table cell as the template docs promise.
    """
    return neutralise_line_start(escape_html(" ".join(_lines(text))).replace("|", "\\|"))


def heading(text: str) -> str:
    """User text for inside a heading: as `inline`, and trailing `#` stays part of the text."""
    shown = inline(text)
    # rstrip, not a `#+$` search: a regex tried at every `#` of a long run is quadratic.
    kept = shown.rstrip("#")
    return shown if kept == shown else kept + "\\" + shown[len(kept) :]


def block(text: str) -> str:
    """User text as paragraphs of its own: every line inert, pipes escaped, one blank between."""
    paragraphs: list[list[str]] = [[]]
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            if paragraphs[-1]:
                paragraphs.append([])
            continue
        line = neutralise_line_start(escape_html(line).replace("|", "\\|"))
        paragraphs[-1].append(line)
    return "\n\n".join("\n".join(lines) for lines in paragraphs if lines)


def cell(text: str) -> str:
    """User text for a table cell: pipes and backslashes escaped, line breaks as `<br>`."""
    lines = (escape_html(line.replace("\\", "\\\\")).replace("|", "\\|") for line in _lines(text))
    return "<br>".join(lines)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]
