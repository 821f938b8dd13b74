"""The generated badge shown for a micro-credential that has no badge image yet."""

from django import template

register = template.Library()

# Small words that would make poor initials ("Introduction to Data" reads as "ID").
_SKIPPED = frozenset({"a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "&"})
BADGE_HUES = 6


@register.filter
def badge_initials(title: str) -> str:
    """Up to two initials from the significant words of a title."""
    words = [word for word in str(title).split() if word.lower() not in _SKIPPED]
    initials = "".join(word[0] for word in words if word[:1].isalnum())[:2]
    return initials.upper() or "◆"


@register.filter
def badge_hue(pk: int | None) -> int:
    """A stable colour (a CSS class suffix) per micro-credential, so badges differ."""
    return (pk or 0) % BADGE_HUES
