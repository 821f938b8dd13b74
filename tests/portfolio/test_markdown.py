import hashlib

import pytest
from django.core.cache import cache
from django.template import Context, Template

from portfolio import markdown
from portfolio.markdown import render_markdown


def test_script_tags_are_removed():
    html = render_markdown("Hello\n\n<script>alert('x')</script>")
    assert "<script" not in html
    assert "alert" not in html
    assert "<p>Hello</p>" in html


def test_event_handlers_are_removed():
    html = render_markdown('<img src="x" onerror="alert(1)"> <p onclick="alert(2)">Hi</p>')
    # The paragraph stays, without its handler; images are not on the allow-list at all.
    assert "<p>Hi</p>" in html
    assert "onerror" not in html
    assert "onclick" not in html
    assert "<img" not in html


def test_javascript_links_lose_their_target():
    html = render_markdown(
        '[click me](javascript:alert(1)) and <a href="JaVaScRiPt:alert(2)">x</a>'
    )
    assert "javascript" not in html.lower()
    assert "click me" in html


def test_style_and_iframes_are_removed():
    html = render_markdown(
        '<style>body{display:none}</style><iframe src="https://evil.example"></iframe>Text'
    )
    assert "<p>Text</p>" in html
    assert "<style" not in html
    assert "body{display:none}" not in html
    assert "<iframe" not in html


def test_web_links_are_kept_with_a_safe_rel():
    html = render_markdown("[my project](https://example.org/work)")
    assert html == (
        '<p><a href="https://example.org/work" rel="nofollow noopener noreferrer">my project</a></p>'
    )


def test_emphasis_lists_and_code_are_kept():
    html = render_markdown("Some **bold** and *italic* text.\n\n* one\n* two\n\n`code`")
    assert "<strong>bold</strong>" in html
    assert "<em>italic</em>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<code>code</code>" in html


def test_tables_are_kept():
    html = render_markdown("| Skill | Level |\n| --- | --- |\n| SQL | 3 |\n")
    assert "<table>" in html
    assert "<th>Skill</th>" in html
    assert "<td>SQL</td>" in html


def test_template_filter_renders_sanitised_html_unescaped():
    template = Template("{% load markdown %}{{ body|markdown }}")
    rendered = template.render(Context({"body": "*hi* <script>x()</script>"}))
    assert rendered == "<p><em>hi</em> </p>"


def test_template_filter_accepts_an_empty_value():
    template = Template("{% load markdown %}{{ body|markdown }}")
    assert template.render(Context({"body": None})) == ""


def test_headings_start_one_level_below_the_heading_they_sit_under():
    html = render_markdown("# Title\n\nText\n\n## Part\n\n### Detail", below=3)
    assert html == "<h4>Title</h4>\n<p>Text</p>\n<h5>Part</h5>\n<h6>Detail</h6>"


def test_the_texts_highest_heading_comes_right_below_whatever_it_was_written_as():
    html = render_markdown("## What happened\n\nA lot.\n\n### Why", below=3)
    assert html == "<h4>What happened</h4>\n<p>A lot.</p>\n<h5>Why</h5>"


def test_skipped_levels_are_closed_up():
    html = render_markdown("# A\n\n### B\n\n#### C\n\n## D", below=1)
    assert html == "<h2>A</h2>\n<h3>B</h3>\n<h4>C</h4>\n<h3>D</h3>"


def test_headings_never_go_deeper_than_h6():
    html = render_markdown("# Deep\n\n## Deeper\n\n### Deepest", below=4)
    assert html == "<h5>Deep</h5>\n<h6>Deeper</h6>\n<h6>Deepest</h6>"


def test_raw_html_headings_are_shifted_too():
    html = render_markdown("<h1>Loud</h1>\n\nText", below=2)
    assert "<h3>Loud</h3>" in html
    assert "<h1>" not in html
    assert "<p>Text</p>" in html


def test_without_a_level_headings_start_below_the_pages_h1():
    assert render_markdown("# Title") == "<h2>Title</h2>"


def test_template_filter_takes_the_level_of_the_heading_above():
    template = Template("{% load markdown %}<h3>Card</h3>{{ body|markdown:3 }}")
    rendered = template.render(Context({"body": "# Mine\n\n## Smaller"}))
    assert rendered == "<h3>Card</h3><h4>Mine</h4>\n<h5>Smaller</h5>"


@pytest.fixture
def fresh_process():
    # Each process keeps its last renderings: start and end these tests without them.
    markdown._render_kept.cache_clear()
    yield
    markdown._render_kept.cache_clear()


def test_rendered_html_is_kept_in_the_shared_cache_by_text_level_and_renderer(
    monkeypatch, fresh_process
):
    text = "A **kept** reflection about cached rendering."
    html = "<p>A <strong>kept</strong> reflection about cached rendering.</p>"
    assert render_markdown(text, below=3) == html
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert markdown._RENDERER.startswith(f"{markdown.RENDERER_VERSION}:")
    assert cache.get(f"markdown:{markdown._RENDERER}:3:{digest}") == html
    # Another process (no copy of its own) takes the shared cache's copy, without rendering.
    markdown._render_kept.cache_clear()
    monkeypatch.setattr(markdown, "_render", lambda text, below: "not rendered again")
    assert render_markdown(text, below=3).startswith("<p>A <strong>kept</strong>")
    # Another level, or another text, is another entry: rendered, never taken from this one.
    assert render_markdown(text, below=2) == "not rendered again"
    assert render_markdown(text + " Edited.", below=3) == "not rendered again"


def test_a_new_renderer_version_renders_again(monkeypatch, fresh_process):
    text = "Rendered by *one* version of the rules."
    assert render_markdown(text) == "<p>Rendered by <em>one</em> version of the rules.</p>"
    markdown._render_kept.cache_clear()
    monkeypatch.setattr(markdown, "_RENDERER", "next-version")
    monkeypatch.setattr(markdown, "_render", lambda text, below: "<p>new rules</p>")
    assert render_markdown(text) == "<p>new rules</p>"
