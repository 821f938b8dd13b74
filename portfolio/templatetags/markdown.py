from django import template
from django.utils.safestring import SafeString, mark_safe

from portfolio.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str, below: int = 1) -> SafeString:
    """Render a learner's Markdown; the output is sanitised by portfolio.markdown.

    ``{{ item.body|markdown:3 }}`` under an h3 makes the text's own headings h4 and deeper.
    """
    return mark_safe(render_markdown(text or "", below=int(below)))  # noqa: S308  # sanitised by nh3 above
