from django import template
from django.utils.safestring import SafeString, mark_safe

from portfolio.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> SafeString:
    """Render a learner's Markdown; the output is sanitised by portfolio.markdown."""
    return mark_safe(render_markdown(text or ""))  # noqa: S308  # sanitised by nh3 above
