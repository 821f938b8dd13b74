"""Markdown for learners' reflections, rendered to HTML that is safe to show anyone.

Markdown itself passes raw HTML through, so its output goes through nh3 (the ammonia
sanitiser) with a short allow-list: no script, style, iframes, event handlers or
javascript: links survive. Links open with rel="nofollow noopener".

Headings are moved below the heading the text sits under (``below``): the text's first and
highest heading inside a card titled by an h3 becomes an h4, whether the learner wrote "#" or
"##", so the learner's heading never outranks the card's title. Levels the text skips are
closed up (a "###" right after a "#" becomes the next level down), so the page's heading order
never skips one; HTML stops at h6, and so do they.

Rendering is slow (a page of thirty reflections spent most of its time here) and its result
depends only on the text, ``below`` and the renderer, so it is kept by a hash of those: in
the shared cache, and in each process for the texts it rendered last. Nothing needs
forgetting; an edited text has another hash, and a change to the rules below bumps
RENDERER_VERSION, which (with the libraries' versions) is part of every key.
"""

import functools
import hashlib
import re
from importlib.metadata import version

import markdown as markdown_lib
import nh3
from django.core.cache import cache

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "table", "thead",
    "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"align"}, "td": {"align"}}


# After nh3, a heading tag is exactly <hN> or </hN>: headings may carry no attributes.
HEADING_TAG = re.compile(r"<(/?)h([1-6])>")
DEEPEST_HEADING = 6

# Bump when the output of _render changes for the same text (tags, attributes, headings).
RENDERER_VERSION = 1
_RENDERER = f"{RENDERER_VERSION}:{markdown_lib.__version__}:{version('nh3')}"
CACHE_TIMEOUT_SECONDS = 30 * 24 * 60 * 60


def render_markdown(text: str, *, below: int = 1) -> str:
    """Safe HTML for ``text``, its headings starting one level below an h``below``."""
    return _render_kept(text, below)


@functools.lru_cache(maxsize=512)
def _render_kept(text: str, below: int) -> str:
    digest = hashlib.sha256(text.encode()).hexdigest()
    key = f"markdown:{_RENDERER}:{below}:{digest}"
    html = cache.get(key)
    if not isinstance(html, str):
        html = _render(text, below=below)
        cache.set(key, html, timeout=CACHE_TIMEOUT_SECONDS)
    return html


def _render(text: str, *, below: int) -> str:
    html = markdown_lib.markdown(text, extensions=["extra", "sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return _move_headings(clean, below=below)


def _move_headings(html: str, *, below: int) -> str:
    written = [int(level) for closing, level in HEADING_TAG.findall(html) if not closing]
    if not written:
        return html
    highest = min(written)
    shown: list[int] = []  # the level given to each opening tag so far, in document order

    def move(tag: re.Match[str]) -> str:
        if tag[1]:  # a closing tag matches the opening tag before it
            return f"</h{shown[-1]}>"
        wanted = int(tag[2]) - highest + below + 1
        level = min(wanted, (shown[-1] if shown else below) + 1, DEEPEST_HEADING)
        shown.append(level)
        return f"<h{level}>"

    return HEADING_TAG.sub(move, html)
