"""Markdown for learners' reflections, rendered to HTML that is safe to show anyone.

Markdown itself passes raw HTML through, so its output goes through nh3 (the ammonia
sanitiser) with a short allow-list: no script, style, iframes, event handlers or
javascript: links survive. Links open with rel="nofollow noopener".
"""

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> str:
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
