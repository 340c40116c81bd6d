"""Markdown to HTML for articles. Raw HTML in the source is escaped (html=False), and
markdown-it refuses javascript:/vbscript:/data: links, so an author cannot inject script."""

from __future__ import annotations

from markdown_it import MarkdownIt
from markupsafe import Markup

_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def to_html(body: str) -> Markup:
    return Markup(_MD.render(body))  # noqa: S704 - html=False: the renderer escapes all source HTML
