"""Article markdown: rendered, with the author's HTML shown as text and script links refused."""

from __future__ import annotations

from bedside.education.content import to_html


def test_markdown_is_rendered():
    html = to_html("# 入院须知\n\n- **身份证**\n\n| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<h1>入院须知</h1>" in html
    assert "<li><strong>身份证</strong></li>" in html
    assert "<table>" in html


def test_html_in_the_source_is_escaped_never_rendered():
    html = to_html('<script>alert(1)</script>\n\n<img src=x onerror="alert(2)"> <b>bold</b>')
    assert "<script" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;" in html


def test_script_links_are_not_links():
    html = to_html(
        "[click](javascript:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [ok](https://example.org)"
    )
    assert 'href="javascript' not in html and 'href="data:' not in html
    assert '<a href="https://example.org">ok</a>' in html
