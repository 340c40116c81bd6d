"""Markdown to HTML for articles. Raw HTML in the source is escaped (html=False), and
markdown-it refuses javascript:/vbscript:/data: links, so an author cannot inject script."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore


def _aligned_by_class(state: StateCore) -> None:
    # A table column's alignment comes out as a style attribute, which the pages' CSP refuses;
    # app.css has the same alignments as classes.
    for token in state.tokens:
        if token.type in ("th_open", "td_open"):
            style = str(token.attrs.pop("style", ""))
            if style.startswith("text-align:"):
                token.attrSet("class", "align-" + style.removeprefix("text-align:"))


@cache
def _renderer() -> MarkdownIt:
    # Built on the first article shown rather than at import: markdown-it is ~80 ms of startup.
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    md.core.ruler.push("aligned_by_class", _aligned_by_class)
    return md


def to_html(body: str) -> Markup:
    return Markup(_renderer().render(body))  # noqa: S704 - html=False: the renderer escapes all source HTML
