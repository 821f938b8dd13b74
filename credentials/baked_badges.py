"""A credential's baked badge: its badge image carrying the signed credential (credentials.vc.baking).

The image is the micro-credential's badge as uploaded (a PNG, re-encoded on upload by the
admin form), or, for a micro-credential without one, a generated badge like the one the
pages draw: its initials on a hexagon in its colour. Badges are only ever PNGs, so the SVG
is a small document that shows the PNG (or, for a generated badge, draws it).
"""

from __future__ import annotations

import io
import logging
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from credentials.models import MicroCredential
from credentials.selectors.credential_pages import BadgeToBake
from credentials.templatetags.credential_badges import badge_hue, badge_initials
from credentials.validators import BADGE_MAX_BYTES
from credentials.vc import baking

logger = logging.getLogger(__name__)

# The generated badge's colours (static/css/credentials.css, .badge-hue-N) and shape (its
# clip-path), so a downloaded badge looks like the one on the page.
HUES = ("#1f4e79", "#1e7a46", "#7a3e9d", "#a34b12", "#0f6b75", "#9c2c4a")
GENERATED_SIZE = 256
_HEXAGON = ((0.25, 0.05), (0.75, 0.05), (1.0, 0.5), (0.75, 0.95), (0.25, 0.95), (0.0, 0.5))


def _stored_badge(name: str) -> bytes | None:
    """The uploaded badge image, or None when it cannot be read as a sound PNG."""
    storage = MicroCredential._meta.get_field("badge_image").storage
    try:
        with storage.open(name, "rb") as badge:
            data: bytes = badge.read(BADGE_MAX_BYTES + 1)
        baking.png_size(data)
    except (OSError, baking.BakingError):
        # A badge lost from storage, or one stored before uploads were checked: the generated
        # badge stands in, as it does on the pages, and the download still works.
        logger.warning("Badge image %s cannot be used for baking; using a generated one.", name)
        return None
    if len(data) > BADGE_MAX_BYTES:
        logger.warning("Badge image %s is over the upload limit; using a generated one.", name)
        return None
    return data


@lru_cache(maxsize=64)
def _generated_png(hue: int, initials: str) -> bytes:
    image = Image.new("RGBA", (GENERATED_SIZE, GENERATED_SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    size = GENERATED_SIZE
    draw.polygon([(x * size, y * size) for x, y in _HEXAGON], fill=HUES[hue])
    font = ImageFont.load_default(size=size * 0.36)
    draw.text((size / 2, size / 2), initials, fill="#ffffff", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _generated_svg(hue: int, initials: str, title: str) -> str:
    size = GENERATED_SIZE
    points = " ".join(f"{x * size:g},{y * size:g}" for x, y in _HEXAGON)
    return (
        f'<svg xmlns="{baking.SVG_NAMESPACE}" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}" role="img">'
        f"<title>{baking.escape_xml(title)}</title>"
        f'<polygon points="{points}" fill="{HUES[hue]}"/>'
        f'<text x="{size / 2:g}" y="{size / 2:g}" fill="#ffffff" font-family="sans-serif" '
        f'font-size="{size * 0.36:g}" font-weight="800" text-anchor="middle" '
        f'dominant-baseline="central">{baking.escape_xml(initials)}</text></svg>'
    )


def _badge_png(badge: BadgeToBake) -> bytes | None:
    return _stored_badge(badge.badge_image) if badge.badge_image else None


def baked_png(badge: BadgeToBake) -> bytes:
    """The badge as a PNG with the signed credential in its openbadgecredential chunk."""
    image = _badge_png(badge) or _generated_png(
        badge_hue(badge.micro_credential_id), badge_initials(badge.title)
    )
    return baking.bake_png(image, badge.document)


def baked_svg(badge: BadgeToBake) -> bytes:
    """The badge as an SVG with the signed credential in its openbadges:credential element."""
    image = _badge_png(badge)
    if image is None:
        svg = _generated_svg(
            badge_hue(badge.micro_credential_id), badge_initials(badge.title), badge.title
        )
    else:
        width, height = baking.png_size(image)
        svg = baking.svg_wrapping_png(image, width=width, height=height, title=badge.title)
    return baking.bake_svg(svg, badge.document)


def generated_png(micro_credential: MicroCredential) -> bytes:
    """The generated badge of a micro-credential, as a PNG."""
    return _generated_png(badge_hue(micro_credential.pk), badge_initials(micro_credential.title))


def baked_open_badges_2_png(micro_credential: MicroCredential, *, assertion_url: str) -> bytes:
    """The badge as an Open Badges 2.0 PNG: the hosted Assertion's URL in its openbadges chunk."""
    name = micro_credential.badge_image.name
    image = (_stored_badge(name) if name else None) or generated_png(micro_credential)
    return baking.bake_png(image, assertion_url, keyword=baking.OB2_PNG_KEYWORD)
