"""Checks on the badge image of a micro-credential.

A badge is shown on public pages and, once signing arrives, embedded in Open Badges
documents, whose baked badges must be PNG. Its type is decided by its bytes, through the same
inspector as evidence uploads, never by its name or the browser's Content-Type.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portfolio.uploads import (
    FileTooLarge,
    ProcessedImage,
    format_size_limit,
    inspect_upload,
    process_image,
    read_within_limit,
)

BADGE_MAX_BYTES = 2 * 1024 * 1024
BADGE_MIN_SIDE = 200
# Refusals of the inspector that already describe a badge's problem well; any other one
# (SVG, HTML, an unknown format) is replaced by the badge's own rule.
_PASSED_THROUGH = frozenset({"damaged", "too_many_pixels"})


def validate_badge_image(file: File[bytes]) -> ProcessedImage:
    """Check a badge upload and return it re-encoded, without metadata.

    Raises ValidationError, with every problem found, unless the file is a real PNG of at
    most 2 MB that is square and at least 200x200 pixels.
    """
    try:
        data = read_within_limit(file, limit=BADGE_MAX_BYTES)
    except FileTooLarge as too_large:
        if too_large.size is not None:
            raise ValidationError(
                _("The badge image is %(size)s; the limit is %(limit)s.")
                % {
                    "size": filesizeformat(too_large.size),
                    "limit": format_size_limit(BADGE_MAX_BYTES),
                },
                code="too_large",
            ) from None
        raise ValidationError(
            _("The badge image is larger than the limit of %(limit)s.")
            % {"limit": format_size_limit(BADGE_MAX_BYTES)},
            code="too_large",
        ) from None
    if not data:
        raise ValidationError(_("The badge image file is empty."), code="empty")
    must_be_png = _("The badge image must be a PNG file")
    try:
        inspected = inspect_upload(data)
    except ValidationError as error:
        if error.code in _PASSED_THROUGH:
            raise
        raise ValidationError(
            _("%(rule)s; this file is not one.") % {"rule": must_be_png}, code="not_png"
        ) from None
    if inspected.content_type != "image/png":
        raise ValidationError(
            _("%(rule)s; this file is %(what)s.")
            % {"rule": must_be_png, "what": inspected.label_with_article},
            code="not_png",
        )
    # Decoded through the upload pipeline, which refuses truncated images whatever another
    # library set Pillow to tolerate, and re-encoded without metadata.
    processed = process_image(data)
    width, height = processed.width, processed.height
    problems = []
    if width != height:
        problems.append(
            ValidationError(
                _("The badge image must be square; this one is %(width)dx%(height)d pixels.")
                % {"width": width, "height": height},
                code="not_square",
            )
        )
    if min(width, height) < BADGE_MIN_SIDE:
        problems.append(
            ValidationError(
                _(
                    "The badge image must be at least %(min)dx%(min)d pixels; this one is %(width)dx%(height)d."
                )
                % {"min": BADGE_MIN_SIDE, "width": width, "height": height},
                code="too_small",
            )
        )
    if problems:
        raise ValidationError(problems)
    return processed
